//! Reports shared upward between organisations through a real server and as files.

use crate::common::server::Server;
use crate::common::{incident, texts, Home};

const PARENT: &str = "Statsforvalteren i Vestfold og Telemark";

#[test]
fn municipalities_share_reports_upward_and_the_county_compiles_them() {
    let server = Server::start();
    for org in [PARENT, "Larvik kommune", "Sandefjord kommune", "Tønsberg kommune"] {
        server.add_org(org);
    }
    for org in ["Larvik kommune", "Sandefjord kommune"] {
        let out = server.admin(&["org", "parent", org, PARENT]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    server.add_user("lars", "Larvik kommune", &["kriseledelse"]);
    server.add_user("siri", "Sandefjord kommune", &["kriseledelse"]);
    server.add_user("tore", "Tønsberg kommune", &["kriseledelse"]);
    server.add_user("sara", PARENT, &["kriseledelse"]);

    let larvik = Home::new();
    larvik.login(&server.url, "lars");
    larvik.approved_sitrep("## Situasjon\nLågen går over sine bredder ved Kjelde.\n");
    let said = larvik.ok(&["report", "share", "1", "--upward"]);
    assert!(said.contains(PARENT), "{said}");
    assert!(texts(&larvik)
        .iter()
        .any(|t| t.starts_with("Rapport 1 versjon 1 «Situasjonsrapport 1» delt med Statsforvalteren")));

    let sandefjord = Home::new();
    sandefjord.login(&server.url, "siri");
    sandefjord.approved_sitrep("## Situasjon\nStrømmen er tilbake i Andebu.\n");
    sandefjord.ok(&["report", "share", "1", "--upward"]);

    // Tønsberg reports to no one: refused with a reason, and nothing logged.
    let tonsberg = Home::new();
    tonsberg.login(&server.url, "tore");
    tonsberg.approved_sitrep("## Situasjon\nRolig.\n");
    let (_, err) = tonsberg.fails(&["report", "share", "1", "--upward"]);
    assert!(err.contains("reports to no one"), "{err}");
    assert!(!texts(&tonsberg).iter().any(|t| t.contains("delt med")));

    // The county governor fetches them into its own incident.
    let county = Home::new();
    county.login(&server.url, "sara");
    county.ok(&["incident", "new", "--title", "Flom i Vestfold og Telemark", "--type", "flom"]);
    // The CLI speaks the user's language (this output was bokmål in every language).
    let inbox = county.ok(&["report", "inbox", "--lang", "nb"]);
    assert!(inbox.starts_with("2 nye delte rapporter"), "{inbox}");
    assert!(
        county.ok(&["report", "inbox", "--lang", "nb"]).starts_with("0 nye"),
        "fetching again brings nothing twice"
    );
    let log = texts(&county);
    assert!(log.iter().any(|t| t.starts_with("Mottatt situasjonsrapport fra Larvik kommune")), "{log:?}");
    assert!(log.iter().any(|t| t.starts_with("Mottatt situasjonsrapport fra Sandefjord kommune")));
    // A municipality sees none of what was shared with the county; it gets the
    // county's receipt, logged once in the incident the report came from.
    let back = larvik.ok(&["report", "inbox", "--lang", "nb"]);
    assert!(back.starts_with("0 nye") && back.contains("1 kvitteringer"), "{back}");
    let receipt = format!("{PARENT} har mottatt rapport 1 versjon 1 «Situasjonsrapport 1» (sara, ");
    assert_eq!(texts(&larvik).iter().filter(|t| t.starts_with(&receipt)).count(), 1, "{:?}", texts(&larvik));
    assert!(!larvik.ok(&["report", "inbox", "--lang", "nb"]).contains("kvittering"), "a receipt comes once");
    // Tønsberg's refused sharing never gets one.
    assert!(!tonsberg.ok(&["report", "inbox", "--lang", "nb"]).contains("kvittering"));
    // In each message journal: out to the county at Larvik, in from both at the
    // county (a receipt is no message), numbered by the server once synced.
    larvik.ok(&["sync"]);
    let out: serde_json::Value = serde_json::from_str(&larvik.ok(&["journal", "list", "--json"])).unwrap();
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0]["direction"].as_str(), out[0]["to"].as_str()), (Some("ut"), Some(PARENT)), "{out:?}");
    assert_eq!(out[0]["number"], 1);
    let came: serde_json::Value = serde_json::from_str(&county.ok(&["journal", "list", "--json"])).unwrap();
    let from: Vec<&str> = came.as_array().unwrap().iter().map(|i| i["from"].as_str().unwrap()).collect();
    assert_eq!(from, ["Larvik kommune", "Sandefjord kommune"], "{came}");

    // Side by side: both sources on one line, each column its own text.
    let shared = county.ok(&["report", "shared"]);
    let head = shared.lines().next().unwrap();
    assert!(head.contains("LARVIK KOMMUNE") && head.contains("SANDEFJORD KOMMUNE"), "{shared}");
    let body = shared.lines().find(|l| l.contains("Lågen går over")).unwrap();
    assert!(body.contains("Strømmen er tilbake"), "{shared}");

    // Compiled into the county's own report, with references to the sources.
    let n = county.ok(&["report", "compile", "--title", "Samlet situasjonsbilde"]).trim().to_string();
    let report = county.ok(&["report", "show", &n]);
    assert!(
        report.contains("## Larvik kommune [1]") && report.contains("Lågen går over sine bredder"),
        "{report}"
    );
    assert!(report.contains("## Sandefjord kommune [2]") && report.contains("Strømmen er tilbake i Andebu."));
    assert!(
        report.contains("## Kilder")
            && report.contains("[1] Larvik kommune: «Situasjonsrapport 1» (rapport 1 versjon 1")
    );
    assert!(texts(&county).iter().any(|t| t.contains("sammenstilt fra 2 delte rapporter")));
}

#[test]
fn a_report_shared_as_a_file_is_received_once_and_a_tampered_one_is_refused() {
    let a = Home::new();
    a.configure("installation = \"Larvik kommune\"\n");
    a.approved_sitrep("## Situasjon\nLågen går over sine bredder.\n");
    let file = a.path().join("rapport.json");
    a.ok(&["report", "share", "1", "--out", file.to_str().unwrap(), "--to", "Statsforvalteren (e-post)"]);
    assert!(texts(&a).iter().any(|t| t.contains("delt med Statsforvalteren (e-post)")));
    let xml = a.path().join("rapport.xml");
    a.ok(&["report", "share", "1", "--out", xml.to_str().unwrap(), "--format", "edxl"]);
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(xml.contains("<SitRep xmlns=\"urn:oasis:names:tc:emergency:EDXL:SitRep:1.0\">"));
    assert!(xml.contains("<Organisation>Larvik kommune</Organisation>") && xml.contains("Lågen går over"));

    let b = Home::new();
    incident(&b);
    let receive = |lang: &str| b.ok(&["report", "receive", "--lang", lang, file.to_str().unwrap()]);
    assert!(receive("nb").starts_with("mottatt fra Larvik kommune"));
    assert!(receive("en").starts_with("received before"));
    assert_eq!(texts(&b).iter().filter(|t| t.starts_with("Mottatt")).count(), 1);

    let tampered = b.path().join("endret.json");
    let body = std::fs::read_to_string(&file).unwrap().replace("Lågen går over", "Alt er rolig ved");
    std::fs::write(&tampered, body).unwrap();
    let (code, err) = b.fails(&["report", "receive", tampered.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not match its SHA-256"), "{err}");
}
