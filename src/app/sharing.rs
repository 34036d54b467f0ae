//! Reports shared upward: packaging an approved report for another installation,
//! taking in those shared with this one, and compiling them into a report of our own.
//! Sharing and receipt each write a log entry (tag `deling`). The transport (the sync
//! server, or a file) is the caller's.

use super::{AppError, Result, Session};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::roles::Permission;
use crate::domain::share::{compile, SharedReport, SourceIncident};
use crate::domain::{Incident, LogEntry};
use crate::keys::Sealed;
use chrono::{Local, Utc};

/// What one fetch from the sync server brought.
#[derive(Debug, Default, serde::Serialize)]
pub struct Fetched {
    /// Reports shared with this installation, new here.
    pub reports: Vec<SharedReport>,
    /// Receipts for reports this replica shared, logged now.
    pub receipts: usize,
}

fn shared_text(report: &SharedReport, to: &str) -> String {
    format!(
        "Rapport {} versjon {} «{}» delt med {to} (SHA-256 {})",
        report.number,
        report.version,
        report.title,
        &report.sha256[..16]
    )
}

impl Session {
    /// An approved report version (the newest approved one unless `version` is given)
    /// packaged for sharing.
    pub fn share_package(
        &self,
        incident: &Incident,
        number: i64,
        version: Option<i64>,
    ) -> Result<SharedReport> {
        self.permit(Permission::WriteReports)?;
        let versions = self.report_versions(incident, number)?;
        let approved = |r: &&Report| matches!(r.status, ReportStatus::Approved | ReportStatus::Distributed);
        let chosen = match version {
            Some(v) => versions
                .iter()
                .find(|r| r.version == v)
                .ok_or_else(|| AppError::Usage(format!("report {number} has no version {v}")))?,
            None => versions.iter().rev().find(approved).ok_or_else(|| {
                AppError::Usage(format!("report {number} has no approved version to share; approve it first"))
            })?,
        };
        let source = SourceIncident {
            id: incident.id,
            number: incident.number,
            title: incident.title.clone(),
            kind: incident.kind.clone(),
        };
        // Signed in, the report comes from the organisation the server certified this
        // replica for, whatever the configuration calls the installation.
        let sealer = self.store.sealer()?;
        let from = if sealer.certificate.is_empty() || sealer.org.is_empty() {
            self.installation()
        } else {
            sealer.org.clone()
        };
        let mut package = SharedReport::new(&from, source, chosen, &self.user, Utc::now())?;
        package.sign(&sealer);
        Ok(package)
    }

    /// Whether a shared report is what its sender signed, and from whom it says.
    /// Knowing a server's key (signed in once), this replica takes only packages that
    /// server certified: the sending organisation is then the server's word.
    fn check_vouched(&self, report: &SharedReport) -> Result<()> {
        let lang = self.lang;
        let refuse = |nb_why: &str, why: &str| {
            Err(AppError::Usage(lang.pick(
                format!("den delte rapporten avvises: {nb_why}"),
                format!("the shared report is refused: {why}"),
            )))
        };
        let server = self.store.meta("server_key")?.filter(|k| !k.is_empty());
        if report.seal.signature.is_empty() {
            // Unsigned packages come only from sitrooms that were never signed in.
            return match server {
                Some(_) => refuse("den er ikke signert", "it is not signed"),
                None => Ok(()),
            };
        }
        match report.check_seal(server.as_deref()) {
            Err(_) => refuse("den er endret etter at den ble signert", "it was altered after it was signed"),
            Ok(Some(vouched)) if !vouched || report.seal.org != report.from => {
                let from = crate::text::safe_line(&report.from);
                refuse(
                    &format!("synkroniseringstjeneren har ikke bekreftet at den kommer fra «{from}»"),
                    &format!("the sync server has not certified that it comes from '{from}'"),
                )
            }
            Ok(_) => Ok(()),
        }
    }

    /// Record in the log that `report` was shared with `to` (as a file).
    pub fn log_shared(&mut self, incident: &Incident, report: &SharedReport, to: &str) -> Result<LogEntry> {
        let entry = self.writer(Utc::now()).entry("deling", shared_text(report, to));
        Ok(self.store.append_entries(incident, [entry])?.pop().expect("a new entry"))
    }

    /// Take in a report shared with this installation, into `incident`, logging its
    /// receipt. A report received before changes nothing (None).
    pub fn receive_shared(
        &mut self,
        incident: &Incident,
        report: &SharedReport,
        via: &str,
    ) -> Result<Option<LogEntry>> {
        self.permit(Permission::WriteLog)?;
        // Checked again here: whatever carried it, the text must match its checksum,
        // and the package its signature.
        let report = SharedReport::parse(serde_json::to_string(report).expect("plain data").as_bytes())?;
        self.check_vouched(&report)?;
        let now = Utc::now();
        let text = format!(
            "Mottatt {} fra {} ({via}): «{}», rapport {} versjon {}, godkjent {} av {}",
            report.kind,
            report.from,
            report.title,
            report.number,
            report.version,
            report.approved_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
            report.approved_by
        );
        let entry = self.writer(now).entry("deling", text);
        Ok(self.store.receive_shared(incident, &report, entry, now)?)
    }

    /// Share an approved report through the sync server with the organisation this
    /// one reports to, log it, and remember it for the receipt: whom it went to, and
    /// the log entry.
    pub fn share_upward(
        &mut self,
        incident: &Incident,
        number: i64,
        version: Option<i64>,
    ) -> Result<(String, LogEntry)> {
        let package = self.share_package(incident, number, version)?;
        let (client, login) = self.server()?;
        let to = runtime()?
            .block_on(client.share(&login.token, &package))
            .map_err(|e| AppError::Usage(e.to_string()))?;
        let entry = self.writer(Utc::now()).entry("deling", shared_text(&package, &to));
        let logged = self.store.record_sent_share(incident, &package, &to, entry)?;
        Ok((to, logged))
    }

