//! Reports and situation reports through the CLI: templates, the approval flow and
//! who may take each step, frozen approved text, versions, export.

use crate::common::Home;

fn staff() -> Home {
    let h = Home::new();
    h.staff_room();
    h
}

fn as_(h: &Home, user: &str, args: &[&str]) -> String {
    let mut full = vec!["--user", user];
    full.extend_from_slice(args);
    h.ok(&full)
}

fn fails_as(h: &Home, user: &str, args: &[&str]) -> String {
    let mut full = vec!["--user", user];
    full.extend_from_slice(args);
    h.fails(&full).1
}

fn report(h: &Home, n: i64) -> serde_json::Value {
    serde_json::from_str(&h.ok(&["report", "show", &n.to_string(), "--json"])).unwrap()
}

#[test]
fn a_sitrep_from_draft_to_distributed() {
    let h = staff();
    assert_eq!(as_(&h, "bjørn", &["report", "new"]).trim(), "1");
    let r = report(&h, 1);
    assert_eq!(r["title"], "Situasjonsrapport 1");
    assert_eq!(r["status"], "utkast");
    assert_eq!(r["version"], 1);
    let text = r["text"].as_str().unwrap();
    assert!(
        text.starts_with("# Situasjonsrapport 1")
            && text.contains("**Hendelse:** Flom i Lågen")
            && text.contains("**Utarbeidet av:** bjørn"),
        "{text}"
    );
    assert!(text.contains("## 3. Iverksatte tiltak") && text.contains("## 6. Neste rapport"), "{text}");

    // the writer fills it in and submits; the writer may not approve
    let f = h.path().join("sitrep.md");
    std::fs::write(
        &f,
        "# Situasjonsrapport 1\n\n## 1. Situasjonsbeskrivelse\nLågen flommer over ved Gokstad.\n",
    )
    .unwrap();
    as_(&h, "bjørn", &["report", "edit", "1", "--file", f.to_str().unwrap()]);
    as_(&h, "bjørn", &["report", "submit", "1"]);
    let err = fails_as(&h, "bjørn", &["report", "approve", "1"]);
    assert!(
        err.contains("bjørn (beredskapsmedarbeider) may not approve reports") && err.contains("kriseledelse"),
        "{err}"
    );
    // while it waits for approval nobody edits it
    let err = fails_as(&h, "bjørn", &["report", "edit", "1", "--file", f.to_str().unwrap()]);
    assert!(err.contains("cannot be changed"), "{err}");

    // returned with a comment, fixed, resubmitted, approved
    let err = fails_as(&h, "åse", &["report", "return", "1", "--comment", " "]);
    assert!(err.contains("say why"), "{err}");
    as_(&h, "åse", &["report", "return", "1", "--comment", "Mangler antall evakuerte"]);
    assert_eq!(report(&h, 1)["status"], "returnert");
    assert_eq!(report(&h, 1)["comment"], "Mangler antall evakuerte");
    std::fs::write(
        &f,
        "# Situasjonsrapport 1\n\n## 1. Situasjonsbeskrivelse\nLågen flommer over. 36 beboere evakuert.\n",
    )
    .unwrap();
    as_(&h, "bjørn", &["report", "edit", "1", "--file", f.to_str().unwrap()]);
    as_(&h, "bjørn", &["report", "submit", "1"]);
    as_(&h, "åse", &["--lang", "nb", "report", "approve", "1"]);
    let r = report(&h, 1);
    assert_eq!(r["status"], "godkjent");
    assert_eq!(r["approved_by"], "åse");
    assert!(r["approved_at"].is_string());

    // approved text is frozen; a new version is a new draft with the same text
    let err = fails_as(&h, "bjørn", &["report", "edit", "1", "--file", f.to_str().unwrap()]);
    assert!(err.contains("cannot be changed; start a new version"), "{err}");
    as_(&h, "bjørn", &["report", "distribute", "1"]);
    as_(&h, "bjørn", &["report", "new-version", "1"]);
    let v2 = report(&h, 1);
    assert_eq!((v2["version"].as_i64(), v2["status"].as_str()), (Some(2), Some("utkast")));
    assert!(v2["text"].as_str().unwrap().contains("36 beboere evakuert"));
    let v1: serde_json::Value =
        serde_json::from_str(&h.ok(&["report", "show", "1", "--version", "1", "--json"])).unwrap();
    assert_eq!(v1["status"], "distribuert", "every version is kept as it was");

    // the log has every step, tagged #rapport, and the chain holds
    let steps: Vec<String> = h
        .entries()
        .iter()
        .filter(|e| e["tags"] == serde_json::json!(["rapport"]))
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "Rapport 1 «Situasjonsrapport 1» v1 opprettet (situasjonsrapport)",
            "Rapport 1 «Situasjonsrapport 1» v1 sendt til godkjenning",
            "Rapport 1 «Situasjonsrapport 1» v1 returnert: «Mangler antall evakuerte»",
            "Rapport 1 «Situasjonsrapport 1» v1 sendt til godkjenning",
            "Rapport 1 «Situasjonsrapport 1» v1 godkjent av åse",
            "Rapport 1 «Situasjonsrapport 1» v1 distribuert",
            "Rapport 1 «Situasjonsrapport 1» v2 påbegynt",
        ]
    );
    h.ok(&["log", "verify"]);
}

