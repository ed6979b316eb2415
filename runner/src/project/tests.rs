use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

fn file() -> PathBuf {
    PathBuf::from("/p/glomers.toml")
}

fn error(text: &str) -> String {
    parse(text, &file()).unwrap_err().to_string()
}

fn executable(path: &Path, content: &[u8]) -> PathBuf {
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

#[test]
fn the_documented_format_parses() {
    let project = parse(
        r#"
[build]
command = "go build -o bin/ ./..."

[challenges]
1  = "bin/echo"
3b = { bin = "bin/broadcast", env = { FANOUT = "4" } }
3d = { bin = "bin/broadcast", args = ["--topology", "tree4"] }
6b = "bin/txn"

[defaults]
backend = "auto"
maelstrom = "tools/maelstrom"
work_dir = "runs"
"#,
        &file(),
    )
    .unwrap();
    assert_eq!(project.build.as_deref(), Some("go build -o bin/ ./..."));
    assert_eq!(project.challenges["1"].path, Path::new("/p/bin/echo"));
    assert_eq!(
        project.challenges["3b"].env,
        [("FANOUT".into(), "4".into())]
    );
    assert_eq!(project.challenges["3d"].args, ["--topology", "tree4"]);
    assert_eq!(project.defaults.backend, Some(BackendChoice::Auto));
    assert_eq!(
        project.defaults.maelstrom.as_deref(),
        Some(Path::new("/p/tools/maelstrom"))
    );
    assert_eq!(project.work_dir(), Path::new("/p/runs"));
    // 6b covers both official 6b runs; 3c is not configured.
    let txn = |id| {
        project
            .command(&catalog::find(id).unwrap())
            .map(|c| c.path.clone())
    };
    assert_eq!(txn("6b-i"), Some(PathBuf::from("/p/bin/txn")));
    assert_eq!(txn("6b-ii"), Some(PathBuf::from("/p/bin/txn")));
    assert_eq!(txn("3c"), None);
}

#[test]
fn watch_globs_are_read_and_default_to_none() {
    let project = parse("watch = [\"src/**\", \"**/*.go\"]\n", &file()).unwrap();
    assert_eq!(project.watch, ["src/**", "**/*.go"]);
    assert!(parse("", &file()).unwrap().watch.is_empty());
}

#[test]
fn an_empty_file_is_a_project_with_nothing_configured() {
    let project = parse("", &file()).unwrap();
    assert!(project.challenges.is_empty());
    assert_eq!(project.work_dir(), Path::new("/p/.glomers"));
}

#[test]
fn unknown_keys_are_named_with_their_line_and_column() {
    let message = error("[challenges]\n1 = \"x\"\n\n[bulid]\ncommand = \"make\"\n");
    assert!(
        message.starts_with("/p/glomers.toml:4:2: unknown field `bulid`, expected one of `build`, `challenges`, `defaults`, `watch`"),
        "{message}"
    );
    let message = error("[challenges]\n3b = { bin = \"x\", argz = [] }\n");
    assert!(
        message.starts_with("/p/glomers.toml:2:") && message.contains("unknown field `argz`"),
        "{message}"
    );
    let message = error("[defaults]\nbackend = \"jvm\"\n");
    assert!(
        message.starts_with("/p/glomers.toml:2:11: unknown variant `jvm`"),
        "{message}"
    );
}

#[test]
fn unknown_challenge_ids_are_named_with_the_known_ones() {
    let message = error("[challenges]\n1 = \"a\"\n 7 = \"b\"\n");
    assert!(
        message.starts_with(
            "/p/glomers.toml:3:2: `challenges.7`: unknown challenge id; the ids are 1, 2, 3a"
        ),
        "{message}"
    );
    assert!(message.contains("6b, 6b-i, 6b-ii"), "{message}");
}

#[test]
fn bad_toml_gives_line_and_column() {
    let message = error("[challenges]\n1 = \"bin/echo\n");
    assert!(message.starts_with("/p/glomers.toml:2:"), "{message}");
    let message = error("[challenges]\n1 = 5\n");
    assert!(
        message.starts_with("/p/glomers.toml:2:5:") && message.contains("a path string"),
        "{message}"
    );
}

#[test]
fn executables_are_checked_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = executable(&d.join("ok.py"), b"#!/usr/bin/env python3\n");
    let elf = executable(&d.join("elf"), b"\x7fELF\x02\x01");
    assert_eq!(check_executable(&script), Ok(()));
    assert_eq!(check_executable(&elf), Ok(()));
    let no_shebang = executable(&d.join("plain.py"), b"print('hi')\n");
    let message = check_executable(&no_shebang).unwrap_err();
    assert!(message.contains("exec format error") && message.contains("#!/usr/bin/env python3"));
    std::fs::write(d.join("noexec"), "#!/bin/sh\n").unwrap();
    assert!(
        check_executable(&d.join("noexec"))
            .unwrap_err()
            .contains("is not executable (chmod +x")
    );
    assert!(check_executable(d).unwrap_err().contains("is a directory"));
    assert!(
        check_executable(&d.join("missing"))
            .unwrap_err()
            .contains("does not exist")
    );

    let project = parse(
        "[challenges]\n1 = \"ok.py\"\n6b = \"missing\"\n",
        &d.join(FILE_NAME),
    )
    .unwrap();
    assert_eq!(project.check(&catalog::find("1").unwrap()), Ok(()));
    assert_eq!(project.check(&catalog::find("2").unwrap()), Ok(()));
    let message = project
        .check(&catalog::find("6b-ii").unwrap())
        .unwrap_err()
        .to_string();
    let expected = format!(
        "{}:3:1: `challenges.6b`: {} does not exist",
        d.join(FILE_NAME).display(),
        d.join("missing").display()
    );
    assert!(message.starts_with(&expected), "{message}");
}

