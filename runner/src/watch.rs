//! Watch mode: rerun a session whenever the node's sources change.
//!
//! [`watch`] turns file changes into cycles, each one a whole
//! [`session::run_session`] (build, then every run), and reports them as a
//! stream of [`WatchEvent`]s that the CLI printer and the dashboard consume
//! alike. Changes are debounced (an editor's save touches several files); a
//! change during a cycle cancels it, which stops its cargo build or backend
//! process group like any cancel, and starts the next cycle.

use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use notify_debouncer_full::notify::event::{EventKind, ModifyKind};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::{mpsc, watch};

use crate::event::SessionEvent;
use crate::session::{self, RunOutcome, SessionConfig};

/// Saves closer together than this make one change.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Never watched: run directories, build output, version control, and the
/// temporary files editors write beside the real one.
const ALWAYS_EXCLUDED: [&str; 7] = [
    "**/.glomers/**",
    "**/target/**",
    "**/.git/**",
    "**/*.swp",
    "**/*~",
    "**/.#*",
    "**/4913",
];

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("watch glob `{glob}`: {source}")]
    Glob {
        glob: String,
        source: globset::Error,
    },
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

/// What to watch: files under `root` matching an include glob and no
/// exclude glob (globs are relative to `root`; `*` stops at `/`, `**` does not).
#[derive(Debug, Clone)]
pub struct WatchSpec {
    root: PathBuf,
    recursive: bool,
    include: GlobSet,
    exclude: GlobSet,
    /// Absolute directories left out whatever their name (e.g. a `--work-dir`).
    ignored_dirs: Vec<PathBuf>,
}

impl WatchSpec {
    /// Files under `root` matching `include` but not `exclude`; `.glomers/`,
    /// `target/`, `.git/` and editor temporaries are always left out.
    pub fn new(root: &Path, include: &[String], exclude: &[String]) -> Result<Self, WatchError> {
        let root = std::fs::canonicalize(root).map_err(|e| WatchError::Watch {
            path: root.to_path_buf(),
            source: e.into(),
        })?;
        let always = ALWAYS_EXCLUDED.map(String::from);
        Ok(WatchSpec {
            root,
            recursive: true,
            include: glob_set(include)?,
            exclude: glob_set(exclude.iter().chain(&always))?,
            ignored_dirs: Vec::new(),
        })
    }

    /// Our `nodes/` crate in the workspace at `workspace_root`.
    /// A `glomers.toml` project: its `watch` globs, or everything under its
    /// directory when it names none.
    pub fn project(dir: &Path, watch: &[String]) -> Result<Self, WatchError> {
        let everything = ["**".to_string()];
        WatchSpec::new(dir, if watch.is_empty() { &everything } else { watch }, &[])
    }

    pub fn nodes_crate(workspace_root: &Path) -> Result<Self, WatchError> {
        WatchSpec::new(&workspace_root.join("nodes"), &["**".into()], &[])
    }

    /// One file (a `--bin` script or executable), through its directory, so
    /// an editor that saves by renaming over it is seen too.
    pub fn file(path: &Path) -> Result<Self, WatchError> {
        let absolute = std::path::absolute(path).map_err(|e| WatchError::Watch {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        let (Some(dir), Some(name)) = (absolute.parent(), absolute.file_name()) else {
            return Err(WatchError::Watch {
                path: path.to_path_buf(),
                source: notify::Error::generic("not a file path"),
            });
        };
        let name = globset::escape(&name.to_string_lossy());
        Ok(WatchSpec {
            recursive: false,
            ..WatchSpec::new(dir, &[name], &[])?
        })
    }

    /// Also leaves out everything under `dir` (when it is under the root).
    pub fn ignoring(mut self, dir: &Path) -> Self {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.ignored_dirs.push(dir);
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a change to `path` (absolute) should start a cycle.
    pub fn matches(&self, path: &Path) -> bool {
        if self.ignored_dirs.iter().any(|dir| path.starts_with(dir)) {
            return false;
        }
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        self.include.is_match(relative) && !self.exclude.is_match(relative)
    }
}

fn glob_set<'a>(globs: impl IntoIterator<Item = &'a String>) -> Result<GlobSet, WatchError> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let compiled: Result<Glob, _> = GlobBuilder::new(glob).literal_separator(true).build();
        set.add(compiled.map_err(|source| WatchError::Glob {
            glob: glob.clone(),
            source,
        })?);
    }
    set.build().map_err(|source| WatchError::Glob {
        glob: "(set)".into(),
        source,
    })
}

