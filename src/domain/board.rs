//! Information boards (informasjonstavler): what everyone must know, put up for the
//! roles that need it. A board belongs to an incident or stands for the organisation
//! ("Vakttelefoner", "Beredskapsnivå"); it names the roles that may see it and those
//! that may write on it. It holds notices (title, text, priority, valid-until, author,
//! perhaps the log entry it came from) and key figures ("evakuerte 36"), whose every
//! change is kept (the oplog: who, when, what it became).

use super::codes::codes;
use super::roles::Role;
use super::task::Priority;
use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest a board's or notice's title, or a figure's name, may be.
pub const MAX_TITLE: usize = 120;
/// The longest a notice's text may be.
pub const MAX_TEXT: usize = 4_000;

codes! {
    pub enum NoticeStatus: "oppslagsstatus" / "notice status", "statuses" {
        Up = "oppe" | "up" | "posted",
        Down = "tatt ned" | "down" | "taken down",
    }
}

/// Who may see and who may write: no roles named means everyone of the organisation
/// (writing still needs the permission to post notices).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub readers: Vec<Role>,
    pub writers: Vec<Role>,
}

impl Audience {
    /// May someone with these roles (None: a database without users, where everyone
    /// may do everything) see the board?
    pub fn may_read(&self, roles: Option<&[Role]>) -> bool {
        match roles {
            None => true,
            Some(roles) => {
                roles.contains(&Role::Administrator)
                    || self.readers.is_empty()
                    || roles.iter().any(|r| self.readers.contains(r))
            }
        }
    }

    /// May they write on it (beside the permission to post)?
    pub fn may_write(&self, roles: Option<&[Role]>) -> bool {
        self.may_read(roles)
            && match roles {
                None => true,
                Some(roles) => {
                    roles.contains(&Role::Administrator)
                        || self.writers.is_empty()
                        || roles.iter().any(|r| self.writers.contains(r))
                }
            }
    }

    /// The roles as they are stored and sent: a JSON list of role codes.
    pub fn codes(roles: &[Role]) -> String {
        let names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        serde_json::to_string(&names).expect("names are strings")
    }

    /// Roles from what is stored (codes a newer version knows are left out).
    pub fn from_codes(stored: &str) -> Vec<Role> {
        serde_json::from_str::<Vec<String>>(stored)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| Role::parse(c).ok())
            .collect()
    }

    /// A restricted board: someone of the organisation may not see it.
    pub fn restricted(&self) -> bool {
        !self.readers.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub id: Uuid,
    pub title: String,
    /// The incident it belongs to (its id and number); None for a standing board of
    /// the organisation.
    pub incident: Option<(Uuid, i64)>,
    pub audience: Audience,
    /// Put away: kept (ops cannot delete), shown nowhere but in a list of all.
    pub archived: bool,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A board to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBoard {
    pub title: String,
    /// The incident's id, or None for a standing board.
    pub incident: Option<Uuid>,
    pub audience: Audience,
}

fn title(s: &str, what_nb: &str, what_en: &str) -> Result<String, Invalid> {
    let s = crate::text::nfc(s.trim());
    if s.is_empty() {
        return Err(Invalid::new(format!("{what_nb} må ha en tittel"), format!("{what_en} needs a title")));
    }
    if s.chars().any(char::is_control) || s.chars().count() > MAX_TITLE {
        return Err(Invalid::new(
            format!("tittelen på {what_nb} er én linje på høyst {MAX_TITLE} tegn"),
            format!("the title of {what_en} is one line of at most {MAX_TITLE} characters"),
        ));
    }
    Ok(s)
}

impl NewBoard {
    pub fn validated(mut self) -> Result<NewBoard, Invalid> {
        self.title = title(&self.title, "en tavle", "a board")?;
        dedup(&mut self.audience.readers);
        dedup(&mut self.audience.writers);
        let a = &self.audience;
        if !a.readers.is_empty() {
            if let Some(w) = a.writers.iter().find(|w| !a.readers.contains(w) && **w != Role::Administrator) {
                let w = w.name();
                return Err(Invalid::new(
                    format!("rollen {w} skal skrive på tavla, men kan ikke se den; gi den lesetilgang også"),
                    format!("the role {w} is to write on the board but may not see it; let it read too"),
                ));
            }
        }
        Ok(self)
    }
}

fn dedup(roles: &mut Vec<Role>) {
    roles.sort();
    roles.dedup();
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: Uuid,
    pub board: Uuid,
    /// 1, 2, 3… on its board.
    pub number: i64,
    pub title: String,
    pub text: String,
    pub priority: Priority,
    #[serde(with = "super::time::serde_ms_opt")]
    pub valid_until: Option<DateTime<Utc>>,
    /// The log entry it was put up from.
    pub entry: Option<Uuid>,
    pub status: NoticeStatus,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
    /// The newest correction of the entry it was put up from, if there is one: the
    /// notice shows it (a retraction's text says the entry was taken back).
    pub correction: Option<String>,
}

impl Notice {
    /// Up, and not past its valid-until.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.status == NoticeStatus::Up && self.valid_until.is_none_or(|v| v > now)
    }

    /// The entry it was put up from was taken back.
    pub fn entry_retracted(&self) -> bool {
        self.correction.as_deref().is_some_and(super::log::is_retraction)
    }
}

