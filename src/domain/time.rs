//! Times as the logger gives them: a clock time `14:32` (or `14.32`) meaning "today,
//! when that was said", or a full RFC 3339 time from a script.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

/// A clock time typed at the start of an entry or given with `--at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockTime {
    pub hour: u32,
    pub minute: u32,
}

impl ClockTime {
    /// `HH:MM`, `H:MM`, `HH.MM` — the ways Norwegians write a time of day.
    pub fn parse(s: &str) -> Option<ClockTime> {
        if !ClockTime::looks_like(s) {
            return None;
        }
        let (h, m) = s.split_once([':', '.'])?;
        let (hour, minute) = (h.parse().ok()?, m.parse().ok()?);
        (hour < 24 && minute < 60).then_some(ClockTime { hour, minute })
    }

    /// Written like a clock time (`14:32`, `9.05`, and `25:99` too): one or two digits,
    /// `:` or `.`, two digits.
    pub fn looks_like(s: &str) -> bool {
        let Some((h, m)) = s.split_once([':', '.']) else { return false };
        !h.is_empty()
            && h.len() <= 2
            && m.len() == 2
            && h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
    }

    /// This clock time on `date` in `tz`. Around a DST change a clock time can be
    /// ambiguous (take the earliest) or missing (shift an hour forward past the gap).
    fn on<Tz: TimeZone>(self, date: chrono::NaiveDate, tz: &Tz) -> Option<DateTime<Utc>> {
        let naive = date.and_time(NaiveTime::from_hms_opt(self.hour, self.minute, 0).expect("validated"));
        tz.from_local_datetime(&naive)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
            .map(|t| t.with_timezone(&Utc))
    }

    /// The most recent moment with this clock time, seen from `now` in its time zone:
    /// today, unless that is more than an hour ahead (a logger writing down at 00:10
    /// what was said at 23:55), in which case yesterday.
    pub fn resolve<Tz: TimeZone>(self, now: &DateTime<Tz>) -> DateTime<Utc> {
        let (date, tz, now_utc) = (now.date_naive(), now.timezone(), now.with_timezone(&Utc));
        match self.on(date, &tz) {
            Some(t) if t <= now_utc + Duration::hours(1) => t,
            _ => self.on(date - Duration::days(1), &tz).unwrap_or(now_utc),
        }
    }

    /// The next moment with this clock time, seen from `now`: for deadlines, where
    /// "12:00" said at 18:50 means tomorrow noon. A time within the last minute is now.
    pub fn resolve_ahead<Tz: TimeZone>(self, now: &DateTime<Tz>) -> DateTime<Utc> {
        let (date, tz, now_utc) = (now.date_naive(), now.timezone(), now.with_timezone(&Utc));
        match self.on(date, &tz) {
            Some(t) if t >= now_utc - Duration::minutes(1) => t,
            _ => self.on(date + Duration::days(1), &tz).unwrap_or(now_utc),
        }
    }
}

