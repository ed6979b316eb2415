//! A project's own nodes: `glomers.toml`, found like `Cargo.toml` (the
//! current directory, then its parents), maps challenge ids to executables.
//!
//! This module reads and checks that file and decides, per challenge, which
//! node runs: `--bin`, else the project file, else our own `nodes` crate when
//! glomers runs inside its own workspace. It does not build or run anything.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::backend::BackendChoice;
use crate::catalog::{self, Challenge};

/// The project file's name.
pub const FILE_NAME: &str = "glomers.toml";

/// A parsed, checked `glomers.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The file itself (absolute).
    pub file: PathBuf,
    /// Run once before a session, in the file's directory.
    pub build: Option<String>,
    /// `watch = [globs]`: what `glomers watch` follows, relative to the file's
    /// directory; empty means everything there (less `.glomers/`, `target/`, `.git/`).
    pub watch: Vec<String>,
    /// Challenge id as written (`3b`, or `6b` for both 6b runs) → node.
    pub challenges: BTreeMap<String, NodeCommand>,
    pub defaults: Defaults,
}

/// `[defaults]`: what the command line does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Defaults {
    pub backend: Option<BackendChoice>,
    pub maelstrom: Option<PathBuf>,
    pub work_dir: Option<PathBuf>,
}

/// A node executable with its arguments and environment.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeCommand {
    /// Absolute.
    pub path: PathBuf,
    /// Line and column of its entry in the project file (`--bin`: none).
    pub at: Option<(usize, usize)>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// Where a challenge's node comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeSource {
    /// The `bin` target of our `nodes` crate, built by cargo in `workspace`.
    Ours {
        workspace: PathBuf,
        bin: &'static str,
    },
    /// A project's executable, named in `glomers.toml` or by `--bin`.
    Given {
        command: NodeCommand,
        origin: Origin,
    },
}

/// Who named a given node.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// This `glomers.toml`.
    ProjectFile(PathBuf),
    BinFlag,
}

impl NodeSource {
    /// The executable, as a user would type it.
    pub fn display(&self) -> String {
        match self {
            NodeSource::Ours { bin, .. } => format!("nodes/{bin}"),
            NodeSource::Given { command, .. } => {
                let mut text = command.path.display().to_string();
                for arg in &command.args {
                    text.push(' ');
                    text.push_str(arg);
                }
                text
            }
        }
    }

    /// Where the choice came from: `ours`, `glomers.toml` or `--bin`.
    pub fn origin(&self) -> &'static str {
        match self {
            NodeSource::Ours { .. } => "ours",
            NodeSource::Given {
                origin: Origin::ProjectFile(_),
                ..
            } => FILE_NAME,
            NodeSource::Given {
                origin: Origin::BinFlag,
                ..
            } => "--bin",
        }
    }
}

/// Everything that decides which node each challenge runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodePlan {
    /// `--bin`: every challenge runs it.
    pub bin: Option<PathBuf>,
    pub project: Option<Project>,
    /// The glomers workspace holding our `nodes` crate, when we are in it.
    pub workspace: Option<PathBuf>,
}

/// What must be built before the runs.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildStep {
    /// `cargo build --release -p nodes --bins` in this workspace.
    Cargo(PathBuf),
    /// The project's `[build] command`, run by `sh -c` in `dir`.
    Command { command: String, dir: PathBuf },
}

impl fmt::Display for BuildStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildStep::Cargo(_) => f.write_str("cargo build --release -p nodes --bins"),
            BuildStep::Command { command, dir } => write!(f, "{command} (in {})", dir.display()),
        }
    }
}

impl NodePlan {
    /// The node `challenge` runs, or `None` when nothing names one: `--bin`
    /// wins, then the project file (which alone decides when there is one),
    /// then our own nodes.
    pub fn source(&self, challenge: &Challenge) -> Option<NodeSource> {
        if let Some(bin) = &self.bin {
            let path = std::path::absolute(bin).unwrap_or_else(|_| bin.clone());
            return Some(NodeSource::Given {
                command: NodeCommand {
                    path,
                    at: None,
                    args: Vec::new(),
                    env: Vec::new(),
                },
                origin: Origin::BinFlag,
            });
        }
        if let Some(project) = &self.project {
            return project.command(challenge).map(|command| NodeSource::Given {
                command: command.clone(),
                origin: Origin::ProjectFile(project.file.clone()),
            });
        }
        self.workspace.as_ref().map(|workspace| NodeSource::Ours {
            workspace: workspace.clone(),
            bin: challenge.node_bin,
        })
    }