#[test]
fn bin_wins_then_the_project_file_then_our_nodes() {
    let echo = catalog::find("1").unwrap();
    let counter = catalog::find("4").unwrap();
    let ours = NodePlan {
        workspace: Some("/ws".into()),
        ..NodePlan::default()
    };
    assert_eq!(
        ours.source(&echo),
        Some(NodeSource::Ours {
            workspace: "/ws".into(),
            bin: "echo"
        })
    );
    assert_eq!(
        ours.build_steps(std::slice::from_ref(&echo)),
        [BuildStep::Cargo("/ws".into())]
    );
    let project = NodePlan {
        project: Some(
            parse(
                "[build]\ncommand = \"make\"\n[challenges]\n1 = \"echo.py\"\n",
                &file(),
            )
            .unwrap(),
        ),
        ..ours.clone()
    };
    let source = project.source(&echo).unwrap();
    assert_eq!(
        (source.display(), source.origin()),
        ("/p/echo.py".into(), "glomers.toml")
    );
    // The project file alone decides: no fallback to our nodes.
    assert_eq!(project.source(&counter), None);
    assert_eq!(
        project.build_steps(&[echo.clone(), counter.clone()]),
        [BuildStep::Command {
            command: "make".into(),
            dir: "/p".into()
        }]
    );
    assert_eq!(project.build_steps(std::slice::from_ref(&counter)), []);
    let flag = NodePlan {
        bin: Some("/n/node".into()),
        ..project
    };
    let source = flag.source(&counter).unwrap();
    assert_eq!(
        (source.display(), source.origin()),
        ("/n/node".into(), "--bin")
    );
    assert_eq!(flag.build_steps(&[echo, counter]), []);
}

#[test]
fn the_nearest_project_file_is_found_upwards() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    assert_eq!(find(&nested), None);
    std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
    assert_eq!(find(&nested), Some(dir.path().join(FILE_NAME)));
}

#[test]
fn the_readme_example_is_a_valid_project_file() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("```toml\nwatch =")
        .expect("the README shows the whole format")
        + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let project = parse(&readme[start..end], &file()).unwrap();
    assert_eq!(project.watch, ["src/**", "**/*.go"]);
    assert_eq!(project.build.as_deref(), Some("go build -o bin/ ./..."));
    for id in ["1", "2", "3b", "3d", "6b"] {
        assert!(project.challenges.contains_key(id), "{id}");
    }
}
