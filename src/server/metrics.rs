//! What the server counts for its operators, in Prometheus's text format at
//! `/metrics`: sync rounds and how long their work took (not the wait of a long poll),
//! ops accepted and refused by why, bytes in and out, connections open. Plain atomics:
//! counting costs a round nothing it would notice, and nothing here can block a round.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the round-latency buckets, in seconds.
const BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
pub struct Metrics {
    rounds: AtomicU64,
    accepted: AtomicU64,
    resent: AtomicU64,
    refused: Mutex<BTreeMap<&'static str, u64>>,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    requests: AtomicU64,
    pushes: AtomicU64,
    commits: AtomicU64,
    connections: AtomicI64,
    latency: Histogram,
}

#[derive(Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last is above every bound.
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// A connection open: counted while this lives.
pub struct Connected<'a>(&'a Metrics);

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// A sync round's work took `took`: `accepted` ops taken, `resent` acknowledged again
    /// (the server had them), the refused counted by why.
    pub fn round(
        &self,
        took: Duration,
        accepted: usize,
        resent: usize,
        refused_as: &BTreeMap<&'static str, usize>,
    ) {
        self.rounds.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(accepted as u64, Ordering::Relaxed);
        self.resent.fetch_add(resent as u64, Ordering::Relaxed);
        if !refused_as.is_empty() {
            let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
            for (why, n) in refused_as {
                *refused.entry(why).or_default() += *n as u64;
            }
        }
        let secs = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        self.latency.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency.sum_micros.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// A round pushed ops; `committed` pushes were committed by its transaction (0:
    /// another push's took it along: group commit).
    pub fn pushed(&self, committed: usize) {
        self.pushes.fetch_add(1, Ordering::Relaxed);
        if committed > 0 {
            self.commits.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An HTTP request came in with `inn` bytes of body and went out with `out`.
    pub fn request(&self, inn: usize, out: usize) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes_in.fetch_add(inn as u64, Ordering::Relaxed);
        self.bytes_out.fetch_add(out as u64, Ordering::Relaxed);
    }

    pub fn connected(&self) -> Connected<'_> {
        self.connections.fetch_add(1, Ordering::Relaxed);
        Connected(self)
    }

    /// Connections open now.
    pub fn connections(&self) -> i64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Everything, in Prometheus's text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter("sitroom_rounds_total", "Sync rounds served.", load(&self.rounds));
        counter(
            "sitroom_ops_accepted_total",
            "Pushed ops taken in, new to the server.",
            load(&self.accepted),
        );
        counter(
            "sitroom_ops_resent_total",
            "Pushed ops the server had already (sent again after a lost answer): acknowledged, not stored twice.",
            load(&self.resent),
        );
        counter("sitroom_requests_total", "HTTP requests served.", load(&self.requests));
        counter("sitroom_pushes_total", "Rounds that pushed ops.", load(&self.pushes));
        counter(
            "sitroom_push_commits_total",
            "Transactions (flushes) that stored pushes: fewer than pushes when they arrive together.",
            load(&self.commits),
        );
        counter("sitroom_bytes_in_total", "Bytes of request bodies received.", load(&self.bytes_in));
        counter("sitroom_bytes_out_total", "Bytes of response bodies sent.", load(&self.bytes_out));
        let _ = writeln!(
            out,
            "# HELP sitroom_ops_refused_total Pushed ops refused, by why.\n# TYPE sitroom_ops_refused_total counter"
        );
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for why in ["malformed", "denied", "missing", "altered", "unappliable"] {
            let n = refused.get(why).copied().unwrap_or(0);
            let _ = writeln!(out, "sitroom_ops_refused_total{{reason=\"{why}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP sitroom_connections Client connections open (HTTP).\n# TYPE sitroom_connections gauge\nsitroom_connections {}",
            self.connections()
        );
        let _ = writeln!(
            out,
            "# HELP sitroom_round_seconds How long a sync round's work took (a long poll's wait left out).\n# TYPE sitroom_round_seconds histogram"
        );
        let mut seen = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            seen += load(&self.latency.counts[i]);
            let _ = writeln!(out, "sitroom_round_seconds_bucket{{le=\"{bound}\"}} {seen}");
        }
        seen += load(&self.latency.counts[BUCKETS.len()]);
        let sum = load(&self.latency.sum_micros) as f64 / 1e6;
        let _ = writeln!(out, "sitroom_round_seconds_bucket{{le=\"+Inf\"}} {seen}");
        let _ = writeln!(out, "sitroom_round_seconds_sum {sum}\nsitroom_round_seconds_count {seen}");
        out
    }
}

/// A figure the store has of its own (PostgreSQL: its connections, its copy of the
/// records).
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub name: &'static str,
    pub help: &'static str,
    /// Counted up (a `_total`), or a level.
    pub counter: bool,
    pub value: i64,
}

/// The store's figures, in Prometheus' text.
pub fn render_figures(out: &mut String, figures: &[Figure]) {
    use std::fmt::Write as _;
    for f in figures {
        let kind = if f.counter { "counter" } else { "gauge" };
        let _ =
            writeln!(out, "# HELP {} {}\n# TYPE {} {kind}\n{} {}", f.name, f.help, f.name, f.name, f.value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_fall_in_their_buckets_and_refusals_are_counted_by_why() {
        let m = Metrics::default();
        let mut why = BTreeMap::new();
        why.insert("denied", 2);
        m.round(Duration::from_micros(800), 5, 0, &why);
        m.round(Duration::from_millis(40), 1, 3, &BTreeMap::new());
        m.round(Duration::from_secs(60), 0, 0, &BTreeMap::new());
        let text = m.render();
        assert!(text.contains("sitroom_rounds_total 3"), "{text}");
        assert!(text.contains("sitroom_ops_accepted_total 6"), "{text}");
        assert!(text.contains("sitroom_ops_resent_total 3"), "{text}");
        assert!(text.contains("sitroom_ops_refused_total{reason=\"denied\"} 2"), "{text}");
        assert!(text.contains("sitroom_ops_refused_total{reason=\"missing\"} 0"), "{text}");
        assert!(text.contains("sitroom_round_seconds_bucket{le=\"0.001\"} 1"), "{text}");
        assert!(text.contains("sitroom_round_seconds_bucket{le=\"0.05\"} 2"), "{text}");
        assert!(text.contains("sitroom_round_seconds_bucket{le=\"30\"} 2"), "{text}");
        assert!(text.contains("sitroom_round_seconds_bucket{le=\"+Inf\"} 3"), "{text}");
        assert!(text.contains("sitroom_round_seconds_count 3"), "{text}");
        let c = m.connected();
        assert!(m.render().contains("sitroom_connections 1"));
        drop(c);
        assert!(m.render().contains("sitroom_connections 0"));
    }
}
