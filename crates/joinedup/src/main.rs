//! `joinedup`: the command line of the joined-up health and social care platform.

mod cli;
mod commands;
mod progress;

use clap::Parser;

// Reading a log allocates many small strings across threads: mimalloc is markedly faster at
// that than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(invalid) = e.downcast_ref::<commands::InvalidInput>() {
                eprintln!("{invalid}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
