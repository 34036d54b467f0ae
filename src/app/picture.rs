//! The situation at a glance, as one read: the boards' key figures and the notices up,
//! the tasks past their deadline and the newest decisions. What a wall display shows;
//! each part is a small query (never every task or entry), so it can be read again
//! each time something changes.

use super::{Result, Session};
use crate::domain::board::{Board, KeyFigure, Notice};
use crate::domain::task::Task;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};

/// The most of each list a picture holds.
pub const MOST: usize = 30;

/// A board as the picture shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPicture {
    pub board: Board,
    pub figures: Vec<KeyFigure>,
    /// Up and valid, the most urgent first, then the newest.
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub boards: Vec<BoardPicture>,
    /// Open and past their deadline, the longest overdue first.
    pub overdue: Vec<Task>,
    /// Decisions that stand, the newest first.
    pub decisions: Vec<LogEntry>,
}

impl Session {
    /// The picture of `incident` at `now`: its boards and the standing ones the user
    /// may see (only those whose titles `only` names, case and accents aside, when it
    /// names any).
    pub fn picture(&self, incident: &Incident, only: &[String], now: DateTime<Utc>) -> Result<Picture> {
        let wanted: Vec<String> = only.iter().map(|n| crate::text::fold(n.trim())).collect();
        let mut boards = Vec::new();
        for board in self.boards_of(incident)? {
            let title = crate::text::fold(&board.title);
            if !wanted.is_empty() && !wanted.iter().any(|w| title.starts_with(w.as_str())) {
                continue;
            }
            let figures = self.figures(&board)?;
            let mut notices: Vec<Notice> =
                self.notices(&board)?.into_iter().filter(|n| n.is_current(now)).collect();
            notices.sort_by_key(|n| (std::cmp::Reverse(n.priority), std::cmp::Reverse(n.created_at)));
            notices.truncate(MOST);
            boards.push(BoardPicture { board, figures, notices });
        }
        Ok(Picture {
            boards,
            overdue: self.store.overdue_tasks(incident, now, MOST)?,
            decisions: self.store.newest_decisions(incident, MOST)?,
        })
    }
}
