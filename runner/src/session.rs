//! One invocation: build once, run each selected challenge (up to `jobs` at a
//! time), judge it, record it, and report everything as [`SessionEvent`]s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};

use crate::backend::{Backend, BackendKind};
use crate::build::{self, BuildError, NodeBinaries};
use crate::catalog::{Challenge, Overrides, Params, Profile};
use crate::event::{ConsoleTracker, NodeWarning, Phase, RunEvent, SessionEvent};
use crate::launch::{self, LaunchError};
use crate::project::{self, BuildStep, NodePlan, NodeSource};
use crate::results::{CrashReport, RunResults};
use crate::run_log::{RunLog, RunSummary};
use crate::verdict::{self, Verdict};

/// How a run ended, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Passed,
    /// Results exist and fail Maelstrom's verdict or a threshold.
    Failed,
    /// The backend ended without results (e.g. a node crashed).
    Crashed,
    /// Our node binaries did not compile.
    BuildFailed,
    /// Glomers or the backend could not do its job (not the node's fault).
    InfraError,
    Cancelled,
}

impl RunStatus {
    /// True for problems of the tooling rather than of the node under test.
    pub fn is_infrastructure(self) -> bool {
        matches!(self, RunStatus::BuildFailed | RunStatus::InfraError)
    }
}

/// Everything known about a finished run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run_id: String,
    pub challenge: Challenge,
    pub profile: Profile,
    pub backend: BackendKind,
    pub params: Params,
    /// Backend argv after the program.
    pub argv: Vec<String>,
    pub status: RunStatus,
    pub verdict: Verdict,
    pub exit_code: Option<i32>,
    pub results: Option<RunResults>,
    pub crash: Option<CrashReport>,
    pub started_at: String,
    pub wall: Duration,
    pub work_dir: PathBuf,
    pub store_dir: Option<PathBuf>,
    /// What the backend said nodes did wrong; explains a verdict, never changes it.
    pub node_warnings: Vec<NodeWarning>,
    /// The node executable tested; `None` when the run never got that far.
    pub node: Option<crate::rerun::NodeBinary>,
}

/// What to run and where.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub challenges: Vec<Challenge>,
    pub profile: Profile,
    pub overrides: Overrides,
    pub backend: Backend,
    /// Which node each challenge runs, and so what to build first.
    pub nodes: NodePlan,
    /// Holds `runs/<run-id>/` and `runs.jsonl`.
    pub glomers_dir: PathBuf,
    pub jobs: usize,
}

/// Runs the session; outcomes come back in `config.challenges` order.
pub async fn run_session(
    config: SessionConfig,
    events: mpsc::Sender<SessionEvent>,
    cancel: watch::Receiver<bool>,
) -> Vec<RunOutcome> {
    // Every run directory is claimed first, so a work dir that cannot hold
    // runs fails at once, before a build or a backend is started. The ids
    // therefore carry the session's start time; `started_at` is the run's own.
    let runs_dir = config.glomers_dir.join("runs");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let claims: Vec<_> = config
        .challenges
        .iter()
        .map(|c| claim_run_id(&runs_dir, format!("{stamp}-{}", c.id)))
        .collect();
    let steps = if claims.iter().all(|(_, c)| c.is_err()) {
        Vec::new()
    } else {
        config.nodes.build_steps(&config.challenges)
    };
    let binaries = build(&steps, &events, &cancel).await;
    let binaries: Arc<Result<Option<NodeBinaries>, BuildError>> = Arc::new(binaries);
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.jobs.max(1)));
    let run_ids: Vec<String> = claims.iter().map(|(id, _)| id.clone()).collect();
    let mut tasks = Vec::new();
    for (index, claim) in claims.into_iter().enumerate() {
        // Taking the slot before spawning keeps runs in the order given.
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        let (config, binaries, events, cancel) = (
            config.clone(),
            binaries.clone(),
            events.clone(),
            cancel.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _slot = slot;
            let (run_tx, mut run_rx) = mpsc::channel(1024);
            let forward = {
                let events = events.clone();
                tokio::spawn(async move {
                    while let Some(event) = run_rx.recv().await {
                        let _ = events.send(SessionEvent::Run { index, event }).await;
                    }
                })
            };
            let outcome = run_one(&config, index, claim, &binaries, &run_tx, cancel).await;
            let _ = run_tx
                .send(RunEvent::Finished(Box::new(outcome.clone())))
                .await;
            drop(run_tx);
            let _ = forward.await;
            outcome
        }));
    }
    let mut outcomes = Vec::new();
    for (index, (run_id, task)) in run_ids.into_iter().zip(tasks).enumerate() {
        let outcome = match task.await {
            Ok(outcome) => outcome,
            // A bug in glomers: this run's infrastructure error, and the
            // others go on. Its backend died with the task (supervised).
            Err(e) => {
                let mut outcome = new_outcome(&config, index, &run_id);
                outcome.verdict =
                    Verdict::failed(format!("internal error in glomers: {}", panic_text(e)));
                let outcome = record(&config, outcome);
                let event = RunEvent::Finished(Box::new(outcome.clone()));
                let _ = events.send(SessionEvent::Run { index, event }).await;
                outcome
            }
        };
        outcomes.push(outcome);
    }
    let _ = events.send(SessionEvent::Done).await;
    outcomes
}

