//! The server's config file, `sitroom serve --config serve.toml`: what the flags of
//! `serve` say, kept in one file for a service (a flag given on the command line
//! wins over the file). Single sign-on's `[sso]` is read by `sso::config`.
//!
//! ```toml
//! [store]
//! url = "postgres://sitroom@db.example.no/sitroom"   # default: the SQLite file --db
//! copy = "/var/lib/sitroom/server.copy"   # PostgreSQL: this server's copy of the records
//!
//! [server]
//! listen = "0.0.0.0:7878"
//! tls_cert = "/etc/sitroom/tls/fullchain.pem"
//! tls_key = "/etc/sitroom/tls/privkey.pem"
//! allow_cleartext = false      # plain http beyond loopback: a closed network only
//! read_timeout = "30s"
//!
//! [journal]
//! dir = "/var/lib/sitroom/journal"
//! every = "6h"
//!
//! [ssh]
//! listen = "0.0.0.0:2222"
//! only = false                 # true: SSH alone, no sync over HTTP
//! max_sessions = 256
//! sessions_per_account = 8
//! idle = "12h"
//! dir = "/var/lib/sitroom/server.ssh"
//! ```
//!
//! Key by key: a mistake (an unknown key, a wrong type) is a warning naming it, and
//! only that key is left out; a mistake must not stop a crisis tool from starting.

use std::path::PathBuf;
use std::time::Duration;

/// What the file says; `None` where it says nothing (or nothing usable).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ServeConfig {
    pub store: Option<String>,
    pub copy: Option<PathBuf>,
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub allow_cleartext: Option<bool>,
    pub read_timeout: Option<Duration>,
    pub journal: Option<PathBuf>,
    pub journal_every: Option<String>,
    pub ssh: Option<String>,
    pub ssh_only: Option<bool>,
    pub ssh_max_sessions: Option<usize>,
    pub ssh_sessions_per_account: Option<usize>,
    pub ssh_idle: Option<String>,
    pub ssh_dir: Option<PathBuf>,
}

/// One key's value as the type it must have.
trait Take: Sized {
    const WHAT: &'static str;
    fn take(v: &toml::Value) -> Option<Self>;
}

