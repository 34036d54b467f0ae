//! `sitroom history`: the log, task board and latest approved sitrep as they stood at a
//! time (tidsreise)

use crate::app::Session;
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::i18n::Label;
use crate::text::safe_line;

/// `sitroom history --at TIME`: the log, task board and latest approved sitrep as they
/// stood then.
pub fn run(s: &mut Session, incident: Option<i64>, at: &str, p: &Printer, out: Out<'_>) -> Ran {
    let incident = s.resolve_incident(incident)?;
    let at = crate::domain::time::parse_moment(at, &chrono::Local::now()).map_err(usage)?;
    let then = s.as_of(&incident, at)?;
    let local =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono::Local).format("%d.%m %H:%M").to_string();
    either(out, p, &then, |out| {
        let lang = p.lang;
        let when = then.at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M");
        writeln!(out, "{}", crate::say!(lang, "Slik det sto {when}", "As it stood at {when}")).map_err(io)?;
        let n = then.log.len();
        writeln!(out, "\n{}", crate::say!(lang, "Logg ({n} føringer)", "Log ({n} entries)")).map_err(io)?;
        // As `log list` shows it: decisions, significant marks and corrections, which
        // a review needs, as they stood then.
        p.entries_text(out, &then.log).map_err(io)?;
        let n = then.tasks.len();
        writeln!(out, "\n{}", crate::say!(lang, "Oppgaver ({n})", "Tasks ({n})")).map_err(io)?;
        for t in &then.tasks {
            let who = t.assignee.as_deref().map(safe_line).unwrap_or_default();
            writeln!(
                out,
                "{:>4}  {:<8} {:<12} {}",
                t.number,
                t.status.label().get(p.lang),
                who,
                safe_line(&t.title)
            )
            .map_err(io)?;
        }
        match &then.sitrep {
            Some(r) => {
                let when = r.approved_at.map(local).unwrap_or_default();
                let (n, v) = (r.number, r.version);
                let said = crate::say!(
                    lang,
                    "Siste godkjente situasjonsrapport: {n} v{v} (godkjent {when})",
                    "Latest approved situation report: {n} v{v} (approved {when})"
                );
                writeln!(out, "\n{said}").map_err(io)?;
                writeln!(out, "{}", crate::text::safe(&r.text)).map_err(io)?;
            }
            None => {
                let none =
                    lang.pick("Ingen godkjent situasjonsrapport da.", "No approved situation report then.");
                writeln!(out, "\n{none}").map_err(io)?
            }
        }
        Ok(())
    })?;
    Ok(true)
}
