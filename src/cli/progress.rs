//! The progress bar on standard error for long work (`log import`, `mail import`,
//! `archive export`, contact and resource imports): only when standard error is a
//! terminal and the output is not `--json`, so scripts and pipes see nothing of it.

use crate::app::progress::{Progress, Work};
use crate::i18n::{Lang, Text};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// A bar for the session's long work, or None where none should be drawn.
pub fn for_terminal(json: bool, lang: Lang) -> Option<TerminalBar> {
    (!json && std::io::stderr().is_terminal()).then(|| TerminalBar { lang, bar: Mutex::new(None) })
}

pub struct TerminalBar {
    lang: Lang,
    bar: Mutex<Option<ProgressBar>>,
}

fn words(work: Work) -> Text {
    match work {
        Work::ImportEntries => Text::new("Leser loggføringer", "Reading entries"),
        Work::WriteEntries => Text::new("Skriver til loggen", "Writing to the log"),
        Work::ImportMail => Text::new("Tar inn e-post", "Taking in e-mail"),
        Work::ImportRegister => Text::new("Importerer", "Importing"),
        Work::Archive => Text::new("Arkiverer hendelsen", "Archiving the incident"),
    }
}

impl Progress for TerminalBar {
    fn begin(&self, work: Work, steps: Option<u64>) {
        let bar = match steps {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
                    .expect("a valid template")
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"),
            ),
        };
        bar.set_message(words(work).get(self.lang));
        if steps.is_none() {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        let mut slot = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = slot.replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
