//! Progress lines while `emul up` works: one line when a resource starts,
//! one when it is ready (with the time it took since `up` began), one for
//! each resource kept as it was. Plain lines on stderr, so they read the
//! same on a terminal, in a CI log and in a detached daemon's `emul.log`;
//! on a terminal the step word is emphasised.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use crate::runtime::{Progress, Step};

/// A [`Progress`] that prints to stderr, times measured from now.
pub fn stderr_printer() -> Progress {
    let start = Instant::now();
    let tty = std::io::stderr().is_terminal();
    Progress(Arc::new(move |resource: &str, step: Step| {
        let word = match step {
            Step::Starting => "starting",
            Step::Ready => "ready",
            Step::Kept => "unchanged",
        };
        let word = if tty {
            format!("\x1b[1m{word:<9}\x1b[0m")
        } else {
            format!("{word:<9}")
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "  {word} {resource:<44} {:>6.1}s",
            start.elapsed().as_secs_f64()
        );
    }))
}