    /// Exchange with the sync server what sharing brings: the reports shared with this
    /// organisation (into `incident`, each receipt logged, and the server told they are
    /// stored), and the receipts for what this replica shared (each logged once, in
    /// the incident the report came from). Where each stopped is kept, so the next
    /// fetch asks only for what came after.
    pub fn fetch_shared(&mut self, incident: &Incident) -> Result<Fetched> {
        self.permit(Permission::WriteLog)?;
        let (client, login) = self.server()?;
        let rt = runtime()?;
        let offline = |e: crate::sync::client::ClientError| AppError::Usage(e.to_string());
        let mut fetched = Fetched::default();
        const SHARES: &str = "shares_cursor";
        let mut after: i64 = self.store.meta(SHARES)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        loop {
            let batch = rt.block_on(client.shares(&login.token, after)).map_err(offline)?;
            let mut stored = Vec::new();
            for (seq, report) in &batch.shares {
                if self.receive_shared(incident, report, "via synkroniseringstjeneren")?.is_some() {
                    fetched.reports.push(report.clone());
                }
                stored.push(report.id);
                after = after.max(*seq);
            }
            if !stored.is_empty() {
                rt.block_on(client.acknowledge_shares(&login.token, &stored)).map_err(offline)?;
            }
            self.store.set_meta(SHARES, &after.to_string())?;
            if !batch.more {
                break;
            }
        }
        const RECEIPTS: &str = "receipts_cursor";
        let mut after: i64 = self.store.meta(RECEIPTS)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        loop {
            let batch = rt.block_on(client.receipts(&login.token, after)).map_err(offline)?;
            for r in &batch.receipts {
                let w = self.writer(Utc::now());
                let logged = self.store.log_receipt(r, |sent| {
                    let text = format!(
                        "{} har mottatt rapport {} versjon {} «{}» ({}, {})",
                        sent.sent_to,
                        sent.number,
                        sent.version,
                        sent.title,
                        r.by,
                        r.at.with_timezone(&Local).format("%d.%m.%Y %H:%M")
                    );
                    w.entry("deling", text)
                })?;
                fetched.receipts += usize::from(logged.is_some());
                after = after.max(r.seq);
            }
            self.store.set_meta(RECEIPTS, &after.to_string())?;
            if !batch.more {
                break;
            }
        }
        Ok(fetched)
    }

    fn server(&self) -> Result<(crate::sync::client::Client, crate::sync::client::Login)> {
        let login = crate::sync::client::load_login(self.store.path())
            .map_err(|e| AppError::Usage(e.to_string()))?
            .ok_or_else(|| {
                AppError::Usage(self.lang.pick("ikke logget inn på en synkroniseringstjener; kjør `sitroom login --server URL --user NAVN`, eller del som fil",
                    "not signed in to a sync server; run `sitroom login --server URL --user NAME`, or share as a file",
                ))
            })?;
        let client =
            crate::sync::client::Client::new(&login.server).map_err(|e| AppError::Usage(e.to_string()))?;
        Ok((client, login))
    }

    /// Every report shared with this installation for the incident.
    pub fn shared_reports(&self, incident: &Incident) -> Result<Vec<SharedReport>> {
        Ok(self.store.shared_reports(incident)?)
    }

    /// The newest report from each source, by source name: what is shown side by side
    /// and compiled.
    pub fn latest_shared(&self, incident: &Incident) -> Result<Vec<SharedReport>> {
        let mut latest: std::collections::BTreeMap<String, SharedReport> = Default::default();
        for r in self.shared_reports(incident)? {
            let newer = latest
                .get(&r.from)
                .is_none_or(|old| (r.approved_at, r.shared_at) >= (old.approved_at, old.shared_at));
            if newer {
                latest.insert(r.from.clone(), r);
            }
        }
        let mut out: Vec<SharedReport> = latest.into_values().collect();
        out.sort_by_key(|r| crate::text::sort_key(&r.from));
        Ok(out)
    }

    /// A new situation report (a draft) compiled from the newest shared report of each
    /// source, with references to them.
    pub fn compile_shared(&mut self, incident: &Incident, title: Option<String>) -> Result<Report> {
        self.permit(Permission::WriteReports)?;
        self.ensure_open(incident)?;
        let sources = self.latest_shared(incident)?;
        if sources.is_empty() {
            return Err(AppError::Usage(self.lang.pick(
                "ingen rapporter er delt med dere i denne hendelsen ennå",
                "no reports have been shared with this installation for this incident yet",
            )));
        }
        let title =
            crate::domain::report::check_title(&title.unwrap_or_else(|| {
                format!("Samlet situasjonsbilde {}", Local::now().format("%d.%m.%Y %H:%M"))
            }))?;
        let text = compile(&title, &sources);
        let refs: Vec<String> = sources.iter().map(|s| format!("{} v{}", s.from, s.version)).collect();
        let w = self.writer(Utc::now());
        let (report, _) =
            self.store.create_report(incident, ("situasjonsrapport", &title, &text), w.stamp(), |r| {
                w.entry(
                    "deling",
                    format!(
                        "Rapport {} «{}» sammenstilt fra {} delte rapporter: {}",
                        r.number,
                        r.title,
                        sources.len(),
                        refs.join(", ")
                    ),
                )
            })?;
        Ok(report)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::Usage(format!("cannot start the network: {e}")))
}
