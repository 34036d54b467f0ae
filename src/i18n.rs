//! The UI's words in Norwegian bokmål and English. One struct per language, so a
//! missing translation is a compile error, not a blank on screen.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Norsk bokmål
    Nb,
    /// English
    En,
}

impl Lang {
    /// From a locale such as `nb_NO.UTF-8`: Norwegian (nb, nn, no) gets bokmål,
    /// anything else English.
    pub fn from_locale(locale: &str) -> Lang {
        let l = locale.to_ascii_lowercase();
        if ["nb", "nn", "no"].iter().any(|p| l.starts_with(p)) {
            Lang::Nb
        } else {
            Lang::En
        }
    }

    /// `LC_ALL`, `LC_MESSAGES`, then `LANG`, as POSIX orders them.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .map_or(Lang::En, |v| Lang::from_locale(&v))
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Nb => &NB,
            Lang::En => &EN,
        }
    }

    pub fn is_norwegian(self) -> bool {
        self == Lang::Nb
    }
}

/// A phrase in every interface language: leaving one out does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    nb: &'static str,
    en: &'static str,
}

impl Text {
    pub const fn new(nb: &'static str, en: &'static str) -> Text {
        Text { nb, en }
    }

    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nb => self.nb,
            Lang::En => self.en,
        }
    }
}

