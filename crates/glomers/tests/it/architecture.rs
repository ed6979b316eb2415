//! ARCHITECTURE.md's "must never import" rules, checked against every
//! crate's `[dependencies]` (dev-dependencies may reach further: tests drive
//! real binaries).

use std::collections::BTreeSet;
use std::path::Path;

/// Our crates, and the ones of ours each may depend on.
const ALLOWED: &[(&str, &[&str])] = &[
    ("crates/edn", &[]),
    ("crates/checker", &["edn"]),
    ("crates/sim", &["edn", "checker"]),
    ("runner", &["edn", "checker"]),
    ("crates/report", &["edn", "checker", "runner"]),
    ("crates/explain", &["edn", "checker"]),
    ("nodes", &[]),
    (
        "crates/glomers",
        &["edn", "checker", "sim", "runner", "report", "explain"],
    ),
];

const OURS: &[&str] = &[
    "edn", "checker", "sim", "runner", "report", "nodes", "glomers",
];

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The names under `[dependencies]` (and target-specific dependency tables),
/// from lines like `name.workspace = true` or `name = { … }`.
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let mut in_dependencies = false;
    let mut names = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]"
                || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
            continue;
        }
        if !in_dependencies || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['.', '=', ' ']).next().unwrap_or_default();
        names.insert(name.trim_matches('"').to_string());
    }
    names
}

#[test]
fn no_crate_imports_what_architecture_md_forbids() {
    let mut broken = Vec::new();
    for (dir, allowed) in ALLOWED {
        let path = workspace().join(dir).join("Cargo.toml");
        let manifest =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for dependency in dependencies(&manifest) {
            if OURS.contains(&dependency.as_str()) && !allowed.contains(&dependency.as_str()) {
                broken.push(format!("{dir} depends on {dependency}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "ARCHITECTURE.md rules broken: {broken:?}"
    );
}

#[test]
fn every_workspace_crate_is_covered_by_the_rules() {
    let mut members = BTreeSet::new();
    for group in ["crates", "."] {
        for entry in std::fs::read_dir(workspace().join(group))
            .unwrap()
            .flatten()
        {
            let manifest = entry.path().join("Cargo.toml");
            let is_library_or_binary = manifest.is_file()
                && !std::fs::read_to_string(&manifest)
                    .unwrap()
                    .contains("publish = false");
            if is_library_or_binary {
                let name = entry.file_name().to_string_lossy().into_owned();
                members.insert(if group == "crates" {
                    format!("crates/{name}")
                } else {
                    name
                });
            }
        }
    }
    let covered: BTreeSet<String> = ALLOWED.iter().map(|(dir, _)| dir.to_string()).collect();
    assert_eq!(
        members, covered,
        "add the new crate's rules to ARCHITECTURE.md and here"
    );
}

#[test]
fn the_dependency_reader_sees_workspace_and_inline_forms() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\nedn.workspace = true\nrunner = { path = \"../runner\" }\n# sim\n[dev-dependencies]\nsim.workspace = true\n";
    assert_eq!(
        dependencies(manifest),
        BTreeSet::from(["edn".to_string(), "runner".to_string()])
    );
}

/// Facts both the simulator and the runner must know, which neither may
/// import from the other: they are checked against each other here.
#[test]
fn the_simulator_and_the_runner_agree_on_maelstroms_defaults() {
    let argv: Vec<String> = ["test", "-w", "echo", "--bin", "/bin/true"]
        .map(String::from)
        .into();
    let sim::cli::Invocation::Test(options) = sim::cli::parse(&argv) else {
        panic!("a minimal `test` command line parses");
    };
    assert_eq!(
        options.recovery_wait_s,
        runner::catalog::MAELSTROM_RECOVERY_WAIT_S as f64
    );
    assert_eq!(
        options.consistency_models,
        [checker::DEFAULT_CONSISTENCY_MODEL]
    );
}