/// Runs the build steps in order (the first failure stops them) and returns
/// what cargo built, if it ran.
async fn build(
    steps: &[BuildStep],
    events: &mpsc::Sender<SessionEvent>,
    cancel: &watch::Receiver<bool>,
) -> Result<Option<NodeBinaries>, BuildError> {
    let mut binaries = None;
    for step in steps {
        let _ = events
            .send(SessionEvent::BuildStarted {
                step: step.to_string(),
            })
            .await;
        let (lines, mut shown) = mpsc::unbounded_channel();
        let forward = {
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(line) = shown.recv().await {
                    let _ = events.send(SessionEvent::BuildOutput { line }).await;
                }
            })
        };
        let built = match step {
            BuildStep::Cargo(workspace) => build::build_nodes(workspace, cancel.clone(), lines)
                .await
                .map(|b| binaries = Some(b)),
            BuildStep::Command { command, dir } => {
                build::build_command(command, dir, cancel.clone(), lines).await
            }
        };
        // Every line is shown before the verdict on the build.
        let _ = forward.await;
        let output = built.as_ref().err().map(ToString::to_string);
        let _ = events
            .send(SessionEvent::BuildFinished {
                ok: built.is_ok(),
                output: output.unwrap_or_default(),
            })
            .await;
        built?;
    }
    Ok(binaries)
}

async fn run_one(
    config: &SessionConfig,
    index: usize,
    (run_id, claimed): (String, Result<(), LaunchError>),
    binaries: &Result<Option<NodeBinaries>, BuildError>,
    events: &mpsc::Sender<RunEvent>,
    cancel: watch::Receiver<bool>,
) -> RunOutcome {
    let started = Instant::now();
    let mut outcome = new_outcome(config, index, &run_id);
    let (challenge, params, work_dir) = (
        outcome.challenge.clone(),
        outcome.params.clone(),
        outcome.work_dir.clone(),
    );
    if let Err(e) = claimed {
        outcome.verdict = Verdict::failed(e.to_string());
        return record(config, outcome);
    }
    if *cancel.borrow() {
        outcome.status = RunStatus::Cancelled;
        outcome.verdict = Verdict::failed("cancelled before it started");
        return outcome;
    }
    let (bin, env) = match node_command(config, &challenge, binaries, &work_dir) {
        Ok(node) => node,
        Err((status, reason)) => {
            outcome.status = status;
            outcome.verdict = Verdict::failed(reason);
            return record(config, outcome);
        }
    };
    outcome.node = Some(crate::rerun::NodeBinary::fingerprint(bin.clone()).await);
    let test_args = params.test_args(challenge.workload, &bin.to_string_lossy());
    outcome.argv = config.backend.argv(&test_args);
    // The node's own environment first, so `--node-env` can override it.
    let node_env: Vec<(String, String)> = env.into_iter().chain(params.node_env.clone()).collect();
    let _ = events
        .send(RunEvent::Started {
            challenge: challenge.id.to_string(),
            run_id,
            backend: config.backend.kind,
            program: config.backend.program.clone(),
            argv: outcome.argv.clone(),
            work_dir: work_dir.clone(),
        })
        .await;
    let _ = events.send(RunEvent::Phase(Phase::Starting)).await;
    let mut tracker = ConsoleTracker::new(Duration::from_secs(params.time_limit_s));
    let launched = launch::launch(
        &config.backend.program,
        &outcome.argv,
        &node_env,
        &work_dir,
        &mut tracker,
        events,
        cancel,
    )
    .await;
    let _ = events.send(RunEvent::Phase(tracker.finish())).await;
    outcome.wall = started.elapsed();
    outcome.node_warnings = tracker.warnings().to_vec();
    // The seed the simulator drew (or was given) makes the recorded
    // parameters repeat this run exactly.
    outcome.params.seed = tracker.seed().or(params.seed);
    let exit = match launched {
        Ok(exit) => exit,
        Err(e) => {
            outcome.verdict = Verdict::failed(e.to_string());
            return record(config, outcome);
        }
    };
    outcome.exit_code = exit.code;
    outcome.store_dir = launch::find_store_dir(&work_dir);
    judge_exit(&mut outcome, &exit);
    record(config, outcome)
}

