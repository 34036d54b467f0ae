//! Risk and vulnerability analysis (ROS-analyse): unwanted events scored by likelihood
//! and consequence on scales of 1 to 5, the 5×5 matrix they are shown in, and the
//! measures that follow them up. Pure: the matrix is data, drawn by the CLI and the TUI.

use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const LIKELIHOOD: [&str; 5] =
    ["svært lite sannsynlig", "lite sannsynlig", "moderat sannsynlig", "sannsynlig", "svært sannsynlig"];
pub const CONSEQUENCE: [&str; 5] =
    ["ubetydelig", "mindre alvorlig", "alvorlig", "svært alvorlig", "katastrofal"];

/// A score of 1 to 5.
pub fn scale(what: crate::lang::Text, v: i64) -> Result<u8, Invalid> {
    if (1..=5).contains(&v) {
        Ok(v as u8)
    } else {
        let (nb, en) = (what.get(crate::lang::Lang::Nb), what.get(crate::lang::Lang::En));
        Err(Invalid::new(format!("{nb} gis 1 til 5, ikke {v}"), format!("{en} is scored 1 to 5, not {v}")))
    }
}

/// What the two scores are called.
pub const LIKELIHOOD_WORD: crate::lang::Text = crate::lang::Text::new("sannsynlighet", "likelihood");
pub const CONSEQUENCE_WORD: crate::lang::Text = crate::lang::Text::new("konsekvens", "consequence");

/// The risk of a cell, as ROS registers colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Green: acceptable, follow up in the ordinary way.
    #[serde(rename = "lav")]
    Low,
    /// Yellow: consider measures.
    #[serde(rename = "middels")]
    Medium,
    /// Red: measures needed.
    #[serde(rename = "høy")]
    High,
}

impl Level {
    pub fn of(likelihood: u8, consequence: u8) -> Level {
        match likelihood as u16 * consequence as u16 {
            0..=4 => Level::Low,
            5..=9 => Level::Medium,
            _ => Level::High,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Low => "lav",
            Level::Medium => "middels",
            Level::High => "høy",
        }
    }

