//! The real binary in a real terminal: a tmux server on a private socket per test, so
//! tests run in parallel without meeting; typed at with send-keys, read with
//! capture-pane.

use super::Home;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new() -> Tmux {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        Tmux { socket: format!("sitroom-e2e-{}-{n}", std::process::id()) }
    }

    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        super::tool("tmux", "tmux")
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env("LANG", "C.UTF-8")
            .env_remove("TMUX")
            .output()
            .unwrap()
    }

    /// Start sitroom in a fresh 100×30 session, with this home's database and config
    /// (made if it is not there yet).
    pub fn start(&self, home: &Home, args: &str) {
        self.start_with(home, "SITROOM_CREATE=1", args);
    }

    /// Start sitroom as [`Tmux::start`] does, with `env` (NAME=VALUE …) set.
    pub fn start_with(&self, home: &Home, env: &str, args: &str) {
        let cmd = format!(
            "env {env} SITROOM_DB={} SITROOM_CONFIG_DIR={} USER=kari TZ=UTC TERM=xterm-256color {} {args}",
            home.db().display(),
            home.config_dir().display(),
            env!("CARGO_BIN_EXE_sitroom"),
        );
        let out = self.tmux(&["new-session", "-d", "-s", "main", "-x", "100", "-y", "30", &cmd]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Run `cmd` (a shell command line) in a fresh 100×30 session.
    pub fn run(&self, cmd: &str) {
        let out = self.tmux(&["new-session", "-d", "-s", "main", "-x", "100", "-y", "30", cmd]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The window is now `w`×`h`, as when the user resizes their terminal.
    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let out = self.tmux(&["resize-window", "-t", "main", "-x", &w, "-y", &h]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    pub fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(start.elapsed() < WAIT, "waited for {needle:?}; the screen shows:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn running(&self) -> bool {
        self.tmux(&["has-session", "-t", "main"]).status.success()
    }

    pub fn wait_exit(&self) {
        let start = Instant::now();
        while self.running() {
            assert!(start.elapsed() < WAIT, "sitroom did not exit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pane_pid(&self) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", "main", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
