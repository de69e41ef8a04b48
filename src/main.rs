//! The `advlens` program: the window (`gui`, the default) and `models`, `attack`, `train` and
//! `bench`, all on the engine in
//! the library. Without a subcommand it opens the workbench window.

mod cli;

/// The memory allocator: mimalloc keeps freed pages for reuse, where the system allocator
/// hands the large tensor buffers of every operation back to the kernel and takes page faults
/// to get them again (docs/performance.md, "The allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    quiet_on_closed_stdout();
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever line breaks a library put into its message.
            eprintln!("error: {}", advlens::imaging::one_line(&format!("{err:#}")));
            std::process::ExitCode::FAILURE
        }
    }
}

/// When the reader of stdout goes away (`advlens models | head -1`), `println!` panics; end
/// quietly instead, with the status a shell gives a program stopped by SIGPIPE (128 + 13), as
/// C tools do. Every other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}
