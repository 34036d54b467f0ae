//! The printed binder and incident, read back through pdftotext: Norwegian letters,
//! headers and page numbers.

use crate::common::{busy_incident, Home};
use std::path::Path;

fn pdftotext(pdf: &Path) -> String {
    let out = crate::common::tool("pdftotext", "poppler-utils")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_binder_and_an_incident_print_as_pdf_with_norwegian_letters_headers_and_page_numbers() {
    let h = Home::new();
    h.configure("installation = \"Sandefjord kommune\"\n");
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Åse Ødegård",
        "--function",
        "Kommunedirektør",
        "--phone",
        "913 00 000",
    ]);
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Bjørn Æsøy",
        "--function",
        "Beredskapsleder",
        "--phone",
        "922 00 000",
    ]);
    h.ok(&["resource", "add", "--what", "Aggregat 100 kVA", "--location", "Brannstasjonen på Kodal"]);
    h.ok(&["alert", "list-new", "Kriseledelse", "--scenario", "alle hendelser"]);
    h.ok(&["alert", "member-add", "Kriseledelse", "--role", "leder", "--contact", "1"]);
    let pdf = h.path().join("perm.pdf");
    h.ok(&["print", "binder", "--out", pdf.to_str().unwrap()]);
    let text = pdftotext(&pdf);
    for expected in [
        "Sandefjord kommune – Beredskapsperm – utskrevet",
        "VARSLINGSLISTER",
        "Åse Ødegård",
        "913 00 000",
        "Bjørn Æsøy",
        "Aggregat 100 kVA",
        "Brannstasjonen på Kodal",
        "Bortfall av strøm",
        "[ ] ",
        "Side 1 av",
    ] {
        assert!(text.contains(expected), "the binder lacks {expected:?}:\n{text}");
    }
    let pages = text.matches("Side ").count();
    assert!(pages >= 5 && text.contains(&format!("Side {pages} av {pages}")), "{pages} pages");
    let plain = h.path().join("perm.txt");
    h.ok(&["print", "binder", "--out", plain.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&plain).unwrap().contains("Åse Ødegård"));

    busy_incident(&h);
    let pdf = h.path().join("hendelse.pdf");
    h.ok(&["print", "incident", "--out", pdf.to_str().unwrap()]);
    let text = pdftotext(&pdf);
    for expected in [
        "Hendelse 1: Flom i Sandefjord",
        "SISTE GODKJENTE SITUASJONSRAPPORT",
        "Vannet står 40 cm over flomvollen.",
        "ÅPNE OPPGAVER (1)",
        "Sjekk pumpestasjon Bøen",
        "BESLUTNING: Vi evakuerer Åsgårdstrand skole",
    ] {
        assert!(text.contains(expected), "the incident print lacks {expected:?}:\n{text}");
    }
    // The sitrep is printed as formatted text: its headings and bold as such, not as marks.
    assert!(!text.contains("**") && !text.contains("## "), "Markdown marks on paper:\n{text}");
}
