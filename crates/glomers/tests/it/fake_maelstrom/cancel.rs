//! Cancelling glomers mid-run, politely or not, stops the fake Maelstrom and its children.

use super::*;

/// Starts a hanging fake run and waits until both of its pids are known.
fn start_hanging(fake: &Fake) -> (std::process::Child, Vec<i32>) {
    let mut cmd = fake.glomers("echo-valid", &["1"]);
    cmd.env("FAKE_SLEEP", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    match fake_pids(fake) {
        Some(pids) => (child, pids),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fake maelstrom never started");
        }
    }
}

/// The pids of the fake script and its `sleep`, once both are written.
fn fake_pids(fake: &Fake) -> Option<Vec<i32>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let pids: Vec<i32> = ["script.pid", "sleep.pid"]
            .iter()
            .filter_map(|f| {
                std::fs::read_to_string(fake.path("out").join(f))
                    .ok()?
                    .trim()
                    .parse()
                    .ok()
            })
            .collect();
        if pids.len() == 2 {
            return Some(pids);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A pid is gone when it no longer exists or is a zombie awaiting its reaper.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn assert_all_gone_within(pids: &[i32], limit: Duration) {
    let deadline = Instant::now() + limit;
    while !pids.iter().all(|&p| gone(p)) {
        assert!(
            Instant::now() < deadline,
            "processes survived glomers: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_cancels_the_run_and_leaves_no_process() {
    let fake = Fake::new();
    let (mut glomers, pids) = start_hanging(&fake);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(glomers.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = glomers.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_all_gone_within(&pids, Duration::from_secs(1));
}

#[test]
fn sigkill_of_glomers_still_leaves_no_process() {
    let fake = Fake::new();
    let (mut glomers, pids) = start_hanging(&fake);
    glomers.kill().unwrap();
    glomers.wait().unwrap();
    // The supervisor gets its parent-death signal and tears the group down.
    assert_all_gone_within(&pids, Duration::from_secs(5));
}
