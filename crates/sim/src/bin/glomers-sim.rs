//! `glomers-sim`: the embedded simulator as a stand-alone `maelstrom` replacement,
//! e.g. `glomers-sim test -w echo --bin ./node --node-count 1 --time-limit 10`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let outcome = sim::run_cli(&args, &base);
    std::process::exit(outcome.exit_code);
}
