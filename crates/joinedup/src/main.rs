//! `joinedup`: the command line of the joined-up health and social care platform.

#[macro_use]
mod output;
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
    if let Err(e) = args.check() {
        e.exit();
    }
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output has gone (`| head`): nothing more to say to anyone.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(invalid) = e.downcast_ref::<commands::InvalidInput>() {
                note!("{invalid}");
            } else {
                note!("error: {}", output::message(&e));
            }
            ExitCode::FAILURE
        }
    }
}
