//! Repeating a recorded run: the node binary's fingerprint kept with every
//! run, and the session that runs it again (`glomers rerun <run-id>`).
//!
//! A rerun takes the recorded challenge, profile, parameters, node
//! environment and simulator seed, and the same binary path. The simulator
//! then makes every decision of its own the same way (operations, nemesis
//! schedule, message latencies); the nodes' timing stays theirs. Real
//! Maelstrom takes no seed, so there only the parameters repeat.

use std::path::{Path, PathBuf};

use crate::backend::{Backend, BackendKind};
use crate::catalog::{self, Overrides, Params};
use crate::project::NodePlan;
use crate::run_log::RunSummary;
use crate::session::SessionConfig;

/// The node executable a run tested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBinary {
    pub path: PathBuf,
    /// Hex SHA-256 of its content at the start of the run; `None` if unreadable.
    pub sha256: Option<String>,
}

impl NodeBinary {
    /// `path` with the hash of its content now (read off the async runtime).
    pub async fn fingerprint(path: PathBuf) -> NodeBinary {
        let hashed = path.clone();
        let sha256 = tokio::task::spawn_blocking(move || file_sha256(&hashed))
            .await
            .ok()
            .and_then(Result::ok);
        NodeBinary { path, sha256 }
    }
}

/// Hex SHA-256 of a file's content.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum RerunError {
    #[error(
        "run {0} has no recorded node binary (recorded before glomers kept one, or it never started a node)"
    )]
    NoBinary(String),
    #[error("run {run_id} tested {}, which no longer exists", path.display())]
    BinaryGone { run_id: String, path: PathBuf },
    #[error("run {run_id} is of challenge `{id}`, which the catalog no longer has")]
    UnknownChallenge { run_id: String, id: String },
}

/// The session that repeats a run, and what will differ from it.
#[derive(Debug, Clone)]
pub struct Rerun {
    pub config: SessionConfig,
    /// Everything that keeps the rerun from being an exact repeat.
    pub warnings: Vec<String>,
}

/// The session repeating `run` on `backend`.
pub fn plan(run: &RunSummary, backend: Backend, glomers_dir: PathBuf) -> Result<Rerun, RerunError> {
    let run_id = run.run_id.clone();
    let challenge = catalog::find(&run.challenge).ok_or_else(|| RerunError::UnknownChallenge {
        run_id: run_id.clone(),
        id: run.challenge.clone(),
    })?;
    let bin = run
        .bin
        .clone()
        .ok_or_else(|| RerunError::NoBinary(run_id.clone()))?;
    if !bin.is_file() {
        return Err(RerunError::BinaryGone { run_id, path: bin });
    }
    let simulator = backend.kind == BackendKind::Sim;
    let mut warnings = Vec::new();
    if backend.kind != run.backend {
        warnings.push(format!(
            "run {run_id} ran on {}; this rerun runs on {}",
            run.backend, backend.kind
        ));
    }
    let seed = run.seed.or(run.params.seed);
    if !simulator {
        warnings.push(
            "real Maelstrom's schedule cannot be seeded: the rerun repeats the parameters, not the operations or the nemesis schedule"
                .into(),
        );
    } else if seed.is_none() {
        warnings.push(format!(
            "run {run_id} has no recorded seed: the simulator draws a new one"
        ));
    }
    let overrides = overrides_repeating(&run.params, &challenge.official, seed);
    let repeated = challenge.params(run.profile, simulator, &overrides);
    let mut recorded = run.params.clone();
    recorded.seed = repeated.seed;
    if simulator != (run.backend == BackendKind::Sim) {
        recorded.recovery_wait_s = repeated.recovery_wait_s;
    }
    if repeated != recorded {
        warnings.push(format!(
            "the catalog's parameters for {} changed since run {run_id}: this rerun uses `{}`",
            run.challenge,
            repeated.test_args(challenge.workload, "BIN").join(" ")
        ));
    }
    match (&run.bin_sha256, file_sha256(&bin).ok()) {
        (Some(then), Some(now)) if *then != now => warnings.push(format!(
            "{} changed since run {run_id} (sha256 {} then, {} now): the rerun tests what is there now",
            bin.display(),
            &then[..12.min(then.len())],
            &now[..12]
        )),
        _ => {}
    }
    Ok(Rerun {
        config: SessionConfig {
            challenges: vec![challenge],
            profile: run.profile,
            overrides,
            backend,
            nodes: NodePlan {
                bin: Some(bin),
                project: None,
                workspace: None,
            },
            glomers_dir,
            jobs: 1,
        },
        warnings,
    })
}

