//! Report operations: write from a template, autosave, the approval flow, new versions,
//! export. Writers write; only roles with the approve permission approve or return.
//! Every step but saving text writes an automatic log entry (tag `#rapport`).

use super::templates::{templates, Template};
use super::{AppError, Result, Session};
use crate::domain::report::{check_title, to_plain_text, Report, ReportStatus, ReportStep};
use crate::domain::roles::Permission;
use crate::domain::{Incident, Invalid, LogEntry};
use crate::i18n::{Label, Lang};
use crate::store::ReportChange;
use chrono::{Local, Utc};

/// "Rapport 2 «Situasjonsrapport 1» v1"
fn name(r: &Report) -> String {
    format!("Rapport {} «{}» v{}", r.number, r.title, r.version)
}

impl Session {
    pub fn templates(&self) -> Vec<Template> {
        templates(self.config_dir.as_deref())
    }

    /// Start a report from a template. Without a title: the template's name and the
    /// next number of that kind ("Situasjonsrapport 2").
    pub fn new_report(
        &mut self,
        incident: &Incident,
        template: &str,
        title: Option<String>,
    ) -> Result<(Report, LogEntry)> {
        self.new_report_with(incident, template, title, false)
    }

    /// A new situation report whose text ends with a draft from the log: what happened
    /// since the last approved one, each line with its source (`log_digest`).
    pub fn new_sitrep_from_log(&mut self, incident: &Incident) -> Result<(Report, LogEntry)> {
        self.new_report_with(incident, "situasjonsrapport", None, true)
    }

    fn new_report_with(
        &mut self,
        incident: &Incident,
        template: &str,
        title: Option<String>,
        from_log: bool,
    ) -> Result<(Report, LogEntry)> {
        self.permit(Permission::WriteReports)?;
        self.ensure_open(incident)?;
        let all = self.templates();
        let Some(t) = super::templates::template_named(&all, template) else {
            let names: Vec<_> = all.iter().map(|t| t.name.as_str()).collect();
            let (nb, en) = (
                format!("ukjent mal «{template}»; malene er {}", names.join(", ")),
                format!("unknown template '{template}'; templates are {}", names.join(", ")),
            );
            return Err(Invalid::new(nb, en).into());
        };
        let title = match title {
            Some(t) => check_title(&t)?,
            None => {
                let same = self.store.reports(incident)?.iter().filter(|r| r.kind == t.name).count();
                let mut label = t.name.clone();
                if let Some(first) = label.get(..1) {
                    label = first.to_uppercase() + &label[1..];
                }
                format!("{label} {}", same + 1)
            }
        };
        let now = Utc::now();
        let mut text = t.fill(
            &title,
            &incident.title,
            &now.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string(),
            &self.user,
        );
        if from_log {
            text = format!("{}\n\n{}", text.trim_end(), self.log_digest(incident)?);
        }
        let w = self.writer(now);
        Ok(self.store.create_report(incident, (&t.name, &title, &text), w.stamp(), |r| {
            w.entry("rapport", format!("{} opprettet ({})", name(r), r.kind))
        })?)
    }

    /// The lines of its template's guidance a report still holds word for word: what
    /// its writer has not yet filled in (shown before it is approved).
    pub fn unfilled(&self, report: &Report) -> Vec<String> {
        let Some(template) = self.templates().into_iter().find(|t| t.name == report.kind) else {
            return Vec::new();
        };
        let lines: std::collections::HashSet<&str> = report.text.lines().map(str::trim).collect();
        template.guidance().filter(|g| lines.contains(g)).map(str::to_string).collect()
    }

    pub fn reports(&self, incident: &Incident) -> Result<Vec<Report>> {
        Ok(self.store.reports(incident)?)
    }

    /// A report's latest version, or the version asked for.
    pub fn report(&self, incident: &Incident, number: i64, version: Option<i64>) -> Result<Report> {
        let all = self.store.report_versions(incident, number)?;
        match version {
            None => Ok(all.into_iter().last().expect("at least one version")),
            Some(v) => all
                .into_iter()
                .find(|r| r.version == v)
                .ok_or_else(|| AppError::Usage(format!("report {number} has no version {v}"))),
        }
    }

    pub fn report_versions(&self, incident: &Incident, number: i64) -> Result<Vec<Report>> {
        Ok(self.store.report_versions(incident, number)?)
    }

    /// The situation report the staff should read: the newest approved (or
    /// distributed) one; else the newest in the works.
    pub fn latest_sitrep(&self, incident: &Incident) -> Result<Option<Report>> {
        let sitreps: Vec<Report> = self
            .store
            .all_report_versions(incident)?
            .into_iter()
            .filter(|r| r.kind == "situasjonsrapport")
            .collect();
        let approved = sitreps
            .iter()
            .filter(|r| matches!(r.status, ReportStatus::Approved | ReportStatus::Distributed))
            .max_by_key(|r| (r.approved_at, r.number, r.version));
        Ok(approved.or_else(|| sitreps.iter().max_by_key(|r| (r.number, r.version))).cloned())
    }

