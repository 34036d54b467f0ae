//! Action cards that become tasks, plans with revision dates and ROS measures that
//! become tasks, and EPS data only for those who may see it.

use crate::common::{json, Home};

#[test]
fn activating_a_card_makes_its_tasks_once_and_logs_it() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Mobilnettet er nede", "--type", "ekom-bortfall"]);
    let cards = h.ok(&["card", "list"]);
    for name in [
        "bortfall-av-strom",
        "bortfall-av-ekom",
        "digital-sikkerhetshendelse",
        "evakuering",
        "parorendesenter",
    ] {
        assert!(cards.contains(name), "{name} ships: {cards}");
    }
    let tasks = json(&h.ok(&["card", "activate", "bortfall-av-ekom", "--json"]));
    assert_eq!(tasks.as_array().unwrap().len(), 8);
    assert_eq!(tasks[0]["title"], "Koble til et annet WiFi-nettverk (gjestenett, nabobygg)");
    assert_eq!(tasks[0]["priority"], "høy");
    assert_eq!(tasks[0]["assignee"], "alle", "the role stands as the assignee");
    assert!(tasks[0]["due"].is_string());
    let board = json(&h.ok(&["task", "list", "--json"]));
    assert_eq!(board.as_array().unwrap().len(), 8);
    assert!(h.ok(&["log", "list"]).contains("Tiltakskort «Bortfall av ekom (mobilnett og internett)» aktivert: 8 oppgaver opprettet (oppgave 1–8)"));

    let (_, err) = h.fails(&["card", "activate", "bortfall-av-ekom"]);
    assert!(err.contains("was activated in incident 1") && err.contains("--again"), "{err}");
    assert_eq!(json(&h.ok(&["task", "list", "--json"])).as_array().unwrap().len(), 8, "no doubled tasks");
    h.ok(&["card", "activate", "bortfall-av-ekom", "--again"]);
    assert_eq!(json(&h.ok(&["task", "list", "--json"])).as_array().unwrap().len(), 16);

    // A municipality's own card, from a file, replacing nothing and activated the same way.
    let dir = h.path().join("kort");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vannforsyning.md"),
        "---\ntittel: Bortfall av vannforsyning\nscenario: vann\n---\n- [ ] Varsle Mattilsynet {rolle: kommuneoverlege, frist: 1t}\n- [ ] Utplasser vanntanker {ansvarlig: Teknisk drift, prioritet: kritisk}\n",
    )
    .unwrap();
    assert!(h.ok(&["card", "import", dir.to_str().unwrap()]).contains("vannforsyning added"));
    let tasks = json(&h.ok(&["card", "activate", "vannforsyning", "--json"]));
    assert_eq!(tasks[1]["assignee"], "Teknisk drift");
    assert_eq!(tasks[1]["priority"], "kritisk");
    std::fs::write(dir.join("vannforsyning.md"), "---\ntittel: Uten punkter\n---\n").unwrap();
    let (_, err) = h.fails(&["card", "import", dir.to_str().unwrap()]);
    assert!(err.contains("no items"), "{err}");
}

