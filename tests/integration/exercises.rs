//! Exercises through the real binary: injects delivered as the exercise clock runs,
//! and an evaluation whose improvement becomes a task linked to a plan.

use crate::common::{json, Home};

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
    assert!(list.contains("forbedre Varslingslisten manglet stedfortredere  [task 1, plan 1]"), "{list}");
    assert!(h
        .ok(&["log", "list"])
        .contains("Evaluering 2 (forbedre): Varslingslisten manglet stedfortredere → oppgave 1"));
    let (_, err) = h.fails(&["evaluation", "add", "--kind", "forbedre", "--ros", "9", "x"]);
    assert!(err.contains("no event 9"), "{err}");
}
