//! Where this invocation stands: the nearest `glomers.toml`, the glomers
//! workspace (when run inside it), and the work dir that follows from them.
//! Found once at start-up from the current directory and the global flags.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use runner::catalog::Challenge;
use runner::project::{self, NodePlan, NodeSource, Origin, Project};

use crate::cli::Cli;

#[derive(Debug, Clone)]
pub struct Place {
    pub cwd: PathBuf,
    pub project: Option<Project>,
    /// The workspace with our `nodes` crate: `--workspace`, else the one around `cwd`.
    pub workspace: Option<PathBuf>,
    /// Runs and the run log: `--work-dir`/`$GLOMERS_DIR`, else beside `glomers.toml`,
    /// else the workspace root when run inside it, else `cwd`.
    pub glomers_dir: PathBuf,
}

impl Place {
    /// Reads the project file when `with_project`; a bad one is an error.
    pub fn discover(cli: &Cli, with_project: bool) -> anyhow::Result<Place> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let project = match project::find(&cwd).filter(|_| with_project) {
            Some(file) => Some(project::load(&file)?),
            None => None,
        };
        let found = runner::build::find_workspace(&cwd);
        let workspace = cli
            .workspace
            .as_ref()
            .map(|w| cwd.join(w))
            .or_else(|| found.clone());
        let glomers_dir = cli
            .work_dir
            .as_ref()
            .map(|w| cwd.join(w))
            .or_else(|| project.as_ref().map(Project::work_dir))
            .or_else(|| found.map(|w| w.join(".glomers")))
            .unwrap_or_else(|| cwd.join(".glomers"));
        Ok(Place {
            cwd,
            project,
            workspace,
            glomers_dir,
        })
    }

    /// Which node each challenge runs, with `--bin` if given.
    pub fn plan(&self, bin: Option<&Path>) -> NodePlan {
        NodePlan {
            bin: bin.map(|b| self.cwd.join(b)),
            project: self.project.clone(),
            workspace: self.workspace.clone(),
        }
    }

    /// Where relative output paths (bench tables) go: the project's
    /// directory, else the workspace, else the current directory.
    pub fn root(&self) -> PathBuf {
        self.project
            .as_ref()
            .map(|p| p.dir().to_path_buf())
            .or_else(|| self.workspace.clone())
            .unwrap_or_else(|| self.cwd.clone())
    }
}

/// Checks the node `challenge` will run before anything starts: an error
/// when there is none, or when a given executable cannot run (a project's
/// only when it has no build command, which may still create it).
pub fn check_node(plan: &NodePlan, challenge: &Challenge) -> anyhow::Result<()> {
    match plan.source(challenge) {
        None => anyhow::bail!(runner::session::not_configured(challenge, plan)),
        Some(NodeSource::Ours { .. }) => Ok(()),
        Some(NodeSource::Given {
            command,
            origin: Origin::BinFlag,
        }) => project::check_executable(&command.path)
            .map_err(|problem| anyhow::anyhow!("--bin: {problem}")),
        Some(NodeSource::Given { .. }) => match &plan.project {
            Some(p) if p.build.is_none() => Ok(p.check(challenge)?),
            _ => Ok(()),
        },
    }
}

/// The node text of `glomers list`: what runs and who said so.
pub fn node_text(plan: &NodePlan, challenge: &Challenge) -> String {
    match plan.source(challenge) {
        Some(source) => format!("{} ({})", source.display(), source.origin()),
        None if plan.project.is_some() => {
            format!("not configured in {}", project::FILE_NAME)
        }
        None => "none: run `glomers init`, or pass --bin PATH".to_string(),
    }
}
