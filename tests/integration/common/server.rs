//! A real `sitroom serve` on a free loopback port, killed when dropped.
//!
//! Its store is a new SQLite file, or with `SITROOM_TEST_STORE=postgres` a database in
//! a PostgreSQL cluster of its own (`.ci/run` runs the sync tests both ways): the same
//! tests against either store.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const PASSWORD: &str = "riktig-hest-batteri";

pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub addr: String,
    pub db: PathBuf,
    /// The SSH port, when started with `--ssh`.
    pub ssh_port: Option<u16>,
    /// The host key's fingerprint it printed at start.
    pub ssh_fingerprint: Option<String>,
    /// The PostgreSQL store's URL, and the cluster it is in (None: the SQLite file `db`).
    pub store: Option<(String, std::sync::Arc<super::postgres::Cluster>)>,
    _dir: Option<tempfile::TempDir>,
}

/// The store the tests' servers keep: a PostgreSQL database when the run asks for it.
fn store_from_env() -> Option<(String, std::sync::Arc<super::postgres::Cluster>)> {
    match std::env::var("SITROOM_TEST_STORE").as_deref() {
        Ok("postgres") => {
            let cluster = super::postgres::Cluster::start();
            Some((cluster.database(), std::sync::Arc::new(cluster)))
        }
        Ok("") | Ok("sqlite") | Err(_) => None,
        Ok(other) => panic!("SITROOM_TEST_STORE={other}: say postgres or sqlite"),
    }
}

fn sitroom() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitroom"));
    c.env("TZ", "UTC").env("LANG", "C.UTF-8").env("RUST_LOG", "info").env_remove("SITROOM_DB");
    c
}

impl Server {
    /// A new server with an empty store (see the module's notes).
    pub fn start() -> Server {
        Server::start_listen("127.0.0.1:0", &[])
    }

    /// A server on the SQLite file `db`, listening on `listen` (port 0: any free port).
    pub fn start_at(db: &Path, listen: &str) -> Server {
        Server::start_with(db, listen, &[], None)
    }

    /// Another server on this one's store, listening on `listen` (this one stopped,
    /// the same address: a restart; beside it: a second server).
    pub fn another_at(&self, listen: &str) -> Server {
        self.another_with(listen, &[])
    }

    /// Another server on this one's store, with extra `serve` flags.
    pub fn another_with(&self, listen: &str, extra: &[&str]) -> Server {
        Server::start_with(&self.db, listen, extra, self.store.clone())
    }

    /// A new server with extra `serve` flags.
    pub fn start_flags(extra: &[&str]) -> Server {
        Server::start_listen("127.0.0.1:0", extra)
    }

    /// A new server on `listen` with extra `serve` flags.
    pub fn start_listen(listen: &str, extra: &[&str]) -> Server {
        Server::start_listen_on(listen, extra, store_from_env())
    }

    /// A new server on `listen` with extra `serve` flags, on this store (None: a new
    /// SQLite file; or the URL of a PostgreSQL database, and its cluster).
    pub fn start_listen_on(
        listen: &str,
        extra: &[&str],
        store: Option<(String, std::sync::Arc<super::postgres::Cluster>)>,
    ) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let mut s = Server::start_with(&db, listen, extra, store);
        s._dir = Some(dir);
        s
    }

    /// A new server on a new database of PostgreSQL `cluster`, whatever the run asks.
    pub fn start_postgres(cluster: std::sync::Arc<super::postgres::Cluster>, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let url = cluster.database();
        let mut s = Server::start_with(&db, "127.0.0.1:0", extra, Some((url, cluster)));
        s._dir = Some(dir);
        s
    }

    /// A server on the PostgreSQL store `url` of `cluster`, listening on `listen`.
    pub fn start_on(url: &str, cluster: std::sync::Arc<super::postgres::Cluster>, listen: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let mut s = Server::start_with(&db, listen, &[], Some((url.to_string(), cluster)));
        s._dir = Some(dir);
        s
    }

    /// Run SQL on the store: `sqlite` on the file, `postgres` on the database (their
    /// dialects differ); the first column of the first row, as text.
    pub fn sql(&self, sqlite: &str, postgres: &str) -> String {
        match &self.store {
            Some((url, cluster)) => {
                let db = url.rsplit('/').next().unwrap().split('?').next().unwrap();
                cluster.psql(db, postgres).lines().next().unwrap_or_default().to_string()
            }
            None => {
                let c = rusqlite::Connection::open(&self.db).unwrap();
                c.query_row(sqlite, [], |r| r.get::<_, rusqlite::types::Value>(0))
                    .map(|v| match v {
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                    .unwrap_or_default()
            }
        }
    }

    /// A new server speaking https with this certificate and key.
    pub fn start_tls(cert: &Path, key: &Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.db");
        let tls = ["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()];
        let mut s = Server::start_with(&db, "127.0.0.1:0", &tls, store_from_env());
        s.addr = s.url.trim_start_matches("https://").to_string();
        s._dir = Some(dir);
        s
    }

    fn start_with(
        db: &Path,
        listen: &str,
        extra: &[&str],
        store: Option<(String, std::sync::Arc<super::postgres::Cluster>)>,
    ) -> Server {
        let mut child = sitroom()
            .args(["--db", db.to_str().unwrap(), "serve", "--listen", listen, "--read-timeout", "2"])
            .args(store.iter().flat_map(|(url, _)| ["--store", url.as_str()]))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("SITROOM_TEST_SERVER_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap();
        // The HTTP address, and the SSH one when asked (in either order: both start
        // at once).
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut ssh) = (String::new(), None);
        let lines = if extra.contains(&"--ssh") { 2 } else { 1 };
        for _ in 0..lines {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            if let Some(rest) = line.trim().strip_prefix("ssh on ") {
                // "ssh on 127.0.0.1:PORT, host key SHA256:…"
                let (addr, key) = rest.split_once(", host key ").unwrap();
                let port = addr.rsplit(':').next().unwrap().parse().unwrap();
                ssh = Some((port, key.to_string()));
            } else {
                url = line
                    .trim()
                    .strip_prefix("listening on ")
                    .unwrap_or_else(|| panic!("server said {line:?}"))
                    .to_string();
            }
        }
        let addr = url.trim_start_matches("http://").to_string();
        Server {
            child: Some(child),
            url,
            addr,
            db: db.to_path_buf(),
            ssh_port: ssh.as_ref().map(|s| s.0),
            ssh_fingerprint: ssh.map(|s| s.1),
            store,
            _dir: None,
        }
    }

    /// `sitroom admin` on this server's store.
    pub fn admin_cmd(&self) -> Command {
        let mut c = sitroom();
        c.args(["--db", self.db.to_str().unwrap(), "admin"]);
        if let Some((url, _)) = &self.store {
            c.args(["--store", url]);
        }
        c
    }

    pub fn admin(&self, args: &[&str]) -> Output {
        self.admin_cmd().args(args).output().unwrap()
    }

    pub fn add_org(&self, name: &str) {
        let out = self.admin(&["org", "add", name]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// An account with password [`PASSWORD`].
    pub fn add_user(&self, name: &str, org: &str, roles: &[&str]) {
        use std::io::Write;
        let mut args = vec!["user", "add", name, "--org", org, "--password-stdin"];
        for r in roles {
            args.extend(["--role", r]);
        }
        let mut child = self
            .admin_cmd()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    /// Wait up to `within` for the server to end: how it ended, or None if it did not.
    pub fn wait_exit(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            if let Some(status) = self.child.as_mut()?.try_wait().ok().flatten() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
