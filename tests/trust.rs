//! Nothing lost from view, nothing twice: the TUI shows every entry in the database
//! whoever wrote it, a typed-line import can be repeated, a broken CSV row costs one
//! named row, and two processes creating one database at once both succeed.

mod common;
use common::tmux::{Tmux, WAIT};
use common::Home;
use std::time::{Duration, Instant};

#[test]
fn the_tui_shows_entries_written_by_others_just_before_its_own() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Hendelseslogg");
    let rounds = 8;
    for k in 1..=rounds {
        // The logger is typing; a CLI command (a script, an e-mail import) writes an
        // entry; the logger presses Enter a moment later.
        t.text(&format!("Fra stabsrommet {k}"));
        t.wait_for(&format!("Fra stabsrommet {k}"));
        h.ok(&["log", "add", &format!("Fra skriptet {k}")]);
        t.keys(&["Enter"]);
        t.wait_for(&format!("#{}", 2 * k));
    }
    let stored = h.entries().len();
    assert_eq!(stored, 2 * rounds);
    let start = Instant::now();
    loop {
        let screen = t.screen();
        if screen.contains(&format!("Hendelseslogg · {stored} ")) {
            for k in rounds - 2..=rounds {
                assert!(
                    screen.contains(&format!("Fra skriptet {k}")),
                    "entry {k} from the CLI is shown:\n{screen}"
                );
            }
            break;
        }
        assert!(start.elapsed() < WAIT, "the view must hold all {stored} stored entries:\n{screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["C-q"]);
}

#[test]
fn a_typed_log_imported_twice_is_there_once() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let file = h.path().join("referat.txt");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/stabsmote-flom.txt");
    let lines: Vec<String> = std::fs::read_to_string(data)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let first = h.ok(&["log", "import", file.to_str().unwrap()]);
    assert!(first.contains(&format!("imported {}", lines.len())), "{first}");
    // Killed after the commit, before it said so: the user runs it again.
    let again = h.ok(&["log", "import", file.to_str().unwrap()]);
    assert!(
        again.contains("imported 0") && again.contains(&format!("{} already in the log", lines.len())),
        "{again}"
    );
    assert_eq!(h.entries().len(), lines.len());
    // Another file that begins the same way is another import: its lines are new.
    let other = h.path().join("neste.txt");
    std::fs::write(&other, format!("{}\nEn linje til", lines[0])).unwrap();
    let more = h.ok(&["log", "import", other.to_str().unwrap()]);
    assert!(more.contains("imported 2"), "{more}");
    let verify = h.ok(&["log", "verify"]);
    assert!(verify.contains("intact") || verify.contains("intakt"), "{verify}");
}

#[test]
fn an_unclosed_quote_in_a_csv_import_costs_one_named_row() {
    let h = Home::new();
    let mut data = String::from("navn,organisasjon,telefon\n");
    for i in 1..=5000 {
        if i == 2501 {
            data.push_str("\"Berg, Liv,Sandefjord kommune,912 00 000\n");
        } else {
            data.push_str(&format!("Person {i},Sandefjord kommune,9{i:07}\n"));
        }
    }
    let file = h.path().join("kontakter.csv");
    std::fs::write(&file, data).unwrap();
    let out = h.run(&["contact", "import", file.to_str().unwrap(), "--skip-bad"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("4999 added"), "{text}");
    assert!(
        text.contains("1 rejected") && text.contains("2502"),
        "the broken row is named by its line: {text}"
    );
    let list = h.ok(&["contact", "list", "--json"]);
    assert!(list.contains("Person 5000"), "the rows after the broken one are there");
}

#[test]
fn two_processes_creating_one_database_at_once_both_succeed() {
    for trial in 0..20 {
        let h = Home::new();
        let children: Vec<_> = (0..2)
            .map(|i| {
                h.cmd()
                    .args(["incident", "new", "--title", &format!("Prøve {trial}.{i}"), "--type", "flom"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let list = h.ok(&["incident", "list", "--json"]);
        assert_eq!(list.matches("Prøve").count(), 2, "trial {trial}: {list}");
    }
}