/// A deadline written in running text, as a logger writes it: "før 11:45", "innen kl
/// 12", "frist 14:00", "i morgen 08:00", "innen i morgen kl. 8" (and "by 12:00",
/// "before 12", "deadline 14:00", "tomorrow 08:00"). The clock time, and whether it is
/// tomorrow's; the first such phrase counts. A bare time without one of these words
/// ("møte 10:00") is no deadline.
pub fn deadline_in(text: &str) -> Option<(ClockTime, bool)> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '!' | '?')).to_lowercase())
        .collect();
    let lead = ["før", "innen", "frist", "fristen", "by", "before", "deadline", "due"];
    let hour_only = |w: &str| {
        let w = w.trim_end_matches('.');
        (!w.is_empty() && w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.parse::<u32>().ok().filter(|h| *h < 24).map(|hour| ClockTime { hour, minute: 0 }))
            .flatten()
    };
    let time_at = |i: usize, bare_hour: bool| {
        let w = words.get(i)?.trim_end_matches('.');
        ClockTime::parse(w).or_else(|| if bare_hour { hour_only(w) } else { None })
    };
    for i in 0..words.len() {
        let w = words[i].as_str();
        let tomorrow_here = |j: usize| {
            let two = words.get(j).map(String::as_str) == Some("i")
                && words.get(j + 1).map(String::as_str) == Some("morgen");
            if two {
                Some(j + 2)
            } else if words.get(j).map(String::as_str) == Some("tomorrow") {
                Some(j + 1)
            } else {
                None
            }
        };
        // A bare hour only after "kl": "innen 3 timer" is no deadline at 03:00.
        let (mut j, mut tomorrow, mut bare) = if lead.contains(&w) {
            (i + 1, false, false)
        } else if let Some(after) = tomorrow_here(i) {
            (after, true, false)
        } else {
            continue;
        };
        if let Some(after) = tomorrow_here(j) {
            (j, tomorrow) = (after, true);
        }
        if matches!(words.get(j).map(String::as_str), Some("kl" | "kl." | "klokka" | "klokken" | "at")) {
            (j, bare) = (j + 1, true);
        }
        if let Some(clock) = time_at(j, bare) {
            return Some((clock, tomorrow));
        }
    }
    None
}

/// A deadline for the CLI: a clock time (the next one) or an RFC 3339 timestamp.
pub fn parse_due<Tz: TimeZone>(s: &str, now: &DateTime<Tz>) -> Result<DateTime<Utc>, String> {
    if let Some(clock) = ClockTime::parse(s) {
        return Ok(clock.resolve_ahead(now));
    }
    parse_at(s, now)
}

/// `--at` for the CLI: a clock time or an RFC 3339 timestamp.
pub fn parse_at<Tz: TimeZone>(s: &str, now: &DateTime<Tz>) -> Result<DateTime<Utc>, String> {
    if let Some(clock) = ClockTime::parse(s) {
        return Ok(clock.resolve(now));
    }
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        format!("'{s}' is not a time: give HH:MM or an RFC 3339 time like 2026-11-23T14:32:00+01:00")
    })
}

/// A moment in the past, as people write it: `14:30` (the most recent), `24.11 14:30`,
/// `24.11.2026 14:30`, `2026-11-24 14:30`, or RFC 3339. For looking back (time travel).
pub fn parse_moment(s: &str, now: &DateTime<chrono::Local>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    let local = |d: chrono::NaiveDateTime| {
        chrono::Local.from_local_datetime(&d).earliest().map(|t| t.with_timezone(&Utc))
    };
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Some(t) = chrono::NaiveDateTime::parse_from_str(s, f).ok().and_then(local) {
            return Ok(t);
        }
    }
    // "24.11 14:30": this year.
    let with_year = format!("{s} {}", now.format("%Y"));
    if let Some(t) = chrono::NaiveDateTime::parse_from_str(&with_year, "%d.%m %H:%M %Y").ok().and_then(local)
    {
        return Ok(t);
    }
    parse_at(s, now).map_err(|_| {
        format!("'{s}' is not a time: give 14:30, 24.11 14:30, 2026-11-24 14:30 or an RFC 3339 time")
    })
}

/// Milliseconds since the epoch, the unit the store keeps.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// RFC 3339 in UTC with milliseconds: the stable form in JSON output.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Serde: `DateTime<Utc>` as RFC 3339 in UTC with milliseconds, the precision kept.
pub mod serde_ms {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)
    }
}

