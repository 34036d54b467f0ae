//! Reports (rapporter) and situation reports: written from a template, sent through
//! approval (dokumentflyt), frozen once approved. Every version is kept; changing an
//! approved report means starting a new version, which is a new draft.

use super::codes::codes;
use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    pub enum ReportStatus: "rapportstatus" / "report status", "statuses" {
        Draft = "utkast" | "draft",
        Submitted = "til godkjenning" | "submitted",
        Approved = "godkjent" | "approved",
        Returned = "returnert" | "returned",
        Distributed = "distribuert" | "distributed",
    }
}

/// What a user does to a report version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStep {
    Submit,
    Approve,
    Return,
    Distribute,
}

impl ReportStatus {
    /// The text may be changed only while it is a draft or has been returned.
    pub fn editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }

    /// Where `step` leads from here, if it may be taken.
    pub fn after(self, step: ReportStep) -> Option<ReportStatus> {
        use ReportStatus::*;
        match (self, step) {
            (Draft | Returned, ReportStep::Submit) => Some(Submitted),
            (Submitted, ReportStep::Approve) => Some(Approved),
            (Submitted, ReportStep::Return) => Some(Returned),
            (Approved, ReportStep::Distribute) => Some(Distributed),
            _ => None,
        }
    }
}

/// One version of a report, as stored and as `report list --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// This version's id.
    pub id: Uuid,
    pub incident: i64,
    /// 1, 2, 3… within the incident, the same for every version of the report.
    pub number: i64,
    pub version: i64,
    /// The template it was made from: situasjonsrapport, møtereferat, pressemelding…
    pub kind: String,
    pub title: String,
    pub text: String,
    pub status: ReportStatus,
    /// Why it was returned, from the approver.
    pub comment: String,
    pub approved_by: Option<String>,
    #[serde(with = "super::time::serde_ms_opt")]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
    /// The version this one was written from (None for the first).
    #[serde(default)]
    pub parent_version: Option<i64>,
    /// Another version written from the same parent at the same time (offline, on
    /// another machine): a fork to merge by hand. The newest such version, if any.
    #[serde(default)]
    pub fork_of: Option<i64>,
}

impl Report {
    /// "v3", or "v3 ⑂ v2" when v2 was written from the same version at the same time.
    pub fn version_label(&self) -> String {
        match self.fork_of {
            Some(other) => format!("v{} ⑂ v{other}", self.version),
            None => format!("v{}", self.version),
        }
    }
}

/// A report's title: one line.
pub fn check_title(title: &str) -> Result<String, Invalid> {
    let t = crate::text::nfc(title.trim());
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(Invalid::new(
            "en rapporttittel er én linje på 1 til 200 tegn",
            "a report title is one line of 1 to 200 characters",
        ));
    }
    Ok(t)
}

/// Markdown as stored; plain text drops the heading marks and emphasis.
pub fn to_plain_text(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| {
            let l = l.trim_start_matches('#').trim_start();
            l.replace("**", "").replace("__", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    #[test]
    fn the_approval_flow() {
        assert_eq!(Draft.after(ReportStep::Submit), Some(Submitted));
        assert_eq!(Submitted.after(ReportStep::Approve), Some(Approved));
        assert_eq!(Submitted.after(ReportStep::Return), Some(Returned));
        assert_eq!(Returned.after(ReportStep::Submit), Some(Submitted));
        assert_eq!(Approved.after(ReportStep::Distribute), Some(Distributed));
    }

    #[test]
    fn refused_steps() {
        assert_eq!(Draft.after(ReportStep::Approve), None, "nothing is approved unseen");
        assert_eq!(Approved.after(ReportStep::Submit), None, "frozen");
        assert_eq!(Distributed.after(ReportStep::Return), None);
        assert_eq!(Draft.after(ReportStep::Distribute), None);
        assert!(Draft.editable() && Returned.editable());
        assert!(!Submitted.editable() && !Approved.editable() && !Distributed.editable());
    }

    #[test]
    fn plain_text_export() {
        assert_eq!(
            to_plain_text("# Sitrep 1\n## 1. Situasjon\n**Flom** i Lågen"),
            "Sitrep 1\n1. Situasjon\nFlom i Lågen"
        );
        assert_eq!(ReportStatus::parse("til godkjenning"), Ok(Submitted));
        assert_eq!(ReportStatus::parse("Til-Godkjenning"), Ok(Submitted), "typed words fold");
        assert!(ReportStatus::parse("ferdig")
            .unwrap_err()
            .to_string()
            .contains("statuses are utkast, til godkjenning"));
        assert_eq!(serde_json::to_string(&Submitted).unwrap(), r#""til godkjenning""#);
    }
}
