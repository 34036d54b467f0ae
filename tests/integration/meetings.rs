//! A staff meeting through the CLI: plan, start, record per agenda item (decisions and
//! a task among them), end, and the minutes drafted as a report ready for approval.

use crate::common::Home;

#[test]
fn a_staff_meeting_from_agenda_to_minutes() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    h.ok(&["log", "add", "Før møtet: vannstanden stiger"]);
    let n = h.ok(&[
        "meeting",
        "new",
        "--title",
        "Stabsmøte 1",
        "--participant",
        "ordfører,kommunedirektør",
        "--participant",
        "kommuneoverlege",
        "--item",
        "Situasjonen",
        "--item",
        "Evakuering av Gokstad",
        "--item",
        "Informasjon til befolkningen",
    ]);
    assert_eq!(n.trim(), "1");
    let (_, err) = h.fails(&["meeting", "item", "1", "2"]);
    assert!(err.contains("not running"), "{err}");
    h.ok(&["meeting", "start", "1"]);
    h.ok(&["log", "add", "Vannstanden i Lågen steg 40 cm siste 6 timer"]);
    h.ok(&["meeting", "item", "1", "2"]);
    h.ok(&["log", "add", "Gokstad sykehjem: 36 beboere, 4 på oksygen"]);
    h.ok(&["log", "add", "!Sykehjemmet evakueres innen kl 12:00 @kommuneoverlege"]);
    let seq = h.entries().iter().find(|e| e["kind"] == "decision").unwrap()["seq"].as_i64().unwrap();
    h.ok(&["task", "add", "--from", &seq.to_string(), "--due", "2026-11-23T11:00:00Z"]);
    let (_, err) = h.fails(&["meeting", "item", "1", "7"]);
    assert!(err.contains("agenda items 1 to 3"), "{err}");
    let (_, err) = h.fails(&["meeting", "start", "1"]);
    assert!(err.contains("cannot be started"), "{err}");

    // entries made during the meeting carry its tags; the one before does not
    let entries = h.entries();
    let tagged = |text: &str| {
        entries.iter().find(|e| e["text"].as_str().unwrap().starts_with(text)).unwrap()["tags"].clone()
    };
    assert_eq!(tagged("Før møtet"), serde_json::json!([]));
    assert_eq!(tagged("Vannstanden"), serde_json::json!(["møte1", "møte1-sak1"]));
    assert_eq!(tagged("Gokstad"), serde_json::json!(["møte1", "møte1-sak2"]));

    // ending drafts the minutes as a report, ready for approval
    let report = h.ok(&["meeting", "end", "1"]).trim().to_string();
    let r: serde_json::Value = serde_json::from_str(&h.ok(&["report", "show", &report, "--json"])).unwrap();
    assert_eq!(r["kind"], "møtereferat");
    assert_eq!(r["status"], "utkast");
    assert_eq!(r["title"], "Referat: Stabsmøte 1");
    let text = r["text"].as_str().unwrap();
    assert!(text.contains("**Til stede:** ordfører, kommunedirektør, kommuneoverlege"), "{text}");
    let sak1 = text.find("### 1. Situasjonen").unwrap();
    let sak2 = text.find("### 2. Evakuering av Gokstad").unwrap();
    let said1 = text.find("Vannstanden i Lågen steg 40 cm").unwrap();
    let said2 = text.find("Gokstad sykehjem: 36 beboere").unwrap();
    assert!(sak1 < said1 && said1 < sak2 && sak2 < said2, "what was said stands under its item:\n{text}");
    assert!(text.contains("**Beslutning:** Sykehjemmet evakueres innen kl 12:00"), "{text}");
    assert!(
        text.contains("## Beslutninger\n- Sykehjemmet evakueres innen kl 12:00 @kommuneoverlege"),
        "{text}"
    );
    assert!(
        text.contains("| 1: Sykehjemmet evakueres innen kl 12:00 | kommuneoverlege | 23.11 11:00 |"),
        "{text}"
    );
    assert!(!text.contains("Før møtet"), "{text}");
    h.ok(&["report", "submit", &report]);
    // (In bokmål: the status is said in the interface's language, not as its code.)
    let list = h.ok(&["--lang", "nb", "meeting", "list"]);
    assert!(list.contains("avsluttet") && list.contains(&format!("referat: rapport {report}")), "{list}");
    // after the meeting, entries are no longer tagged
    h.ok(&["log", "add", "Etter møtet"]);
    assert_eq!(h.entries().last().unwrap()["tags"], serde_json::json!([]));
    h.ok(&["log", "verify"]);
}

