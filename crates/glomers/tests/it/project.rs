//! A project's own nodes through `glomers.toml`, as an installed glomers
//! sees them: the test binary runs with a temporary HOME in a temporary
//! directory outside the workspace, on the Python nodes of examples/python.
//! Nothing here builds our nodes.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project directory and a HOME, both empty temporary directories.
struct Project {
    root: tempfile::TempDir,
}

impl Project {
    fn new(toml: &str) -> Project {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("home")).unwrap();
        std::fs::create_dir_all(root.path().join("proj")).unwrap();
        let project = Project { root };
        project.write("glomers.toml", toml);
        project
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("proj")
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn executable(&self, name: &str, text: &str) -> PathBuf {
        let path = self.write(name, text);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// The example nodes, copied in.
    fn python_nodes(&self) {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/python");
        for name in ["node.py", "echo.py", "unique_ids.py", "broadcast.py"] {
            let text = std::fs::read_to_string(examples.join(name)).unwrap();
            if name == "node.py" {
                self.write(name, &text);
            } else {
                self.executable(name, &text);
            }
        }
    }

    fn glomers(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_glomers"))
            .args(args)
            .current_dir(self.dir())
            .env("HOME", self.home())
            .env_remove("GLOMERS_DIR")
            .env_remove("GLOMERS_WORKSPACE")
            .env_remove("MAELSTROM")
            .output()
            .unwrap()
    }

    /// Exit 2, nothing run or recorded; stderr returned.
    fn rejected(&self, args: &[&str]) -> String {
        let out = self.glomers(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            !self.dir().join(".glomers").exists(),
            "something ran: {stderr}"
        );
        stderr
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run directories of the workspace's own work dir, to prove none is added.
fn workspace_runs() -> Vec<PathBuf> {
    let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.glomers/runs");
    let mut found: Vec<PathBuf> = std::fs::read_dir(runs)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn installed_use_runs_the_projects_nodes_and_keeps_runs_beside_its_file() {
    let project = Project::new("[challenges]\n1 = \"echo.py\"\n3b = \"broadcast.py\"\n");
    project.python_nodes();
    let before = workspace_runs();
    let out = project.glomers(&[
        "run",
        "1",
        "3b",
        "--ci",
        "--json",
        "--quick",
        "--time-limit",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = summary["runs"]
        .as_array()
        .expect("runs in the JSON summary");
    let passed: Vec<&str> = runs
        .iter()
        .filter(|r| r["passed"] == true)
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(passed, ["1", "3b"], "{summary}");
    let recorded = std::fs::read_dir(project.dir().join(".glomers/runs"))
        .unwrap()
        .count();
    assert_eq!(recorded, 2);
    assert!(project.dir().join(".glomers/runs.jsonl").is_file());
    // Nothing elsewhere: HOME untouched, the workspace's work dir unchanged,
    // and the project dir holds only what it had plus .glomers.
    assert_eq!(std::fs::read_dir(project.home()).unwrap().count(), 0);
    assert_eq!(workspace_runs(), before);
    let mut entries: Vec<String> = std::fs::read_dir(project.dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "__pycache__")
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            ".glomers",
            "broadcast.py",
            "echo.py",
            "glomers.toml",
            "node.py",
            "unique_ids.py"
        ]
    );
}

#[test]
fn outside_the_workspace_without_a_project_run_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glomers"))
        .args(["run", "1", "--ci"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("GLOMERS_DIR")
        .env_remove("GLOMERS_WORKSPACE")
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("no glomers.toml here or in a parent directory")
            && text.contains("run `glomers init`")
            && text.contains("--bin PATH"),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_project_files_are_named_with_line_and_column_and_run_nothing() {
    let cases: [(&str, &str); 3] = [
        (
            "[challenges]\n1 = \"echo.py\"\n[bulid]\n",
            ":3:2: unknown field `bulid`",
        ),
        (
            "[challenges]\n1 = \"echo.py\"\n7 = \"x\"\n",
            ":3:1: `challenges.7`: unknown challenge id",
        ),
        ("[challenges\n1 = \"echo.py\"\n", ":1:"),
    ];
    for (toml, expected) in cases {
        let project = Project::new(toml);
        project.python_nodes();
        let text = project.rejected(&["run", "1", "--ci", "--quick"]);
        let file = project.dir().join("glomers.toml");
        assert!(
            text.contains(&format!("{}{expected}", file.display())),
            "{toml:?}: {text}"
        );
    }
}

#[test]
fn unusable_node_paths_are_rejected_before_anything_runs() {
    let project = Project::new(
        "[challenges]\n1 = \"missing.py\"\n2 = \"dir\"\n3a = \"noexec.py\"\n3b = \"plain.py\"\n",
    );
    std::fs::create_dir_all(project.dir().join("dir")).unwrap();
    project.write("noexec.py", "#!/usr/bin/env python3\n");
    project.executable("plain.py", "print('no shebang')\n");
    let file = project.dir().join("glomers.toml").display().to_string();
    let path = |n: &str| project.dir().join(n).display().to_string();
    for (id, line, problem) in [
        ("1", 2, format!("{} does not exist", path("missing.py"))),
        ("2", 3, format!("{} is a directory", path("dir"))),
        (
            "3a",
            4,
            format!("{} is not executable (chmod +x", path("noexec.py")),
        ),
        ("3b", 5, "exec format error".to_string()),
    ] {
        let text = project.rejected(&["run", id, "--ci", "--quick"]);
        let key = format!("{file}:{line}:1: `challenges.{id}`: ");
        assert!(
            text.contains(&key) && text.contains(&problem),
            "{id}: {text}"
        );
    }
    // --bin is checked the same way.
    let text = project.rejected(&["run", "1", "--ci", "--bin", "plain.py"]);
    assert!(
        text.contains("--bin: ") && text.contains("exec format error"),
        "{text}"
    );
}

#[test]
fn run_all_runs_the_configured_challenges_and_lists_the_rest_as_skipped() {
    let project = Project::new("[challenges]\n1 = \"echo.py\"\n");
    project.python_nodes();
    let junit = project.dir().join("junit.xml");
    let out = project.glomers(&[
        "run",
        "--all",
        "--ci",
        "--quick",
        "--time-limit",
        "1",
        "--json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("skipped (no node configured): 2, 3a, 3b"),
        "{text}"
    );
    assert!(text.contains("1/1 passed"), "{text}");

    // Scripts and CI see the skipped ones too, as skipped, never as failed.
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["passed"], true);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["challenge"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), runner::catalog::all().len() - 1);
    assert_eq!(skipped[..3], ["2", "3a", "3b"]);
    assert_eq!(doc["skipped"][0]["reason"], "no node configured");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let tests = runner::catalog::all().len();
    assert!(
        xml.contains(&format!(
            "tests=\"{tests}\" failures=\"0\" errors=\"0\" skipped=\"{}\"",
            tests - 1
        )),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"2 Unique ID Generation\" time=\"0\">\n      <skipped message=\"no node configured\"/>"),
        "{xml}"
    );

    let empty = Project::new("[challenges]\n");
    let text = empty.rejected(&["run", "--all", "--ci"]);
    assert!(
        text.contains("--all: nothing to run") && text.contains("is not configured in"),
        "{text}"
    );
}

#[test]
fn list_shows_each_challenges_node_and_where_it_came_from() {
    let project = Project::new("[challenges]\n1 = \"echo.py\"\n");
    project.python_nodes();
    let out = project.glomers(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let echo = project.dir().join("echo.py");
    assert!(
        text.contains(&format!("node: {} (glomers.toml)", echo.display())),
        "{text}"
    );
    assert!(
        text.contains("node: not configured in glomers.toml"),
        "{text}"
    );
}

#[test]
fn entries_pass_their_arguments_and_environment_and_the_build_command_runs_first() {
    let project = Project::new(
        "[build]\ncommand = \"cp echo.src echo.py && chmod +x echo.py\"\n\
         [challenges]\n1 = { bin = \"check.sh\", args = [\"--mode\", \"two words\"], env = { KNOB = \"7\" } }\n",
    );
    project.python_nodes();
    std::fs::rename(
        project.dir().join("echo.py"),
        project.dir().join("echo.src"),
    )
    .unwrap();
    // Exits (and so fails the run) unless it got exactly what the entry says.
    project.executable(
        "check.sh",
        "#!/bin/sh\n[ \"$1\" = --mode ] && [ \"$2\" = 'two words' ] && [ \"$KNOB\" = 7 ] || exit 3\n\
         exec \"$(dirname \"$0\")/echo.py\"\n",
    );
    let out = project.glomers(&["run", "1", "--ci", "--quick", "--time-limit", "1"]);
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("building node binaries: cp echo.src echo.py"),
        "{text}"
    );

    let broken = Project::new(
        "[build]\ncommand = \"echo compiler says no >&2; exit 3\"\n[challenges]\n1 = \"echo.py\"\n",
    );
    let out = broken.glomers(&["run", "1", "--ci", "--quick"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("the build command `echo compiler says no >&2; exit 3` failed")
            && text.contains("compiler says no"),
        "{text}"
    );
}

#[test]
fn init_writes_a_file_that_runs_and_never_overwrites_it() {
    let project = Project::new("");
    std::fs::remove_file(project.dir().join("glomers.toml")).unwrap();
    project.python_nodes();
    let out = project.glomers(&["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = project.dir().join("glomers.toml");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("1 = \"echo.py\""), "{written}");
    assert!(written.contains("2 = \"unique_ids.py\""), "{written}");
    assert!(written.contains("3b = \"broadcast.py\""), "{written}");
    assert!(written.contains("# 4 = \"path/to/node\""), "{written}");

    let again = project.glomers(&["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists; glomers init never overwrites it"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    let out = project.glomers(&["run", "1", "--ci", "--quick", "--time-limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
