//! The event stream of a whole session, as the CLI and the TUI see it,
//! against a scripted backend that behaves like Maelstrom.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use runner::backend::{Backend, BackendKind};
use runner::catalog::{self, Profile};
use runner::event::{Phase, RunEvent, SessionEvent};
use runner::project::NodePlan;
use runner::run_log::RunLog;
use runner::session::{RunStatus, SessionConfig, run_session};
use tokio::sync::{mpsc, watch};

/// Logs from a node file that appears only after the main phase started,
/// then finishes with the echo-valid results.
const BACKEND: &str = r#"#!/bin/bash
run=store/echo/20260101T000000.000Z
mkdir -p $run/node-logs
ln -s echo/20260101T000000.000Z store/current
echo "INFO [..] jepsen test runner - jepsen.core Running test"
printf 'INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:echo\t"a"\n'
printf 'INFO [..] jepsen worker 0 - jepsen.util 0\t:ok\t:echo\t"a"\n'
sleep 0.5
printf 'n0 says hello\nn0 partial' > $run/node-logs/n0.log
sleep 0.5
printf ' line done\n' >> $run/node-logs/n0.log
echo "INFO [..] jepsen test runner - jepsen.core Analyzing..."
cp "$RESULTS" $run/results.edn
echo "Everything looks good!"
"#;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/maelstrom/echo-valid/results.edn")
}

fn executable(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

#[tokio::test]
async fn session_streams_phases_progress_lines_node_logs_and_outcome() {
    let dir = tempfile::tempdir().unwrap();
    // The results path reaches the script through a wrapper, not our own environment.
    let backend_script = executable(&dir.path().join("backend.sh"), BACKEND);
    let wrapper = executable(
        &dir.path().join("maelstrom"),
        &format!(
            "#!/bin/sh\nRESULTS='{}' exec '{}' \"$@\"\n",
            fixture().display(),
            backend_script.display()
        ),
    );
    let config = SessionConfig {
        challenges: catalog::select(&["1".into()]).unwrap(),
        profile: Profile::Official,
        overrides: Default::default(),
        backend: Backend {
            kind: BackendKind::Maelstrom,
            program: wrapper,
            prefix_args: vec![],
        },
        nodes: NodePlan {
            bin: Some(executable(&dir.path().join("node"), "#!/bin/sh\n")),
            ..NodePlan::default()
        },
        glomers_dir: dir.path().join("glomers"),
        jobs: 1,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let (_cancel, cancelled) = watch::channel(false);
    let session = tokio::spawn(run_session(config, tx, cancelled));

    let mut phases = Vec::new();
    let mut node_lines = Vec::new();
    let mut harness_lines = 0;
    let mut last_progress = None;
    let mut finished = None;
    while let Some(event) = rx.recv().await {
        match event {
            SessionEvent::BuildStarted { .. } => panic!("--bin given: nothing to build"),
            SessionEvent::Run { index: 0, event } => match event {
                RunEvent::Started { challenge, .. } => assert_eq!(challenge, "1"),
                RunEvent::Phase(p) => phases.push(p),
                RunEvent::Progress(p) => last_progress = Some(p),
                RunEvent::HarnessLine(_) => harness_lines += 1,
                RunEvent::NodeLog { node, line } => node_lines.push(format!("{node}: {line}")),
                RunEvent::Finished(outcome) => finished = Some(outcome),
            },
            _ => {}
        }
    }
    let outcomes = tokio::time::timeout(Duration::from_secs(10), session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        phases,
        [
            Phase::Starting,
            Phase::Running,
            Phase::Analysing,
            Phase::Done
        ]
    );
    assert_eq!(
        node_lines,
        ["n0: n0 says hello", "n0: n0 partial line done"]
    );
    assert_eq!(harness_lines, 5);
    let progress = last_progress.unwrap();
    assert_eq!((progress.ops_invoked, progress.ops_ok), (1, 1));
    assert_eq!(progress.time_limit, Duration::from_secs(10));
    let finished = finished.unwrap();
    assert_eq!(finished.status, RunStatus::Passed);
    assert_eq!(outcomes[0].run_id, finished.run_id);
    assert_eq!(
        RunLog::new(&dir.path().join("glomers"))
            .load()
            .unwrap()
            .runs[0]
            .run_id,
        finished.run_id
    );
}

#[tokio::test]
async fn cancel_stops_a_hanging_backend_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let hang = executable(
        &dir.path().join("maelstrom"),
        "#!/bin/sh\necho 'Running test'\nsleep 300\n",
    );
    let config = SessionConfig {
        challenges: catalog::select(&["1".into()]).unwrap(),
        profile: Profile::Official,
        overrides: Default::default(),
        backend: Backend {
            kind: BackendKind::Maelstrom,
            program: hang,
            prefix_args: vec![],
        },
        nodes: NodePlan {
            bin: Some(executable(&dir.path().join("node"), "#!/bin/sh\n")),
            ..NodePlan::default()
        },
        glomers_dir: dir.path().join("glomers"),
        jobs: 1,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let (cancel, cancelled) = watch::channel(false);
    let session = tokio::spawn(run_session(config, tx, cancelled));
    while let Some(event) = rx.recv().await {
        if let SessionEvent::Run {
            event: RunEvent::Phase(Phase::Running),
            ..
        } = event
        {
            cancel.send(true).unwrap();
        }
    }
    let outcomes = tokio::time::timeout(Duration::from_secs(6), session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcomes[0].status, RunStatus::Cancelled);
    // Cancelled runs are not history.
    assert!(
        RunLog::new(&dir.path().join("glomers"))
            .load()
            .unwrap()
            .runs
            .is_empty()
    );
}

#[tokio::test]
async fn a_backend_that_cannot_execute_is_an_infrastructure_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = SessionConfig {
        challenges: catalog::select(&["1".into()]).unwrap(),
        profile: Profile::Quick,
        overrides: Default::default(),
        backend: Backend {
            kind: BackendKind::Maelstrom,
            program: dir.path().join("missing-maelstrom"),
            prefix_args: vec![],
        },
        nodes: NodePlan {
            bin: Some(executable(&dir.path().join("node"), "#!/bin/sh\n")),
            ..NodePlan::default()
        },
        glomers_dir: dir.path().join("glomers"),
        jobs: 1,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let (_cancel, cancelled) = watch::channel(false);
    let session = tokio::spawn(run_session(config, tx, cancelled));
    while rx.recv().await.is_some() {}
    let outcome = &session.await.unwrap()[0];
    assert_eq!(outcome.status, RunStatus::InfraError);
    assert!(
        outcome.verdict.reasons[0].contains("cannot execute the backend"),
        "{:?}",
        outcome.verdict
    );
}
