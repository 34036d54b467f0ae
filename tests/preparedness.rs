//! Preparedness through the real binary on real databases: contacts and their CSV and
//! vCard imports, alerting through a local SMTP sink and a fake SMS command, answers and
//! escalation, action cards, plans and ROS, EPS permissions, exercises and evaluation.

mod common;
use common::smtp::{body_text, Sink};
use common::Home;
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

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

/// Kari and Per lead (Per is Kari's deputy), Åse speaks for the staff; Ola is a user.
fn staff_list(h: &Home) {
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Kari Nordmann",
        "--phone",
        "912 34 567",
        "--email",
        "kari@kommune.no",
    ]);
    h.ok(&["contact", "add", "--name", "Per Hansen", "--phone", "913 00 000"]);
    h.ok(&["contact", "add", "--name", "Åse Ødegård", "--email", "ase@kommune.no"]);
    h.ok(&["alert", "list-new", "Kriseledelse", "--scenario", "alle", "--escalate-after", "15"]);
    for (role, who) in [("leder", "1"), ("leder", "2"), ("kommunikasjon", "3")] {
        h.ok(&["alert", "member-add", "Kriseledelse", "--role", role, "--contact", who]);
    }
    h.ok(&["alert", "member-add", "Kriseledelse", "--role", "loggfører", "--app-user", "ola"]);
    h.ok(&["incident", "new", "--title", "Flom i Numedalslågen", "--type", "flom"]);
}

#[test]
fn an_alert_goes_out_by_smtp_and_sms_and_answers_are_tallied_and_logged() {
    let h = Home::new();
    let sink = Sink::start();
    let sms = h.fake_sms().0;
    h.configure(&format!(
            "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Beredskap <beredskap@kommune.no>\"\n\n[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n",
            sink.port,
            sms.display()
        ),
    );
    staff_list(&h);
    let message = "Kriseledelsen møter på rådhuset kl. 14. Svar: mottatt, kommer eller kan ikke.";
    let alert = json(&h.ok(&["alert", "send", "Kriseledelse", message, "--json"]));
    assert_eq!(alert["number"], 1);

    // Kari by SMS and e-mail, Åse by e-mail, Ola in sitroom; Per on standby.
    let sms_log = std::fs::read_to_string(h.path().join("sms.log")).unwrap();
    assert_eq!(sms_log, format!("to=912 34 567\n{message}\n"), "one SMS, to the first leader only");
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["ase@kommune.no", "kari@kommune.no"]);
    assert!(body_text(&mails[0].data).contains(message), "{}", mails[0].data);
    let status = json(&h.ok(&["alert", "status", "1", "--json"]));
    let tally = &status["tally"];
    assert_eq!((tally["alerted"].as_i64(), tally["standby"].as_i64()), (Some(3), Some(1)));
    assert_eq!(tally["not_delivered"], 0);

    // Ola answers in sitroom for himself; the logger records Åse's answer by phone.
    assert!(h.ok(&["alert", "inbox", "--user", "ola"]).contains("Kriseledelsen møter"));
    h.ok(&["alert", "ack", "1", "kommer", "--user", "ola"]);
    assert!(h.ok(&["alert", "inbox", "--user", "ola"]).trim().is_empty(), "answered, no longer waiting");
    h.ok(&["alert", "ack", "1", "--who", "Åse", "mottatt"]);
    // Kari cannot come: her deputy Per is alerted at once, by SMS.
    h.ok(&["alert", "ack", "1", "--who", "kari", "kan ikke"]);
    let escalated = h.ok(&["alert", "escalate"]);
    assert!(
        escalated.contains("Kari Nordmann (leder) kan ikke – varsler Per Hansen i stedet"),
        "{escalated}"
    );
    let sms_log = std::fs::read_to_string(h.path().join("sms.log")).unwrap();
    assert!(sms_log.ends_with(&format!("to=913 00 000\n{message}\n")), "{sms_log}");
    assert!(h.ok(&["alert", "escalate"]).trim().is_empty(), "escalated once only");

    let tally = json(&h.ok(&["alert", "status", "1", "--json"]))["tally"].clone();
    assert_eq!(
        (
            tally["alerted"].as_i64(),
            tally["coming"].as_i64(),
            tally["received"].as_i64(),
            tally["cannot"].as_i64(),
            tally["unanswered"].as_i64()
        ),
        (Some(4), Some(1), Some(1), Some(1), Some(1))
    );
    let log = h.ok(&["log", "list"]);
    for line in [
        "Varsling 1 sendt etter listen «Kriseledelse»: 3 varslet, 1 i reserve",
        "Varsling 1: ola (loggfører) svarte «kommer»",
        "Varsling 1: Åse Ødegård (kommunikasjon) svarte «mottatt» (registrert av kari)",
        "Varsling 1: Kari Nordmann (leder) svarte «kan ikke»",
        "varsler Per Hansen i stedet",
    ] {
        assert!(log.contains(line), "the log says {line}: {log}");
    }
}

