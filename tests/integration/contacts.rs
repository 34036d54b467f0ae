//! Contacts and resources through the real binary: CSV and vCard imports that are all
//! or nothing, Norwegian letters, availability.

use crate::common::{json, Home};

#[test]
fn a_csv_with_bad_rows_imports_nothing_and_names_each_bad_line() {
    let h = Home::new();
    let csv = h.path().join("kontakter.csv");
    std::fs::write(
        &csv,
        "\u{feff}Navn;Funksjon;Telefon;E-post;Grupper\n\
         Kari Nordmann;Kommunedirektør;912 34 567;kari@sandefjord.kommune.no;Kriseledelse\n\
         ;Ukjent;12345678;;\n\
         Per Hansen;Beredskapsleder;ring sentralen;;Kriseledelse\n\
         Åse Ødegård;Kommunikasjonssjef;+47 913 00 000;ase@sandefjord.kommune.no;Kriseledelse, Informasjon\n",
    )
    .unwrap();
    let out = h.run(&["contact", "import", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a refused import is not a success");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("line 3: a contact needs a name"), "{text}");
    assert!(text.contains("line 4: 'ring sentralen' is not a phone number"), "{text}");
    assert!(text.contains("nothing imported"), "{text}");
    assert_eq!(
        json(&h.ok(&["contact", "list", "--json"])).as_array().unwrap().len(),
        0,
        "nothing half-imported"
    );

    let report = json(&h.ok(&["contact", "import", csv.to_str().unwrap(), "--skip-bad", "--json"]));
    assert_eq!(report["added"], 2);
    assert_eq!(report["rejected"].as_array().unwrap().len(), 2);
    let again = json(&h.ok(&["contact", "import", csv.to_str().unwrap(), "--skip-bad", "--json"]));
    assert_eq!(
        (again["added"].as_i64(), again["skipped"].as_i64()),
        (Some(0), Some(2)),
        "importing twice adds nothing"
    );

    // Search as typed: without accents, by phone digits, every word.
    let found = json(&h.ok(&["contact", "search", "ase", "informasjon", "--json"]));
    assert_eq!(found[0]["name"], "Åse Ødegård");
    let by_phone = json(&h.ok(&["contact", "search", "91300000", "--json"]));
    assert_eq!(by_phone.as_array().unwrap().len(), 1);
    // Norwegian order: Å after K.
    let names: Vec<String> = json(&h.ok(&["contact", "list", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Kari Nordmann", "Åse Ødegård"]);

    // Out and in again elsewhere: the same contacts.
    let exported = h.path().join("ut.csv");
    h.ok(&["contact", "export", "--out", exported.to_str().unwrap()]);
    let other = Home::new();
    other.ok(&["contact", "import", exported.to_str().unwrap()]);
    let a = json(&h.ok(&["contact", "list", "--json"]));
    let b = json(&other.ok(&["contact", "list", "--json"]));
    for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
        for field in ["name", "function", "phones", "email", "groups"] {
            assert_eq!(x[field], y[field], "{field}");
        }
    }
}

#[test]
fn vcards_import_with_norwegian_letters() {
    let h = Home::new();
    let vcf = h.path().join("telefon.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bjørn Ærø\r\nTEL;TYPE=CELL:+47 400 00 001\r\nORG:Vestfold IKS\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:L=C3=B8v=C3=A5s;Siri\r\nEMAIL:siri@x.no\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let report = json(&h.ok(&["contact", "import", vcf.to_str().unwrap(), "--json"]));
    assert_eq!(report["added"], 2, "{report}");
    let list = h.ok(&["contact", "list"]);
    assert!(list.contains("Bjørn Ærø, Vestfold IKS") && list.contains("Siri Løvås"), "{list}");
}

#[test]
fn resources_import_list_and_change_availability() {
    let h = Home::new();
    let csv = h.path().join("ressurser.csv");
    std::fs::write(
        &csv,
        "ressurs,sted,antall,eier,tilgjengelighet\nAggregat 40 kVA,Brannstasjonen,2,Teknisk drift,tilgjengelig\nSatellittelefon,Rådhuset,1,Beredskap,\n",
    )
    .unwrap();
    h.ok(&["resource", "import", csv.to_str().unwrap()]);
    h.ok(&["resource", "set", "1", "--availability", "i bruk", "--location", "Sykehjemmet"]);
    let list = json(&h.ok(&["resource", "list", "--json", "--search", "aggregat"]));
    assert_eq!(list[0]["availability"], "i bruk");
    assert_eq!(list[0]["location"], "Sykehjemmet");
    let (_, err) = h.fails(&["resource", "set", "1", "--availability", "kanskje"]);
    assert!(err.contains("tilgjengelig, i bruk or utilgjengelig"), "{err}");
}

/// CSV as Norwegian Excel writes and reads it: Windows-1252 in, UTF-8 with a BOM and
/// `;` out; an unknown column stops the import with exit 1, as a bad row does.
#[test]
fn csv_the_way_norwegian_excel_has_it() {
    let h = crate::common::Home::new();
    let f = h.path().join("excel.csv");
    std::fs::write(&f, b"navn;funksjon;telefon\r\n\xc5se \xd8deg\xe5rd;Kommunedirekt\xf8r;913 00 000\r\n")
        .unwrap();
    let out = h.ok(&["--lang", "nb", "contact", "import", f.to_str().unwrap()]);
    assert!(out.contains("1 lagt til"), "{out}");
    let c: serde_json::Value = serde_json::from_str(&h.ok(&["contact", "list", "--json"])).unwrap();
    assert_eq!(c[0]["name"], "Åse Ødegård");
    assert_eq!(c[0]["function"], "Kommunedirektør");
    let out = h.path().join("ut.csv");
    h.ok(&["contact", "export", "--out", out.to_str().unwrap()]);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbfnavn;"), "a BOM and `;` for Excel");
    assert!(String::from_utf8(bytes).unwrap().contains("Åse Ødegård"));
    std::fs::write(&f, "navn;skostørrelse\nKari;38\n").unwrap();
    let run = h.run(&["contact", "import", f.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "an unknown column stops the import: exit 1");
    assert!(String::from_utf8_lossy(&run.stdout).contains("line 1: unknown column 'skostørrelse'"));
}
