//! Property: replicas that write offline and exchange ops in any order — partial
//! deliveries (partitions), duplicates, reversed batches — end with the same state once
//! every op has reached every replica; no entry is lost or doubled; and two changes of
//! one field made without seeing each other are flagged as a conflict, whatever else
//! happened. Concurrency is judged here independently of the store: by what each
//! replica had received when it made its change.
//!
//! The default run tries a few dozen histories; a dedicated run tries more:
//! `PROPTEST_CASES=1000 cargo test --release --test integration sync_properties`.

use proptest::prelude::*;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::task::{NewTask, Priority};
use sitroom::domain::{Incident, NewIncident, Severity};
use sitroom::replication::{Action, Kind, Op};
use sitroom::store::OpState;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

const REPLICAS: usize = 3;
const TASKS: i64 = 2;

#[derive(Debug, Clone)]
enum Step {
    Write {
        r: usize,
    },
    Assign {
        r: usize,
        task: i64,
        to: usize,
    },
    /// Carry `from`'s ops to `to`: the first `share` percent of them, in order or
    /// reversed, once or twice.
    Deliver {
        from: usize,
        to: usize,
        share: u8,
        reversed: bool,
        twice: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..REPLICAS).prop_map(|r| Step::Write { r }),
        2 => (0..REPLICAS, 1..=TASKS, 0..4usize).prop_map(|(r, task, to)| Step::Assign { r, task, to }),
        3 => (0..REPLICAS, 0..REPLICAS, 0..=100u8, any::<bool>(), any::<bool>())
            .prop_map(|(from, to, share, reversed, twice)| Step::Deliver { from, to, share, reversed, twice }),
    ]
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

/// A fast disk for thousands of small databases: tmpfs when there is one.
fn scratch() -> tempfile::TempDir {
    match tempfile::tempdir_in("/dev/shm") {
        Ok(d) => d,
        Err(_) => tempfile::tempdir().unwrap(),
    }
}

fn ops(s: &Session) -> Vec<Op> {
    s.store.ops_after(0, usize::MAX).unwrap().into_iter().map(|(_, op)| op).collect()
}

fn assignments(s: &Session) -> BTreeSet<Uuid> {
    ops(s)
        .into_iter()
        .filter(|o| o.kind == Kind::Task && o.action == Action::Set && o.fields.contains_key("assignee"))
        .map(|o| o.id)
        .collect()
}

/// One change of a task's assignee: which op, on which task, and which assignments its
/// replica had received when it was made.
struct Assignment {
    id: Uuid,
    task: i64,
    seen: BTreeSet<Uuid>,
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = scratch();
    let mut rs: Vec<Session> = (0..REPLICAS)
        .map(|i| {
            Session::open(&dir.path().join(format!("r{i}.db")), &format!("user{i}"), vec!["flom".into()])
                .unwrap()
        })
        .collect();
    let inc = rs[0]
        .create_incident(NewIncident {
            title: "Flom".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        })
        .unwrap();
    for n in 0..TASKS {
        let t = NewTask {
            title: format!("Oppgave {n}"),
            description: String::new(),
            assignee: None,
            priority: Priority::Normal,
            due: None,
            from_entries: vec![],
        };
        rs[0].add_task(&inc, t).unwrap();
    }
    let start = ops(&rs[0]);
    for r in rs.iter_mut().skip(1) {
        r.store.apply_ops(&start, OpState::Acked).unwrap();
    }
    let incidents: Vec<Incident> = rs.iter().map(|r| r.incident(1).unwrap()).collect();
    let mut written = 0;
    let mut made: Vec<Assignment> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        match *s {
            Step::Write { r } => {
                rs[r].add_entry(&incidents[r], EntryInput::now(format!("melding {i} fra {r}: æøå"))).unwrap();
                written += 1;
            }
            Step::Assign { r, task, to } => {
                let seen = assignments(&rs[r]);
                let who = (to < REPLICAS).then(|| format!("user{to}"));
                if rs[r].task(&incidents[r], task).unwrap().assignee == who {
                    continue; // the same assignee again is refused, and no change
                }
                rs[r].assign_task(&incidents[r], task, who).unwrap();
                let now = assignments(&rs[r]);
                let id = *now.difference(&seen).next().expect("the assignment made an op");
                made.push(Assignment { id, task, seen });
            }
            Step::Deliver { from, to, share, reversed, twice } => {
                if from == to {
                    continue;
                }
                let all = ops(&rs[from]);
                let mut batch: Vec<Op> = all[..all.len() * share as usize / 100].to_vec();
                if reversed {
                    batch.reverse();
                }
                let done = rs[to].store.apply_ops(&batch, OpState::Acked).unwrap();
                prop_assert!(done.failed.is_empty(), "{:?}", done.failed);
                if twice {
                    let again = rs[to].store.apply_ops(&batch, OpState::Acked).unwrap();
                    prop_assert_eq!(again.applied, 0, "applying twice changes nothing");
                }
            }
        }
    }
    // The partition heals: everyone gets everything.
    for _ in 0..2 {
        for from in 0..REPLICAS {
            let all = ops(&rs[from]);
            for (to, r) in rs.iter_mut().enumerate() {
                if to != from {
                    r.store.apply_ops(&all, OpState::Acked).unwrap();
                }
            }
        }
    }
    let hashes: Vec<String> = rs.iter().map(|r| r.store.state_hash().unwrap()).collect();
    prop_assert!(hashes.iter().all(|h| *h == hashes[0]), "replicas differ: {hashes:?}");
    for (r, inc) in rs.iter().zip(&incidents) {
        let entries = r.entries(inc).unwrap();
        let notes = entries.iter().filter(|e| e.kind == sitroom::domain::EntryKind::Note).count();
        prop_assert_eq!(notes, written, "every entry written is there, once");
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        prop_assert_eq!(seqs, (1..=entries.len() as i64).collect::<Vec<_>>());
        prop_assert_eq!(r.verify(inc).unwrap(), Ok(entries.len()));
    }
    // Conflicts, judged by what each writer had seen.
    let conflicts = rs[0].conflicts(None).unwrap();
    for task in 1..=TASKS {
        let on_task: Vec<&Assignment> = made.iter().filter(|a| a.task == task).collect();
        let latest: Vec<&&Assignment> =
            on_task.iter().filter(|a| !on_task.iter().any(|b| b.seen.contains(&a.id))).collect();
        let id = rs[0].task(&incidents[0], task).unwrap().id;
        let flagged = conflicts.iter().find(|c| c.entity == id && c.field == "assignee");
        let expected_others = latest.len().saturating_sub(1);
        prop_assert_eq!(
            flagged.map(|c| c.others.len()).unwrap_or(0),
            expected_others,
            "task {}: {} changes made without seeing each other",
            task,
            latest.len()
        );
    }
    let per_field: BTreeMap<(Uuid, String), usize> =
        conflicts.iter().map(|c| ((c.entity, c.field.clone()), c.others.len())).collect();
    prop_assert_eq!(per_field.len(), conflicts.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_concurrent_edits_are_flagged(steps in prop::collection::vec(step(), 1..40)) {
        run(&steps)?;
    }
}
