//! `glomers init`: a commented `glomers.toml` for the project in the current
//! directory, from what it can find there: Cargo binaries, Go `main`
//! packages and executable scripts, mapped to challenges by their names
//! (`echo`, `unique-ids`, `broadcast`, `broadcast/d`, `3d`…). What it cannot
//! map stays commented out. An existing file is never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use runner::project::FILE_NAME;

/// The ids a project file lists, in page order (`6b` covers both 6b runs).
const IDS: [&str; 16] = [
    "1", "2", "3a", "3b", "3c", "3d", "3e", "4", "4-seqkv", "5a", "5b", "5c", "6a", "6b", "6c", "",
];

/// Directories never searched for nodes.
const SKIP_DIRS: [&str; 5] = ["target", "node_modules", "vendor", "__pycache__", "store"];

/// How deep below the project directory nodes are looked for.
const MAX_DEPTH: usize = 4;

/// A node found in the project: where it will be, relative to the file.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    path: String,
    /// The name its challenge is guessed from (a Go package's directory).
    hint: String,
    /// What it is, for the comment beside it.
    kind: &'static str,
}

pub fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let file = dir.join(FILE_NAME);
    let (text, configured) = render(dir);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists; glomers init never overwrites it (edit it, or move it away to start over)",
                file.display()
            ),
            _ => anyhow::anyhow!("cannot create {}: {e}", file.display()),
        })?;
    out.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("wrote {}", file.display());
    if configured.is_empty() {
        println!(
            "no node found that looks like a challenge: fill in [challenges], then `glomers run --all`"
        );
    } else {
        println!(
            "configured {}; the rest are commented out. Next: `glomers run --all`",
            configured.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The file's text and the ids it configures.
fn render(dir: &Path) -> (String, Vec<String>) {
    let (build, candidates) = detect(dir);
    let mut text = String::from(
        "# glomers.toml: which executable runs each Gossip Glomers challenge.\n\
         # Written by `glomers init`; see `glomers list` and the README (\"Test your own solution\").\n\
         # Paths are relative to this file. An entry is `id = \"path\"` or\n\
         # `id = { bin = \"path\", args = [\"--flag\"], env = { KEY = \"value\" } }`.\n\n",
    );
    match &build {
        Some(command) => text.push_str(&format!(
            "# Run once before each session (output shown if it fails).\n[build]\ncommand = \"{command}\"\n\n"
        )),
        None => text.push_str(
            "# [build]                         # run once before each session\n# command = \"make\"\n\n",
        ),
    }
    text.push_str("[challenges]\n");
    let mut configured = Vec::new();
    let mut used = Vec::new();
    for id in IDS.iter().filter(|id| !id.is_empty()) {
        match best_match(id, &candidates) {
            Some(c) => {
                text.push_str(&format!(
                    "{id} = \"{}\"{}# {}\n",
                    c.path,
                    pad(id, &c.path),
                    c.kind
                ));
                configured.push(id.to_string());
                used.push(c.path.clone());
            }
            None => text.push_str(&format!("# {id} = \"path/to/node\"\n")),
        }
    }
    let others: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| !used.contains(&c.path))
        .collect();
    if !others.is_empty() {
        text.push_str("\n# Also found (not matched to a challenge by name):\n");
        for c in others {
            text.push_str(&format!("#   {} ({})\n", c.path, c.kind));
        }
    }
    text.push_str(
        "\n# [defaults]\n# backend = \"sim\"                 # sim | maelstrom | auto\n\
         # maelstrom = \"path/to/maelstrom\"\n# work_dir = \".glomers\"\n",
    );
    (text, configured)
}

fn pad(id: &str, path: &str) -> String {
    " ".repeat(40usize.saturating_sub(id.len() + path.len() + 5).max(1))
}

/// The candidate for `id`: one naming it exactly (`broadcast/d`, `3d`) wins
/// over one naming its family (`broadcast`); ties go to the first found.
fn best_match<'a>(id: &str, candidates: &'a [Candidate]) -> Option<&'a Candidate> {
    let scored = candidates.iter().filter_map(|c| {
        let (family, exact) = classify(&c.hint)?;
        let id_family = id.split(['-']).next().unwrap_or(id);
        let id_number = id_family.trim_end_matches(|ch: char| ch.is_ascii_alphabetic());
        match exact {
            Some(exact) if exact == id => Some((2, c)),
            Some(_) => None,
            // `4-seqkv` only by its own name.
            None if family == id_number && !id.contains('-') => Some((1, c)),
            None => None,
        }
    });
    scored.max_by_key(|(score, _)| *score).map(|(_, c)| c)
}

