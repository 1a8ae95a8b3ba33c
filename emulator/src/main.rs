//! The `emul` binary: a thin shell over the [`emul`] library.
//!
//! Everything lives in the library (`emul::cli`) so tests and embedders reuse
//! it; this file only hands the process arguments over and turns the outcome
//! into an exit code.

fn main() -> std::process::ExitCode {
    emul::cli::main()
}
