//! The `fleetsim` command line: parse, dispatch to a subcommand, exit code.
//! Each subcommand lives in its own file under `cli/`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    match cli::dispatch(cli::Cli::parse()) {
        Ok(code) => code,
        Err(cli::Failure { code, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(code)
        }
    }
}

/// Output into a closed pipe (`fleetsim run --json | head`) ends the process
/// quietly, as it does for other command-line tools, instead of a panic in
/// `println!` (Rust ignores SIGPIPE by default).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first in main, before any other thread exists; SIG_DFL
    // is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
