#!/usr/bin/env bash
# Regenerates docs/dashboard.txt from the real dashboard: starts `glomers` in a
# private tmux server, drives it through the screens the file shows (running 3d
# then 3e on the simulator with the quick profile) and writes what each screen
# shows, at 160x48 and 80x24.
#
# Usage: scripts/capture-dashboard.sh [GLOMERS_BINARY]
#   GLOMERS_BINARY defaults to target/release/glomers (cargo build --release -p glomers).
#   CAPTURE_BUILD_TIMEOUT (seconds, default 900) bounds the wait for the nodes build.
#
# The dashboard runs from the workspace root, so it runs our nodes and builds
# them first when they are stale. Runs go to a temporary GLOMERS_DIR, removed
# afterwards with the tmux server, whatever happens.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
glomers=${1:-$root/target/release/glomers}
[[ $glomers == */* ]] || glomers=$(command -v "$glomers" || true)
if [[ ! -x $glomers ]]; then
    echo "capture-dashboard: no glomers binary at '${1:-$root/target/release/glomers}'" \
        "(build it with cargo build --release -p glomers, or pass its path)" >&2
    exit 2
fi
glomers=$(cd "$(dirname "$glomers")" && pwd)/$(basename "$glomers")
command -v tmux >/dev/null || { echo "capture-dashboard: tmux is not installed" >&2; exit 2; }

build_timeout=${CAPTURE_BUILD_TIMEOUT:-900}
out=$root/docs/dashboard.txt
export LC_ALL=C.UTF-8 # line widths are counted in characters
work=$(mktemp -d "${TMPDIR:-/tmp}/glomers-capture.XXXXXX")
socket=$work/tmux.sock
glomers_dir=$work/g
draft=$work/dashboard.txt
pane=capture:0.0

tmx() { tmux -u -S "$socket" "$@"; }
dashboard_pid=""
# Ends the tmux server, which hangs up on glomers; glomers then stops its own
# subprocesses, so give it a moment to go before removing its GLOMERS_DIR.
cleanup() {
    tmx kill-server 2>/dev/null || true
    if [[ -n $dashboard_pid ]]; then
        for _ in $(seq 100); do
            kill -0 "$dashboard_pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() {
    echo "capture-dashboard: $1; the screen was:" >&2
    tmx capture-pane -p -t "$pane" >&2 || true
    exit 1
}

screen() { tmx capture-pane -p -t "$pane"; }

# True while the dashboard is still running in the pane.
alive() { [[ $(tmx display-message -p -t "$pane" '#{pane_dead}') == 0 ]]; }

# Waits until the screen shows text matching the extended regex $1 (or, with
# `wait_for ! REGEX`, no longer shows it), for at most $2 seconds (default 30).
wait_for() {
    local negate=false
    if [[ $1 == '!' ]]; then
        negate=true
        shift
    fi
    local pattern=$1 deadline=$((SECONDS + ${2:-30}))
    while true; do
        alive || fail "glomers exited while waiting for '$pattern'"
        if screen | grep -Eq -- "$pattern"; then
            $negate || return 0
        else
            $negate && return 0
        fi
        ((SECONDS < deadline)) || fail "waited ${2:-30} s for the screen to $($negate && echo 'lose' || echo 'show') '$pattern'"
        sleep 0.1
    done
}

# Waits until the screen is drawn at WIDTH x HEIGHT: every screen ends with a
# box's bottom border above the key or status line, so that border must span
# the full width (a stale, cut-off frame does not end in a corner there).
wait_drawn() {
    local width=$1 height=$2 deadline=$((SECONDS + 30)) border last
    while true; do
        alive || fail "glomers exited while redrawing at ${width}x$height"
        border=$(screen | sed -n "$((height - 1))p")
        last=$(screen | sed -n "${height}p")
        if [[ ${#border} == "$width" && $border == └*┘ && -n $last ]]; then
            return 0
        fi
        ((SECONDS < deadline)) || fail "the screen was not redrawn at ${width}x$height"
        sleep 0.1
    done
}

resize() {
    tmx resize-window -t capture -x "$1" -y "$2"
    wait_drawn "$1" "$2"
}

keys() { tmx send-keys -t "$pane" "$@"; }

# Appends the screen to the draft under `--- screen: NAME (WxH)[: NOTE] ---`.
# A frame may reach tmux in several writes, so it takes the screen once two
# reads in a row agree; a live Run screen may never agree, so after a few
# tries the last read is taken (the run is only seconds long).
capture() {
    local name=$1 note=${2:-} size text previous=""
    size=$(tmx display-message -p -t "$pane" '#{pane_width}x#{pane_height}')
    for _ in 1 2 3 4 5; do
        text=$(screen)
        [[ $text == "$previous" ]] && break
        previous=$text
        sleep 0.05
    done
    {
        echo
        echo "--- screen: $name ($size)${note:+: $note} ---"
        echo "$text"
    } >>"$draft"
}

cat >"$draft" <<EOF
The glomers dashboard (\`glomers\` with no arguments on a terminal), captured from the release
binary by scripts/capture-dashboard.sh: it drives the dashboard in tmux (\`capture-pane -p\`,
NO_COLOR=1, a temporary GLOMERS_DIR) at 160x48 and 80x24 while running 3d then 3e on the
simulator with the quick profile (\`p\`). Rerun the script to refresh this file. The knob frontier
on Compare (3d/3e runs of several \`--node-env\` settings) is not in this history; see the
\`compare_frontier_*\` snapshots in crates/glomers/src/tui/snapshots/ for it, and the
\`run_build*\` ones for the build output that Run streams while the nodes build, before the
run these captures show.
EOF

# remain-on-exit keeps the pane when glomers exits, so a failure can show its last screen.
tmx -f /dev/null new-session -d -s capture -x 160 -y 48 -c "$root" \
    "exec env NO_COLOR=1 GLOMERS_DIR=$(printf %q "$glomers_dir") $(printf %q "$glomers")" \; \
    set-option -w -t capture remain-on-exit on
dashboard_pid=$(tmx display-message -p -t "$pane" '#{pane_pid}')

# Challenges, on the simulator with the quick profile.
wait_for '^ glomers .* 1 Challenges'
screen | head -1 | grep -q ' sim · ' || fail "the dashboard did not start on the simulator backend"
if ! screen | head -1 | grep -q ' · quick'; then
    keys p
    wait_for '^ glomers .* · quick'
fi
wait_drawn 160 48
capture "challenges" "quick profile"
resize 80 24
capture "challenges" "ids whole, titles shortened, the workload and figures columns give way first"
keys a
wait_for 'Run all [0-9]+ challenges'
capture "challenges, \`a\`" "run all asks first, with the count and the expected time"
keys n
wait_for ! 'Run all [0-9]+ challenges'

# Select 3d and 3e: the details box below the list names the cursor's
# challenge; one step at a time, each awaited, so the cursor cannot overshoot.
details() { screen | grep -oE '^┌ [^ ]+ · ' | tail -1; }
for _ in $(seq 30); do
    at=$(details)
    [[ $at == '┌ 3d · ' ]] && break
    keys j
    wait_for ! "^$at" 5
done
[[ $(details) == '┌ 3d · ' ]] || fail "no challenge 3d in the list"
keys Space
wait_for '^┌ 3e · ' 5
keys Space
wait_for 'challenges · 2 selected' 5

# Run: the nodes build first (its output streams here), then 3d runs for a few seconds.
resize 160 48
keys Enter
wait_for '^ 3d run 1/2' 10
wait_for 'running [0-9]+/' "$build_timeout"
wait_for 'running [1-9]/' 30
capture "run" "harness output without the repeated \`jepsen worker N - jepsen.util N\` prefix, node log as wide as its lines"
resize 80 24
capture "run"
keys c
wait_for 'Cancel the running session'
capture "run, \`c\`" "cancelling asks first"
keys n
wait_for ! 'Cancel the running session'
wait_for 'recovery: quiet period.*s left' 30
capture "run during recovery" "the countdown"

# Results: the dashboard moves there by itself when the session ends (3e last).
wait_for 'session finished: ' 180
wait_drawn 80 24
capture "results" "stable-latency quantiles beside the client-op latency chart"
resize 160 48
capture "results"
keys t
wait_for '┌ results.edn · '
capture "results, \`t\`" "the whole results.edn as a folded tree"
keys t
wait_for ! '┌ results.edn · '

# Compare: the session's two runs, 3d against 3e.
resize 80 24
keys 4
wait_for '% of threshold'
wait_drawn 80 24
capture "compare" "3d against 3e"
resize 160 48
capture "compare"

# Runs: every recorded run, newest first.
keys 5
wait_for '┌ 2 runs '
wait_drawn 160 48
capture "runs"
resize 80 24
capture "runs"

# Help on Challenges.
keys 1
wait_for '┌ challenges · '
keys '?'
wait_for '┌ keys · '
wait_drawn 80 24
capture "help, \`?\` on Challenges" "this screen's keys first; ↑↓ scroll"
keys Escape
wait_for ! '┌ keys · '

# Quit: with no session running the dashboard leaves at once.
keys q
deadline=$((SECONDS + 10))
while alive; do
    ((SECONDS < deadline)) || fail "glomers did not quit on q"
    sleep 0.1
done

mv "$draft" "$out"
echo "capture-dashboard: wrote ${out#"$root"/}"
