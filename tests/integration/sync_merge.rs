//! Replicas merging ops in-process (no network): the rules every sync path relies on.
//! Real databases on disk, real app operations; ops carried by hand as a bundle would.

use sitroom::app::{EntryInput, Session};
use sitroom::domain::task::{NewTask, Priority, TaskStatus};
use sitroom::domain::{Incident, NewIncident, Severity};
use sitroom::store::OpState;

struct Replica {
    session: Session,
    _dir: tempfile::TempDir,
}

fn replica(user: &str) -> Replica {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::open(&dir.path().join("r.db"), user, vec!["flom".into()]).unwrap();
    Replica { session, _dir: dir }
}

/// Everything `from` has (its own and what it got), applied at `to`.
fn carry(from: &Replica, to: &mut Replica) -> sitroom::store::Applied {
    let ops: Vec<_> =
        from.session.store.ops_after(0, usize::MAX).unwrap().into_iter().map(|(_, op)| op).collect();
    to.session.store.apply_ops(&ops, OpState::Acked).unwrap()
}

fn flood(r: &mut Replica) -> Incident {
    r.session
        .create_incident(NewIncident {
            title: "Flom i Lågen".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        })
        .unwrap()
}

fn task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        description: String::new(),
        assignee: None,
        priority: Priority::Normal,
        due: None,
        from_entries: vec![],
    }
}

fn hash(r: &Replica) -> String {
    r.session.store.state_hash().unwrap()
}

#[test]
fn a_replica_gets_everything_and_applying_twice_changes_nothing() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    a.session.add_entry(&inc, EntryInput::now("Vannstanden stiger ved Øyer bru")).unwrap();
    a.session.add_task(&inc, task("Evakuere campingplassen")).unwrap();
    let first = carry(&a, &mut b);
    assert!(first.failed.is_empty() && first.waiting == 0, "{first:?}");
    assert_eq!(hash(&a), hash(&b));
    let inc_b = b.session.incident(1).unwrap();
    assert_eq!(inc_b.title, "Flom i Lågen");
    assert_eq!(b.session.entries(&inc_b).unwrap().len(), 2, "the entry and the task's automatic entry");
    assert_eq!(b.session.tasks(&inc_b).unwrap()[0].title, "Evakuere campingplassen");
    assert_eq!(b.session.verify(&inc_b).unwrap(), Ok(2), "the chain verifies on the other replica");

    let again = carry(&a, &mut b);
    assert_eq!(again.applied, 0);
    assert!(again.duplicates > 0);
    assert_eq!(hash(&a), hash(&b));
}

#[test]
fn offline_writers_merge_to_the_same_log_with_both_chains_intact() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    carry(&a, &mut b);
    let inc_b = b.session.incident(1).unwrap();
    // The link is down: both write.
    for i in 0..5 {
        a.session.add_entry(&inc, EntryInput::now(format!("Stabsrom {i}: møte om evakuering"))).unwrap();
        b.session.add_entry(&inc_b, EntryInput::now(format!("Bil {i}: ære være Ålesund"))).unwrap();
    }
    carry(&a, &mut b);
    carry(&b, &mut a);
    assert_eq!(hash(&a), hash(&b));
    let ea = a.session.entries(&inc).unwrap();
    let eb = b.session.entries(&inc_b).unwrap();
    assert_eq!(ea.len(), 10, "every entry written is there, once");
    let seqs: Vec<i64> = ea.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>(), "numbered 1..10 with no gaps");
    assert_eq!(
        ea.iter().map(|e| (e.seq, e.id)).collect::<Vec<_>>(),
        eb.iter().map(|e| (e.seq, e.id)).collect::<Vec<_>>(),
        "the same order on both"
    );
    assert_eq!(a.session.verify(&inc).unwrap(), Ok(10));
    assert_eq!(b.session.verify(&inc_b).unwrap(), Ok(10));
}

