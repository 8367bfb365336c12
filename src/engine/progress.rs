//! How far a scan has got, for a progress display: counters the engine's workers bump once per
//! file with relaxed atomics (no lock, nothing per expression), read by whoever draws them. The
//! engine never prints; the CLI decides whether and how to show them.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};

/// The stage a scan is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Finding files; their number is not known yet.
    Discovering,
    /// Pass 1: reading and parsing files.
    Reading,
    /// Building the crates' indexes.
    Indexing,
    /// Pass 2: analysing files.
    Analysing,
    /// Workspace-level analyses, suppressions, sorting.
    Reporting,
}

const PHASES: [Phase; 5] = [Phase::Discovering, Phase::Reading, Phase::Indexing, Phase::Analysing, Phase::Reporting];

/// Counters of a scan in progress, shared between the scan and a display.
#[derive(Debug, Default)]
pub struct Progress {
    phase: AtomicU8,
    files: AtomicUsize,
    read: AtomicUsize,
    analysed: AtomicUsize,
}

/// What [`Progress::snapshot`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// The current stage.
    pub phase: Phase,
    /// Files to read and analyse (known from [`Phase::Reading`] on).
    pub files: usize,
    /// Files read and parsed so far.
    pub read: usize,
    /// Files analysed so far.
    pub analysed: usize,
}

impl Progress {
    /// Counters at zero, in [`Phase::Discovering`].
    pub fn new() -> Progress {
        Progress::default()
    }

    /// The counters now (each read on its own: a snapshot may be a moment stale).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            phase: PHASES[usize::from(self.phase.load(Relaxed)).min(PHASES.len() - 1)],
            files: self.files.load(Relaxed),
            read: self.read.load(Relaxed),
            analysed: self.analysed.load(Relaxed),
        }
    }

    pub(super) fn enter(&self, phase: Phase) {
        self.phase.store(phase as u8, Relaxed);
    }

    pub(super) fn start_reading(&self, files: usize) {
        self.files.store(files, Relaxed);
        self.enter(Phase::Reading);
    }

    pub(super) fn file_read(&self) {
        self.read.fetch_add(1, Relaxed);
    }

    pub(super) fn file_analysed(&self) {
        self.analysed.fetch_add(1, Relaxed);
    }
}

impl Snapshot {
    /// One line for a terminal, without `poolcheck: `.
    pub fn line(&self) -> String {
        match self.phase {
            Phase::Discovering => "finding files".to_owned(),
            Phase::Reading => format!("{}/{} files read", self.read, self.files),
            Phase::Indexing => format!("{}/{} files read, indexing crates", self.read, self.files),
            Phase::Analysing => format!("{}/{} files analysed", self.analysed, self.files),
            Phase::Reporting => format!("{}/{} files analysed, summarising crates", self.analysed, self.files),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{scan, ScanOptions};
    use std::sync::Arc;

    #[test]
    fn the_counters_reach_the_file_count_of_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let leak = "use sqlx::PgPool;\npub async fn f(pool: &PgPool) {\n    let c = pool.acquire().await.unwrap();\n    std::mem::forget(c);\n}\n";
        for name in ["a.rs", "b.rs", "sub/c.rs", "sub/d.rs"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, leak).unwrap();
        }
        std::fs::write(dir.path().join("plain.rs"), "fn main() {}\n").unwrap();
        let progress = Arc::new(Progress::new());
        let opts = ScanOptions { progress: Some(progress.clone()), ..ScanOptions::new(vec![dir.path().to_path_buf()]) };
        let report = scan(&opts).unwrap();
        assert_eq!(report.files_scanned, 5);
        let seen = progress.snapshot();
        assert_eq!(seen, Snapshot { phase: Phase::Reporting, files: 5, read: 5, analysed: 5 });
        assert_eq!(seen.line(), "5/5 files analysed, summarising crates");
    }

    #[test]
    fn each_phase_has_its_line() {
        let at = |phase| Snapshot { phase, files: 9, read: 4, analysed: 2 }.line();
        assert_eq!(at(Phase::Discovering), "finding files");
        assert_eq!(at(Phase::Reading), "4/9 files read");
        assert_eq!(at(Phase::Analysing), "2/9 files analysed");
    }
}