    /// Save the text (autosave from the editor, or `report edit`).
    pub fn save_report_text(&mut self, incident: &Incident, number: i64, text: &str) -> Result<Report> {
        self.permit(Permission::WriteReports)?;
        self.ensure_open(incident)?;
        let text = crate::text::nfc(text);
        Ok(self.store.save_report_text(incident, number, &text, &self.user, &self.device, Utc::now())?)
    }

    /// Submit, approve, return (with a comment) or distribute the latest version.
    pub fn report_step(
        &mut self,
        incident: &Incident,
        number: i64,
        step: ReportStep,
        comment: Option<String>,
    ) -> Result<(Report, LogEntry)> {
        let permission = match step {
            ReportStep::Approve | ReportStep::Return => Permission::ApproveReports,
            ReportStep::Submit | ReportStep::Distribute => Permission::WriteReports,
        };
        self.permit(permission)?;
        self.ensure_open(incident)?;
        let comment = comment.map(|c| crate::text::nfc(c.trim())).filter(|c| !c.is_empty());
        if step == ReportStep::Return && comment.is_none() {
            return Err(self.invalid(
                "si hvorfor rapporten returneres (--comment)",
                "say why the report is returned (--comment)",
            ));
        }
        let lang = self.lang;
        let check = move |r: &Report| match r.status.after(step) {
            Some(_) => Ok(()),
            None => {
                let (v, status) = (r.version, r.status.label().get(lang));
                let (nb, en) = (step.label().get(Lang::Nb), crate::i18n::step_taken(step).get(Lang::En));
                Err(crate::say!(
                    lang,
                    "rapport {number} v{v} er {status} og kan ikke {nb}",
                    "report {number} v{v} is {status} and cannot be {en}"
                ))
            }
        };
        let current = self.store.report_versions(incident, number)?.pop().expect("a version");
        let to = current.status.after(step).unwrap_or(current.status);
        let approver = (step == ReportStep::Approve).then(|| self.user.clone());
        let change = ReportChange::Status { to, comment: comment.clone(), approver };
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.change_report(incident, number, &change, w.stamp(), check, |_, r| {
            let text = match step {
                ReportStep::Submit => format!("{} sendt til godkjenning", name(r)),
                ReportStep::Approve => format!("{} godkjent av {}", name(r), w.user),
                ReportStep::Return => {
                    format!("{} returnert: «{}»", name(r), comment.as_deref().unwrap_or(""))
                }
                ReportStep::Distribute => format!("{} distribuert", name(r)),
            };
            w.entry("rapport", text)
        })?)
    }

    /// Start a new version (a draft with the approved text) after an approved one.
    pub fn new_report_version(&mut self, incident: &Incident, number: i64) -> Result<(Report, LogEntry)> {
        self.permit(Permission::WriteReports)?;
        self.ensure_open(incident)?;
        let lang = self.lang;
        let check = |r: &Report| match r.status {
            ReportStatus::Approved | ReportStatus::Distributed => Ok(()),
            s => {
                let (v, status) = (r.version, s.label().get(lang));
                Err(crate::say!(
                    lang,
                    "rapport {number} v{v} er {status}: den kan fortsatt endres, en ny versjon trengs ikke",
                    "report {number} v{v} is {status}: it can still be edited, no new version is needed"
                ))
            }
        };
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.change_report(
            incident,
            number,
            &ReportChange::NewVersion,
            w.stamp(),
            check,
            |_, r| w.entry("rapport", format!("{} påbegynt", name(r))),
        )?)
    }

    /// A version as Markdown or plain text, with a header that says what it is.
    pub fn export_report(
        &self,
        incident: &Incident,
        number: i64,
        version: Option<i64>,
        plain: bool,
    ) -> Result<String> {
        let r = self.report(incident, number, version)?;
        let approved = match (&r.approved_by, r.approved_at) {
            (Some(by), Some(at)) => {
                format!("godkjent av {by} {}", at.with_timezone(&Local).format("%d.%m.%Y %H:%M"))
            }
            _ => r.status.name().to_string(),
        };
        let header = format!(
            "<!-- sitroom: hendelse {} «{}», rapport {} versjon {}, {}, {} -->\n\n",
            incident.number, incident.title, r.number, r.version, r.kind, approved
        );
        Ok(if plain {
            format!(
                "Hendelse {} «{}» – rapport {} versjon {} ({approved})\n\n{}\n",
                incident.number,
                incident.title,
                r.number,
                r.version,
                to_plain_text(&r.text)
            )
        } else {
            format!("{header}{}\n", r.text.trim_end())
        })
    }
}
