//! The staff room the tests and benchmarks start from, in one place: kari at the
//! staff-room PC ("stab-pc"), a flood in Lågen, and the people around the table with
//! their roles. The benchmarks include this file too (`#[path]`), so it uses only the
//! library.
#![allow(dead_code)]

use sitroom::app::Session;
use sitroom::domain::{Incident, NewIncident, Severity};
use std::path::Path;

/// The people around the table and their roles (each a role of the permission table).
pub const PEOPLE: &[(&str, &str)] = &[
    ("kari", "administrator"),
    ("lars", "loggfører"),
    ("åse", "kriseledelse"),
    ("bjørn", "beredskapsmedarbeider"),
    ("liv", "informasjonsmedarbeider"),
    ("eva", "eps"),
    ("ola", "gjest"),
];

/// A session of kari on "stab-pc" on a new database in `dir`, with the shipped incident
/// types. Times are shown in UTC, so screens do not depend on the machine's zone.
pub fn session(dir: &Path) -> Session {
    std::env::set_var("TZ", "UTC");
    let types = sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect();
    let mut s = Session::open(&dir.join("s.db"), "kari", types).unwrap();
    s.device = "stab-pc".into();
    s
}

/// The flood: "Flom i Lågen", type flom, severity 3.
pub fn flood(exercise: bool) -> NewIncident {
    NewIncident {
        title: "Flom i Lågen".into(),
        kind: "flom".into(),
        severity: Severity::new(3).unwrap(),
        exercise,
    }
}

/// [`session`] with the flood created now and active.
pub fn flood_session(dir: &Path) -> (Session, Incident) {
    let mut s = session(dir);
    let i = s.create_incident(flood(false)).unwrap();
    (s, i)
}
