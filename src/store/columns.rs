//! Reading a record from a row. A reader names its fields in the order of its SELECT
//! and says how each column is read (`read_row!`); the column numbers are counted
//! here, so adding a column to a query never renumbers a reader by hand.
//!
//! How values are stored: ids as text, times as milliseconds since the epoch, coded
//! values (statuses, kinds) as their stable code, lists as text with a separator.
//! A value that does not read back (a code from a newer version, a damaged id) falls
//! back to what the reader names rather than hiding the whole record.

use crate::domain::codes::Coded;
use crate::domain::time::from_millis;
use chrono::{DateTime, Utc};
use rusqlite::types::FromSql;
use rusqlite::Row;
use uuid::Uuid;

/// A row's columns, read one after another.
pub(crate) struct Columns<'a, 'r> {
    row: &'a Row<'r>,
    at: usize,
}

type Read<T> = rusqlite::Result<T>;

impl<'a, 'r> Columns<'a, 'r> {
    pub(crate) fn new(row: &'a Row<'r>) -> Self {
        Columns { row, at: 0 }
    }

    /// The next column as it is.
    pub(crate) fn get<T: FromSql>(&mut self) -> Read<T> {
        self.at += 1;
        self.row.get(self.at - 1)
    }

    /// Pass over `n` columns (read by someone else).
    pub(crate) fn skip(&mut self, n: usize) {
        self.at += n;
    }

    /// The next column, made into something else.
    pub(crate) fn with<T: FromSql, U>(&mut self, make: impl FnOnce(T) -> U) -> Read<U> {
        self.get().map(make)
    }

    pub(crate) fn uuid(&mut self) -> Read<Uuid> {
        self.with(|s: String| id(&s))
    }

    /// An id that may be absent; a damaged one reads as absent.
    pub(crate) fn maybe_uuid(&mut self) -> Read<Option<Uuid>> {
        self.with(|s: Option<String>| s.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    pub(crate) fn time(&mut self) -> Read<DateTime<Utc>> {
        self.with(from_millis)
    }

    pub(crate) fn maybe_time(&mut self) -> Read<Option<DateTime<Utc>>> {
        self.with(|ms: Option<i64>| ms.map(from_millis))
    }

    /// A coded value; `otherwise` when the code is not one this version knows.
    pub(crate) fn code_or<T: Coded>(&mut self, otherwise: T) -> Read<T> {
        self.with(|s: String| T::from_code(&s).unwrap_or(otherwise))
    }

    /// A coded value that may be absent (or unknown to this version).
    pub(crate) fn maybe_code<T: Coded>(&mut self) -> Read<Option<T>> {
        self.with(|s: Option<String>| s.and_then(|s| T::from_code(&s)))
    }

    /// A list kept as text, its items separated by `separator` (empty items dropped).
    pub(crate) fn list(&mut self, separator: char) -> Read<Vec<String>> {
        self.with(|s: Option<String>| {
            s.unwrap_or_default().split(separator).filter(|p| !p.is_empty()).map(str::to_string).collect()
        })
    }
}

/// An id as the store keeps it; a damaged one reads as the nil id.
pub(crate) fn id(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap_or_default()
}

/// `read_row!(row => Record { field: how, … })`: the record, its fields read from the
/// row's columns in order, each by the `Columns` method named (`get`, `uuid`, `time`,
/// `code_or(fallback)`, `with(|v: T| …)`, …); after a `;`, fields that are not columns.
/// A column that cannot be read returns the error from the enclosing reader (`?`).
macro_rules! read_row {
    ($row:expr => $record:ident {
        $($field:ident: $how:ident $(($($arg:expr),*))?),* $(,)?
        $(; $($other:ident $(: $value:expr)?),* $(,)?)?
    }) => {{
        let mut columns = $crate::store::columns::Columns::new($row);
        $record { $($field: columns.$how($($($arg),*)?)?,)* $($($other $(: $value)?),*)? }
    }};
}
pub(crate) use read_row;
