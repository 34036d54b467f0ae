//! The one error type of the commands, and the one way a command ends: `Ran`, whether
//! it did all it was asked (exit 0, else 1: an import stopped by bad rows, a log that
//! does not verify, a sync with refused changes), or an error (exit 2, said once on
//! standard error).

use crate::app::AppError;
use crate::domain::Invalid;
use crate::store::StoreError;
use std::io::Write;
use std::process::ExitCode;

/// Where a command writes what it prints.
pub type Out<'a> = &'a mut dyn Write;

/// What a command ends with.
pub type Ran = Result<bool, CliError>;

#[derive(Debug)]
pub enum CliError {
    /// The operation's own error (a refusal, a record not found, bad input).
    App(AppError),
    /// Writing the output failed.
    Io(std::io::Error),
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::App(e.into())
    }
}

impl From<Invalid> for CliError {
    fn from(e: Invalid) -> Self {
        CliError::App(e.into())
    }
}

/// A message for the user (what to say or do differently).
impl From<String> for CliError {
    fn from(message: String) -> Self {
        usage(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        usage(message.to_string())
    }
}

/// The sync server said no, or could not be reached: said as it is.
impl From<crate::sync::client::ClientError> for CliError {
    fn from(e: crate::sync::client::ClientError) -> Self {
        usage(e.to_string())
    }
}

#[cfg(feature = "server")]
impl From<crate::server::ServerError> for CliError {
    fn from(e: crate::server::ServerError) -> Self {
        usage(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

pub fn io(e: std::io::Error) -> CliError {
    CliError::Io(e)
}

pub fn usage(message: String) -> CliError {
    CliError::App(AppError::Usage(message))
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Io(e) => write!(f, "cannot write output: {e}"),
            CliError::App(e) => write!(f, "{e}"),
        }
    }
}

impl CliError {
    /// Say it on standard error, once, in `lang`, and exit 2. A closed pipe (`sitroom
    /// log list | head`) is no error: the reader has all it wanted.
    pub fn exit(self, lang: crate::i18n::Lang) -> ExitCode {
        let said = match self {
            CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
            CliError::App(e) => e.said(lang),
            io => io.to_string(),
        };
        let _ = writeln!(std::io::stderr(), "sitroom: {}", crate::text::safe(&said));
        ExitCode::from(2)
    }
}
