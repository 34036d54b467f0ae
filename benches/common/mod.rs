//! What the benchmarks share: percentiles of timed samples, printed one line each
//! (`name n=… p50=… p99=… max=…`), the form the issues state their targets in.

use std::time::Duration;

#[path = "../../tests/integration/common/staff.rs"]
pub mod staff;

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

/// The staff-meeting lines of shared/data, as a logger typed them (kept here too so
/// the bench runs without shared/).
pub const MEETING: &[&str] = &[
    "Kriseledelsen satt. Til stede: ordfører, kommunedirektør, kommuneoverlege, beredskapskoordinator #stab",
    "Beredskapskoordinator orienterer: vannstanden i Lågen steg 40 cm siste 6 timer, NVE har oransje farevarsel #situasjon",
    "Kommuneoverlege: Gokstad sykehjem ligger i flomsonen, 38 beboere, 4 på oksygen #helse",
    "!Sykehjemmet forberedes for evakuering innen kl 12:00 @kommuneoverlege #evakuering",
    "Teknisk sjef: to pumpestasjoner i Bøkeskogen går på aggregat, drivstoff for 18 timer #infrastruktur",
    "Politiet (innsatsleder) melder at Fv 303 er stengt ved Hoppestad, omkjøring via Kodal #trafikk",
    "Strømbrudd meldt i Andebu sentrum, Glitre anslår 3–5 timer. Berørte med trygghetsalarm: 27 #strøm",
    "Mobilnettet ustabilt i Høyjord (Telenor bekrefter feil på mast), nødnett fungerer #ekom",
    "!Oppmøtested for Sivilforsvaret: brannstasjonen, kl 10:00 #ressurser",
    "Pårørendetelefon: 14 henvendelser siste halvtime, de fleste om Gokstad sykehjem #pårørende",
];

#[allow(dead_code)]
pub fn lines(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    for i in 0..n {
        s.push_str(MEETING[i % MEETING.len()]);
        s.push_str(&format!(" (melding {i})\n"));
    }
    s
}

/// Sentences of the source documents (shared/seeds), kept with the tests.
#[allow(dead_code)]
pub fn seed_sentences() -> Vec<&'static str> {
    include_str!("../../tests/fixtures/seed-sentences.txt").lines().filter(|l| !l.starts_with('#')).collect()
}

/// Entry `k` of varied text: sentences of the source documents and the staff-meeting
/// lines, by turns, none repeated within a few hundred entries.
#[allow(dead_code)]
pub fn varied(k: usize) -> String {
    let seeds = seed_sentences();
    if k.is_multiple_of(2) {
        seeds[(k / 2) % seeds.len()].to_string()
    } else {
        MEETING[(k / 2) % MEETING.len()].to_string()
    }
}