/// A notice to put up (or what a change makes of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub title: String,
    pub text: String,
    pub priority: Priority,
    pub valid_until: Option<DateTime<Utc>>,
    pub entry: Option<Uuid>,
}

impl NewNotice {
    pub fn validated(mut self) -> Result<NewNotice, Invalid> {
        self.title = title(&self.title, "et oppslag", "a notice")?;
        self.text = crate::text::nfc(self.text.trim());
        if self.text.chars().count() > MAX_TEXT {
            return Err(Invalid::new(
                format!("teksten i et oppslag er høyst {MAX_TEXT} tegn"),
                format!("a notice's text is at most {MAX_TEXT} characters"),
            ));
        }
        Ok(self)
    }

    /// A notice made from a log entry: its first line (cut at a word) is the title,
    /// the whole text the notice's.
    pub fn from_entry(id: Uuid, text: &str) -> NewNotice {
        let first = text.lines().next().unwrap_or_default().trim();
        let title = if first.chars().count() <= MAX_TITLE {
            first.to_string()
        } else {
            let cut: String = first.chars().take(MAX_TITLE - 1).collect();
            let cut = cut.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(cut);
            format!("{cut}…")
        };
        NewNotice {
            title: if title.is_empty() { "—".into() } else { title },
            text: text.to_string(),
            priority: Priority::Normal,
            valid_until: None,
            entry: Some(id),
        }
    }
}

/// A key figure: a number everyone at the table should know, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFigure {
    pub id: Uuid,
    pub board: Uuid,
    pub name: String,
    pub value: i64,
    pub unit: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

/// One value a figure had: when, who set it, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureChange {
    #[serde(with = "super::time::serde_ms")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub value: i64,
}

/// A figure's name, checked.
pub fn figure_name(s: &str) -> Result<String, Invalid> {
    title(s, "et nøkkeltall", "a key figure")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_reads_an_open_board_and_only_the_named_roles_a_closed_one() {
        let open = Audience::default();
        assert!(open.may_read(Some(&[Role::Gjest])));
        let closed = Audience { readers: vec![Role::Kriseledelse], writers: vec![] };
        assert!(!closed.may_read(Some(&[Role::Loggforer, Role::Eps])));
        assert!(closed.may_read(Some(&[Role::Loggforer, Role::Kriseledelse])));
        assert!(closed.may_read(Some(&[Role::Administrator])), "the administrator sees every board");
        assert!(closed.may_read(None), "a database without users has no roles to keep apart");
        let written = Audience { readers: vec![], writers: vec![Role::Kriseledelse] };
        assert!(written.may_read(Some(&[Role::Loggforer])));
        assert!(!written.may_write(Some(&[Role::Loggforer])));
        assert!(written.may_write(Some(&[Role::Kriseledelse])));
    }

    #[test]
    fn a_writer_must_be_a_reader() {
        let b = NewBoard {
            title: " Stab ".into(),
            incident: None,
            audience: Audience { readers: vec![Role::Kriseledelse], writers: vec![Role::Loggforer] },
        };
        let e = b.validated().unwrap_err();
        assert!(e.said(crate::lang::Lang::Nb).contains("loggfører"), "{e}");
        let b = NewBoard {
            title: " Vakttelefoner ".into(),
            incident: None,
            audience: Audience { readers: vec![], writers: vec![Role::Loggforer, Role::Loggforer] },
        };
        let b = b.validated().unwrap();
        assert_eq!((b.title.as_str(), b.audience.writers.len()), ("Vakttelefoner", 1));
    }

    #[test]
    fn a_notice_from_a_long_entry_takes_its_first_line_cut_at_a_word() {
        let text = format!("{} slutt\nmer", "Evakuering av Nystulia ".repeat(8));
        let n = NewNotice::from_entry(Uuid::nil(), &text);
        assert!(n.title.chars().count() <= MAX_TITLE && n.title.ends_with('…'), "{}", n.title);
        assert!(n.title.starts_with("Evakuering av Nystulia"));
        assert_eq!(n.text, text);
    }
}