impl Take for String {
    const WHAT: &'static str = "text";
    fn take(v: &toml::Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
}

impl Take for PathBuf {
    const WHAT: &'static str = "a path";
    fn take(v: &toml::Value) -> Option<Self> {
        v.as_str().filter(|s| !s.trim().is_empty()).map(PathBuf::from)
    }
}

impl Take for bool {
    const WHAT: &'static str = "true or false";
    fn take(v: &toml::Value) -> Option<Self> {
        v.as_bool()
    }
}

impl Take for usize {
    const WHAT: &'static str = "a whole number above 0";
    fn take(v: &toml::Value) -> Option<Self> {
        v.as_integer().filter(|n| *n > 0).and_then(|n| usize::try_from(n).ok())
    }
}

/// An interval ("30s", "15m", "6h", "1d"), checked here so a mistake is said at start.
struct Interval(String);

impl Take for Interval {
    const WHAT: &'static str = "an interval like \"30s\", \"15m\", \"6h\" or \"1d\"";
    fn take(v: &toml::Value) -> Option<Self> {
        let s = v.as_str()?.trim();
        (s == "0" || crate::domain::time::parse_interval(s).is_ok()).then(|| Interval(s.to_string()))
    }
}

/// Read `serve.toml`; what cannot be used is said in the warnings.
pub fn parse(text: &str) -> (ServeConfig, Vec<String>) {
    let mut warnings = Vec::new();
    let mut config = ServeConfig::default();
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!(
                "the server's config file cannot be read: {e}; the flags and defaults are used"
            ));
            return (config, warnings);
        }
    };
    for (section, value) in &table {
        let Some(keys) = value.as_table() else {
            warnings.push(format!("'{section}' must be a section ([{section}]); left out"));
            continue;
        };
        let c = &mut config;
        for (key, v) in keys {
            let mut got = |ok: bool, what: &str| {
                if !ok {
                    warnings.push(format!("[{section}] {key} must be {what}; left out"));
                }
            };
            macro_rules! set {
                ($field:expr, $ty:ty) => {{
                    let taken = <$ty>::take(v);
                    got(taken.is_some(), <$ty>::WHAT);
                    if taken.is_some() {
                        $field = taken;
                    }
                }};
            }
            match (section.as_str(), key.as_str()) {
                ("store", "url") => set!(c.store, String),
                ("store", "copy") => set!(c.copy, PathBuf),
                ("server", "listen") => set!(c.listen, String),
                ("server", "tls_cert") => set!(c.tls_cert, PathBuf),
                ("server", "tls_key") => set!(c.tls_key, PathBuf),
                ("server", "allow_cleartext") => set!(c.allow_cleartext, bool),
                ("server", "read_timeout") => {
                    let taken =
                        Interval::take(v).and_then(|i| crate::domain::time::parse_interval(&i.0).ok());
                    got(taken.is_some(), Interval::WHAT);
                    c.read_timeout = taken.or(c.read_timeout);
                }
                ("journal", "dir") => set!(c.journal, PathBuf),
                ("journal", "every") => {
                    let taken = Interval::take(v).map(|i| i.0);
                    got(taken.is_some(), Interval::WHAT);
                    c.journal_every = taken.or(c.journal_every.take());
                }
                ("ssh", "listen") => set!(c.ssh, String),
                ("ssh", "only") => set!(c.ssh_only, bool),
                ("ssh", "max_sessions") => set!(c.ssh_max_sessions, usize),
                ("ssh", "sessions_per_account") => set!(c.ssh_sessions_per_account, usize),
                ("ssh", "idle") => {
                    let taken = Interval::take(v).map(|i| i.0);
                    got(taken.is_some(), Interval::WHAT);
                    c.ssh_idle = taken.or(c.ssh_idle.take());
                }
                ("ssh", "dir") => set!(c.ssh_dir, PathBuf),
                ("sso", _) => {}
                ("store" | "server" | "journal" | "ssh", _) => {
                    warnings.push(format!("[{section}] has no '{key}'; left out"))
                }
                _ => {
                    warnings.push(format!("there is no section [{section}]; left out"));
                    break;
                }
            }
        }
    }
    (config, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read_and_a_mistake_leaves_out_only_itself() {
        let (c, warnings) = parse(
            r#"
            [store]
            url = "postgres://sitroom@127.0.0.1/sitroom"
            copy = "/var/lib/sitroom/server.copy"
            [server]
            listen = "0.0.0.0:7878"
            lisen = "typo"
            allow_cleartext = "yes"
            read_timeout = "45s"
            [journal]
            dir = "/var/lib/sitroom/journal"
            every = "six hours"
            [ssh]
            listen = "0.0.0.0:2222"
            max_sessions = 0
            sessions_per_account = 4
            idle = "0"
            [sso]
            public_url = "https://x"
            [metrics]
            on = true
            "#,
        );
        assert_eq!(c.store.as_deref(), Some("postgres://sitroom@127.0.0.1/sitroom"));
        assert_eq!(c.copy, Some(PathBuf::from("/var/lib/sitroom/server.copy")));
        assert_eq!(c.listen.as_deref(), Some("0.0.0.0:7878"));
        assert_eq!(c.read_timeout, Some(Duration::from_secs(45)));
        assert_eq!(c.allow_cleartext, None);
        assert_eq!(c.journal, Some(PathBuf::from("/var/lib/sitroom/journal")));
        assert_eq!(c.journal_every, None);
        assert_eq!(c.ssh.as_deref(), Some("0.0.0.0:2222"));
        assert_eq!(c.ssh_max_sessions, None);
        assert_eq!(c.ssh_sessions_per_account, Some(4));
        assert_eq!(c.ssh_idle.as_deref(), Some("0"));
        let said = warnings.join("\n");
        for w in [
            "[server] has no 'lisen'",
            "[server] allow_cleartext must be true or false",
            "[journal] every must be an interval",
            "[ssh] max_sessions must be a whole number",
            "no section [metrics]",
        ] {
            assert!(said.contains(w), "{w} in:\n{said}");
        }
        assert_eq!(warnings.len(), 5, "{said}");
    }

    #[test]
    fn a_file_that_is_not_toml_is_one_warning() {
        let (c, warnings) = parse("[server\nlisten = ");
        assert_eq!(c, ServeConfig::default());
        assert_eq!(warnings.len(), 1);
    }
}
