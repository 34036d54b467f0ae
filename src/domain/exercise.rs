//! Exercises (øvelser): an inject script of timed messages, delivered into the exercise
//! incident's log as the exercise clock runs, so a staff can train in sitroom.
//!
//! A script is plain text, one inject per line, or TOML:
//! ```text
//! # Øvelse Storflom
//! +00:00 [110-sentralen] Melding om stigende vannstand i Lågen
//! +00:05 Strømmen går i sentrum
//! +01:10:30 [NRK Vestfold] Ber om intervju med ordføreren
//! ```
//! ```toml
//! [[inject]]
//! at = "+00:05"
//! from = "Lede"
//! text = "Strømmen går i sentrum"
//! ```

use super::Invalid;
use crate::lang::Text;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    /// Seconds after the exercise clock started.
    pub offset: i64,
    /// Who the message is from in the exercise (110-sentralen, NRK …), if said.
    pub from: String,
    pub text: String,
}

/// "+HH:MM", "+HH:MM:SS" or "+MM" (minutes) as seconds.
pub fn parse_offset(s: &str) -> Result<i64, Invalid> {
    let t = s.trim().trim_start_matches('+');
    let bad = || {
        let s = s.trim();
        Invalid::new(
            format!("«{s}» er ikke et tidspunkt i øvelsen; skriv +TT:MM, for eksempel +00:05"),
            format!("'{s}' is not a time in the exercise; write +HH:MM, e.g. +00:05"),
        )
    };
    let parts: Vec<i64> =
        t.split(':').map(|p| p.parse::<i64>().map_err(|_| bad())).collect::<Result<_, _>>()?;
    if parts.iter().any(|p| *p < 0) || parts.iter().skip(1).any(|p| *p >= 60) {
        return Err(bad());
    }
    Ok(match parts.as_slice() {
        [m] => m * 60,
        [h, m] => h * 3600 + m * 60,
        [h, m, s] => h * 3600 + m * 60 + s,
        _ => return Err(bad()),
    })
}

pub fn format_offset(secs: i64) -> String {
    if secs % 60 == 0 {
        format!("+{:02}:{:02}", secs / 3600, secs / 60 % 60)
    } else {
        format!("+{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    }
}

/// The injects of a script, in time order (lines with the same time keep their order).
pub fn parse_script(text: &str) -> Result<Vec<Inject>, Invalid> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let mut injects = if first.starts_with('[') { from_toml(text)? } else { from_lines(text)? };
    if injects.is_empty() {
        return Err(Invalid::new(
            "dreieboken har ingen innspill; skriv linjer som: +00:05 Strømmen går i sentrum",
            "the script has no injects; write lines like: +00:05 Strømmen går i sentrum",
        ));
    }
    injects.sort_by_key(|i| i.offset);
    Ok(injects)
}

fn checked(offset: i64, from: &str, text: &str, line: usize) -> Result<Inject, Invalid> {
    let text = super::contact::line(Text::new("et innspill", "an inject"), text)
        .map_err(|e| e.at(&format!("linje {line}"), &format!("line {line}")))?;
    if text.is_empty() {
        return Err(Invalid::new("innspillet har ingen tekst", "the inject has no text")
            .at(&format!("linje {line}"), &format!("line {line}")));
    }
    let from = super::contact::line(Text::new("avsenderen", "the sender"), from)
        .map_err(|e| e.at(&format!("linje {line}"), &format!("line {line}")))?;
    Ok(Inject { offset, from, text })
}

fn from_lines(text: &str) -> Result<Vec<Inject>, Invalid> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (at, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
        let offset =
            parse_offset(at).map_err(|e| e.at(&format!("linje {}", i + 1), &format!("line {}", i + 1)))?;
        let rest = rest.trim();
        let (from, text) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((from, text)) => (from, text),
            None => ("", rest),
        };
        let text = text.trim().trim_matches(|c| c == '"' || c == '«' || c == '»');
        out.push(checked(offset, from, text, i + 1)?);
    }
    Ok(out)
}

fn from_toml(text: &str) -> Result<Vec<Inject>, Invalid> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        inject: Vec<Item>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[serde(alias = "tid")]
        at: String,
        #[serde(default, alias = "fra")]
        from: String,
        #[serde(alias = "tekst")]
        text: String,
    }
    let f: File = toml::from_str(text).map_err(|e| {
        Invalid::new(format!("dreieboken: {}", e.message()), format!("the script: {}", e.message()))
    })?;
    f.inject
        .into_iter()
        .enumerate()
        .map(|(i, it)| checked(parse_offset(&it.at)?, &it.from, &it.text, i + 1))
        .collect()
}

/// Which injects are due at `now` for a clock started at `started`: those whose time
/// has come and that are not delivered yet (`delivered[i]`), in script order.
pub fn due(injects: &[Inject], delivered: &[bool], started: DateTime<Utc>, now: DateTime<Utc>) -> Vec<usize> {
    injects
        .iter()
        .enumerate()
        .filter(|(i, inj)| {
            !delivered.get(*i).copied().unwrap_or(false) && started + Duration::seconds(inj.offset) <= now
        })
        .map(|(i, _)| i)
        .collect()
}

/// The text an inject has in the log.
pub fn entry_text(inject: &Inject) -> String {
    if inject.from.is_empty() {
        format!("Innspill {}: {}", format_offset(inject.offset), inject.text)
    } else {
        format!("Innspill {} fra {}: {}", format_offset(inject.offset), inject.from, inject.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_script_reads_times_senders_and_comments() {
        let s = parse_script(
            "# Øvelse Storflom\n+00:05 Strømmen går i sentrum\n\n+00:00 [110-sentralen] Vannstanden stiger\n+01:10:30 [NRK] «Ber om intervju»\n",
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].offset, s[0].from.as_str()), (0, "110-sentralen"), "sorted by time");
        assert_eq!(s[1].text, "Strømmen går i sentrum");
        assert_eq!(s[2].offset, 3600 + 600 + 30);
        assert_eq!(s[2].text, "Ber om intervju");
        assert_eq!(entry_text(&s[1]), "Innspill +00:05: Strømmen går i sentrum");
    }

    #[test]
    fn a_toml_script_reads_the_same() {
        let s =
            parse_script("[[inject]]\nat = \"+00:05\"\nfra = \"Lede\"\ntext = \"Strømmen går\"\n").unwrap();
        assert_eq!(s, [Inject { offset: 300, from: "Lede".into(), text: "Strømmen går".into() }]);
    }

    #[test]
    fn bad_scripts_name_the_line() {
        assert!(parse_script("+00:05 a\nkl 5 b\n").unwrap_err().to_string().starts_with("line 2"));
        assert!(parse_script("+00:75 a\n").is_err());
        assert!(parse_script("+00:05\n").unwrap_err().to_string().contains("no text"));
        assert!(parse_script("# bare kommentar\n").is_err());
    }

    #[test]
    fn injects_come_due_as_the_clock_runs_and_only_once() {
        let s = parse_script("+00:00 a\n+00:05 b\n+00:05 c\n+01:00 d\n").unwrap();
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut delivered = vec![false; s.len()];
        assert_eq!(due(&s, &delivered, start, start), [0]);
        delivered[0] = true;
        assert!(due(&s, &delivered, start, start + Duration::seconds(299)).is_empty());
        assert_eq!(due(&s, &delivered, start, start + Duration::minutes(5)), [1, 2]);
        assert_eq!(
            due(&s, &delivered, start, start + Duration::hours(2)),
            [1, 2, 3],
            "a late clock delivers all that is due"
        );
    }
}
