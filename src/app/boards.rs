//! Information boards: making them, putting up, changing and taking down notices, and
//! setting key figures, within the permission table and each board's own readers and
//! writers. Every change to what a board shows writes its automatic log entry (tag
//! `tavle`) in the board's incident, or for a standing board in the user's active
//! incident if one is open. The log is read by everyone of the incident, so an entry
//! about a board only some roles see names the board, not what was put up on it.

use super::{AppError, Result, Session};
use crate::domain::board::{
    Audience, Board, FigureChange, KeyFigure, NewBoard, NewNotice, Notice, NoticeStatus,
};
use crate::domain::roles::{Permission, Role};
use crate::domain::{Incident, LogEntry};
use crate::store::NoticeChange;
use chrono::Utc;
use uuid::Uuid;

/// What the log says of a notice: the title, unless the board is restricted.
fn what(board: &Board, n: &Notice) -> String {
    if board.audience.restricted() {
        format!("oppslag {} på tavla «{}»", n.number, board.title)
    } else {
        format!("oppslag {} på tavla «{}»: «{}»", n.number, board.title, n.title)
    }
}

impl Session {
    /// The acting user's roles (None: a database without users).
    fn board_roles(&self) -> Result<Option<Vec<Role>>> {
        self.roles()
    }

    /// The boards of `incident` (first) and the standing ones, that the user may see
    /// and that are not archived.
    pub fn boards_of(&self, incident: &Incident) -> Result<Vec<Board>> {
        let mut all: Vec<Board> = self
            .boards(false)?
            .into_iter()
            .filter(|b| b.incident.is_none_or(|(id, _)| id == incident.id))
            .collect();
        // Stable: each group keeps its alphabetical order.
        all.sort_by_key(|b| b.incident.is_none());
        Ok(all)
    }

    /// Every board the user may see, archived ones left out unless `archived`.
    pub fn boards(&self, archived: bool) -> Result<Vec<Board>> {
        let roles = self.board_roles()?;
        Ok(self
            .store
            .boards()?
            .into_iter()
            .filter(|b| (archived || !b.archived) && b.audience.may_read(roles.as_deref()))
            .collect())
    }

    /// A board the user may see, by its title (case and accents aside; a unique
    /// beginning will do), preferring the boards of `incident` and standing ones.
    pub fn find_board(&self, name: &str, incident: Option<&Incident>) -> Result<Board> {
        let want = crate::text::fold(name.trim());
        let boards = self.boards(false)?;
        let near =
            |b: &&Board| b.incident.is_none() || b.incident.map(|(id, _)| id) == incident.map(|i| i.id);
        let exact: Vec<&Board> = boards.iter().filter(|b| crate::text::fold(&b.title) == want).collect();
        let begins: Vec<&Board> =
            boards.iter().filter(|b| crate::text::fold(&b.title).starts_with(&want)).collect();
        for found in [&exact, &begins] {
            let nearby: Vec<&Board> = found.iter().copied().filter(near).collect();
            match (nearby.as_slice(), found.as_slice()) {
                ([one], _) | ([], [one]) => return Ok((*one).clone()),
                ([], []) => continue,
                (_, many) => {
                    let names: Vec<String> = many.iter().map(|b| format!("«{}»", b.title)).collect();
                    let names = names.join(", ");
                    return Err(AppError::Usage(self.lang.pick(
                        format!("flere tavler passer til «{name}»: {names}; skriv mer av navnet"),
                        format!("several boards match '{name}': {names}; type more of the name"),
                    )));
                }
            }
        }
        let shown: Vec<String> = boards.iter().map(|b| format!("«{}»", b.title)).collect();
        Err(AppError::Usage(match shown.is_empty() {
            true => self.lang.pick(
                format!("ingen tavle heter «{name}»; det er ingen tavler her ennå (`sitroom board new`)"),
                format!("no board is called '{name}'; there are no boards here yet (`sitroom board new`)"),
            ),
            false => self.lang.pick(
                format!("ingen tavle heter «{name}»; tavlene her er {}", shown.join(", ")),
                format!("no board is called '{name}'; the boards here are {}", shown.join(", ")),
            ),
        }))
    }

    pub fn board(&self, id: Uuid) -> Result<Board> {
        let b = self.store.board(id)?;
        if !b.audience.may_read(self.board_roles()?.as_deref()) {
            return Err(self.not_for_you(&b));
        }
        Ok(b)
    }

    fn not_for_you(&self, b: &Board) -> AppError {
        let readers: Vec<&str> = b.audience.readers.iter().map(|r| r.name()).collect();
        let (user, title, readers) = (&self.user, &b.title, readers.join(", "));
        AppError::Forbidden(crate::say!(
            self.lang,
            "{user} kan ikke se tavla «{title}»: den er for {readers}",
            "{user} may not see the board '{title}': it is for {readers}"
        ))
    }

