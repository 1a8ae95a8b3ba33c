//! emul/pause: the process of an ENI "pause" container. It owns the network namespace (its IP
//! and DNS aliases) that task, database and cache containers join with
//! `--network container:<pause>`, does nothing, and exits 0 at once on SIGTERM or SIGINT.
//!
//! As PID 1 of its container, signals with the default disposition are ignored by the kernel,
//! so explicit handlers are required. Built by scripts/build-images.sh with plain rustc,
//! statically linked against glibc (`-C target-feature=+crt-static`), no crates.

use std::os::raw::c_int;

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

unsafe extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn pause() -> c_int;
    fn _exit(status: c_int) -> !;
}

/// Async-signal-safe exit: `_exit` runs no destructors and no atexit handlers.
extern "C" fn exit_now(_signum: c_int) {
    unsafe { _exit(0) }
}

fn main() {
    for signum in [SIGTERM, SIGINT, SIGHUP] {
        // SAFETY: installing a handler that only calls the async-signal-safe `_exit`.
        unsafe { signal(signum, exit_now) };
    }
    loop {
        // SAFETY: pause(2) has no preconditions; it returns after any handled signal.
        unsafe { pause() };
    }
}
