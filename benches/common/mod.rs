//! What the benchmarks share: percentiles of timed samples, printed one line each
//! (`name n=… p50=… p99=… max=…`), the form the issues state their targets in.

use std::time::Duration;

pub struct Stats {
    pub name: &'static str,
    pub samples: Vec<Duration>,
}

impl Stats {
    pub fn report(mut self) {
        self.samples.sort();
        let q = |p: f64| self.samples[((self.samples.len() - 1) as f64 * p).round() as usize];
        println!(
            "{:<40} n={:<6} p50={:>9.3?} p99={:>9.3?} max={:>9.3?}",
            self.name,
            self.samples.len(),
            q(0.5),
            q(0.99),
            self.samples.last().unwrap()
        );
    }
}

/// Time `f` `n` times (it returns the part worth timing) and report.
#[allow(dead_code)]
pub fn time(name: &'static str, n: usize, mut f: impl FnMut() -> Duration) {
    let samples = (0..n).map(|_| f()).collect();
    Stats { name, samples }.report();
}