/// A run id that no other run, in this or another glomers process, has taken:
/// its directory is created here, atomically, so two runs started in the same
/// millisecond become `…-3d` and `…-3d-2` instead of sharing a store. Returns
/// the id, and the error naming the directory when it cannot be created.
fn claim_run_id(runs_dir: &Path, base: String) -> (String, Result<(), LaunchError>) {
    if let Err(source) = std::fs::create_dir_all(runs_dir) {
        let dir = runs_dir.to_path_buf();
        return (base, Err(LaunchError::WorkDir { dir, source }));
    }
    let mut attempt = 1;
    loop {
        let id = match attempt {
            1 => base.clone(),
            n => format!("{base}-{n}"),
        };
        match std::fs::create_dir(runs_dir.join(&id)) {
            Ok(()) => return (id, Ok(())),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => attempt += 1,
            Err(source) => {
                let dir = runs_dir.join(&id);
                return (id, Err(LaunchError::WorkDir { dir, source }));
            }
        }
    }
}

/// Sets status and verdict from how the backend ended and what it wrote.
fn judge_exit(outcome: &mut RunOutcome, exit: &launch::LaunchExit) {
    let results_path = outcome
        .store_dir
        .as_ref()
        .map(|d| d.join("results.edn"))
        .filter(|p| p.exists());
    let (status, verdict) = if exit.cancelled {
        (RunStatus::Cancelled, Verdict::failed("cancelled"))
    } else if matches!(exit.code, Some(126 | 127)) {
        // The supervisor shell could not execute the backend at all.
        let said = exit.console_tail.last().cloned().unwrap_or_default();
        (
            RunStatus::InfraError,
            Verdict::failed(format!("cannot execute the backend: {said}")),
        )
    } else if exit.code == Some(254) {
        let said = exit
            .console_tail
            .iter()
            .rev()
            .take(5)
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        (
            RunStatus::InfraError,
            Verdict::failed(format!("backend rejected the arguments (exit 254): {said}")),
        )
    } else if let Some(path) = results_path {
        match RunResults::read(&path) {
            Ok(results) => {
                let verdict = verdict::judge(&results, &outcome.challenge.thresholds);
                outcome.results = Some(results);
                (
                    if verdict.passed {
                        RunStatus::Passed
                    } else {
                        RunStatus::Failed
                    },
                    verdict,
                )
            }
            Err(e) => (RunStatus::InfraError, Verdict::failed(e.to_string())),
        }
    } else {
        let crash = CrashReport::gather(&exit.console_tail, outcome.store_dir.as_deref());
        let code = exit
            .code
            .map_or("a signal".to_string(), |c| format!("exit {c}"));
        let headline = crash.headline().unwrap_or("no output").to_string();
        outcome.crash = Some(crash);
        (
            RunStatus::Crashed,
            Verdict::failed(format!("crashed without results.edn ({code}): {headline}")),
        )
    };
    outcome.status = status;
    outcome.verdict = verdict;
}

/// What a run task's panic said.
fn panic_text(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string()),
        Err(e) => e.to_string(),
    }
}

/// A run that has not started: an infrastructure error until it says otherwise.
fn new_outcome(config: &SessionConfig, index: usize, run_id: &str) -> RunOutcome {
    let challenge = config.challenges[index].clone();
    let simulator = config.backend.kind == BackendKind::Sim;
    RunOutcome {
        run_id: run_id.to_string(),
        params: challenge.params(config.profile, simulator, &config.overrides),
        challenge,
        profile: config.profile,
        backend: config.backend.kind,
        argv: Vec::new(),
        status: RunStatus::InfraError,
        verdict: Verdict::default(),
        exit_code: None,
        results: None,
        crash: None,
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        wall: Duration::ZERO,
        work_dir: config.glomers_dir.join("runs").join(run_id),
        store_dir: None,
        node_warnings: Vec::new(),
        node: None,
    }
}

/// A node's own environment variables.
type NodeEnv = Vec<(String, String)>;

