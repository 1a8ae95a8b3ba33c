//! Standard output for the verbs, ending quietly on a closed pipe.
//!
//! `emul env | head -1` closes the pipe after one line; Rust's `println!`
//! then panics ("failed printing to stdout: Broken pipe", exit 101). The
//! verbs print through [`outln!`](crate::outln) / [`out!`](crate::out) (or
//! [`write_or_exit`]) instead: a broken pipe ends the process at once with
//! exit 0 and no message, the way coreutils stop when their reader has gone
//! (and `emul logs -f | head` stops instead of following forever). Any
//! other write error (a full disk behind a redirection) is reported once
//! and exits 1. SIGPIPE itself stays ignored, as Rust sets it, so sockets
//! keep getting `EPIPE` instead of killing the daemon.

use std::io::{self, Write};

/// Runs `write` on the locked stdout and flushes; on a closed pipe exits 0,
/// on another error prints it to stderr and exits 1.
pub fn write_or_exit(write: impl FnOnce(&mut io::StdoutLock<'_>) -> io::Result<()>) {
    let mut out = io::stdout().lock();
    let result = write(&mut out).and_then(|()| out.flush());
    if let Err(e) = result {
        exit_on(&e);
    }
}

/// Ends the process for a failed stdout write (see the module doc).
fn exit_on(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(i32::from(super::exit::SUCCESS));
    }
    // stderr may be gone too; nothing more can be said then.
    let _ = writeln!(io::stderr(), "emul: cannot write to stdout: {e}");
    std::process::exit(i32::from(super::exit::FAILURE));
}

/// `println!` for the verbs: ends quietly on a closed pipe (module doc).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::cli::output::write_or_exit(|o| ::std::io::Write::write_all(o, b"\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_or_exit(|o| {
            ::std::io::Write::write_fmt(o, ::std::format_args!($($arg)*))?;
            ::std::io::Write::write_all(o, b"\n")
        })
    };
}

/// `print!` for the verbs: ends quietly on a closed pipe (module doc).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_or_exit(|o| {
            ::std::io::Write::write_fmt(o, ::std::format_args!($($arg)*))
        })
    };
}