    /// Make a board: of `incident` (logged there) or, with None, a standing board of
    /// the organisation.
    pub fn create_board(&mut self, new: NewBoard) -> Result<Board> {
        self.permit(Permission::ManageBoards)?;
        let new = new.validated()?;
        let incident = match new.incident {
            Some(id) => {
                let i = self.store.incident_by_id(id)?.ok_or_else(|| {
                    AppError::Usage(self.lang.pick("hendelsen finnes ikke her", "the incident is not here"))
                })?;
                self.ensure_open(&i)?;
                Some(i)
            }
            None => None,
        };
        let w = self.writer(Utc::now());
        let (board, _) = self.store.create_board(&new, w.stamp(), incident.as_ref(), |b| {
            let mut text = format!("Informasjonstavle «{}» opprettet", b.title);
            if b.audience.restricted() {
                let readers: Vec<&str> = b.audience.readers.iter().map(|r| r.name()).collect();
                text.push_str(&format!(" (for {})", readers.join(", ")));
            }
            w.entry("tavle", text)
        })?;
        Ok(board)
    }

    /// Change who sees and writes on a board, logged (whom it is for now: the log is
    /// the record of who could see what when).
    pub fn set_board_audience(&mut self, board: &Board, audience: Audience) -> Result<Board> {
        self.permit(Permission::ManageBoards)?;
        let checked = NewBoard { title: board.title.clone(), incident: None, audience }.validated()?;
        let incident = self.board_change_log(board)?;
        let w = self.writer(Utc::now());
        let changed = self.store.change_board(
            board.id,
            None,
            Some(&checked.audience),
            None,
            w.stamp(),
            incident.as_ref(),
            |b| {
                let names = |roles: &[Role]| roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
                let readers =
                    if b.audience.readers.is_empty() { "alle".into() } else { names(&b.audience.readers) };
                let mut text = format!("Tavla «{}» er nå for {readers}", b.title);
                if !b.audience.writers.is_empty() {
                    text.push_str(&format!(" (skrives av {})", names(&b.audience.writers)));
                }
                w.entry("tavle", text)
            },
        )?;
        Ok(changed)
    }

    /// Put a board away (or back, with false), logged.
    pub fn archive_board(&mut self, board: &Board, archived: bool) -> Result<Board> {
        self.permit(Permission::ManageBoards)?;
        let incident = self.board_change_log(board)?;
        let w = self.writer(Utc::now());
        Ok(self.store.change_board(
            board.id,
            None,
            None,
            Some(archived),
            w.stamp(),
            incident.as_ref(),
            |b| {
                let text = match archived {
                    true => format!("Tavla «{}» tatt ned", b.title),
                    false => format!("Tavla «{}» satt opp igjen", b.title),
                };
                w.entry("tavle", text)
            },
        )?)
    }

    /// The incident a change of `board` itself is logged in: as [`Session::board_log`],
    /// but the board of a closed incident changes unlogged (its log is closed; a board
    /// may still be put away after its incident).
    fn board_change_log(&self, board: &Board) -> Result<Option<Incident>> {
        match board.incident {
            Some((id, _)) => Ok(self.store.incident_by_id(id)?.filter(|i| self.ensure_open(i).is_ok())),
            None => self.default_incident(),
        }
    }

    /// The incident a change on `board` is logged in: the board's own (which must be
    /// open), or for a standing board the user's active one, if any.
    fn board_log(&self, board: &Board) -> Result<Option<Incident>> {
        match board.incident {
            Some((id, _)) => {
                let i = self.store.incident_by_id(id)?.ok_or_else(|| {
                    AppError::Usage(
                        self.lang.pick("tavlas hendelse finnes ikke her", "the board's incident is not here"),
                    )
                })?;
                self.ensure_open(&i)?;
                Ok(Some(i))
            }
            None => self.default_incident(),
        }
    }

    /// The boards of `incident` (and the standing ones) the user may put notices on.
    pub fn writable_boards(&self, incident: &Incident) -> Result<Vec<Board>> {
        if !self.may(Permission::PostNotices)? {
            return Ok(Vec::new());
        }
        let roles = self.board_roles()?;
        Ok(self.boards_of(incident)?.into_iter().filter(|b| b.audience.may_write(roles.as_deref())).collect())
    }

    /// May the user write on this board? Refused with what is missing.
    fn may_write_on(&self, board: &Board) -> Result<()> {
        self.permit(Permission::PostNotices)?;
        let roles = self.board_roles()?;
        if !board.audience.may_read(roles.as_deref()) {
            return Err(self.not_for_you(board));
        }
        if !board.audience.may_write(roles.as_deref()) {
            let writers: Vec<&str> = board.audience.writers.iter().map(|r| r.name()).collect();
            let (user, title, writers) = (&self.user, &board.title, writers.join(", "));
            return Err(AppError::Forbidden(crate::say!(
                self.lang,
                "{user} kan ikke skrive på tavla «{title}»: det gjør {writers}",
                "{user} may not write on the board '{title}': that is for {writers}"
            )));
        }
        Ok(())
    }