/// Overrides that turn the challenge's `official` parameters into `recorded`.
fn overrides_repeating(recorded: &Params, official: &Params, seed: Option<u64>) -> Overrides {
    let added = |all: &[String], base: &[String]| all.strip_prefix(base).unwrap_or(all).to_vec();
    let node_env = recorded
        .node_env
        .strip_prefix(official.node_env.as_slice())
        .unwrap_or(&recorded.node_env)
        .to_vec();
    Overrides {
        time_limit_s: Some(recorded.time_limit_s),
        node_count: Some(recorded.node_count),
        rate: recorded.rate,
        latency_ms: recorded.latency_ms,
        nemesis: Some(recorded.nemesis.clone().unwrap_or_else(|| "none".into())),
        extra_args: added(&recorded.extra_args, &official.extra_args),
        node_env,
        seed,
        recovery_wait_s: recorded.recovery_wait_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Profile;
    use crate::session::{RunOutcome, RunStatus};

    fn sim() -> Backend {
        Backend::sim(PathBuf::from("/usr/bin/glomers"))
    }

    fn maelstrom() -> Backend {
        Backend {
            kind: BackendKind::Maelstrom,
            program: PathBuf::from("/opt/maelstrom/maelstrom"),
            prefix_args: Vec::new(),
        }
    }

    /// A recorded quick 3c run with a knob, an extra argument and seed 42,
    /// testing `bin` as it was then.
    fn recorded(bin: &Path) -> RunSummary {
        let challenge = catalog::find("3c").unwrap();
        let overrides = Overrides {
            time_limit_s: Some(3),
            node_env: vec![("GLOMERS_BATCH_MS".into(), "90".into())],
            extra_args: vec!["--topology".into(), "tree4".into()],
            seed: Some(42),
            ..Overrides::default()
        };
        let summary = RunSummary::from(&RunOutcome {
            run_id: "r1-3c".into(),
            params: challenge.params(Profile::Quick, true, &overrides),
            challenge,
            profile: Profile::Quick,
            backend: BackendKind::Sim,
            argv: Vec::new(),
            status: RunStatus::Failed,
            verdict: Default::default(),
            exit_code: Some(1),
            results: None,
            crash: None,
            started_at: String::new(),
            wall: Default::default(),
            work_dir: PathBuf::from("/w"),
            store_dir: None,
            node_warnings: Vec::new(),
            node: Some(NodeBinary {
                path: bin.to_path_buf(),
                sha256: file_sha256(bin).ok(),
            }),
        });
        assert_eq!(summary.seed, Some(42));
        summary
    }

    fn node_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("node.py");
        std::fs::write(&bin, "print('v1')\n").unwrap();
        (dir, bin)
    }

    #[test]
    fn a_simulator_rerun_repeats_parameters_seed_and_binary_exactly() {
        let (dir, bin) = node_file();
        let run = recorded(&bin);
        let rerun = plan(&run, sim(), dir.path().into()).unwrap();
        assert!(rerun.warnings.is_empty(), "{:?}", rerun.warnings);
        let config = &rerun.config;
        assert_eq!(config.nodes.bin.as_deref(), Some(bin.as_path()));
        assert_eq!(
            (config.profile, config.challenges[0].id),
            (Profile::Quick, "3c")
        );
        let params = config.challenges[0].params(config.profile, true, &config.overrides);
        assert_eq!(params, run.params);
        assert!(
            params
                .test_args("broadcast", "b")
                .join(" ")
                .contains("--seed 42"),
            "{params:?}"
        );
    }

    #[test]
    fn a_changed_binary_is_named_with_both_hashes() {
        let (dir, bin) = node_file();
        let run = recorded(&bin);
        std::fs::write(&bin, "print('v2')\n").unwrap();
        let rerun = plan(&run, sim(), dir.path().into()).unwrap();
        let [warning] = rerun.warnings.as_slice() else {
            panic!("{:?}", rerun.warnings)
        };
        assert!(
            warning.starts_with(&format!(
                "{} changed since run r1-3c (sha256 ",
                bin.display()
            )),
            "{warning}"
        );
        std::fs::remove_file(&bin).unwrap();
        let gone = plan(&run, sim(), dir.path().into()).unwrap_err();
        assert!(gone.to_string().contains("no longer exists"), "{gone}");
    }

    #[test]
    fn real_maelstrom_says_its_schedule_cannot_be_seeded() {
        let (dir, bin) = node_file();
        let mut run = recorded(&bin);
        // As real Maelstrom records it: no seed, no simulator-only knobs.
        run.backend = BackendKind::Maelstrom;
        (run.seed, run.params.seed, run.params.recovery_wait_s) = (None, None, None);
        let rerun = plan(&run, maelstrom(), dir.path().into()).unwrap();
        assert_eq!(rerun.warnings.len(), 1, "{:?}", rerun.warnings);
        assert!(rerun.warnings[0].contains("cannot be seeded"));
        let config = &rerun.config;
        let params = config.challenges[0].params(config.profile, false, &config.overrides);
        assert_eq!(params.seed, None, "Maelstrom is never given --seed");
    }

    #[test]
    fn a_run_without_a_seed_or_binary_says_so() {
        let (dir, bin) = node_file();
        let mut run = recorded(&bin);
        run.seed = None;
        run.params.seed = None;
        let rerun = plan(&run, sim(), dir.path().into()).unwrap();
        assert!(
            rerun.warnings[0].contains("no recorded seed"),
            "{:?}",
            rerun.warnings
        );
        run.bin = None;
        let error = plan(&run, sim(), dir.path().into()).unwrap_err();
        assert!(
            error.to_string().contains("no recorded node binary"),
            "{error}"
        );
    }
}