#[test]
fn concurrent_changes_of_one_field_are_flagged_and_resolved() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    a.session.add_task(&inc, task("Skaffe aggregat")).unwrap();
    carry(&a, &mut b);
    let inc_b = b.session.incident(1).unwrap();
    // Offline, both move the task on, differently.
    a.session.set_task_status(&inc, 1, TaskStatus::InProgress).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    b.session.set_task_status(&inc_b, 1, TaskStatus::Cancelled).unwrap();
    // A change of another field is no conflict.
    a.session.assign_task(&inc, 1, Some("teknisk".into())).unwrap();
    carry(&a, &mut b);
    carry(&b, &mut a);
    assert_eq!(hash(&a), hash(&b));
    let ta = a.session.task(&inc, 1).unwrap();
    assert_eq!(ta.status, TaskStatus::Cancelled, "the later change holds");
    assert_eq!(ta.assignee.as_deref(), Some("teknisk"));
    for r in [&a, &b] {
        let conflicts = r.session.store.conflicts(None).unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].field, "status");
        assert_eq!(conflicts[0].current, "avbrutt");
        assert_eq!(conflicts[0].others[0].value, "pågår", "the losing value stays visible");
        assert_eq!(conflicts[0].others[0].author, "kari");
    }
    // Kari settles it on her replica; once carried, it is settled everywhere.
    let c = &a.session.store.conflicts(None).unwrap()[0];
    let who = sitroom::store::Who { author: "kari", device: "pc" };
    a.session
        .store
        .resolve_conflict(c.kind, c.entity, "status", "pågår".into(), who, chrono::Utc::now())
        .unwrap();
    carry(&a, &mut b);
    assert!(b.session.store.conflicts(None).unwrap().is_empty());
    assert_eq!(b.session.task(&inc_b, 1).unwrap().status, TaskStatus::InProgress);
    assert_eq!(hash(&a), hash(&b));
}

#[test]
fn ops_arriving_out_of_order_wait_and_then_apply() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    a.session.add_task(&inc, task("Sandsekker")).unwrap();
    a.session.set_task_status(&inc, 1, TaskStatus::InProgress).unwrap();
    let mut ops: Vec<_> =
        a.session.store.ops_after(0, usize::MAX).unwrap().into_iter().map(|(_, op)| op).collect();
    ops.reverse();
    let first = b.session.store.apply_ops(&ops[..2], OpState::Acked).unwrap();
    assert_eq!(first.applied, 0);
    assert_eq!(first.waiting, 2, "changes to records not here yet wait");
    let rest = b.session.store.apply_ops(&ops, OpState::Acked).unwrap();
    assert_eq!(rest.waiting, 0, "{rest:?}");
    assert!(rest.failed.is_empty(), "{rest:?}");
    assert_eq!(hash(&a), hash(&b));
    assert!(b.session.store.conflicts(None).unwrap().is_empty(), "order of arrival makes no conflict");
}

#[test]
fn a_task_created_offline_earlier_takes_its_number_by_creation_time() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    carry(&a, &mut b);
    let inc_b = b.session.incident(1).unwrap();
    b.session.add_task(&inc_b, task("Fra bilen")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    a.session.add_task(&inc, task("Fra stabsrommet")).unwrap();
    carry(&b, &mut a);
    carry(&a, &mut b);
    assert_eq!(hash(&a), hash(&b));
    let titles: Vec<(i64, String)> =
        a.session.tasks(&inc).unwrap().into_iter().map(|t| (t.number, t.title)).collect();
    assert_eq!(titles, vec![(1, "Fra bilen".to_string()), (2, "Fra stabsrommet".to_string())]);
}