/// Serde: `Option<DateTime<Utc>>` the same way (`null` for none).
pub mod serde_ms_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::rfc3339(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

/// "90s", "30m", "6h", "1d": how often a job runs.
pub fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| format!("{s:?} is not an interval (say 30m, 6h or 1d)"))?;
    let secs = match unit.trim() {
        "s" => n,
        "m" | "min" => n * 60,
        "h" | "t" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?} is not an interval (say 30m, 6h or 1d)")),
    };
    if secs == 0 {
        return Err("the interval must be more than zero".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    #[test]
    fn deadlines_are_read_from_running_text() {
        let d = |t: &str| deadline_in(t).map(|(c, tomorrow)| (c.hour, c.minute, tomorrow));
        assert_eq!(d("Skriver sitrep 1, godkjennes før 11:45 @beredskapskoordinator"), Some((11, 45, false)));
        assert_eq!(d("Ring alle innen kl 12"), Some((12, 0, false)));
        assert_eq!(d("Rapport, frist 14:00."), Some((14, 0, false)));
        assert_eq!(d("Nytt møte i morgen 08:00"), Some((8, 0, true)));
        assert_eq!(d("innen i morgen kl. 8"), Some((8, 0, true)));
        assert_eq!(d("Send it by 12.30"), Some((12, 30, false)));
        assert_eq!(d("Stabsmøte 10:00 i rådhuset"), None, "a time without a deadline word");
        assert_eq!(d("før 25:99"), None);
        assert_eq!(d("36 beboere før evakuering"), None);
        assert_eq!(d("før 40 personer"), None, "40 is no hour");
        assert_eq!(d("innen 3 timer"), None, "a bare number is an hour only after kl");
    }

    use super::*;
    use chrono::FixedOffset;

    fn oslo(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn parses_norwegian_clock_times() {
        assert_eq!(ClockTime::parse("14:32"), Some(ClockTime { hour: 14, minute: 32 }));
        assert_eq!(ClockTime::parse("8.05"), Some(ClockTime { hour: 8, minute: 5 }));
        assert_eq!(ClockTime::parse("24:00"), None);
        assert_eq!(ClockTime::parse("12:60"), None);
        assert_eq!(ClockTime::parse("1432"), None);
        assert_eq!(ClockTime::parse("12:3"), None);
        assert_eq!(ClockTime::parse("ab:cd"), None);
    }

    #[test]
    fn clock_time_is_today_in_local_zone() {
        let now = oslo("2026-11-23T15:00:00+01:00");
        let t = ClockTime::parse("14:32").unwrap().resolve(&now);
        assert_eq!(rfc3339(t), "2026-11-23T13:32:00.000Z");
    }

    #[test]
    fn clock_time_far_ahead_means_yesterday() {
        let now = oslo("2026-11-23T00:10:00+01:00");
        let t = ClockTime::parse("23:55").unwrap().resolve(&now);
        assert_eq!(rfc3339(t), "2026-11-22T22:55:00.000Z");
        // a few minutes ahead (clocks differ) stays today
        let t = ClockTime::parse("00:20").unwrap().resolve(&now);
        assert_eq!(rfc3339(t), "2026-11-22T23:20:00.000Z");
    }

    #[test]
    fn deadlines_look_ahead() {
        let now = oslo("2026-11-23T18:50:00+01:00");
        let noon = ClockTime::parse("12:00").unwrap().resolve_ahead(&now);
        assert_eq!(rfc3339(noon), "2026-11-24T11:00:00.000Z", "tomorrow noon");
        let evening = ClockTime::parse("21:00").unwrap().resolve_ahead(&now);
        assert_eq!(rfc3339(evening), "2026-11-23T20:00:00.000Z", "tonight");
        assert_eq!(
            rfc3339(parse_due("2026-12-01T10:00:00+01:00", &now).unwrap()),
            "2026-12-01T09:00:00.000Z"
        );
    }

    #[test]
    fn at_accepts_rfc3339_and_rejects_garbage() {
        let now = oslo("2026-11-23T15:00:00+01:00");
        let t = parse_at("2026-11-20T08:00:00+01:00", &now).unwrap();
        assert_eq!(rfc3339(t), "2026-11-20T07:00:00.000Z");
        assert!(parse_at("yesterday", &now).unwrap_err().contains("HH:MM"));
    }
}
