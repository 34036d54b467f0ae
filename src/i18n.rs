//! The interface's words in Norwegian bokmål and English, each written once with its
//! languages side by side (`strings!`), and the words for the domain's values
//! (`Label`). The one mechanism beneath is `lang::Text`/`lang::say!`: a phrase is
//! written in every language at once and chosen by `Lang`, so a missing translation
//! does not compile.

pub use crate::lang::{Lang, Text};

impl Lang {
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Nb => &NB,
            Lang::En => &EN,
        }
    }
}

/// Declares the interface's words, each once with all its languages side by side,
/// and makes of them one `Strings` table per language (a missing translation does not
/// compile) and `Strings::all`, which the test of every key walks.
macro_rules! strings {
    ($( $(#[$doc:meta])* $field:ident: $nb:expr, $en:expr; )*) => {
        pub struct Strings {
            $( $(#[$doc])* pub $field: &'static str, )*
        }

        pub const NB: Strings = Strings { $( $field: $nb, )* };
        pub const EN: Strings = Strings { $( $field: $en, )* };

        impl Strings {
            /// Every word of the table by its key, in every language.
            pub fn all() -> Vec<(&'static str, Text)> {
                vec![$( (stringify!($field), Text::new($nb, $en)), )*]
            }
        }
    };
}

strings! {
    log: "Hendelseslogg", "Incident log";
    new_entry: "Ny loggføring", "New entry";
    read_only: "Bare lesetilgang: du kan lese loggen, men ikke skrive i den", "Read-only: you may read the log but not write in it";
    correcting: "Retter", "Correcting";
    exercise: "ØVELSE", "EXERCISE";
    exercise_field: "Øvelse", "Exercise";
    decision: "BESLUTNING", "DECISION";
    significant: "VESENTLIG", "SIGNIFICANT";
    corrected_in: "rettet i", "corrected in";
    corrects: "retter", "corrects";
    filter: "Filter", "Filter";
    of: "av", "of";
    no_entries: "Ingen loggføringer ennå. Skriv og trykk Enter.", "No entries yet. Type and press Enter.";
    no_match: "Ingen treff for filteret.", "Nothing matches the filter.";
    loading: "Laster loggen …", "Loading the log …";
    saved: "Lagret", "Saved";
    draft_restored: "Utkast gjenopprettet", "Draft restored";
    marked_significant: "Merket som vesentlig", "Marked significant";
    unmarked_significant: "Ikke lenger vesentlig", "No longer significant";
    choose_incident: "Velg hendelse", "Choose incident";
    no_incidents: "Ingen hendelser. Ctrl-N oppretter en ny.", "No incidents. Ctrl-N creates one.";
    new_incident: "Ny hendelse", "New incident";
    title: "Tittel", "Title";
    kind: "Type", "Type";
    severity: "Alvorlighetsgrad", "Severity";
    yes: "ja", "yes";
    no: "nei", "no";
    open: "åpen", "open";
    closed: "avsluttet", "closed";
    created: "opprettet", "created";
    help: "Hjelp – taster", "Help – keys";
    help_footer: "Esc eller F1 lukker", "Esc or F1 closes";
    too_small: "Vinduet er for lite", "The window is too small";
    error: "Feil", "Error";
    notice: "Varsel", "Notice";
    no_active: "ingen aktiv hendelse", "no active incident";
    decisions_only: "bare beslutninger", "decisions only";
    significant_only: "bare vesentlige", "significant only";
    tasks: "Oppgaver", "Tasks";
    open_tasks: "åpne", "open";
    open_one: "åpen", "open";
    overdue: "forsinket", "overdue";
    no_tasks: "Ingen oppgaver ennå. n lager en, eller t på en loggføring.", "No tasks yet. n makes one, or t on a log entry.";
    new_task: "Ny oppgave", "New task";
    assign_to: "Tildel", "Assign to";
    media: "Mediehenvendelser", "Media inquiries";
    past_deadline: "over fristen", "past the deadline";
    no_media: "Ingen mediehenvendelser. n registrerer en («medium: spørsmål»).", "No media inquiries. n registers one («outlet: question»).";
    new_media: "Medium: spørsmål", "Outlet: question";
    answer: "Svar", "Answer";
    report: "Rapport", "Report";
    reports: "Rapporter", "Reports";
    sitrep: "Siste situasjonsrapport", "Latest situation report";
    no_reports: "Ingen rapporter ennå. n starter en fra en mal.", "No reports yet. n starts one from a template.";
    no_sitrep: "Ingen situasjonsrapport ennå.", "No situation report yet.";
    unsaved: "ikke lagret", "not saved";
    saved_at: "lagret", "saved";
    returned_because: "Returnert", "Returned";
    template_prompt: "Mal", "Template";
    return_comment: "Kommentar til den som skrev", "Comment for the writer";
    meeting: "Møte", "Meeting";
    minutes_in: "avsluttet, referatet er rapport", "ended, the minutes are report";
    no_meeting: "Ingen møte pågår.", "No meeting is running.";
    no_incidents_yet: "Ingen hendelser ennå. Ctrl-N oppretter den første.", "No incidents yet. Ctrl-N makes the first.";
    incidents_come_from_others: "Ingen hendelser ennå. Din rolle oppretter ikke hendelser: de vises her straks noen andre har opprettet dem.", "No incidents yet. Your role does not make incidents: they show here as soon as someone else has made them.";
    waiting_for_incidents: "Venter på organisasjonens hendelser fra serveren … Den første som kommer, åpnes.", "Waiting for the organisation's incidents from the server … The first to arrive opens.";
    new_only_if_new: "Ctrl-N oppretter en ny, om det virkelig er en ny hendelse.", "Ctrl-N makes a new one, if it really is a new incident.";
    you_are: "Du er", "You are";
    change_user: "Bytt med --user NAVN eller user = \"NAVN\" i config.toml.", "Change it with --user NAME or user = \"NAME\" in config.toml.";
    sign_in_to_server: "logg inn på en synkroniseringsserver.", "sign in to a sync server.";
    change_login: "Logget inn på serveren; en annen bruker logger inn med sitroom login.", "Signed in to the server; another user signs in with sitroom login.";
    log_has_focus: "Loggen har fokus – tastene ble ikke brukt ·", "The log has the focus – keys not used ·";
    list_has_focus: "Skrivelinjen har ikke fokus – tastene ble ikke brukt ·", "The entry line does not have the focus – keys not used ·";
    next_pane: "neste rute", "next pane";
    back_to_entry: "tilbake til skrivelinjen", "back to the entry line";
    plan_meeting: "Nytt møte (tittel; sak; sak | deltaker, deltaker)", "New meeting (title; item; item | participant, participant)";
}

// ---- the domain's values in words ---------------------------------------------------

use crate::domain::alert::{Ack, Channel, Delivery};
use crate::domain::contact::Availability;
use crate::domain::eps::{EpsKind, EpsStatus};
use crate::domain::evaluation::PointKind;
use crate::domain::media::{MediaStatus, Urgency};
use crate::domain::meeting::MeetingStatus;
use crate::domain::plan::LinkKind;
use crate::domain::report::{ReportStatus, ReportStep};
use crate::domain::roles::Permission;
use crate::domain::ros::Level;
use crate::domain::task::Priority;
use crate::domain::task::TaskStatus;
use crate::domain::Severity;

/// The words for a value of the domain. The domain keeps stable codes (what is
/// stored and sent); what people read is made here, so rewording the interface never
/// changes the database or the wire.
pub trait Label {
    fn label(&self) -> Text;
}

impl Label for TaskStatus {
    fn label(&self) -> Text {
        match self {
            TaskStatus::New => Text::new("ny", "new"),
            TaskStatus::InProgress => Text::new("pågår", "in progress"),
            TaskStatus::Done => Text::new("utført", "done"),
            TaskStatus::Cancelled => Text::new("avbrutt", "cancelled"),
        }
    }
}

impl Label for MediaStatus {
    fn label(&self) -> Text {
        match self {
            MediaStatus::New => Text::new("ny", "new"),
            MediaStatus::InProgress => Text::new("under arbeid", "in progress"),
            MediaStatus::Answered => Text::new("besvart", "answered"),
            MediaStatus::Closed => Text::new("avsluttet", "closed"),
        }
    }
}

impl Label for ReportStatus {
    fn label(&self) -> Text {
        match self {
            ReportStatus::Draft => Text::new("utkast", "draft"),
            ReportStatus::Submitted => Text::new("til godkjenning", "for approval"),
            ReportStatus::Approved => Text::new("godkjent", "approved"),
            ReportStatus::Returned => Text::new("returnert", "returned"),
            ReportStatus::Distributed => Text::new("distribuert", "distributed"),
        }
    }
}

/// What the step does, as in "cannot be {label}" / "kan ikke {label}".
impl Label for ReportStep {
    fn label(&self) -> Text {
        match self {
            ReportStep::Submit => Text::new("sende til godkjenning", "submit for approval"),
            ReportStep::Approve => Text::new("godkjenne", "approve"),
            ReportStep::Return => Text::new("returnere", "return"),
            ReportStep::Distribute => Text::new("distribuere", "distribute"),
        }
    }
}

/// What a report has become by `step`: "sendt til godkjenning", "submitted"…
pub fn step_taken(step: ReportStep) -> Text {
    match step {
        ReportStep::Submit => Text::new("sendt til godkjenning", "submitted"),
        ReportStep::Approve => Text::new("godkjent", "approved"),
        ReportStep::Return => Text::new("returnert", "returned"),
        ReportStep::Distribute => Text::new("distribuert", "distributed"),
    }
}

impl Label for Ack {
    fn label(&self) -> Text {
        match self {
            Ack::Received => Text::new("mottatt", "received"),
            Ack::Coming => Text::new("kommer", "coming"),
            Ack::CannotCome => Text::new("kan ikke", "cannot come"),
        }
    }
}

impl Label for Severity {
    fn label(&self) -> Text {
        const WORDS: [Text; 5] = [
            Text::new("lav", "low"),
            Text::new("moderat", "moderate"),
            Text::new("alvorlig", "serious"),
            Text::new("svært alvorlig", "very serious"),
            Text::new("kritisk", "critical"),
        ];
        WORDS[usize::from(self.level() - 1)]
    }
}

/// What the permission allows, for a refusal: "… may not {label}".
impl Label for Permission {
    fn label(&self) -> Text {
        match self {
            Permission::ManageUsers => Text::new("administrere brukere", "manage users"),
            Permission::ManageIncidents => {
                Text::new("opprette, avslutte eller gjenåpne hendelser", "open, close or reopen incidents")
            }
            Permission::WriteLog => Text::new("skrive i hendelsesloggen", "write the incident log"),
            Permission::Decide => Text::new(
                "registrere beslutninger eller markere loggføringer som vesentlige",
                "record decisions or mark entries significant",
            ),
            Permission::ManageTasks => Text::new("opprette eller endre oppgaver", "create or change tasks"),
            Permission::WorkMedia => Text::new("behandle mediehenvendelser", "work the media queue"),
            Permission::WriteReports => Text::new("skrive rapporter", "write reports"),
            Permission::ApproveReports => Text::new("godkjenne rapporter", "approve reports"),
            Permission::SeeEps => Text::new("se EPS-registreringer", "see EPS registrations"),
            Permission::ManagePreparedness => Text::new(
                "endre kontakter, ressurser, varslingslister, tiltakskort, planer eller ROS",
                "change contacts, resources, alert lists, action cards, plans or the ROS register",
            ),
            Permission::SendAlerts => Text::new("sende varsling", "send alerts"),
            Permission::ManageBoards => Text::new(
                "opprette informasjonstavler og si hvem som ser dem",
                "make information boards and say who sees them",
            ),
            Permission::PostNotices => Text::new(
                "sette opp oppslag og nøkkeltall på informasjonstavler",
                "put up notices and key figures on information boards",
            ),
            Permission::SendMessages => {
                Text::new("sende meldinger og kvittere for dem", "send messages and say one has read them")
            }
        }
    }
}

impl Label for crate::domain::board::NoticeStatus {
    fn label(&self) -> Text {
        match self {
            crate::domain::board::NoticeStatus::Up => Text::new("oppe", "up"),
            crate::domain::board::NoticeStatus::Down => Text::new("tatt ned", "taken down"),
        }
    }
}

impl Label for Priority {
    fn label(&self) -> Text {
        match self {
            Priority::Lav => Text::new("lav", "low"),
            Priority::Normal => Text::new("normal", "normal"),
            Priority::Høy => Text::new("høy", "high"),
            Priority::Kritisk => Text::new("kritisk", "critical"),
        }
    }
}

impl Label for MeetingStatus {
    fn label(&self) -> Text {
        match self {
            MeetingStatus::Planned => Text::new("planlagt", "planned"),
            MeetingStatus::Ongoing => Text::new("pågår", "in progress"),
            MeetingStatus::Ended => Text::new("avsluttet", "ended"),
            MeetingStatus::Void => Text::new("feilført", "void"),
        }
    }
}

impl Label for EpsStatus {
    fn label(&self) -> Text {
        match self {
            EpsStatus::Registered => Text::new("registrert", "registered"),
            EpsStatus::Missing => Text::new("savnet", "missing"),
            EpsStatus::CaredFor => Text::new("ivaretatt", "cared for"),
            EpsStatus::FollowingUp => Text::new("under oppfølging", "following up"),
            EpsStatus::Closed => Text::new("avsluttet", "closed"),
        }
    }
}

impl Label for EpsKind {
    fn label(&self) -> Text {
        match self {
            EpsKind::Evacuated => Text::new("evakuert", "evacuated"),
            EpsKind::Affected => Text::new("berørt", "affected"),
            EpsKind::Inquiry => Text::new("henvendelse", "inquiry"),
        }
    }
}

impl Label for PointKind {
    fn label(&self) -> Text {
        match self {
            PointKind::WentWell => Text::new("gikk bra", "went well"),
            PointKind::Improve => Text::new("forbedres", "to improve"),
        }
    }
}

impl Label for LinkKind {
    fn label(&self) -> Text {
        match self {
            LinkKind::AlertList => Text::new("varslingsliste", "alert list"),
            LinkKind::Resource => Text::new("ressurs", "resource"),
            LinkKind::Card => Text::new("tiltakskort", "action card"),
        }
    }
}

impl Label for Availability {
    fn label(&self) -> Text {
        match self {
            Availability::Available => Text::new("tilgjengelig", "available"),
            Availability::InUse => Text::new("i bruk", "in use"),
            Availability::Unavailable => Text::new("utilgjengelig", "unavailable"),
        }
    }
}

impl Label for Channel {
    fn label(&self) -> Text {
        match self {
            Channel::App => Text::new("app", "app"),
            Channel::Email => Text::new("e-post", "e-mail"),
            Channel::Sms => Text::new("sms", "sms"),
        }
    }
}

impl Label for Delivery {
    fn label(&self) -> Text {
        match self {
            Delivery::Waiting => Text::new("venter", "waiting"),
            Delivery::Delivered => Text::new("levert", "delivered"),
            Delivery::NotDelivered => Text::new("ikke levert", "not delivered"),
        }
    }
}

/// A ROS risk level.
impl Label for Level {
    fn label(&self) -> Text {
        match self {
            Level::Low => Text::new("lav", "low"),
            Level::Medium => Text::new("middels", "medium"),
            Level::High => Text::new("høy", "high"),
        }
    }
}

/// "om 25 min", "om 2 t 10 min", "5 min over fristen": time left as a person says it.
pub fn time_left(u: Urgency, lang: Lang) -> String {
    let span = |d: chrono::Duration| {
        let m = d.num_minutes().max(0);
        if m >= 60 {
            crate::say!(lang, "{} t {} min", "{} h {} min", m / 60, m % 60)
        } else {
            format!("{m} min")
        }
    };
    match u {
        Urgency::Calm => String::new(),
        Urgency::Ahead(d) | Urgency::Approaching(d) => crate::say!(lang, "om {}", "in {}", span(d)),
        Urgency::Passed(d) => crate::say!(lang, "{} over fristen", "{} past the deadline", span(d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_as_a_person_says_it() {
        use chrono::Duration;
        assert_eq!(time_left(Urgency::Approaching(Duration::minutes(20)), Lang::Nb), "om 20 min");
        assert_eq!(time_left(Urgency::Ahead(Duration::minutes(130)), Lang::En), "in 2 h 10 min");
        assert_eq!(time_left(Urgency::Passed(Duration::minutes(5)), Lang::Nb), "5 min over fristen");
        assert_eq!(time_left(Urgency::Calm, Lang::En), "");
    }

    #[test]
    fn severities_have_names() {
        assert_eq!(Severity::new(5).unwrap().label().get(Lang::Nb), "kritisk");
        assert_eq!(Severity::new(1).unwrap().label().get(Lang::En), "low");
    }

    #[test]
    fn locale_picks_language() {
        assert_eq!(Lang::from_locale("nb_NO.UTF-8"), Lang::Nb);
        assert_eq!(Lang::from_locale("nn_NO"), Lang::Nb);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