#[test]
fn new_versions_written_at_once_fork_visibly_and_reports_number_by_time() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    a.session.new_report(&inc, "situasjonsrapport", Some("Sitrep 1".into())).unwrap();
    a.session.save_report_text(&inc, 1, "Situasjonen er under kontroll").unwrap();
    a.session.report_step(&inc, 1, sitroom::domain::report::ReportStep::Submit, None).unwrap();
    a.session.report_step(&inc, 1, sitroom::domain::report::ReportStep::Approve, None).unwrap();
    carry(&a, &mut b);
    let inc_b = b.session.incident(1).unwrap();
    // Offline, both start a new version of report 1, and ola writes a report of his own
    // before kari writes hers.
    b.session.new_report_version(&inc_b, 1).unwrap();
    b.session.new_report(&inc_b, "situasjonsrapport", Some("Fra bilen".into())).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    a.session.new_report_version(&inc, 1).unwrap();
    a.session.new_report(&inc, "situasjonsrapport", Some("Fra stabsrommet".into())).unwrap();
    carry(&a, &mut b);
    carry(&b, &mut a);
    assert_eq!(hash(&a), hash(&b));
    let versions = a.session.report_versions(&inc, 1).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2, 3],
        "both new versions kept"
    );
    let latest = versions.last().unwrap();
    assert_eq!((latest.parent_version, latest.fork_of), (Some(1), Some(2)), "v3 shows it forks from v2");
    assert_eq!(latest.version_label(), "v3 ⑂ v2");
    assert_eq!(versions[1].fork_of, Some(3));
    let titles: Vec<String> = a.session.reports(&inc).unwrap().into_iter().map(|r| r.title).collect();
    assert_eq!(titles, vec!["Sitrep 1", "Fra bilen", "Fra stabsrommet"], "numbered by time of writing");
}

/// An automatic entry names the entry it came from so that a merge cannot make it
/// point at another: an entry from a replica that was offline takes the place before
/// it (its number moves from 1 to 2), and the task's entry still names the right one.
#[test]
fn an_automatic_entry_names_its_entry_in_words_that_a_merge_cannot_move() {
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    carry(&a, &mut b);
    b.session.add_entry(&inc, EntryInput::now("Ola offline: vannet over veien")).unwrap();
    let entry = a.session.add_entry(&inc, EntryInput::now("Sjekk pumpestasjon innen kl 12")).unwrap();
    assert_eq!(entry.seq, 1);
    let mut new = a.session.task_from_entry(&inc, entry.seq).unwrap();
    new.title = "Sjekk pumpestasjon".into();
    let (_, logged) = a.session.add_task(&inc, new).unwrap();
    carry(&b, &mut a);
    let entries = a.session.entries(&inc).unwrap();
    let ours = entries.iter().find(|e| e.id == entry.id).unwrap();
    assert_eq!(ours.seq, 2, "the offline entry took the place before it");
    let auto = entries.iter().find(|e| e.id == logged.id).unwrap();
    assert!(
        auto.text.contains("(fra loggføringen ") && auto.text.contains("av kari («Sjekk pumpestasjon"),
        "{}",
        auto.text
    );
    assert!(!auto.text.contains("#1") && !auto.text.contains("Ola"), "{}", auto.text);
}

/// A meeting voided on one replica is void on the others (the widened status travels).
#[test]
fn a_voided_meeting_is_void_everywhere() {
    use sitroom::domain::meeting::{MeetingStatus, NewMeeting};
    let (mut a, mut b) = (replica("kari"), replica("ola"));
    let inc = flood(&mut a);
    let (m, _) =
        a.session.new_meeting(&inc, NewMeeting { title: "Feil møte".into(), ..Default::default() }).unwrap();
    let (_, started) = a.session.start_meeting(&inc, m.number).unwrap();
    carry(&a, &mut b);
    assert_eq!(b.session.meeting(&inc, m.number).unwrap().status, MeetingStatus::Ongoing);
    a.session.retract(&inc, started.seq).unwrap();
    let applied = carry(&a, &mut b);
    assert!(applied.failed.is_empty(), "{applied:?}");
    assert_eq!(b.session.meeting(&inc, m.number).unwrap().status, MeetingStatus::Void);
    assert_eq!(hash(&a), hash(&b));
}
