//! Explain one store directory and print how long it took:
//! `cargo run --release -p explain --example explain_store -- testdata/maelstrom/broadcast-25-official`.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: explain_store STORE_DIR");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    match explain::explain(std::path::Path::new(&dir)) {
        Ok(explanation) => {
            let elapsed = started.elapsed();
            println!("{}", explanation.headline());
            for finding in &explanation.findings {
                println!("- {}", finding.summary);
                for line in &finding.evidence {
                    println!("    {line}");
                }
            }
            println!("explained in {:.1} ms", elapsed.as_secs_f64() * 1e3);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