    /// The builds `challenges` need, in order: at most one cargo build and
    /// one project command.
    pub fn build_steps(&self, challenges: &[Challenge]) -> Vec<BuildStep> {
        let sources: Vec<NodeSource> = challenges.iter().filter_map(|c| self.source(c)).collect();
        let mut steps = Vec::new();
        if let Some(NodeSource::Ours { workspace, .. }) = sources
            .iter()
            .find(|s| matches!(s, NodeSource::Ours { .. }))
        {
            steps.push(BuildStep::Cargo(workspace.clone()));
        }
        let uses_project = sources.iter().any(|s| {
            matches!(
                s,
                NodeSource::Given {
                    origin: Origin::ProjectFile(_),
                    ..
                }
            )
        });
        if let Some((project, command)) = self
            .project
            .as_ref()
            .filter(|_| uses_project)
            .and_then(|p| Some((p, p.build.as_ref()?)))
        {
            steps.push(BuildStep::Command {
                command: command.clone(),
                dir: project.dir().to_path_buf(),
            });
        }
        steps
    }
}

impl Project {
    /// The directory holding the file; relative paths start here.
    pub fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("/"))
    }

    /// The entry for `challenge`: its own id, else its family (`6b` for `6b-i`).
    pub fn command(&self, challenge: &Challenge) -> Option<&NodeCommand> {
        self.entry(challenge).map(|(_, command)| command)
    }

    /// The key and entry for `challenge`.
    pub fn entry(&self, challenge: &Challenge) -> Option<(&str, &NodeCommand)> {
        let family = challenge.id.split_once('-').map(|(f, _)| f);
        [Some(challenge.id), family]
            .into_iter()
            .flatten()
            .find_map(|key| self.challenges.get_key_value(key))
            .map(|(key, command)| (key.as_str(), command))
    }

    /// Where runs go: `[defaults] work_dir`, else `.glomers` beside the file.
    pub fn work_dir(&self) -> PathBuf {
        let dir = self
            .defaults
            .work_dir
            .as_deref()
            .unwrap_or(Path::new(".glomers"));
        self.dir().join(dir)
    }

    /// Checks the executable configured for `challenge`, if any (see
    /// [`check_executable`]); with a `[build] command` it may not exist
    /// until the build has run.
    pub fn check(&self, challenge: &Challenge) -> Result<(), ProjectError> {
        let Some((key, command)) = self.entry(challenge) else {
            return Ok(());
        };
        check_executable(&command.path).map_err(|problem| ProjectError::Invalid {
            file: self.file.clone(),
            at: command.at,
            key: format!("challenges.{key}"),
            message: problem,
        })
    }
}

/// A project file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProjectError {
    #[error("cannot read {}: {message}", file.display())]
    Read { file: PathBuf, message: String },
    #[error("{}{}: {message}", file.display(), at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Syntax {
        file: PathBuf,
        /// Line and column, from 1.
        at: Option<(usize, usize)>,
        message: String,
    },
    #[error("{}{}: `{key}`: {message}", file.display(), at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Invalid {
        file: PathBuf,
        at: Option<(usize, usize)>,
        key: String,
        message: String,
    },
}

/// The nearest `glomers.toml` in `start` or one of its parents.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|file| file.is_file())
}

/// Reads and checks `file`: syntax, keys and challenge ids, not the executables.
pub fn load(file: &Path) -> Result<Project, ProjectError> {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let text = std::fs::read_to_string(&file).map_err(|e| ProjectError::Read {
        file: file.clone(),
        message: e.to_string(),
    })?;
    parse(&text, &file)
}