#[test]
fn refusals_and_templates() {
    let h = staff();
    as_(&h, "bjørn", &["report", "new", "--template", "pressemelding", "--title", "Evakuering av Gokstad"]);
    let err = fails_as(&h, "åse", &["report", "approve", "1"]);
    assert!(err.contains("utkast") || err.contains("draft"), "nothing is approved unsubmitted: {err}");
    let err = fails_as(&h, "ola", &["report", "new"]);
    assert!(err.contains("ola (gjest) may not write reports"), "{err}");
    let err = fails_as(&h, "bjørn", &["report", "new", "--template", "dikt"]);
    assert!(err.contains("unknown template 'dikt'") && err.contains("møtereferat"), "{err}");
    let err = fails_as(&h, "bjørn", &["report", "new-version", "1"]);
    assert!(err.contains("no new version is needed"), "{err}");
    // a template of one's own, from the config folder
    std::fs::create_dir_all(h.config_dir().join("templates")).unwrap();
    std::fs::write(
        h.config_dir().join("templates/evakueringsvarsel.md"),
        "# {title}\nAlle i {incident} må evakuere.\n",
    )
    .unwrap();
    assert!(h.ok(&["report", "templates"]).lines().any(|l| l == "evakueringsvarsel"));
    as_(&h, "bjørn", &["report", "new", "--template", "evakueringsvarsel"]);
    assert!(report(&h, 2)["text"].as_str().unwrap().contains("Alle i Flom i Lågen må evakuere."));
    assert_eq!(report(&h, 2)["title"], "Evakueringsvarsel 1");
    let list = h.ok(&["report", "list"]);
    assert!(list.contains("Evakuering av Gokstad") && list.contains("Evakueringsvarsel 1"), "{list}");
}

#[test]
fn export_as_markdown_and_text() {
    let h = staff();
    as_(&h, "bjørn", &["report", "new"]);
    as_(&h, "bjørn", &["report", "submit", "1"]);
    as_(&h, "åse", &["report", "approve", "1"]);
    let md = h.ok(&["report", "export", "1"]);
    assert!(md.starts_with("<!-- sitroom: hendelse 1 «Flom i Lågen», rapport 1 versjon 1, situasjonsrapport, godkjent av åse"), "{md}");
    assert!(md.contains("## 1. Situasjonsbeskrivelse"));
    let out = h.path().join("sitrep.txt");
    h.ok(&["report", "export", "1", "--format", "txt", "--out", out.to_str().unwrap()]);
    let txt = std::fs::read_to_string(&out).unwrap();
    assert!(txt.starts_with("Hendelse 1 «Flom i Lågen» – rapport 1 versjon 1 (godkjent av åse"), "{txt}");
    assert!(
        txt.contains("\n1. Situasjonsbeskrivelse\n") && !txt.contains("##") && !txt.contains("**"),
        "{txt}"
    );
}

/// A new sitrep can start from the log since the last approved one: every line an
/// entry's or a record's, with its reference; what came before, or was taken back,
/// stays out.
#[test]
fn a_sitrep_drafted_from_the_log_since_the_last_approved_one() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Vestfold", "--type", "flom"]);
    h.ok(&["log", "add", "Før rapporten"]);
    h.ok(&["report", "new"]);
    h.ok(&["report", "submit", "1"]);
    h.ok(&["report", "approve", "1"]);
    h.ok(&["log", "add", "!Evakuere Gokstad sykehjem"]);
    h.ok(&["log", "add", "!Stenge skolene i morgen"]);
    let wrong = h.entries().last().unwrap()["seq"].as_i64().unwrap().to_string();
    h.ok(&["log", "retract", &wrong]);
    h.ok(&["log", "add", "< NRK Vestfold: spør om evakueringen"]);
    h.ok(&["board", "new", "Stab"]);
    h.ok(&["board", "figure", "Stab", "evakuerte", "36", "--unit", "personer"]);
    h.ok(&["board", "figure", "Stab", "evakuerte", "41"]);
    h.ok(&["task", "add", "--title", "Bestille drivstoff"]);
    h.ok(&["task", "add", "--title", "Ringe BST-brukerne"]);
    h.ok(&["task", "status", "1", "utført"]);
    h.ok(&["media", "add", "VG: Hvor mange er evakuert?"]);
    let n = h.ok(&["report", "new", "--from-log"]).trim().to_string();
    let text = h.ok(&["report", "show", &n]);
    let seq_of = |needle: &str| {
        let e = h.entries().into_iter().find(|e| e["text"].as_str().unwrap().contains(needle)).unwrap();
        format!("[#{}]", e["seq"])
    };
    for (needle, part) in [
        ("Evakuere Gokstad sykehjem", "### Beslutninger"),
        ("Nøkkeltall «evakuerte» på tavla «Stab»: 41 (var 36)", "### Nøkkeltall og endringer"),
        ("Oppgave 1 «Bestille drivstoff»: ny → utført", "### Oppgaver utført"),
        ("Mediehenvendelse 1 (VG) registrert", "### Mediehenvendelser"),
        ("< NRK Vestfold: spør om evakueringen", "### Meldinger inn og ut"),
    ] {
        let at = text.find(part).unwrap_or_else(|| panic!("{part}:\n{text}"));
        let line =
            text[at..].lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}:\n{text}"));
        assert!(line.ends_with(&seq_of(needle)), "each line names its entry: {line}");
    }
    assert!(text.contains("- evakuerte: 41 personer (tavla «Stab»)"), "{text}");
    assert!(text.contains("- Oppgave 2: Ringe BST-brukerne"), "open tasks as they stand: {text}");
    assert!(!text.contains("Før rapporten"), "before the approved sitrep: {text}");
    assert!(!text.contains("Stenge skolene"), "what was taken back is no decision: {text}");
    assert!(
        text.contains("## 1. Situasjonsbeskrivelse"),
        "the template's sections stay for the writer: {text}"
    );
}