#[test]
fn with_no_channel_set_up_the_alert_is_recorded_as_not_delivered() {
    let h = Home::new();
    staff_list(&h);
    let out = h.run(&["alert", "send", "Kriseledelse", "Møt på rådhuset"]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    // Kari could not be reached at all, so her deputy Per was alerted at once (and
    // could not be reached either).
    assert!(err.contains("3 of 4 alerted could not be reached"), "{err}");
    assert!(h
        .ok(&["log", "list"])
        .contains("Varsling 1: Kari Nordmann (leder) kunne ikke nås – varsler Per Hansen i stedet"));
    let full = h.ok(&["alert", "status", "1"]);
    assert!(full.contains("sms 912 34 567 ikke levert: ingen sms-kanal er satt opp"), "{full}");
    assert!(full.contains("e-post ase@kommune.no ikke levert"), "{full}");
    assert!(full.contains("app ola levert"), "the user in sitroom still gets it: {full}");
    assert!(h.ok(&["log", "list"]).contains("2 kan ikke nås (ikke levert)"));
}

/// An SMS gateway on 127.0.0.1 that answers 200 and keeps each request's body.
fn sms_gateway() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock().unwrap().push(String::from_utf8(body).unwrap());
            let _ =
                (&stream).write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK");
        }
    });
    (port, bodies)
}

#[test]
fn sms_through_an_http_gateway() {
    let h = Home::new();
    let (port, bodies) = sms_gateway();
    h.configure(&format!("[alerts.sms]\nurl = \"http://127.0.0.1:{port}/send\"\n"));
    h.ok(&["incident", "new", "--title", "Flom"]);
    h.ok(&["contact", "add", "--name", "Kari Nordmann", "--phone", "+47 912 34 567"]);
    h.ok(&["alert", "list-new", "Stab"]);
    h.ok(&["alert", "member-add", "Stab", "--role", "leder", "--contact", "1"]);
    h.ok(&["alert", "send", "Stab", "Møt på rådhuset & ta med PC"]);
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies, ["to=%2B47+912+34+567&text=M%C3%B8t+p%C3%A5+r%C3%A5dhuset+%26+ta+med+PC"]);
    assert!(h.ok(&["alert", "status", "1"]).contains("sms +47 912 34 567 levert"));
}

#[test]
fn an_sms_that_would_not_fit_is_refused_before_anything_is_sent() {
    let h = Home::new();
    let sms = h.fake_sms().0;
    h.configure(&format!("[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n", sms.display()));
    staff_list(&h);
    let long = "Æ".repeat(161);
    let (_, err) = h.fails(&["alert", "send", "Kriseledelse", &long]);
    assert!(err.contains("161 characters; one SMS holds 160"), "{err}");
    let (_, err) = h.fails(&["alert", "send", "Kriseledelse", &format!("Møt nå 🚨 {}", "x".repeat(64))]);
    assert!(err.contains("only 70 fit"), "{err}");
    assert!(json(&h.ok(&["alert", "status", "--json"])).as_array().unwrap().is_empty(), "nothing recorded");
    assert!(!h.path().join("sms.log").exists(), "nothing sent");
}

#[test]
fn a_broken_channel_is_tried_again_then_given_up_as_not_delivered() {
    let h = Home::new();
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    h.configure(&format!(
        "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"b@kommune.no\"\n"
    ));
    staff_list(&h);
    h.ok(&["alert", "send", "Kriseledelse", "Møt"]);
    // Tried at sending, and twice more (the TUI does this every few seconds).
    h.ok(&["alert", "deliver"]);
    assert!(h.ok(&["alert", "status", "1"]).contains("venter: SMTP"), "still waiting after two tries");
    h.ok(&["alert", "deliver"]);
    let full = h.ok(&["alert", "status", "1"]);
    assert!(full.contains("e-post ase@kommune.no ikke levert: SMTP"), "given up after three tries: {full}");
    let log = h.ok(&["log", "list"]);
    assert!(
        log.contains("Varsling 1: Åse Ødegård (kommunikasjon) ble ikke nådd (e-post ase@kommune.no: SMTP"),
        "the log says who was not reached: {log}"
    );
    assert!(!log.contains("Varsling 1: ola"), "ola was reached in sitroom: {log}");
}