#[test]
fn plans_show_overdue_revisions_and_ros_measures_become_tasks() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Oppfølging av ROS 2026", "--type", "annet"]);
    h.ok(&[
        "plan",
        "new",
        "--title",
        "Overordnet beredskapsplan",
        "--owner",
        "Beredskapssjef",
        "--revise-by",
        "2020-01-01",
    ]);
    h.ok(&["plan", "new", "--title", "Evakuering", "--parent", "1", "--revise-by", "2099-12-31"]);
    h.ok(&["alert", "list-new", "Kriseledelse"]);
    h.ok(&["plan", "link", "1", "--alert-list", "Kriseledelse", "--card", "evakuering"]);
    // The CLI speaks the user's language (this output was bokmål in every language).
    let list = h.ok(&["plan", "list", "--lang", "nb"]);
    assert!(
        list.contains("Overordnet beredskapsplan  (Beredskapssjef)  REVISJON FORFALT 01.01.2020"),
        "{list}"
    );
    assert!(list.contains("    Evakuering  revideres innen 31.12.2099"), "the sub-plan indented: {list}");
    h.ok(&["resource", "add", "--what", "Aggregat 40 kVA"]);
    h.ok(&["plan", "link", "1", "--resource", "1"]);
    let plan = json(&h.ok(&["plan", "show", "1", "--json"]));
    assert_eq!(plan["links"].as_array().unwrap().len(), 3);
    // The kind of link is a word of the interface, in its language (it was bokmål in
    // every language before the domain stopped making words).
    assert!(
        h.ok(&["plan", "show", "1", "--lang", "nb"]).contains("ressurs: 1 Aggregat 40 kVA"),
        "a resource is named, not an id"
    );
    assert!(h.ok(&["plan", "show", "1"]).contains("resource: 1 Aggregat 40 kVA"), "and in English");
    let (_, err) = h.fails(&["plan", "link", "1", "--card", "finnes-ikke"]);
    assert!(err.contains("no action card finnes-ikke"), "{err}");

    h.ok(&[
        "ros",
        "add",
        "--title",
        "Langvarig strømbrudd om vinteren",
        "--likelihood",
        "3",
        "--consequence",
        "5",
    ]);
    h.ok(&["ros", "add", "--title", "Flom i sentrum", "--likelihood", "2", "--consequence", "2"]);
    h.ok(&["ros", "measure", "1", "--text", "Nødstrøm på sykehjemmene", "--owner", "Teknisk drift"]);
    let (_, err) = h.fails(&["ros", "add", "--title", "x", "--likelihood", "6", "--consequence", "1"]);
    assert!(err.contains("1 to 5"), "{err}");
    let task = json(&h.ok(&["ros", "task", "1", "1", "--due", "2027-06-01", "--json"]));
    assert_eq!(task["assignee"], "Teknisk drift");
    assert!(task["due"].as_str().unwrap().starts_with("2027-06-01"));
    assert!(h.ok(&["log", "list"]).contains("fra ROS-tiltak 1.1: Nødstrøm på sykehjemmene"));
    let (_, err) = h.fails(&["ros", "task", "1", "1"]);
    assert!(err.contains("already a task"), "{err}");

    let matrix = h.ok(&["ros", "matrix"]);
    assert!(!matrix.contains('\x1b'), "no colour into a pipe");
    assert!(matrix.lines().any(|l| l.starts_with(" 3 |") && l.contains("| 1       H |")), "{matrix}");
    let md = h.ok(&["ros", "export", "--format", "md"]);
    assert!(md.contains("| 1 | Langvarig strømbrudd om vinteren | 3 | 5 | høy (15) |"), "{md}");
    assert!(md.contains("oppgave 1/1"), "{md}");
    let csv = h.ok(&["ros", "export", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

#[test]
fn eps_data_is_for_eps_crisis_management_and_admin_and_the_log_gets_counts_only() {
    let h = Home::new();
    h.staff();
    h.ok(&["incident", "new", "--title", "Evakuering Bjerke", "--type", "flom"]);
    h.ok(&[
        "eps",
        "add",
        "--user",
        "eva",
        "--kind",
        "evakuert",
        "--name",
        "Ingrid Ødegård",
        "--born",
        "1941-03-02",
        "--location",
        "Bjerke skole",
    ]);
    h.ok(&[
        "eps",
        "add",
        "--user",
        "eva",
        "--kind",
        "henvendelse",
        "--name",
        "Tor Ødegård",
        "--phone",
        "99999999",
        "--about",
        "Ingrid Ødegård",
    ]);
    h.ok(&["eps", "status", "--user", "eva", "1", "ivaretatt"]);

    let (_, err) = h.fails(&["eps", "list", "--user", "lars"]);
    assert!(err.contains("may not see EPS registrations") && err.contains("eps"), "{err}");
    let (_, err) = h.fails(&["eps", "add", "--user", "lars", "--kind", "evakuert", "--name", "X"]);
    assert!(err.contains("may not"), "{err}");
    let list = json(&h.ok(&["eps", "list", "--user", "kari", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["status"], "ivaretatt");
    assert_eq!(list[0]["handled_by"], "eva");

    // The log, which the logger may read, never names anyone registered.
    let log = h.ok(&["log", "list", "--user", "lars"]);
    assert!(!log.contains("Ingrid") && !log.contains("Tor") && !log.contains("99999999"), "{log}");
    assert!(log.contains("EPS: ny registrering (henvendelse). Nå 1 evakuerte, 0 berørte, 1 henvendelser fra pårørende, 0 savnet"), "{log}");

    // An export is explicit (--out) and logged with who and how many.
    let file = h.path().join("eps.csv");
    std::fs::write(&file, "an old file anyone could read").unwrap();
    h.ok(&["eps", "export", "--user", "eva", "--out", file.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file).unwrap().contains("Ingrid Ødegård"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(h.ok(&["log", "list"]).contains("EPS: 2 registreringer eksportert av eva til"));
    let (_, err) = h.fails(&["eps", "export", "--user", "lars", "--out", file.to_str().unwrap()]);
    assert!(err.contains("may not"), "{err}");
}