/// The challenge family (`1`…`6`) a path names, and the exact id when it
/// names one (`3d` from `broadcast/d`, `broadcast-d` or `3d`).
fn classify(path: &str) -> Option<(String, Option<String>)> {
    let lower = path.to_lowercase();
    let stem = lower
        .rsplit_once('.')
        .filter(|(_, ext)| ext.len() <= 3)
        .map_or(lower.as_str(), |(s, _)| s);
    let words: Vec<&str> = stem
        .split(['/', '-', '_', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let family_of = |w: &str| match w {
        "echo" => Some("1"),
        "unique" | "uniqueids" | "uniqueid" | "ids" => Some("2"),
        "broadcast" => Some("3"),
        "counter" | "gcounter" => Some("4"),
        "kafka" => Some("5"),
        "txn" | "transactions" | "transaction" => Some("6"),
        _ => None,
    };
    for (i, word) in words.iter().enumerate().rev() {
        // `3d`, `challenge-3d`.
        if let Some(first) = word.chars().next().filter(char::is_ascii_digit) {
            let rest = &word[1..];
            if ('1'..='6').contains(&first) && (rest.is_empty() || (rest.len() == 1 && rest < "f"))
            {
                let exact = (!rest.is_empty() || matches!(first, '1' | '2' | '4'))
                    .then(|| word.to_string());
                return Some((first.to_string(), exact));
            }
        }
        if let Some(family) = family_of(word) {
            if *word == "counter" && words.get(i + 1) == Some(&"seqkv") {
                return Some(("4".into(), Some("4-seqkv".into())));
            }
            let letter = words
                .get(i + 1)
                .filter(|w| w.len() == 1 && **w < "f" && **w >= "a");
            let exact = letter
                .map(|l| format!("{family}{l}"))
                .or_else(|| matches!(family, "1" | "2" | "4").then(|| family.to_string()));
            return Some((family.to_string(), exact));
        }
    }
    None
}

/// A build command, and every node found.
fn detect(dir: &Path) -> (Option<String>, Vec<Candidate>) {
    let mut build = None;
    let mut candidates = Vec::new();
    let cargo = cargo_bins(dir);
    if !cargo.is_empty() {
        build = Some("cargo build --release".to_string());
        candidates.extend(cargo.into_iter().map(|name| Candidate {
            path: format!("target/release/{name}"),
            hint: name,
            kind: "Cargo binary",
        }));
    }
    let mut files = Vec::new();
    walk(dir, dir, 0, &mut files);
    let go = go_main_packages(dir, &files);
    if !go.is_empty() {
        build.get_or_insert_with(|| "go build -o bin/ ./...".to_string());
        candidates.extend(go.into_iter().map(|(name, hint)| Candidate {
            path: format!("bin/{name}"),
            hint,
            kind: "Go main package",
        }));
    }
    for file in &files {
        if is_script(&dir.join(file)) {
            candidates.push(Candidate {
                path: file.clone(),
                hint: file.clone(),
                kind: "executable script",
            });
        }
    }
    (build, candidates)
}

/// Names of the binaries of the Cargo package or workspace in `dir`.
fn cargo_bins(dir: &Path) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        package: Option<Package>,
        #[serde(default)]
        bin: Vec<Bin>,
        workspace: Option<Workspace>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Bin {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Workspace {
        #[serde(default)]
        members: Vec<String>,
    }
    let Some(manifest) = std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| toml::from_str::<Manifest>(&t).ok())
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = manifest.bin.into_iter().map(|b| b.name).collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
        let mut found: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                let name = path.file_stem()?.to_str()?.to_string();
                let is_bin =
                    path.extension().is_some_and(|x| x == "rs") || path.join("main.rs").is_file();
                is_bin.then_some(name)
            })
            .collect();
        found.sort();
        names.extend(
            found
                .into_iter()
                .filter(|n| !names.contains(n))
                .collect::<Vec<_>>(),
        );
    }
    if let Some(package) = manifest
        .package
        .filter(|p| dir.join("src/main.rs").is_file() && !names.contains(&p.name))
    {
        names.push(package.name);
    }
    for member in manifest.workspace.map(|w| w.members).unwrap_or_default() {
        if !member.contains('*') {
            names.extend(cargo_bins(&dir.join(member)));
        }
    }
    names
}

