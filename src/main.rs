//! The `advlens` command line: `models`, `attack`, `train` and `bench`, all on the engine in
//! the library. Without a subcommand it attacks the bundled chest X-ray as a demonstration.

mod cli;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
