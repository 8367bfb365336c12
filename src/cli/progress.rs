//! The progress line of a long scan: when stderr is a terminal (and not `--quiet`), a thread
//! waits a second, then redraws one line on stderr about ten times a second from the engine's
//! [`Progress`] counters, and erases it when the scan ends, before any output is printed.
//! Nothing is drawn into a pipe or a file, so machine formats and CI logs never see it.

use crate::engine::progress::Progress;
use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Scans that end sooner show nothing.
const DELAY: Duration = Duration::from_secs(1);
/// Time between redraws.
const INTERVAL: Duration = Duration::from_millis(100);

/// A running progress line; dropping it (or [`Display::finish`]) erases the line.
pub(super) struct Display {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    /// Counters for a scan, and the line that shows them when stderr is a terminal and `quiet`
    /// is off; otherwise no display and no counters (the scan then counts nothing).
    pub(super) fn start(quiet: bool) -> (Option<Arc<Progress>>, Display) {
        if quiet || !std::io::stderr().is_terminal() {
            return (None, Display { stop: None, thread: None });
        }
        let progress = Arc::new(Progress::new());
        let (stop, stopped) = mpsc::channel::<()>();
        let counters = Arc::clone(&progress);
        let thread = std::thread::Builder::new()
            .name("poolcheck-progress".into())
            .spawn(move || draw(&counters, |wait| stopped.recv_timeout(wait)))
            .ok();
        (Some(progress), Display { stop: Some(stop), thread })
    }

    /// Stops drawing and erases the line; returns once stderr is clean.
    pub(super) fn finish(self) {}
}

impl Drop for Display {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}

/// The drawing loop: `wait` blocks for at most its argument and says whether to stop.
fn draw(progress: &Progress, mut wait: impl FnMut(Duration) -> Result<(), RecvTimeoutError>) {
    if wait(DELAY) != Err(RecvTimeoutError::Timeout) {
        return;
    }
    let mut stderr = std::io::stderr();
    let mut width = 0usize;
    loop {
        let line = format!("poolcheck: {}", progress.snapshot().line());
        // `\r` and spaces over the last line: no escape sequence a dumb terminal would show
        let pad = width.saturating_sub(line.len());
        drop(write!(stderr, "\r{line}{:pad$}", ""));
        drop(stderr.flush());
        width = line.len();
        if wait(INTERVAL) != Err(RecvTimeoutError::Timeout) {
            break;
        }
    }
    if width > 0 {
        drop(write!(stderr, "\r{:width$}\r", ""));
        drop(stderr.flush());
    }
}