pub struct Strings {
    pub log: &'static str,
    pub new_entry: &'static str,
    pub read_only: &'static str,
    pub entry_hint: &'static str,
    pub correcting: &'static str,
    pub exercise: &'static str,
    pub exercise_field: &'static str,
    pub decision: &'static str,
    pub significant: &'static str,
    pub corrected_in: &'static str,
    pub corrects: &'static str,
    pub filter: &'static str,
    pub of: &'static str,
    pub no_entries: &'static str,
    pub no_match: &'static str,
    pub loading: &'static str,
    pub saved: &'static str,
    pub draft_restored: &'static str,
    pub marked_significant: &'static str,
    pub unmarked_significant: &'static str,
    pub choose_incident: &'static str,
    pub no_incidents: &'static str,
    pub new_incident: &'static str,
    pub title: &'static str,
    pub kind: &'static str,
    pub severity: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub created: &'static str,
    pub help: &'static str,
    pub help_footer: &'static str,
    pub too_small: &'static str,
    pub error: &'static str,
    pub notice: &'static str,
    pub no_active: &'static str,
    pub decisions_only: &'static str,
    pub significant_only: &'static str,
    pub tasks: &'static str,
    pub open_tasks: &'static str,
    pub overdue: &'static str,
    pub no_tasks: &'static str,
    pub new_task: &'static str,
    pub assign_to: &'static str,
    pub media: &'static str,
    pub past_deadline: &'static str,
    pub no_media: &'static str,
    pub new_media: &'static str,
    pub answer: &'static str,
    pub report: &'static str,
    pub reports: &'static str,
    pub sitrep: &'static str,
    pub no_reports: &'static str,
    pub no_sitrep: &'static str,
    pub unsaved: &'static str,
    pub saved_at: &'static str,
    pub editor_hint: &'static str,
    pub returned_because: &'static str,
    pub template_prompt: &'static str,
    pub return_comment: &'static str,
    pub meeting: &'static str,
    pub minutes_in: &'static str,
    pub no_meeting: &'static str,
    pub plan_meeting: &'static str,
    pub contexts: [&'static str; 18],
}

pub const NB: Strings = Strings {
    log: "Hendelseslogg",
    new_entry: "Ny loggføring",
    read_only: "Bare lesetilgang: du kan lese loggen, men ikke skrive i den",
    entry_hint: "Enter lagrer · Alt-Enter/Ctrl-J ny linje · Tab til loggen",
    correcting: "Retter",
    exercise: "ØVELSE",
    exercise_field: "Øvelse",
    decision: "BESLUTNING",
    significant: "VESENTLIG",
    corrected_in: "rettet i",
    corrects: "retter",
    filter: "Filter",
    of: "av",
    no_entries: "Ingen loggføringer ennå. Skriv og trykk Enter.",
    no_match: "Ingen treff for filteret.",
    loading: "Laster loggen …",
    saved: "Lagret",
    draft_restored: "Utkast gjenopprettet",
    marked_significant: "Merket som vesentlig",
    unmarked_significant: "Ikke lenger vesentlig",
    choose_incident: "Velg hendelse",
    no_incidents: "Ingen hendelser. Ctrl-N oppretter en ny.",
    new_incident: "Ny hendelse",
    title: "Tittel",
    kind: "Type",
    severity: "Alvorlighetsgrad",
    yes: "ja",
    no: "nei",
    open: "åpen",
    closed: "avsluttet",
    created: "opprettet",
    help: "Hjelp – taster",
    help_footer: "Esc eller F1 lukker",
    too_small: "Vinduet er for lite",
    error: "Feil",
    notice: "Varsel",
    no_active: "ingen aktiv hendelse",
    decisions_only: "bare beslutninger",
    significant_only: "bare vesentlige",
    tasks: "Oppgaver",
    open_tasks: "åpne",
    overdue: "forsinket",
    no_tasks: "Ingen oppgaver ennå. n lager en, eller t på en loggføring.",
    new_task: "Ny oppgave",
    assign_to: "Tildel",
    media: "Mediehenvendelser",
    past_deadline: "over fristen",
    no_media: "Ingen mediehenvendelser. n registrerer en («medium: spørsmål»).",
    new_media: "Medium: spørsmål",
    answer: "Svar",
    report: "Rapport",
    reports: "Rapporter",
    sitrep: "Siste situasjonsrapport",
    no_reports: "Ingen rapporter ennå. n starter en fra en mal.",
    no_sitrep: "Ingen situasjonsrapport ennå.",
    unsaved: "ikke lagret",
    saved_at: "lagret",
    editor_hint: "Esc eller F10 lagrer og lukker",
    returned_because: "Returnert",
    template_prompt: "Mal (situasjonsrapport, møtereferat, pressemelding …)",
    return_comment: "Kommentar til den som skrev",
    meeting: "Møte",
    minutes_in: "avsluttet, referatet er rapport",
    no_meeting: "Ingen møte pågår.",
    plan_meeting: "Nytt møte (tittel; sak; sak | deltaker, deltaker)",
    contexts: [
        "Overalt",
        "Skrivelinjen",
        "Loggen",
        "Filter og spørsmål",
        "Hendelsesvelger",
        "Ny hendelse",
        "Hjelp",
        "Oppgaver",
        "Mediehenvendelser",
        "Rapporter",
        "Rapportskriver",
        "Varsling",
        "Tiltakskort",
        "Planer og ROS",
        "Ressurser",
        "EPS",
        "Tidsreise",
        "Delte rapporter",
    ],
};

pub const EN: Strings = Strings {
    log: "Incident log",
    new_entry: "New entry",
    read_only: "Read-only: you may read the log but not write in it",
    entry_hint: "Enter saves · Alt-Enter/Ctrl-J new line · Tab to the log",
    correcting: "Correcting",
    exercise: "EXERCISE",
    exercise_field: "Exercise",
    decision: "DECISION",
    significant: "SIGNIFICANT",
    corrected_in: "corrected in",
    corrects: "corrects",
    filter: "Filter",
    of: "of",
    no_entries: "No entries yet. Type and press Enter.",
    no_match: "Nothing matches the filter.",
    loading: "Loading the log …",
    saved: "Saved",
    draft_restored: "Draft restored",
    marked_significant: "Marked significant",
    unmarked_significant: "No longer significant",
    choose_incident: "Choose incident",
    no_incidents: "No incidents. Ctrl-N creates one.",
    new_incident: "New incident",
    title: "Title",
    kind: "Type",
    severity: "Severity",
    yes: "yes",
    no: "no",
    open: "open",
    closed: "closed",
    created: "created",
    help: "Help – keys",
    help_footer: "Esc or F1 closes",
    too_small: "The window is too small",
    error: "Error",
    notice: "Notice",
    no_active: "no active incident",
    decisions_only: "decisions only",
    significant_only: "significant only",
    tasks: "Tasks",
    open_tasks: "open",
    overdue: "overdue",
    no_tasks: "No tasks yet. n makes one, or t on a log entry.",
    new_task: "New task",
    assign_to: "Assign to",
    media: "Media inquiries",
    past_deadline: "past the deadline",
    no_media: "No media inquiries. n registers one («outlet: question»).",
    new_media: "Outlet: question",
    answer: "Answer",
    report: "Report",
    reports: "Reports",
    sitrep: "Latest situation report",
    no_reports: "No reports yet. n starts one from a template.",
    no_sitrep: "No situation report yet.",
    unsaved: "not saved",
    saved_at: "saved",
    editor_hint: "Esc or F10 saves and closes",
    returned_because: "Returned",
    template_prompt: "Template (situasjonsrapport, møtereferat, pressemelding …)",
    return_comment: "Comment for the writer",
    meeting: "Meeting",
    minutes_in: "ended, the minutes are report",
    no_meeting: "No meeting is running.",
    plan_meeting: "New meeting (title; item; item | participant, participant)",
    contexts: [
        "Everywhere",
        "Entry line",
        "Log",
        "Filter and prompts",
        "Incident picker",
        "New incident",
        "Help",
        "Tasks",
        "Media",
        "Reports",
        "Report editor",
        "Alerts",
        "Action cards",
        "Plans and ROS",
        "Resources",
        "EPS",
        "Time travel",
        "Shared reports",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_language() {
        assert_eq!(Lang::from_locale("nb_NO.UTF-8"), Lang::Nb);
        assert_eq!(Lang::from_locale("nn_NO"), Lang::Nb);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
