//! Progress lines while `emul up` works: one line when a resource starts,
//! one when it is ready (with the time since `up` began), one for each
//! resource kept as it was. On stderr, so they read the same on a terminal,
//! in a CI log and in a detached daemon's `emul.log`.
//!
//! On a terminal, a spinner line under them names what is still being waited
//! for and for how long; it is redrawn ten times a second and erased before
//! each new line. Without a terminal there is no spinner: plain lines only.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::runtime::{Progress, Step};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// What the printer knows.
struct State {
    /// When `up` began.
    start: Instant,
    /// Resources started and not yet ready, with when they started.
    waiting: BTreeMap<String, Instant>,
    /// Whether stderr is a terminal (spinner and bold words).
    tty: bool,
}

impl State {
    fn line(&mut self, resource: &str, step: Step) {
        let word = match step {
            Step::Starting => "starting",
            Step::Ready => "ready",
            Step::Kept => "unchanged",
        };
        match step {
            Step::Starting => {
                self.waiting.insert(resource.to_string(), Instant::now());
            }
            Step::Ready | Step::Kept => {
                self.waiting.remove(resource);
            }
        }
        let mut err = std::io::stderr().lock();
        let word = if self.tty {
            let _ = write!(err, "\r\x1b[2K");
            format!("\x1b[1m{word:<9}\x1b[0m")
        } else {
            format!("{word:<9}")
        };
        let _ = writeln!(
            err,
            "  {word} {resource:<44} {:>6.1}s",
            self.start.elapsed().as_secs_f64()
        );
    }

    fn spin(&self, frame: usize) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        if let Some((first, since)) = self.waiting.iter().min_by_key(|(_, t)| **t) {
            let more = self.waiting.len() - 1;
            let _ = write!(
                err,
                "  {} waiting for {first}{} ({:.1}s)",
                FRAMES[frame % FRAMES.len()],
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                since.elapsed().as_secs_f64()
            );
        }
        let _ = err.flush();
    }
}

/// A [`Progress`] that prints to stderr, times measured from now.
pub fn stderr_printer() -> Progress {
    let tty = std::io::stderr().is_terminal();
    let state = Arc::new(Mutex::new(State {
        start: Instant::now(),
        waiting: BTreeMap::new(),
        tty,
    }));
    if tty {
        spawn_spinner(Arc::downgrade(&state));
    }
    Progress(Arc::new(move |resource: &str, step: Step| {
        if let Ok(mut s) = state.lock() {
            s.line(resource, step);
        }
    }))
}

/// Redraws the spinner until the printer is dropped (the reconcile ended).
fn spawn_spinner(state: Weak<Mutex<State>>) {
    let _ = std::thread::Builder::new()
        .name("emul-progress".into())
        .spawn(move || {
            let mut frame = 0;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let Some(s) = state.upgrade() else { break };
                if let Ok(s) = s.lock() {
                    s.spin(frame);
                }
                frame += 1;
            }
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        });
}
