//! The `advlens` program: the window (`gui`, the default) and `models`, `attack`, `train` and
//! `bench`, all on the engine in
//! the library. Without a subcommand it opens the workbench window.

mod cli;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever line breaks a library put into its message.
            eprintln!("error: {}", advlens::imaging::one_line(&format!("{err:#}")));
            std::process::ExitCode::FAILURE
        }
    }
}
