//! How far long work has come (an import of thousands of lines, an archive export):
//! the operation says what it does and each step it takes; the CLI draws a bar on a
//! terminal, and everything else (scripts, `--json`, the TUI) hears nothing.

/// The kinds of long work, for the interface to name in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Log entries read from a file (steps: lines).
    ImportEntries,
    /// Entries being written to the log in one transaction (no steps).
    WriteEntries,
    /// E-mail messages taken in (steps: messages).
    ImportMail,
    /// Contacts or resources read from a file and added (no steps).
    ImportRegister,
    /// An incident's record gathered and written to an archive (no steps).
    Archive,
}

pub trait Progress: Send + Sync {
    /// `work` begins, of `steps` steps when known.
    fn begin(&self, work: Work, steps: Option<u64>);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
    /// The work is over (done or failed).
    fn end(&self);
}

/// Hears nothing: the default.
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: Work, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn end(&self) {}
}

/// Ends the work when dropped, so an error on the way (`?`) ends it too.
pub struct Ended<'a>(pub &'a dyn Progress);

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}