/// What happened in watch mode. Cycles are numbered from 1.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// A cycle begins: the first at once, then one per debounced change
    /// (`changed` lists the changed paths, empty for the first).
    CycleStarted { cycle: u32, changed: Vec<PathBuf> },
    /// An event of the cycle's session (build, run progress, outcomes).
    Session { cycle: u32, event: SessionEvent },
    /// Every run of the cycle finished.
    CycleFinished {
        cycle: u32,
        outcomes: Vec<RunOutcome>,
    },
    /// A change or a stop arrived mid-cycle: its build or runs were stopped.
    CycleCancelled { cycle: u32 },
    /// The file watcher reported a problem; watching goes on.
    WatcherTrouble(String),
}

/// Runs cycles of `config` on every change that `spec` matches, until
/// `stop` turns true (or its sender or `events`' receiver goes away). The
/// current cycle is cancelled and reaped before this returns.
pub async fn watch(
    spec: WatchSpec,
    config: SessionConfig,
    events: mpsc::Sender<WatchEvent>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), WatchError> {
    let (changes_tx, mut changes) = mpsc::unbounded_channel();
    let filter = spec.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let news = match result {
            Ok(found) => {
                let paths: Vec<PathBuf> = found
                    .into_iter()
                    .filter(|e| changes_content(&e.kind))
                    .flat_map(|e| e.event.paths)
                    .filter(|path| filter.matches(path))
                    .collect();
                Ok(paths)
            }
            Err(errors) => Err(errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")),
        };
        if news.as_ref().is_ok_and(Vec::is_empty) {
            return;
        }
        let _ = changes_tx.send(news);
    })
    .map_err(|source| WatchError::Watch {
        path: spec.root.clone(),
        source,
    })?;
    let mode = if spec.recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    debouncer
        .watch(&spec.root, mode)
        .map_err(|source| WatchError::Watch {
            path: spec.root.clone(),
            source,
        })?;

    let mut changed = Vec::new();
    for cycle in 1.. {
        if *stop.borrow() {
            break;
        }
        let _ = events
            .send(WatchEvent::CycleStarted {
                cycle,
                changed: std::mem::take(&mut changed),
            })
            .await;
        let (cancel, cancelled) = watch::channel(false);
        let mut running = tokio::spawn(run_cycle(cycle, config.clone(), events.clone(), cancelled));
        let interruption = loop {
            tokio::select! {
                outcomes = &mut running => {
                    let outcomes = outcomes.unwrap_or_default();
                    let _ = events.send(WatchEvent::CycleFinished { cycle, outcomes }).await;
                    break None;
                }
                news = changes.recv() => match news {
                    Some(Ok(paths)) => break Some(Interruption::Change(paths)),
                    Some(Err(trouble)) => {
                        let _ = events.send(WatchEvent::WatcherTrouble(trouble)).await;
                    }
                    None => break Some(Interruption::Stop),
                },
                _ = stopped(&mut stop) => break Some(Interruption::Stop),
                _ = events.closed() => break Some(Interruption::Stop),
            }
        };
        if let Some(interruption) = interruption {
            let _ = cancel.send(true);
            let _ = running.await;
            let _ = events.send(WatchEvent::CycleCancelled { cycle }).await;
            match interruption {
                Interruption::Change(paths) => changed = settle(&mut changes, paths).await,
                Interruption::Stop => return Ok(()),
            }
            continue;
        }
        // Idle until the next change.
        loop {
            tokio::select! {
                news = changes.recv() => match news {
                    Some(Ok(paths)) => {
                        changed = settle(&mut changes, paths).await;
                        break;
                    }
                    Some(Err(trouble)) => {
                        let _ = events.send(WatchEvent::WatcherTrouble(trouble)).await;
                    }
                    None => return Ok(()),
                },
                _ = stopped(&mut stop) => return Ok(()),
                _ = events.closed() => return Ok(()),
            }
        }
    }
    Ok(())
}

/// Why a cycle ends before its runs do.
enum Interruption {
    /// These paths changed: the next cycle starts.
    Change(Vec<PathBuf>),
    /// Asked to stop, or nobody is listening any more.
    Stop,
}

/// `paths` and every change after them until none came for [`DEBOUNCE`]: a
/// burst of saves longer than the watcher's own window still makes one cycle.
async fn settle(
    changes: &mut mpsc::UnboundedReceiver<Result<Vec<PathBuf>, String>>,
    mut paths: Vec<PathBuf>,
) -> Vec<PathBuf> {
    while let Ok(Some(news)) = tokio::time::timeout(DEBOUNCE, changes.recv()).await {
        paths.extend(news.unwrap_or_default());
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Whether an event can change what a cycle would test: reading the node
/// (every run executes it) or changing its permissions cannot.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(modify) => !matches!(modify, ModifyKind::Metadata(_)),
        EventKind::Access(_) | EventKind::Other => false,
    }
}