    /// Put up a notice.
    pub fn post_notice(&mut self, board: &Board, new: NewNotice) -> Result<(Notice, Option<LogEntry>)> {
        self.may_write_on(board)?;
        let new = new.validated()?;
        let incident = self.board_log(board)?;
        let w = self.writer(Utc::now());
        Ok(self.store.post_notice(board.id, &new, w.stamp(), incident.as_ref(), |n| {
            let mut text = format!("Satt opp {}", what(board, n));
            if n.entry.is_some() {
                text.push_str(" (fra loggen)");
            }
            w.entry("tavle", text)
        })?)
    }

    /// Put a log entry up on a board: its first line the title, its text the
    /// notice's; the notice points back to it.
    pub fn post_entry(&mut self, board: &Board, entry: &LogEntry) -> Result<(Notice, Option<LogEntry>)> {
        self.post_notice(board, NewNotice::from_entry(entry.id, &entry.text))
    }

    pub fn notices(&self, board: &Board) -> Result<Vec<Notice>> {
        Ok(self.store.notices(board.id)?)
    }

    pub fn notice(&self, board: &Board, number: i64) -> Result<Notice> {
        Ok(self.store.notice(board.id, number)?)
    }

    /// Change a notice's title, text, priority or valid-until.
    pub fn change_notice(&mut self, board: &Board, number: i64, new: NewNotice) -> Result<Notice> {
        self.may_write_on(board)?;
        let new = new.validated()?;
        let incident = self.board_log(board)?;
        let w = self.writer(Utc::now());
        let change = NoticeChange::Text(new);
        let (n, _) =
            self.store.change_notice(board.id, number, &change, w.stamp(), incident.as_ref(), |_, n| {
                w.entry("tavle", format!("Endret {}", what(board, n)))
            })?;
        Ok(n)
    }

    /// Take a notice down, or (with `Up`) put it back up.
    pub fn set_notice_status(&mut self, board: &Board, number: i64, to: NoticeStatus) -> Result<Notice> {
        self.may_write_on(board)?;
        let current = self.store.notice(board.id, number)?;
        if current.status == to {
            let n = number;
            return Err(AppError::Usage(match to {
                NoticeStatus::Down => self
                    .lang
                    .pick(format!("oppslag {n} er alt tatt ned"), format!("notice {n} is already down")),
                NoticeStatus::Up => {
                    self.lang.pick(format!("oppslag {n} er alt oppe"), format!("notice {n} is already up"))
                }
            }));
        }
        let incident = self.board_log(board)?;
        let w = self.writer(Utc::now());
        let change = NoticeChange::Status(to);
        let (n, _) =
            self.store.change_notice(board.id, number, &change, w.stamp(), incident.as_ref(), |_, n| {
                let verb = match to {
                    NoticeStatus::Down => "Tatt ned",
                    NoticeStatus::Up => "Satt opp igjen",
                };
                w.entry("tavle", format!("{verb} {}", what(board, n)))
            })?;
        Ok(n)
    }

    pub fn figures(&self, board: &Board) -> Result<Vec<KeyFigure>> {
        Ok(self.store.figures(board.id)?)
    }

    /// Set a key figure (made if the board has none by the name).
    pub fn set_figure(
        &mut self,
        board: &Board,
        name: &str,
        value: i64,
        unit: Option<&str>,
    ) -> Result<KeyFigure> {
        self.may_write_on(board)?;
        let name = crate::domain::board::figure_name(name)?;
        let unit = unit.map(|u| crate::text::nfc(u.trim())).filter(|u| !u.is_empty());
        if unit.as_deref().is_some_and(|u| u.chars().count() > 20 || u.chars().any(char::is_control)) {
            return Err(self.invalid("enheten er ett kort ord", "the unit is one short word"));
        }
        let incident = self.board_log(board)?;
        let w = self.writer(Utc::now());
        let restricted = board.audience.restricted();
        let set = crate::store::FigureValue { name: &name, value, unit: unit.as_deref() };
        let (f, _) = self.store.set_figure(board.id, set, w.stamp(), incident.as_ref(), |before, f| {
            let text = match (restricted, before) {
                (true, _) => format!("Nøkkeltall endret på tavla «{}»", board.title),
                (false, None) => {
                    format!("Nøkkeltall «{}» på tavla «{}»: {}", f.name, board.title, f.value)
                }
                (false, Some(b)) => {
                    format!("Nøkkeltall «{}» på tavla «{}»: {} (var {b})", f.name, board.title, f.value)
                }
            };
            w.entry("tavle", text)
        })?;
        Ok(f)
    }

    /// Every value a figure has had, oldest first.
    pub fn figure_history(&self, figure: &KeyFigure) -> Result<Vec<FigureChange>> {
        Ok(self.store.figure_history(figure.id)?)
    }
}