/// Go `main` packages among `files`: each directory holding a `.go` file
/// that says `package main`, named as `go build -o bin/ ./...` names it,
/// with its directory.
fn go_main_packages(dir: &Path, files: &[String]) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.ends_with(".go") && !f.ends_with("_test.go"))
    {
        let is_main = std::fs::read_to_string(dir.join(file))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == "package main"));
        if !is_main {
            continue;
        }
        let package_dir = Path::new(file)
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        let name = match package_dir {
            Some(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
            None => go_module_name(dir),
        };
        let hint = package_dir.map_or_else(
            || name.clone().unwrap_or_default(),
            |p| p.to_string_lossy().into_owned(),
        );
        if let Some(name) = name.filter(|n| !names.iter().any(|(m, _)| m == n)) {
            names.push((name, hint));
        }
    }
    names
}

fn go_module_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("go.mod")).ok()?;
    let module = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("module "))?;
    Some(module.trim().rsplit('/').next()?.to_string())
}

/// An executable regular file starting with `#!`.
fn is_script(path: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let executable =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    let mut head = [0u8; 2];
    executable
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && &head == b"#!"
}

/// Files below `root` (relative, sorted, `/`-separated), skipping hidden and build directories.
fn walk(root: &Path, dir: &Path, depth: usize, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path);
        if meta.as_ref().is_ok_and(|m| m.is_dir()) {
            if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_str()) {
                walk(root, &path, depth + 1, files);
            }
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.to_string_lossy().into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(path: &str) -> Vec<&'static str> {
        let c = [Candidate {
            path: path.into(),
            hint: path.into(),
            kind: "test",
        }];
        IDS.iter()
            .copied()
            .filter(|id| !id.is_empty() && best_match(id, &c).is_some())
            .collect()
    }

    #[test]
    fn names_map_to_challenges() {
        assert_eq!(ids("bin/echo"), ["1"]);
        assert_eq!(ids("maelstrom-unique-ids"), ["2"]);
        assert_eq!(ids("broadcast.py"), ["3a", "3b", "3c", "3d", "3e"]);
        assert_eq!(ids("broadcast/d/main"), ["3d"]);
        assert_eq!(ids("bin/3e"), ["3e"]);
        assert_eq!(ids("g-counter"), ["4"]);
        assert_eq!(ids("kafka"), ["5a", "5b", "5c"]);
        assert_eq!(ids("challenge-5b"), ["5b"]);
        assert_eq!(ids("bin/txn"), ["6a", "6b", "6c"]);
        assert_eq!(ids("README"), Vec::<&str>::new());
    }

    #[test]
    fn an_exact_name_beats_a_family_name() {
        let c = |path: &str| Candidate {
            path: path.into(),
            hint: path.into(),
            kind: "test",
        };
        let candidates = [c("bin/broadcast"), c("bin/broadcast-e")];
        assert_eq!(best_match("3b", &candidates).unwrap().path, "bin/broadcast");
        assert_eq!(
            best_match("3e", &candidates).unwrap().path,
            "bin/broadcast-e"
        );
    }

    #[test]
    fn cargo_go_and_scripts_are_detected() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("src/bin")).unwrap();
        std::fs::write(
            d.join("Cargo.toml"),
            "[package]\nname = \"mine\"\n[[bin]]\nname = \"echo\"\npath = \"e.rs\"\n",
        )
        .unwrap();
        std::fs::write(d.join("src/bin/kafka.rs"), "fn main() {}").unwrap();
        std::fs::create_dir_all(d.join("go/broadcast/d")).unwrap();
        std::fs::write(d.join("go/broadcast/d/main.go"), "package main\n").unwrap();
        std::fs::write(d.join("txn.py"), "#!/usr/bin/env python3\n").unwrap();
        std::fs::set_permissions(d.join("txn.py"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let (text, configured) = render(d);
        assert_eq!(configured, ["1", "3d", "5a", "5b", "5c", "6a", "6b", "6c"]);
        assert!(
            text.contains("[build]\ncommand = \"cargo build --release\""),
            "{text}"
        );
        assert!(text.contains("1 = \"target/release/echo\""), "{text}");
        assert!(text.contains("3d = \"bin/d\""), "{text}");
        assert!(text.contains("6b = \"txn.py\""), "{text}");
        assert!(text.contains("# 2 = \"path/to/node\""), "{text}");
        // What init writes, the project loader reads.
        let project = runner::project::parse(&text, &d.join(FILE_NAME)).unwrap();
        assert_eq!(project.challenges.len(), configured.len());
    }
}
