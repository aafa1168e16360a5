//! The `jixiao` command. Everything it does is in the library; this only parses the command line.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
