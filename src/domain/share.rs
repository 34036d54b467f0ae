//! Reports shared upward (rapportdeling): municipality → county governor
//! (Statsforvalteren) → DSB. An approved report travels as a self-describing package
//! (JSON), over the sync server or as a file; an export close to OASIS EDXL-SitRep 1.0
//! serves systems that read that. The receiver sees the reports of its municipalities
//! side by side and compiles them into its own report, with references to the sources.

use super::report::Report;
use super::Invalid;
use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const FORMAT: &str = "sitroom-shared-report/1";
/// A shared report larger than this is refused: reports are text, and a link may be a
/// few kbit/s.
pub const MAX_BYTES: usize = 512 * 1024;

/// The incident a shared report is about, as the sender names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIncident {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One approved report version as shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedReport {
    pub format: String,
    /// This sharing (a report shared again gets a new one).
    pub id: Uuid,
    /// The installation it comes from: "Sandefjord kommune".
    pub from: String,
    pub incident: SourceIncident,
    /// The report version's own id, number and version at the sender.
    pub report_id: Uuid,
    pub number: i64,
    pub version: i64,
    pub kind: String,
    pub title: String,
    pub text: String,
    pub approved_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub approved_at: DateTime<Utc>,
    pub shared_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub shared_at: DateTime<Utc>,
    /// SHA-256 of the text: a reference to the source that shows it was not altered.
    pub sha256: String,
    /// Who vouches for the package (see `keys::Seal`): signed in, its
    /// organisation is `from` as the sync server certified it. A checksum alone is no
    /// signature: anyone can compute one.
    #[serde(flatten)]
    pub seal: crate::keys::Seal,
}

fn sha(text: &str) -> String {
    crate::text::sha256_hex(text.as_bytes())
}

fn clean_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}

impl crate::keys::Sealed for SharedReport {
    fn seal(&self) -> &crate::keys::Seal {
        &self.seal
    }
    fn seal_mut(&mut self) -> &mut crate::keys::Seal {
        &mut self.seal
    }
}

impl SharedReport {
    /// Package an approved report version for sharing.
    pub fn new(
        from: &str,
        incident: SourceIncident,
        report: &Report,
        shared_by: &str,
        now: DateTime<Utc>,
    ) -> Result<SharedReport, Invalid> {
        let (Some(by), Some(at)) = (&report.approved_by, report.approved_at) else {
            let (n, v) = (report.number, report.version);
            return Err(Invalid::new(
                format!("rapport {n} versjon {v} er ikke godkjent; bare en godkjent rapport deles"),
                format!("report {n} version {v} is not approved; only an approved report is shared"),
            ));
        };
        Ok(SharedReport {
            format: FORMAT.into(),
            id: Uuid::now_v7(),
            from: from.to_string(),
            incident,
            report_id: report.id,
            number: report.number,
            version: report.version,
            kind: report.kind.clone(),
            title: report.title.clone(),
            text: report.text.clone(),
            approved_by: by.clone(),
            approved_at: at,
            shared_by: shared_by.to_string(),
            shared_at: now,
            sha256: sha(&report.text),
            seal: Default::default(),
        })
    }

