//! The situation at a glance, as one read: the boards' key figures and the notices up,
//! the tasks past their deadline and the newest decisions. What a wall display shows;
//! each part is a small query (never every task or entry), so it can be read again
//! each time something changes.

use super::{Result, Session};
use crate::domain::alert::{Alert, Tally};
use crate::domain::board::{Board, KeyFigure, Notice};
use crate::domain::media::MediaInquiry;
use crate::domain::report::Report;
use crate::domain::task::Task;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Duration, Utc};

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

/// The situation at a glance for the crisis leader: the picture, and what waits for a
/// decision or an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub picture: Picture,
    /// Open tasks no one has been given, the most urgent first.
    pub unassigned: Vec<Task>,
    /// Open media inquiries whose deadline is within the next hour or has passed,
    /// the nearest first.
    pub media_due: Vec<MediaInquiry>,
    /// Alerts someone has not answered yet, the newest first, with their tallies.
    pub alerts: Vec<(Alert, Tally)>,
    /// The latest approved situation report.
    pub sitrep: Option<Report>,
    /// Urgent messages to the user not read yet, the newest first.
    pub urgent: Vec<crate::domain::message::Message>,
}

impl Session {
    /// The situation of `incident` at `now`.
    pub fn situation(&self, incident: &Incident, now: DateTime<Utc>) -> Result<Situation> {
        let picture = self.picture(incident, &[], now)?;
        let soon = now + Duration::hours(1);
        let mut media_due: Vec<MediaInquiry> = self
            .inquiries(incident)?
            .into_iter()
            .filter(|m| m.status.is_open() && m.deadline.is_some_and(|d| d <= soon))
            .collect();
        media_due.sort_by_key(|m| m.deadline);
        media_due.truncate(MOST);
        let mut alerts: Vec<(Alert, Tally)> = self
            .alerts(incident)?
            .into_iter()
            .map(|a| {
                let t = a.tally();
                (a, t)
            })
            .filter(|(_, t)| t.unanswered > 0)
            .collect();
        alerts.sort_by_key(|(a, _)| std::cmp::Reverse(a.sent_at));
        alerts.truncate(MOST);
        Ok(Situation {
            picture,
            unassigned: self.store.unassigned_tasks(incident, MOST)?,
            media_due,
            alerts,
            sitrep: self.latest_sitrep(incident)?,
            urgent: self.unread_urgent()?,
        })
    }

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
            let notices = self.store.current_notices(board.id, now, MOST)?;
            boards.push(BoardPicture { board, figures, notices });
        }
        Ok(Picture {
            boards,
            overdue: self.store.overdue_tasks(incident, now, MOST)?,
            decisions: self.store.newest_decisions(incident, MOST)?,
        })
    }
}
