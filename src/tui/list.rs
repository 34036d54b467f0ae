//! The one shape of a list pane: its records, the selected one, whether they are
//! fresh, the one-line question it may be asking, and reloading that keeps the
//! selection on the same record. A list pane holds a [`List`] and hands it what every
//! list does alike (moving, the prompt, refreshing, pasting); what is its own (which
//! records, what its keys do, how it draws) stays with the pane.

use super::action::{Action, Input};
use super::keymap::Context;
use super::pane::{Freshness, Outcome};
use super::prompt::{self, Prompt};
use super::widgets::move_selection;
use crate::app::Session;

pub struct List<T, K> {
    pub items: Vec<T>,
    pub row: usize,
    /// The question being asked, if any: it takes the keys until Enter or Esc.
    pub prompt: Option<Prompt<K>>,
    /// Reload only when these records changed.
    fresh: Freshness,
    /// Whether two records are the same one (its id), to keep the selection.
    same: fn(&T, &T) -> bool,
}

/// What became of an input: used up by the list (the pane returns the outcome), a
/// question answered, or an action for the pane.
pub enum Handled<K> {
    Done(Outcome),
    Answered(K, String),
    Action(Action),
}

impl<K> Handled<K> {
    /// The action left for the pane (`Ok`), or the outcome to return (`Err`) once an
    /// answer has gone to `answer`.
    pub fn action(self, answer: impl FnOnce(K, String)) -> Result<Action, Outcome> {
        match self {
            Handled::Done(outcome) => Err(outcome),
            Handled::Answered(asking, text) => {
                answer(asking, text);
                Err(Outcome::Consumed)
            }
            Handled::Action(action) => Ok(action),
        }
    }

    /// For a pane whose list is all it does: what the list made of the input.
    pub fn outcome(self) -> Outcome {
        match self {
            Handled::Done(outcome) => outcome,
            _ => Outcome::Ignored,
        }
    }
}

impl<T, K: Copy> List<T, K> {
    /// An empty list of the records the oplog calls `entity`.
    pub fn new(entity: &'static str, same: fn(&T, &T) -> bool) -> List<T, K> {
        List { items: Vec::new(), row: 0, prompt: None, fresh: Freshness::new(entity), same }
    }

    pub fn selected(&self) -> Option<&T> {
        self.items.get(self.row)
    }

    /// Also reload when records of this kind change.
    pub fn watching(mut self, entity: &'static str) -> List<T, K> {
        self.fresh = self.fresh.and(entity);
        self
    }

    /// Load the records afresh, keeping the selection on the record it was on (or the
    /// row, if that record is gone).
    pub fn reload(
        &mut self,
        session: &Session,
        load: impl FnOnce(&Session) -> crate::app::Result<Vec<T>>,
    ) -> crate::app::Result<()> {
        self.fresh.mark(session)?;
        let items = load(session)?;
        let row = match self.items.get(self.row) {
            Some(was) => items.iter().position(|i| (self.same)(i, was)).unwrap_or(self.row),
            None => self.row,
        };
        self.items = items;
        self.row = row.min(self.items.len().saturating_sub(1));
        Ok(())
    }

    /// Reload if the records changed since the last load: whether they did.
    pub fn refresh(
        &mut self,
        session: &Session,
        load: impl FnOnce(&Session) -> crate::app::Result<Vec<T>>,
    ) -> Result<bool, String> {
        if !self.fresh.stale(session)? {
            return Ok(false);
        }
        self.reload(session, load).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    /// The keymap context: the prompt's while one is open, else the pane's own.
    pub fn context(&self, own: Context) -> Context {
        prompt::context(&self.prompt, own)
    }

    /// Ask a one-line question, the answer starting as `text`.
    pub fn ask(&mut self, asking: K, text: impl Into<String>) {
        self.prompt = Some(Prompt::new(asking, text));
    }

    /// Ask, offering the value as it is now: Enter keeps it, typing replaces it.
    pub fn offer(&mut self, asking: K, value: impl Into<String>) {
        self.prompt = Some(Prompt::offering(asking, value));
    }

    /// The prompt's turn first, then moving the selection; the rest is the pane's.
    pub fn handle(&mut self, input: Input) -> Handled<K> {
        if let Some((outcome, given)) = prompt::drive(&mut self.prompt, input) {
            return match given {
                Some((asking, text)) => Handled::Answered(asking, text),
                None => Handled::Done(outcome),
            };
        }
        match input {
            Input::Action(action) if move_selection(&mut self.row, self.items.len(), action) => {
                Handled::Done(Outcome::Consumed)
            }
            Input::Action(action) => Handled::Action(action),
            Input::Pick(i) if i < self.items.len() => {
                self.row = i;
                Handled::Done(Outcome::Consumed)
            }
            _ => Handled::Done(Outcome::Ignored),
        }
    }

    /// Pasted text goes into the open prompt, if there is one.
    pub fn paste(&mut self, text: &str) -> Outcome {
        prompt::paste(&mut self.prompt, text)
    }
}

/// On a pane of records with four statuses in order (new, started, done, closed):
/// the status a key moves `from` to (one step right or left, or the one a status
/// key names), if it names one.
pub fn status_for<S: Copy + PartialEq>(order: &[S; 4], from: S, action: Action) -> Option<S> {
    let at = order.iter().position(|s| *s == from)?;
    match action {
        Action::MoveRight => order.get(at + 1).copied(),
        Action::MoveLeft => at.checked_sub(1).map(|i| order[i]),
        Action::StatusNew => Some(order[0]),
        Action::StatusStarted => Some(order[1]),
        Action::StatusDone => Some(order[2]),
        Action::StatusCancelled => Some(order[3]),
        _ => None,
    }
}