#[test]
fn a_channel_that_keeps_failing_is_left_alone_for_the_rest_of_the_round() {
    let h = Home::new();
    let calls = h.path().join("calls");
    let script = h.path().join("broken-sms");
    common::script(
        &script,
        &format!("#!/bin/sh\necho \"$1\" >> '{}'\necho 'gateway down' >&2\nexit 1\n", calls.display()),
    );
    h.configure(&format!("[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n", script.display()));
    h.ok(&["incident", "new", "--title", "Storflom"]);
    h.ok(&["alert", "list-new", "Alle"]);
    for n in 1..=6 {
        h.ok(&["contact", "add", "--name", &format!("Person {n}"), "--phone", &format!("9000000{n}")]);
        h.ok(&["alert", "member-add", "Alle", "--role", &format!("rolle {n}"), "--contact", &n.to_string()]);
    }
    h.ok(&["alert", "send", "Alle", "Møt opp"]);
    let tried = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(
        tried.lines().count(),
        3,
        "three failures, then the channel waits for the next round: {tried}"
    );
    let full = h.ok(&["alert", "status", "1"]);
    assert_eq!(
        full.matches("venter: SMS-kommandoen avsluttet med exit status: 1: gateway down").count(),
        6,
        "{full}"
    );
}

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
    let list = h.ok(&["plan", "list"]);
    assert!(
        list.contains("Overordnet beredskapsplan  (Beredskapssjef)  REVISJON FORFALT 01.01.2020"),
        "{list}"
    );
    assert!(list.contains("    Evakuering  revideres innen 31.12.2099"), "the sub-plan indented: {list}");
    h.ok(&["resource", "add", "--what", "Aggregat 40 kVA"]);
    h.ok(&["plan", "link", "1", "--resource", "1"]);
    let plan = json(&h.ok(&["plan", "show", "1", "--json"]));
    assert_eq!(plan["links"].as_array().unwrap().len(), 3);
    assert!(
        h.ok(&["plan", "show", "1"]).contains("ressurs: 1 Aggregat 40 kVA"),
        "a resource is named, not an id"
    );
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
    h.ok(&["user", "add", "kari", "--role", "administrator"]);
    h.ok(&["user", "add", "eva", "--role", "eps"]);
    h.ok(&["user", "add", "lars", "--role", "loggfører"]);
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

#[test]
fn an_exercise_delivers_its_injects_as_the_clock_runs() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Øvelse Storflom", "--type", "flom", "--exercise"]);
    let script = h.path().join("dreiebok.txt");
    std::fs::write(&script, "# Øvelse Storflom\n+00:00 [110-sentralen] Vannet stiger i Lågen\n+00:05 Strømmen går i sentrum\n+01:00 [NRK] Ber om intervju\n").unwrap();
    assert!(h.ok(&["exercise", "start", "--script", script.to_str().unwrap()]).contains("3 injects"));
    let log = h.ok(&["log", "list"]);
    assert!(
        log.contains("Innspill +00:00 fra 110-sentralen: Vannet stiger i Lågen"),
        "the first at once: {log}"
    );
    assert!(!log.contains("Strømmen går"), "{log}");

    let started = json(&h.ok(&["exercise", "status", "--json"]))["started_at"].as_str().unwrap().to_string();
    let start = chrono::DateTime::parse_from_rfc3339(&started).unwrap();
    let at = |mins: i64| (start + chrono::Duration::minutes(mins)).to_rfc3339();
    assert!(h.ok(&["exercise", "tick", "--at", &at(4)]).trim().is_empty());
    assert!(h.ok(&["exercise", "tick", "--at", &at(5)]).contains("Innspill +00:05: Strømmen går i sentrum"));
    assert!(h.ok(&["exercise", "tick", "--at", &at(6)]).trim().is_empty(), "once only");
    h.ok(&["exercise", "tick", "--at", &at(61)]);
    let status = h.ok(&["exercise", "status"]);
    assert_eq!(status.matches('✓').count(), 3, "{status}");

    h.ok(&["incident", "new", "--title", "Ekte flom"]);
    let (_, err) = h.fails(&["exercise", "start", "--script", script.to_str().unwrap()]);
    assert!(err.contains("not an exercise"), "{err}");
    let bad = h.path().join("feil.txt");
    std::fs::write(&bad, "+00:05 ok\nom fem minutter: feil\n").unwrap();
    let (_, err) = h.fails(&["exercise", "start", "--incident", "1", "--script", bad.to_str().unwrap()]);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn an_improvement_from_the_evaluation_becomes_a_task_linked_to_a_plan() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Øvelse Ekom", "--exercise"]);
    h.ok(&["plan", "new", "--title", "Plan for kriseledelse"]);
    h.ok(&["evaluation", "add", "--kind", "bra", "Rask etablering av stab"]);
    let point = json(&h.ok(&[
        "evaluation",
        "add",
        "--kind",
        "forbedre",
        "--plan",
        "1",
        "--task",
        "--owner",
        "Beredskapssjef",
        "--json",
        "Varslingslisten",
        "manglet",
        "stedfortredere",
    ]));
    assert_eq!(point["task"], 1);
    assert_eq!(point["plan"], 1);
    let task = json(&h.ok(&["task", "list", "--json"]))[0].clone();
    assert_eq!(task["title"], "Varslingslisten manglet stedfortredere");
    assert_eq!(task["assignee"], "Beredskapssjef");
    assert!(task["description"].as_str().unwrap().contains("Gjelder plan 1"));
    let list = h.ok(&["evaluation", "list"]);
    assert!(list.contains("forbedre Varslingslisten manglet stedfortredere  [oppgave 1, plan 1]"), "{list}");
    assert!(h
        .ok(&["log", "list"])
        .contains("Evaluering 2 (forbedre): Varslingslisten manglet stedfortredere → oppgave 1"));
    let (_, err) = h.fails(&["evaluation", "add", "--kind", "forbedre", "--ros", "9", "x"]);
    assert!(err.contains("no event 9"), "{err}");
}
