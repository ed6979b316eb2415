//! `o` on Results and Runs: open a run's store directory with the
//! desktop's opener. Which program, and what the status line says, are
//! decided here without I/O; the event loop only spawns the program.
//! Messages end with the path, so a narrow status line cuts the path, not the reason.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use runner::run_log::RunSummary;

/// The variable naming the program that opens a directory.
pub const OPENER_VAR: &str = "GLOMERS_OPEN";

/// Tried in order when `$GLOMERS_OPEN` is unset: freedesktop, then macOS.
const OPENERS: [&str; 2] = ["xdg-open", "open"];

/// The program that opens directories, or why there is none. `configured`
/// is `$GLOMERS_OPEN`; `find` resolves a program name as `which` does.
pub fn find_opener(
    configured: Option<OsString>,
    find: impl Fn(&OsStr) -> Option<PathBuf>,
) -> Result<PathBuf, String> {
    match configured.filter(|c| !c.is_empty()) {
        Some(program) => find(&program).ok_or_else(|| {
            format!(
                "{OPENER_VAR}={} is not an executable program",
                program.to_string_lossy()
            )
        }),
        None => OPENERS
            .iter()
            .find_map(|name| find(OsStr::new(name)))
            .ok_or_else(|| format!("no xdg-open or open found (set {OPENER_VAR})")),
    }
}

/// What pressing `o` on `run` does.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenPlan {
    /// Run `program dir`, detached.
    Spawn {
        program: PathBuf,
        dir: PathBuf,
        notice: String,
    },
    /// Nothing to run: the notice names the path, or says there is none.
    Tell(String),
}

pub fn plan(run: &RunSummary, opener: &Result<PathBuf, String>) -> OpenPlan {
    let Some(dir) = &run.store_dir else {
        return OpenPlan::Tell(format!(
            "run {} has no store directory (it never started); its run directory is {}",
            run.run_id,
            run.work_dir.display()
        ));
    };
    match opener {
        Ok(program) => OpenPlan::Spawn {
            notice: format!("opening with {}: {}", name(program), dir.display()),
            program: program.clone(),
            dir: dir.clone(),
        },
        Err(why) => OpenPlan::Tell(format!("{why}; store: {}", dir.display())),
    }
}

fn name(program: &Path) -> String {
    program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support::summary_with_figures;

    /// A `which` that knows only `installed`, at `/usr/bin/<name>`.
    fn only(installed: &[&str]) -> impl Fn(&OsStr) -> Option<PathBuf> {
        let installed: Vec<String> = installed.iter().map(|s| s.to_string()).collect();
        move |name| {
            let name = name.to_str()?;
            installed
                .iter()
                .any(|i| i == name)
                .then(|| Path::new("/usr/bin").join(name))
        }
    }

    #[test]
    fn the_variable_wins_then_xdg_open_then_open() {
        let all = only(&["xdg-open", "open", "nautilus"]);
        assert_eq!(
            find_opener(Some("nautilus".into()), &all),
            Ok(PathBuf::from("/usr/bin/nautilus"))
        );
        assert_eq!(
            find_opener(None, &all),
            Ok(PathBuf::from("/usr/bin/xdg-open"))
        );
        assert_eq!(
            find_opener(Some("".into()), only(&["open"])),
            Ok(PathBuf::from("/usr/bin/open")),
            "an empty variable counts as unset"
        );
    }

    #[test]
    fn a_missing_opener_says_what_to_do() {
        let e = find_opener(Some("thunar".into()), only(&["xdg-open"])).unwrap_err();
        assert!(e.contains("GLOMERS_OPEN=thunar"), "{e}");
        let e = find_opener(None, only(&[])).unwrap_err();
        assert!(e.contains("set GLOMERS_OPEN"), "{e}");
    }

    #[test]
    fn plan_spawns_the_opener_on_the_store_or_names_the_path() {
        let run = summary_with_figures("3d", "r-3d", &[], Some((20.0, 300.0, 500.0)));
        let store = run.store_dir.clone().expect("a store");
        match plan(&run, &Ok(PathBuf::from("/usr/bin/xdg-open"))) {
            OpenPlan::Spawn {
                program,
                dir,
                notice,
            } => {
                assert_eq!(
                    (program.as_path(), &dir),
                    (Path::new("/usr/bin/xdg-open"), &store)
                );
                assert_eq!(
                    notice,
                    format!("opening with xdg-open: {}", store.display())
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            plan(&run, &Err("no xdg-open or open found".into())),
            OpenPlan::Tell(format!(
                "no xdg-open or open found; store: {}",
                store.display()
            ))
        );
        let mut never_started = run.clone();
        never_started.store_dir = None;
        let OpenPlan::Tell(notice) = plan(&never_started, &Ok(PathBuf::from("/usr/bin/open")))
        else {
            panic!("nothing to open");
        };
        assert!(
            notice.contains("r-3d has no store directory")
                && notice.contains(&run.work_dir.display().to_string()),
            "{notice}"
        );
    }
}
