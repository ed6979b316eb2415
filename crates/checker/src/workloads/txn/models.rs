//! Consistency models, the anomalies each one forbids, and the `:not` /
//! `:also-not` boundary Elle reports.
//!
//! The tables follow the Elle release bundled with Maelstrom 0.2.4 (its model
//! set includes `:update-atomic`; the fixtures' `:also-not` sets confirm it).
//! Models are stored under canonical names (`PL-2` for read committed, ...)
//! and printed under the friendly ones. This module only answers lattice
//! questions; it finds no anomalies.

use std::collections::BTreeSet;

/// Friendly name -> canonical name, for every model with an alias.
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// Canonical name -> the friendly name Elle prints.
const FRIENDLY: &[(&str, &str)] = &[
    ("PL-2+", "consistent-view"),
    ("PL-CS", "cursor-stability"),
    ("PL-FCV", "forward-consistent-view"),
    ("PL-MSR", "monotonic-snapshot-read"),
    ("PL-2L", "monotonic-view"),
    ("PL-2", "read-committed"),
    ("PL-1", "read-uncommitted"),
    ("PL-2.99", "repeatable-read"),
    ("PL-3", "serializable"),
    ("PL-SI", "snapshot-isolation"),
    ("PL-SS", "strong-serializable"),
    ("PL-3U", "update-serializable"),
    ("strong-session-PL-1", "strong-session-read-uncommitted"),
    ("strong-session-PL-2", "strong-session-read-committed"),
    ("strong-PL-1", "strong-read-uncommitted"),
    ("strong-PL-2", "strong-read-committed"),
];