/// Resolves once `stop` is true or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// One session, its events forwarded as the cycle's.
async fn run_cycle(
    cycle: u32,
    config: SessionConfig,
    events: mpsc::Sender<WatchEvent>,
    cancelled: watch::Receiver<bool>,
) -> Vec<RunOutcome> {
    let (session_tx, mut session_rx) = mpsc::channel(1024);
    let forward = async {
        while let Some(event) = session_rx.recv().await {
            let _ = events.send(WatchEvent::Session { cycle, event }).await;
        }
    };
    let (outcomes, ()) = tokio::join!(session::run_session(config, session_tx, cancelled), forward);
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_pick_sources_and_skip_build_output_and_editor_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let spec = WatchSpec::new(
            &root,
            &["src/**".into(), "**/*.go".into()],
            &["src/gen/**".into()],
        )
        .unwrap()
        .ignoring(&root.join("runs"));
        for (path, wanted) in [
            ("src/main.rs", true),
            ("src/deep/er/x.rs", true),
            ("cmd/node/main.go", true),
            ("main.go", true),
            ("README.md", false),
            ("src/gen/out.rs", false),
            ("src/.main.rs.swp", false),
            ("src/main.rs~", false),
            ("target/debug/main.go", false),
            ("sub/.git/HEAD.go", false),
            (".glomers/runs/x/y.go", false),
            ("runs/a.go", false),
        ] {
            assert_eq!(spec.matches(&root.join(path)), wanted, "{path}");
        }
        assert!(!spec.matches(Path::new("/elsewhere/src/main.rs")));
    }

    #[test]
    fn a_single_file_is_watched_by_its_exact_name() {
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("node[1].py");
        std::fs::write(&node, "").unwrap();
        let spec = WatchSpec::file(&node).unwrap();
        let root = spec.root().to_path_buf();
        assert!(spec.matches(&root.join("node[1].py")));
        assert!(!spec.matches(&root.join("node1.py")));
        assert!(!spec.matches(&root.join("other.py")));
    }

    /// Cycles of a run that fails at once (its `--bin` does not exist).
    #[tokio::test]
    async fn a_change_starts_a_cycle_naming_it_and_a_dropped_listener_ends_the_loop() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let config = SessionConfig {
            challenges: crate::catalog::select(&["1".into()]).unwrap(),
            profile: crate::catalog::Profile::Quick,
            overrides: Default::default(),
            backend: crate::backend::Backend::sim(root.join("no-glomers")),
            nodes: crate::project::NodePlan {
                bin: Some(root.join("src/missing-node")),
                project: None,
                workspace: None,
            },
            glomers_dir: root.join(".glomers"),
            jobs: 1,
        };
        std::fs::create_dir(root.join("src")).unwrap();
        let spec = WatchSpec::new(&root, &["src/**".into()], &[]).unwrap();
        let (tx, mut rx) = mpsc::channel(64);
        let (_stop, stop_rx) = watch::channel(false);
        let looping = tokio::spawn(watch(spec, config, tx, stop_rx));
        let mut next_finished = async || loop {
            let event = tokio::time::timeout(Duration::from_secs(20), rx.recv());
            match event
                .await
                .expect("a cycle within 20 s")
                .expect("the loop goes on")
            {
                WatchEvent::CycleFinished { cycle, outcomes } => return (cycle, outcomes),
                WatchEvent::CycleStarted { cycle, changed } if cycle > 1 => {
                    assert_eq!(changed, [root.join("src/node.py")]);
                }
                _ => {}
            }
        };
        let (cycle, outcomes) = next_finished().await;
        assert_eq!((cycle, outcomes.len()), (1, 1));
        // Run output under .glomers/ and files outside the globs start nothing.
        std::fs::write(root.join("notes.txt"), "x").unwrap();
        std::fs::write(root.join("src/node.py"), "v2").unwrap();
        let (cycle, _) = next_finished().await;
        assert_eq!(cycle, 2);
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), looping)
            .await
            .expect("the loop ends when nobody listens")
            .unwrap()
            .unwrap();
    }

    #[test]
    fn a_bad_glob_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = WatchSpec::new(dir.path(), &["src/[".into()], &[]).unwrap_err();
        assert!(
            error.to_string().starts_with("watch glob `src/[`: "),
            "{error}"
        );
    }
}
