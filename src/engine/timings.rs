//! Phase timings of a scan, printed to stderr when `POOLCHECK_TIMINGS` is set (for benchmarks
//! and profiling; not part of the output contract).

use crate::report::Report;

/// Phase timings, printed to stderr when `POOLCHECK_TIMINGS` is set (for benchmarks and
/// profiling; not part of the output contract).
pub(super) struct Timings {
    enabled: bool,
    start: std::time::Instant,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    pub(super) fn new() -> Timings {
        let now = std::time::Instant::now();
        Timings { enabled: std::env::var_os("POOLCHECK_TIMINGS").is_some(), start: now, last: now, laps: Vec::new() }
    }

    pub(super) fn lap(&mut self, phase: &'static str) {
        if self.enabled {
            let now = std::time::Instant::now();
            self.laps.push((phase, now - self.last));
            self.last = now;
        }
    }

    pub(super) fn finish(&self, report: &Report) {
        if !self.enabled {
            return;
        }
        let parsed = (0..report.sources.len()).filter(|&i| !report.sources.get(i).text.is_empty()).count();
        let bytes: usize = (0..report.sources.len()).map(|i| report.sources.get(i).text.len()).sum();
        let lines: usize = (0..report.sources.len()).map(|i| report.sources.get(i).line_starts().len()).sum();
        for (phase, d) in &self.laps {
            eprintln!("poolcheck timings: {phase:16} {:8.1} ms", d.as_secs_f64() * 1e3);
        }
        eprintln!(
            "poolcheck timings: {:16} {:8.1} ms  ({} files scanned, {parsed} read in full, {lines} lines, {bytes} bytes)",
            "total",
            self.start.elapsed().as_secs_f64() * 1e3,
            report.files_scanned
        );
    }
}