/// The executable to test and its environment: a given node (behind a
/// wrapper script in the run directory when it takes arguments, since
/// `--bin` is a single path), or the one cargo built for this challenge.
fn node_command(
    config: &SessionConfig,
    challenge: &Challenge,
    binaries: &Result<Option<NodeBinaries>, BuildError>,
    work_dir: &Path,
) -> Result<(PathBuf, NodeEnv), (RunStatus, String)> {
    let infra = |reason: String| (RunStatus::InfraError, reason);
    let built = |binaries: &Result<Option<NodeBinaries>, BuildError>| match binaries {
        Err(e) => Err((RunStatus::BuildFailed, e.to_string())),
        Ok(b) => Ok(b.clone()),
    };
    match config.nodes.source(challenge) {
        None => Err(infra(not_configured(challenge, &config.nodes))),
        Some(NodeSource::Ours { bin, .. }) => built(binaries)?
            .and_then(|b| b.get(bin).cloned())
            .map(|path| (path, Vec::new()))
            .ok_or_else(|| {
                infra(format!(
                    "the nodes crate has no `{bin}` binary (expected nodes/src/bin/{bin}.rs); use --bin PATH to test another"
                ))
            }),
        Some(source @ NodeSource::Given { .. }) => {
            built(binaries)?;
            let NodeSource::Given { command, .. } = &source else {
                unreachable!("matched as Given")
            };
            project::check_executable(&command.path)
                .map_err(|problem| infra(format!("{} ({}): {problem}", source.origin(), challenge.id)))?;
            if command.args.is_empty() {
                return Ok((command.path.clone(), command.env.clone()));
            }
            let wrapper = work_dir.join("node");
            write_wrapper(&wrapper, &command.path, &command.args)
                .map_err(|e| infra(format!("cannot write {}: {e}", wrapper.display())))?;
            Ok((wrapper, command.env.clone()))
        }
    }
}

/// Why `challenge` has no node, and how to give it one.
pub fn not_configured(challenge: &Challenge, nodes: &NodePlan) -> String {
    match &nodes.project {
        Some(p) => format!(
            "challenge {} is not configured in {}: add `{} = \"path/to/node\"` under [challenges], or pass --bin PATH",
            challenge.id,
            p.file.display(),
            challenge
                .id
                .split_once('-')
                .map_or(challenge.id, |(f, _)| f)
        ),
        None => format!(
            "no node for challenge {}: there is no {} here or in a parent directory, and this is not the glomers workspace; run `glomers init` to write one, or pass --bin PATH",
            challenge.id,
            project::FILE_NAME
        ),
    }
}

/// `#!/bin/sh` that execs `program` with `args` before the backend's own.
fn write_wrapper(path: &Path, program: &Path, args: &[String]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let words: Vec<String> = std::iter::once(program.to_string_lossy().into_owned())
        .chain(args.iter().cloned())
        .map(|w| quote(&w))
        .collect();
    std::fs::write(
        path,
        format!("#!/bin/sh\nexec {} \"$@\"\n", words.join(" ")),
    )?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Appends the run to the run log; a run-log failure is reported, not fatal.
fn record(config: &SessionConfig, mut outcome: RunOutcome) -> RunOutcome {
    if outcome.status != RunStatus::Cancelled {
        let log = RunLog::new(&config.glomers_dir);
        if let Err(e) = log.append(&RunSummary::from(&outcome)) {
            outcome
                .verdict
                .reasons
                .push(format!("not recorded in the run log: {e}"));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_node_with_arguments_runs_behind_a_wrapper_that_keeps_them_whole() {
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("node");
        let args = ["--topology".to_string(), "it's tree4".to_string()];
        super::write_wrapper(&wrapper, std::path::Path::new("/bin/echo"), &args).unwrap();
        let out = std::process::Command::new(&wrapper)
            .arg("last")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "--topology it's tree4 last\n"
        );
    }

    #[test]
    fn run_ids_taken_in_the_same_millisecond_get_a_suffix() {
        let dir = tempfile::tempdir().unwrap();
        let claim = || {
            let (id, created) = super::claim_run_id(dir.path(), "t-3d".into());
            created.unwrap();
            id
        };
        let (first, second, third) = (claim(), claim(), claim());
        assert_eq!(
            (first.as_str(), second.as_str(), third.as_str()),
            ("t-3d", "t-3d-2", "t-3d-3")
        );
        assert!(dir.path().join("t-3d-3").is_dir());
    }

    #[test]
    fn a_run_dir_below_a_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "").unwrap();
        let runs_dir = dir.path().join("file/runs");
        let (id, created) = super::claim_run_id(&runs_dir, "t-1".into());
        assert_eq!(id, "t-1");
        let message = created.unwrap_err().to_string();
        assert!(
            message.starts_with(&format!(
                "cannot create the run directory {}: ",
                runs_dir.display()
            )) && message.contains("Not a directory"),
            "{message}"
        );
    }
}