/// Stronger model -> models it implies (canonical names).
const IMPLIES: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("PL-2+", &["PL-CS", "PL-2L"]),
    ("PL-CS", &["PL-2"]),
    ("PL-FCV", &["PL-2+"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["PL-2.99", "PL-3U", "PL-SI", "view-serializable"]),
    ("PL-3U", &["PL-FCV"]),
    ("monotonic-atomic-view", &["PL-2"]),
    ("PL-2L", &["PL-2"]),
    ("PL-MSR", &["PL-2"]),
    (
        "parallel-snapshot-isolation",
        &["causal-cerone", "update-atomic"],
    ),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("update-atomic", &["read-atomic"]),
    ("PL-2.99", &["PL-CS", "monotonic-atomic-view"]),
    ("session-serializable", &["1SR"]),
    (
        "PL-SI",
        &[
            "PL-FCV",
            "monotonic-atomic-view",
            "PL-MSR",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "PL-SS",
        &[
            "PL-3",
            "linearizable",
            "PL-SI",
            "strong-snapshot-isolation",
            "strong-session-serializable",
            "session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["PL-3", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["PL-SI", "strong-session-PL-2"],
    ),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
];

/// Canonical model -> anomalies it forbids beyond the models it implies.
const FORBIDS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("PL-CS", &["G1", "G-cursor", "lost-update"]),
    ("PL-2L", &["G1", "G-monotonic"]),
    ("PL-MSR", &["G1", "G-MSR"]),
    ("PL-2+", &["G1", "G-single"]),
    ("PL-FCV", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    ("PL-3", &["G1", "G2", "PL-3-cycle-exists", "internal"]),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    (
        "PL-SI",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "PL-2.99",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("update-atomic", &["lost-update"]),
    (
        "PL-SS",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &["internal", "G1-process", "G-nonadjacent-process"],
    ),
    (
        "strong-snapshot-isolation",
        &["internal", "G1-realtime", "G-nonadjacent-realtime"],
    ),
    ("strong-session-serializable", &["G1-process", "G2-process"]),
    ("PL-3U", &["G1", "G-update"]),
];

/// Anomaly -> anomalies its presence implies (a G0 cycle is also a G1c, ...).
const IMPLIED: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

fn canonical(model: &str) -> &str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == model)
        .map_or(model, |(_, canon)| canon)
}

fn friendly(model: &str) -> &str {
    FRIENDLY
        .iter()
        .find(|(canon, _)| *canon == model)
        .map_or(model, |(_, name)| name)
}

fn lookup<'a>(table: &'a [(&'a str, &'a [&'a str])], key: &str) -> &'a [&'a str] {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(&[], |(_, v)| v)
}

/// Everything reachable from `start` following `next`, including `start`.
fn closure<'a>(
    start: impl IntoIterator<Item = &'a str>,
    next: impl Fn(&str) -> Vec<&'a str>,
) -> BTreeSet<&'a str> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = start.into_iter().collect();
    while let Some(item) = todo.pop() {
        if seen.insert(item) {
            todo.extend(next(item));
        }
    }
    seen
}

/// Whether `name` is a consistency model this module knows (friendly or canonical).
pub fn is_known_model(name: &str) -> bool {
    let canon = canonical(name);
    IMPLIES
        .iter()
        .any(|(m, implied)| *m == canon || implied.contains(&canon))
        || FORBIDS.iter().any(|(m, _)| *m == canon)
}

/// Anomalies that fail a test claiming all of `models`: what each model (and
/// every model it implies) forbids, plus every anomaly implying one of those.
pub fn prohibited_anomalies(models: &[String]) -> BTreeSet<String> {
    let implied_models = closure(models.iter().map(|m| canonical(m)), |m| {
        lookup(IMPLIES, m).to_vec()
    });
    let forbidden: Vec<&str> = implied_models
        .iter()
        .flat_map(|m| lookup(FORBIDS, m).iter().copied())
        .collect();
    // Anomalies implying a forbidden one: walk the implication graph backwards.
    closure(forbidden, |a| {
        IMPLIED
            .iter()
            .filter(|(_, implied)| implied.contains(&a))
            .map(|(from, _)| *from)
            .collect()
    })
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// The `:not` (weakest models ruled out) and `:also-not` (the other ruled-out
/// models) sets for a collection of anomaly names, friendly-named and sorted.
pub fn boundary<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let implied = closure(anomalies, |a| lookup(IMPLIED, a).to_vec());
    let direct: Vec<&str> = FORBIDS
        .iter()
        .filter(|(_, forbidden)| forbidden.iter().any(|a| implied.contains(a)))
        .map(|(model, _)| *model)
        .collect();
    // Every model implying a ruled-out model is ruled out too.
    let impossible = closure(direct, |m| {
        IMPLIES
            .iter()
            .filter(|(_, weaker)| weaker.contains(&m))
            .map(|(stronger, _)| *stronger)
            .collect()
    });
    let weakest: BTreeSet<&str> = impossible
        .iter()
        .copied()
        .filter(|m| {
            let below = closure(lookup(IMPLIES, m).iter().copied(), |x| {
                lookup(IMPLIES, x).to_vec()
            });
            !below.iter().any(|w| w != m && impossible.contains(w))
        })
        .collect();
    let not = weakest.iter().map(|m| friendly(m).to_string()).collect();
    let also_not = impossible
        .iter()
        .filter(|m| !weakest.contains(*m))
        .map(|m| friendly(m).to_string())
        .collect();
    (not, also_not)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn read_committed_allows_lost_update_but_not_dirty_reads() {
        let prohibited = prohibited_anomalies(&["read-committed".to_string()]);
        for anomaly in ["G0", "G1a", "G1b", "G1c", "cyclic-versions"] {
            assert!(prohibited.contains(anomaly), "{anomaly}");
        }
        for anomaly in [
            "lost-update",
            "internal",
            "G2-item",
            "G-single",
            "G1c-realtime",
        ] {
            assert!(!prohibited.contains(anomaly), "{anomaly}");
        }
    }

    #[test]
    fn strict_serializable_prohibits_realtime_variants() {
        let prohibited = prohibited_anomalies(&["strict-serializable".to_string()]);
        for anomaly in [
            "G0-realtime",
            "G1c-realtime",
            "G-single-realtime",
            "G2-item-realtime",
            "lost-update",
        ] {
            assert!(prohibited.contains(anomaly), "{anomaly}");
        }
    }

    #[test]
    fn lost_update_boundary_matches_maelstrom() {
        let (not, also_not) = boundary(["G2-item", "lost-update"]);
        assert_eq!(not, names(&["cursor-stability", "update-atomic"]));
        assert_eq!(
            also_not,
            names(&[
                "consistent-view",
                "forward-consistent-view",
                "parallel-snapshot-isolation",
                "repeatable-read",
                "serializable",
                "snapshot-isolation",
                "strong-serializable",
                "strong-session-serializable",
                "strong-session-snapshot-isolation",
                "strong-snapshot-isolation",
                "update-serializable",
            ])
        );
    }

    #[test]
    fn internal_boundary_is_read_atomic() {
        let (not, also_not) = boundary(["internal"]);
        assert_eq!(not, names(&["read-atomic"]));
        assert!(also_not.contains("update-atomic"));
        assert!(!also_not.contains("read-committed"));
    }
}