/// Parses the text of `file` (used for errors and relative paths).
pub fn parse(text: &str, file: &Path) -> Result<Project, ProjectError> {
    let at = |span: Option<Range<usize>>| span.map(|s| line_column(text, s.start));
    let raw: raw::File = toml::from_str(text).map_err(|e| ProjectError::Syntax {
        file: file.to_path_buf(),
        at: at(e.span()),
        message: e.message().trim_end().to_string(),
    })?;
    let dir = file.parent().unwrap_or(Path::new("/"));
    let mut challenges = BTreeMap::new();
    for (id, entry) in raw.challenges {
        let invalid = |message: String| ProjectError::Invalid {
            file: file.to_path_buf(),
            at: at(Some(id.span())),
            key: format!("challenges.{}", id.get_ref()),
            message,
        };
        if catalog::select(std::slice::from_ref(id.get_ref())).is_err() {
            return Err(invalid(format!(
                "unknown challenge id; the ids are {}",
                known_ids().join(", ")
            )));
        }
        let (bin, args, env) = match entry.into_inner() {
            raw::Entry::Path(bin) => (bin, Vec::new(), Vec::new()),
            raw::Entry::Table(t) => (t.bin, t.args, t.env.into_iter().collect()),
        };
        if bin.trim().is_empty() {
            return Err(invalid("the node path is empty".into()));
        }
        let path = dir.join(&bin);
        let at = at(Some(id.span()));
        challenges.insert(
            id.into_inner(),
            NodeCommand {
                path,
                at,
                args,
                env,
            },
        );
    }
    let defaults = raw.defaults.unwrap_or_default();
    Ok(Project {
        file: file.to_path_buf(),
        build: raw.build.map(|b| b.command),
        watch: raw.watch,
        challenges,
        defaults: Defaults {
            backend: defaults.backend,
            maelstrom: defaults.maelstrom.map(|m| dir.join(m)),
            work_dir: defaults.work_dir,
        },
    })
}

/// The ids a project file may use: every catalog id, and `6b` for both of its runs.
pub fn known_ids() -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for c in catalog::all() {
        let family = c.id.split_once('-').map_or(c.id, |(f, _)| f);
        if family != c.id && !ids.iter().any(|i| i == family) {
            ids.push(family.to_string());
        }
        ids.push(c.id.to_string());
    }
    ids
}

/// An executable the backend can start: a regular file with an execute bit
/// that is a script with a `#!` line or a native (ELF or Mach-O) binary.
/// The error says what is wrong and what to do.
pub fn check_executable(path: &Path) -> Result<(), String> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{shown} does not exist (build it first, or fix the path)")
        }
        _ => format!("cannot read {shown}: {e}"),
    })?;
    if meta.is_dir() {
        return Err(format!(
            "{shown} is a directory; name the executable inside it"
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(format!("{shown} is not executable (chmod +x {shown})"));
    }
    let mut head = [0u8; 4];
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(4).read(&mut head))
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let head = &head[..read];
    const NATIVE: [[u8; 4]; 5] = [
        *b"\x7fELF",
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
    ];
    if head.starts_with(b"#!") || NATIVE.iter().any(|magic| head == magic) {
        Ok(())
    } else {
        Err(format!(
            "{shown} is neither a native binary nor a script starting with `#!` \
             (it would fail with an exec format error); add a line such as `#!/usr/bin/env python3`"
        ))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The file as written; checked and resolved by [`parse`].
mod raw {
    use std::collections::BTreeMap;

    use toml::Spanned;

    use crate::backend::BackendChoice;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct File {
        pub build: Option<Build>,
        #[serde(default)]
        pub challenges: BTreeMap<Spanned<String>, Spanned<Entry>>,
        pub defaults: Option<Defaults>,
        #[serde(default)]
        pub watch: Vec<String>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Build {
        pub command: String,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Defaults {
        pub backend: Option<BackendChoice>,
        pub maelstrom: Option<std::path::PathBuf>,
        pub work_dir: Option<std::path::PathBuf>,
    }

    /// `id = "path"` or `id = { bin = "path", args = [...], env = {...} }`.
    pub enum Entry {
        Path(String),
        Table(Table),
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Table {
        pub bin: String,
        #[serde(default)]
        pub args: Vec<String>,
        #[serde(default)]
        pub env: BTreeMap<String, String>,
    }

    // By hand rather than `untagged`, so a bad table keeps its own error
    // (e.g. "unknown field `bim`") instead of "did not match any variant".
    impl<'de> serde::Deserialize<'de> for Entry {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Entry;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a path string or a table with `bin`, `args` and `env`")
                }
                fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Entry, E> {
                    Ok(Entry::Path(s.to_string()))
                }
                fn visit_map<M: serde::de::MapAccess<'de>>(
                    self,
                    map: M,
                ) -> Result<Entry, M::Error> {
                    let table = serde::Deserialize::deserialize(
                        serde::de::value::MapAccessDeserializer::new(map),
                    )?;
                    Ok(Entry::Table(table))
                }
            }
            d.deserialize_any(Visit)
        }
    }
}

#[cfg(test)]
mod tests;