/// The minutes say when the meeting was held (started, ended), and the planned time
/// beside it when it began at another.
#[test]
fn the_minutes_say_when_the_meeting_really_began() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let planned = (chrono::Local::now() + chrono::Duration::hours(2)).format("%H:%M").to_string();
    h.ok(&["meeting", "new", "--title", "Stabsmøte 2", "--at", &planned, "--item", "Situasjonen"]);
    let started = chrono::Local::now();
    h.ok(&["meeting", "start", "1"]);
    let report = h.ok(&["meeting", "end", "1"]);
    let r: serde_json::Value =
        serde_json::from_str(&h.ok(&["report", "show", report.trim(), "--json"])).unwrap();
    let text = r["text"].as_str().unwrap();
    let began = started.format("%d.%m.%Y %H:%M").to_string();
    let at_start = text.contains(&format!("**Møtetidspunkt:** {began}–"))
        || text.contains(&format!(
            "**Møtetidspunkt:** {}–",
            (started + chrono::Duration::minutes(1)).format("%d.%m.%Y %H:%M")
        ));
    assert!(at_start, "when it began:\n{text}");
    assert!(text.contains(&format!("(planlagt {planned})")), "and when it was planned:\n{text}");
}

/// A meeting started (or planned) by mistake is taken back with the entry that
/// announced it: the meeting becomes void, the entry line stops recording under it, no
/// minutes are drafted, and the log says so. An ended meeting is not taken back.
#[test]
fn a_meeting_started_by_mistake_is_voided_by_retracting_its_entry() {
    use sitroom::domain::meeting::{MeetingStatus, NewMeeting};
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = crate::common::staff::flood_session(dir.path());
    let new = |title: &str| NewMeeting {
        title: title.into(),
        agenda: vec!["Situasjonen".into()],
        ..Default::default()
    };
    let (m, _) = s.new_meeting(&i, new("Stabsmøte ved en feil")).unwrap();
    let (_, started) = s.start_meeting(&i, m.number).unwrap();
    let voids = s.retraction_voids(&i, started.seq).unwrap();
    assert_eq!(voids.meeting.as_ref().map(|m| m.number), Some(m.number), "the retraction says it voids it");
    s.retract(&i, started.seq).unwrap();
    assert_eq!(s.meeting(&i, m.number).unwrap().status, MeetingStatus::Void);
    assert!(s.ongoing_meeting(&i).unwrap().is_none(), "nothing records under it any more");
    let texts: Vec<String> = s.entries(&i).unwrap().into_iter().map(|e| e.text).collect();
    assert!(texts.iter().any(|t| t.ends_with("«Stabsmøte ved en feil» feilført – se bort fra")), "{texts:?}");
    assert!(s.reports(&i).unwrap().is_empty(), "no minutes drafted");

    // A planned one, by its planning entry; an ended one is left as it is.
    let (planned, planning) = s.new_meeting(&i, new("Planlagt ved en feil")).unwrap();
    s.retract(&i, planning.seq).unwrap();
    assert_eq!(s.meeting(&i, planned.number).unwrap().status, MeetingStatus::Void);
    let (real, _) = s.new_meeting(&i, new("Stabsmøte 2")).unwrap();
    let (_, started) = s.start_meeting(&i, real.number).unwrap();
    s.end_meeting(&i, real.number).unwrap();
    assert!(s.retraction_voids(&i, started.seq).unwrap().meeting.is_none());
    s.retract(&i, started.seq).unwrap();
    assert_eq!(s.meeting(&i, real.number).unwrap().status, MeetingStatus::Ended);
    s.verify(&i).unwrap().unwrap();
}

/// Taking back the entry of an agenda move ("sak 2") takes back that entry, not the
/// meeting: it runs on, and what is logged is still logged under it.
#[test]
fn retracting_an_agenda_move_leaves_the_meeting_running() {
    use sitroom::domain::meeting::{MeetingStatus, NewMeeting};
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = crate::common::staff::flood_session(dir.path());
    let agenda = vec!["Situasjonen".into(), "Evakuering".into()];
    let (m, _) =
        s.new_meeting(&i, NewMeeting { title: "Stabsmøte 2".into(), agenda, ..Default::default() }).unwrap();
    s.start_meeting(&i, m.number).unwrap();
    let (_, moved) = s.meeting_item(&i, m.number, 2).unwrap();
    assert!(s.retraction_voids(&i, moved.seq).unwrap().meeting.is_none());
    s.retract(&i, moved.seq).unwrap();
    assert_eq!(s.meeting(&i, m.number).unwrap().status, MeetingStatus::Ongoing);
}