    /// The letter a cell shows where there is no colour.
    pub fn letter(self) -> char {
        match self {
            Level::Low => 'L',
            Level::Medium => 'M',
            Level::High => 'H',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub id: Uuid,
    pub number: i64,
    pub text: String,
    /// In place already (eksisterende), or proposed (foreslått).
    pub existing: bool,
    pub owner: Option<String>,
    #[serde(with = "super::time::serde_ms_opt")]
    pub due: Option<DateTime<Utc>>,
    /// The task that tracks it: "incident/task", once it has become one.
    pub task: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosEvent {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub likelihood: u8,
    pub consequence: u8,
    pub vulnerabilities: String,
    pub measures: Vec<Measure>,
}

impl RosEvent {
    pub fn score(&self) -> u8 {
        self.likelihood * self.consequence
    }

    pub fn level(&self) -> Level {
        Level::of(self.likelihood, self.consequence)
    }
}

/// The events in each cell: `cells[likelihood - 1][consequence - 1]` holds their numbers.
pub fn matrix(events: &[RosEvent]) -> [[Vec<i64>; 5]; 5] {
    let mut cells: [[Vec<i64>; 5]; 5] = Default::default();
    for e in events {
        cells[e.likelihood as usize - 1][e.consequence as usize - 1].push(e.number);
    }
    cells
}

/// The matrix as text: likelihood up the side (highest first), consequence along the
/// bottom, each cell its event numbers. With `colour` the cells are green, yellow and
/// red (ANSI); without, each cell is marked L, M or H so the level still shows on paper
/// and on a terminal without colour.
pub fn matrix_text(events: &[RosEvent], colour: bool) -> String {
    let cells = matrix(events);
    const W: usize = 11;
    let mut out = String::from("Sannsynlighet ↑ / konsekvens →\n");
    let rule = format!("   +{}\n", format!("{}+", "-".repeat(W)).repeat(5));
    out.push_str(&rule);
    for l in (1..=5u8).rev() {
        out.push_str(&format!(" {l} |"));
        for c in 1..=5u8 {
            let nums: Vec<String> =
                cells[l as usize - 1][c as usize - 1].iter().map(|n| n.to_string()).collect();
            let mut text = nums.join(",");
            if text.chars().count() > W - 3 {
                text = format!("{} st", nums.len());
            }
            let level = Level::of(l, c);
            let cell = format!(" {:<w$}{} ", text, level.letter(), w = W - 3);
            if colour {
                let code = match level {
                    Level::Low => "42;30",
                    Level::Medium => "43;30",
                    Level::High => "41;97",
                };
                out.push_str(&format!("\x1b[{code}m{cell}\x1b[0m|"));
            } else {
                out.push_str(&format!("{cell}|"));
            }
        }
        out.push('\n');
        out.push_str(&rule);
    }
    out.push_str("     ");
    for c in 1..=5 {
        out.push_str(&format!("{:^w$}", c, w = W + 1));
    }
    out.push_str("\nL lav (1–4)  M middels (5–9)  H høy (10–25)\n");
    out
}

/// The register as Markdown: a table of events, then each event's measures.
pub fn to_markdown(events: &[RosEvent]) -> String {
    let mut out = String::from("# ROS-register\n\n| Nr | Uønsket hendelse | S | K | Risiko | Sårbarheter |\n|---|---|---|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for e in events {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {} |\n",
            e.number,
            cell(&e.title),
            e.likelihood,
            e.consequence,
            e.level().name(),
            e.score(),
            cell(&e.vulnerabilities)
        ));
    }
    out.push_str("\nS: sannsynlighet, K: konsekvens (1–5).\n");
    for e in events.iter().filter(|e| !e.measures.is_empty() || !e.description.is_empty()) {
        out.push_str(&format!("\n## {} {}\n\n", e.number, e.title));
        if !e.description.is_empty() {
            out.push_str(&format!("{}\n\n", e.description));
        }
        for m in &e.measures {
            let mut line =
                format!("- {} ({})", m.text, if m.existing { "eksisterende" } else { "foreslått" });
            if let Some(o) = &m.owner {
                line.push_str(&format!(", ansvarlig {o}"));
            }
            if let Some(d) = m.due {
                line.push_str(&format!(", frist {}", d.format("%d.%m.%Y")));
            }
            if let Some(t) = &m.task {
                line.push_str(&format!(", oppgave {t}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The register as CSV: one row per measure (an event without measures has one row).
pub fn to_csv(events: &[RosEvent]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "nr",
        "hendelse",
        "sannsynlighet",
        "konsekvens",
        "risiko",
        "sårbarheter",
        "tiltak",
        "type",
        "ansvarlig",
        "frist",
        "oppgave",
    ]);
    for e in events {
        let head = [
            e.number.to_string(),
            e.title.clone(),
            e.likelihood.to_string(),
            e.consequence.to_string(),
            e.level().name().to_string(),
            e.vulnerabilities.clone(),
        ];
        if e.measures.is_empty() {
            let _ = w.write_record(head.iter().cloned().chain(std::iter::repeat_n(String::new(), 5)));
        }
        for m in &e.measures {
            let tail = [
                m.text.clone(),
                if m.existing { "eksisterende" } else { "foreslått" }.to_string(),
                m.owner.clone().unwrap_or_default(),
                m.due.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                m.task.clone().unwrap_or_default(),
            ];
            let _ = w.write_record(head.iter().cloned().chain(tail));
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(number: i64, l: u8, c: u8) -> RosEvent {
        RosEvent {
            id: Uuid::nil(),
            number,
            title: format!("Hendelse {number}"),
            description: String::new(),
            likelihood: l,
            consequence: c,
            vulnerabilities: String::new(),
            measures: vec![],
        }
    }

    #[test]
    fn scoring_follows_the_matrix_bands() {
        assert_eq!(Level::of(1, 4), Level::Low);
        assert_eq!(Level::of(2, 2), Level::Low);
        assert_eq!(Level::of(1, 5), Level::Medium);
        assert_eq!(Level::of(3, 3), Level::Medium);
        assert_eq!(Level::of(2, 5), Level::High);
        assert_eq!(Level::of(5, 5), Level::High);
        assert_eq!(event(1, 4, 3).score(), 12);
        assert!(scale(LIKELIHOOD_WORD, 6).is_err() && scale(CONSEQUENCE_WORD, 0).is_err());
    }

    #[test]
    fn the_matrix_places_events_by_likelihood_and_consequence() {
        let events = [event(1, 5, 1), event(2, 1, 5), event(3, 5, 1)];
        let m = matrix(&events);
        assert_eq!(m[4][0], [1, 3]);
        assert_eq!(m[0][4], [2]);
        let plain = matrix_text(&events, false);
        assert!(!plain.contains('\x1b'));
        let rows: Vec<&str> =
            plain.lines().filter(|l| l.starts_with(" 5 |") || l.starts_with(" 1 |")).collect();
        assert!(rows[0].starts_with(" 5 | 1,3     M |"), "5×1 is medium: {plain}");
        assert!(rows[0].ends_with("H |"), "5×5 is high: {plain}");
        assert!(rows[1].starts_with(" 1 |         L |") && rows[1].ends_with(" 2       M |"), "{plain}");
        assert!(matrix_text(&events, true).contains("\x1b[41;97m"), "red where it is high");
    }

    #[test]
    fn exports_carry_every_event_and_measure() {
        let mut e = event(7, 4, 4);
        e.title = "Langvarig strømbrudd | vinter".into();
        e.measures.push(Measure {
            id: Uuid::nil(),
            number: 1,
            text: "Aggregat på sykehjemmet".into(),
            existing: false,
            owner: Some("Teknisk drift".into()),
            due: None,
            task: Some("3/12".into()),
        });
        let md = to_markdown(&[e.clone(), event(8, 1, 1)]);
        assert!(md.contains("| 7 | Langvarig strømbrudd \\| vinter | 4 | 4 | høy (16) |"), "{md}");
        assert!(
            md.contains("- Aggregat på sykehjemmet (foreslått), ansvarlig Teknisk drift, oppgave 3/12"),
            "{md}"
        );
        let csv = to_csv(&[e, event(8, 1, 1)]);
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.contains("Aggregat på sykehjemmet,foreslått,Teknisk drift,,3/12"), "{csv}");
    }
}