    /// Read a shared report from another installation: the format named, the fields
    /// within bounds, and the text matching its checksum.
    pub fn parse(bytes: &[u8]) -> Result<SharedReport, Invalid> {
        if bytes.len() > MAX_BYTES {
            return Err(Invalid::new(
                format!("en delt rapport er høyst {MAX_BYTES} byte"),
                format!("a shared report is at most {MAX_BYTES} bytes"),
            ));
        }
        let mut r: SharedReport = serde_json::from_slice(bytes).map_err(|e| {
            Invalid::new(
                format!("ikke en delt rapport ({FORMAT}): {e}"),
                format!("not a shared report ({FORMAT}): {e}"),
            )
        })?;
        if r.format != FORMAT {
            let format = &r.format;
            return Err(Invalid::new(
                format!("formatet er {format:?}; denne sitroom leser {FORMAT}"),
                format!("the format is {format:?}; this sitroom reads {FORMAT}"),
            ));
        }
        if r.sha256 != sha(&r.text) {
            return Err(Invalid::new(
                "rapportens tekst stemmer ikke med SHA-256-summen: den er endret eller avkortet",
                "the report's text does not match its SHA-256: it was altered or cut",
            ));
        }
        r.from = clean_line(&r.from);
        r.title = clean_line(&r.title);
        r.kind = clean_line(&r.kind);
        if r.from.is_empty() {
            return Err(Invalid::new(
                "den delte rapporten sier ikke hvor den kommer fra",
                "the shared report does not say where it comes from",
            ));
        }
        Ok(r)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data")
    }

