//! Draws the per-run plots of a recorded run, or the frontier with only the
//! reference points, for looking at the pictures while changing them:
//!
//! ```sh
//! cargo run -p report --example plot_run -- store/broadcast/latest
//! cargo run -p report --example plot_run -- --frontier /tmp/frontier
//! ```

fn main() -> Result<(), report::ReportError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let written = match args.as_slice() {
        [flag, stem] if flag == "--frontier" => {
            report::frontier_plot(&report::frontier::reference_points(), stem.as_ref())?
        }
        [run_dir] => report::run_plots(run_dir.as_ref())?,
        _ => {
            eprintln!("usage: plot_run <run-dir> | plot_run --frontier <out-stem>");
            std::process::exit(2);
        }
    };
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}