    /// The report as EDXL-SitRep 1.0 XML (a close subset: the message header, the
    /// report's purpose, number and version, who prepared and authorised it, and the
    /// situation as narrative text).
    pub fn to_edxl(&self) -> String {
        let x = xml_escape;
        let t = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<SitRep xmlns="urn:oasis:names:tc:emergency:EDXL:SitRep:1.0">
  <MessageID>{id}</MessageID>
  <PreparedBy>
    <PersonDetails>{by}</PersonDetails>
    <Organisation>{from}</Organisation>
  </PreparedBy>
  <AuthorizedBy>
    <PersonDetails>{approver}</PersonDetails>
    <TimeValue>{approved}</TimeValue>
  </AuthorizedBy>
  <ReportPurpose>{title}</ReportPurpose>
  <ReportNumber>{number}</ReportNumber>
  <ReportVersion>{version}</ReportVersion>
  <ForTimePeriod>
    <FromDateTime>{approved}</FromDateTime>
    <ToDateTime>{shared}</ToDateTime>
  </ForTimePeriod>
  <ReportTitle>{title}</ReportTitle>
  <IncidentID>{incident_id}</IncidentID>
  <IncidentLifecyclePhase>{kind}</IncidentLifecyclePhase>
  <OriginatingMessageID>{report_id}</OriginatingMessageID>
  <Urgency>Expected</Urgency>
  <ReportConfidence>HighlyConfident</ReportConfidence>
  <Severity>Unknown</Severity>
  <SituationSummary>
    <SummaryNarrative>{text}</SummaryNarrative>
    <IncidentName>{incident_title}</IncidentName>
  </SituationSummary>
</SitRep>
"#,
            id = self.id,
            by = x(&self.shared_by),
            from = x(&self.from),
            approver = x(&self.approved_by),
            approved = t(self.approved_at),
            shared = t(self.shared_at),
            title = x(&self.title),
            number = self.number,
            version = self.version,
            incident_id = self.incident.id,
            kind = x(&self.kind),
            report_id = self.report_id,
            text = x(&self.text),
            incident_title = x(&self.incident.title),
        )
    }

    /// How it is referred to in a compiled report and in the log.
    pub fn reference(&self) -> String {
        format!(
            "{}: «{}» (rapport {} versjon {}, godkjent {} av {}, SHA-256 {})",
            self.from,
            self.title,
            self.number,
            self.version,
            self.approved_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
            self.approved_by,
            &self.sha256[..16]
        )
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The receiver's own report made from the newest shared report of each source: a
/// section per source, in the order given, and the references at the end.
pub fn compile(title: &str, sources: &[SharedReport]) -> String {
    let mut text = format!("# {title}\n\nSammenstilt fra {} rapporter.\n", sources.len());
    for (i, s) in sources.iter().enumerate() {
        text.push_str(&format!("\n## {} [{}]\n\n", s.from, i + 1));
        // Source headings go under the source's own section, whatever level the source
        // started at: its top heading becomes ###, the rest keep their depth below it,
        // so the compiled report keeps one outline and no section is left empty.
        let level = |l: &str| l.bytes().take_while(|b| *b == b'#').count();
        let is_heading = |l: &str| level(l) > 0 && l[level(l)..].starts_with(' ');
        let top = s.text.lines().filter(|l| is_heading(l)).map(level).min().unwrap_or(1);
        for line in s.text.lines() {
            if is_heading(line) {
                let depth = (level(line) - top + 3).min(6);
                text.push_str(&format!("{}{}\n", "#".repeat(depth), &line[level(line)..]));
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    text.push_str("\n## Kilder\n\n");
    for (i, s) in sources.iter().enumerate() {
        text.push_str(&format!("[{}] {}\n", i + 1, s.reference()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source's own title heading goes under its section, not beside it.
    #[test]
    fn source_headings_go_under_the_source() {
        let a = shared(
            "Larvik kommune",
            "# Situasjonsrapport 2\n\n## 1. Situasjon\nLågen går over.\n#hashtag is text",
        );
        let text = compile("Samlet", &[a]);
        let larvik = text.find("## Larvik kommune [1]").unwrap();
        let title = text.find("### Situasjonsrapport 2").expect(&text);
        let section = text.find("#### 1. Situasjon").expect(&text);
        assert!(larvik < title && title < section, "{text}");
        assert!(text.contains("\n#hashtag is text\n"), "a #tag line is no heading:\n{text}");
    }

    fn shared(from: &str, text: &str) -> SharedReport {
        SharedReport {
            format: FORMAT.into(),
            id: Uuid::now_v7(),
            from: from.into(),
            incident: SourceIncident {
                id: Uuid::now_v7(),
                number: 1,
                title: "Flom".into(),
                kind: "flom".into(),
            },
            report_id: Uuid::now_v7(),
            number: 2,
            version: 1,
            kind: "situasjonsrapport".into(),
            title: "Situasjonsrapport 2".into(),
            text: text.into(),
            approved_by: "Åse".into(),
            approved_at: Utc::now(),
            shared_by: "Per".into(),
            shared_at: Utc::now(),
            sha256: sha(text),
            seal: Default::default(),
        }
    }

    #[test]
    fn an_altered_text_is_refused() {
        let mut r = shared("Larvik kommune", "## Status\nVannet stiger.");
        assert!(SharedReport::parse(r.to_json().as_bytes()).is_ok());
        r.text.push('!');
        assert!(SharedReport::parse(r.to_json().as_bytes()).unwrap_err().to_string().contains("SHA-256"));
    }

    #[test]
    fn compiling_keeps_each_source_under_its_name_with_a_reference() {
        let a = shared("Larvik kommune", "## Status\nVannet stiger i Lågen.");
        let b = shared("Sandefjord kommune", "## Status\nStrømmen er tilbake.");
        let text = compile("Samlet situasjonsbilde Vestfold", &[a.clone(), b]);
        assert!(text.contains("## Larvik kommune [1]\n\n### Status\nVannet stiger i Lågen."));
        assert!(text.contains("## Sandefjord kommune [2]"));
        assert!(text.contains("[1] Larvik kommune: «Situasjonsrapport 2» (rapport 2 versjon 1, godkjent"));
        assert!(text.contains(&a.sha256[..16]));
    }

    #[test]
    fn edxl_escapes_markup() {
        let r = shared("A & B <kommune>", "x < y");
        let xml = r.to_edxl();
        assert!(xml.contains("<Organisation>A &amp; B &lt;kommune&gt;</Organisation>"));
        assert!(xml.contains("<SummaryNarrative>x &lt; y</SummaryNarrative>"));
    }
}

/// The receiving organisation has stored a shared report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareReceiptRecord {
    pub seq: i64,
    /// The sharing's id.
    pub id: uuid::Uuid,
    /// Who took it in: the account at the receiving organisation.
    pub by: String,
    #[serde(with = "crate::domain::time::serde_ms")]
    pub at: DateTime<Utc>,
}
