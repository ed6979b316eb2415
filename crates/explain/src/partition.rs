//! The partitions the nemesis put in place, read from the history's nemesis
//! ops, and which of them each finding overlaps (so a sequence diagram can
//! shade the rows a partition covers).

use checker::history::{Op, Process};
use edn::Value;

use crate::journal::Traced;
use crate::store::{Run, node_order, secs};
use crate::{Finding, broadcast};

/// A partition the nemesis put in place, from `start_ns` to `end_ns` (`None`:
/// never healed) on the history's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub start_ns: u64,
    pub end_ns: Option<u64>,
    /// Each node and the nodes it drops messages from (Maelstrom's grudge).
    pub grudge: Vec<(String, Vec<String>)>,
    /// The groups of nodes that could still talk among themselves, when the
    /// grudge splits the nodes cleanly (`None` for rings and bridges).
    pub groups: Option<Vec<Vec<String>>>,
}

impl Partition {
    /// True if `dest` drops messages from `src` under this partition.
    pub fn cuts(&self, src: &str, dest: &str) -> bool {
        self.grudge
            .iter()
            .any(|(d, srcs)| d == dest && srcs.iter().any(|s| s == src))
    }

    pub fn covers(&self, ns: i64) -> bool {
        ns >= self.start_ns as i64 && self.end_ns.is_none_or(|end| ns < end as i64)
    }

    /// True if the partition was in force at some time in `from..=to`.
    pub fn overlaps(&self, from: i64, to: i64) -> bool {
        self.start_ns as i64 <= to && self.end_ns.is_none_or(|end| end as i64 > from)
    }

    /// `n0 n1 | n2 n3 n4`, or for an uneven grudge `n0 drops n2 n3; n1 drops n3`.
    pub fn label(&self) -> String {
        match &self.groups {
            Some(groups) => groups
                .iter()
                .map(|g| g.join(" "))
                .collect::<Vec<_>>()
                .join(" | "),
            None => self
                .grudge
                .iter()
                .map(|(d, s)| format!("{d} drops {}", s.join(" ")))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// `3.78 s to 4.02 s` (`to the end` when never healed).
    pub fn interval(&self) -> String {
        format!(
            "{} to {}",
            secs(self.start_ns as i64),
            self.end_ns
                .map_or("the end".to_string(), |e| secs(e as i64))
        )
    }

    /// Group `nodes` by the set of nodes each can hear from; the grudge is a
    /// clean split when every node hears exactly its own group.
    pub(crate) fn find_groups(&mut self, nodes: &[String]) {
        let mut all: Vec<String> = nodes.to_vec();
        for (d, srcs) in &self.grudge {
            all.push(d.clone());
            all.extend(srcs.iter().cloned());
        }
        all.sort_by_key(|n| node_order(n));
        all.dedup();
        let hears = |n: &String| -> Vec<String> {
            all.iter().filter(|m| !self.cuts(m, n)).cloned().collect()
        };
        let mut groups: Vec<Vec<String>> = Vec::new();
        for node in &all {
            let group = hears(node);
            if !group.iter().all(|m| hears(m) == group) {
                self.groups = None;
                return;
            }
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        self.groups = (groups.len() > 1).then_some(groups);
    }
}

/// Nemesis intervals. Jepsen logs each nemesis op twice, both `:info`: the
/// invocation (`:start-partition :majorities-ring`) and the completion that
/// carries the grudge. The cut may be in force from the invocation on (the
/// simulator cuts before the completion is logged), and is healed for sure
/// only at the `stop-partition` completion (`:network-healed`): the interval
/// runs from the one to the other.
pub(crate) fn partitions(history: &[Op]) -> Vec<Partition> {
    let mut out: Vec<Partition> = Vec::new();
    let mut invoked_at: Option<u64> = None;
    // True between the invocation of a stop that healed a partition and its completion.
    let mut stopping = false;
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        match op.f.as_str() {
            "start-partition" => {
                stopping = false;
                let grudge = match &op.value {
                    Value::Vector(parts) | Value::List(parts) => parts.get(1).and_then(grudge_of),
                    other => grudge_of(other),
                };
                let Some(grudge) = grudge else {
                    invoked_at = Some(op.time);
                    continue;
                };
                let start_ns = invoked_at.take().unwrap_or(op.time);
                close(&mut out, start_ns);
                // A grudge that drops nothing (`:minority-third` of 3 nodes) cuts no link.
                if grudge.iter().all(|(_, srcs)| srcs.is_empty()) {
                    continue;
                }
                out.push(Partition {
                    start_ns,
                    end_ns: None,
                    grudge,
                    groups: None,
                });
            }
            "stop-partition" => match out.last_mut() {
                Some(last) if last.end_ns.is_none() => {
                    last.end_ns = Some(op.time);
                    stopping = true;
                }
                Some(last) if stopping => {
                    last.end_ns = Some(op.time);
                    stopping = false;
                }
                _ => stopping = false,
            },
            _ => {}
        }
    }
    out
}

fn close(partitions: &mut [Partition], at: u64) {
    if let Some(last) = partitions.last_mut()
        && last.end_ns.is_none()
    {
        last.end_ns = Some(at);
    }
}

fn grudge_of(value: &Value) -> Option<Vec<(String, Vec<String>)>> {
    let entries = value.as_map()?;
    let mut grudge: Vec<(String, Vec<String>)> = entries
        .iter()
        .filter_map(|(k, v)| {
            let mut srcs: Vec<String> = v
                .as_seq()?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            srcs.sort_by_key(|s| node_order(s));
            Some((k.as_str()?.to_string(), srcs))
        })
        .collect();
    grudge.sort_by_key(|(d, _)| node_order(d));
    Some(grudge)
}

/// Give `finding` the partitions in force during its ops and messages, with
/// one evidence line each, placed before the message lines that end the
/// evidence (when it ends with them).
pub(crate) fn attach(run: &Run, finding: &mut Finding) {
    let times = finding
        .ops
        .iter()
        .filter_map(|i| run.op(*i).map(|op| op.time as i64))
        .chain(
            finding
                .messages
                .iter()
                .flat_map(|m| [m.time_ns, m.fate_ns])
                .flatten(),
        );
    let Some((from, to)) = times.fold(None, |span: Option<(i64, i64)>, t| {
        Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
    }) else {
        return;
    };
    finding.partitions = run
        .partitions
        .iter()
        .filter(|p| p.overlaps(from, to))
        .cloned()
        .collect();
    let lines: Vec<String> = finding
        .partitions
        .iter()
        .map(|p| format!("partition {}: {}", p.interval(), p.label()))
        .collect();
    let at = finding.evidence.len() - trailing_message_lines(&finding.evidence, &finding.messages);
    finding.evidence.splice(at..at, lines);
}

/// How many of the last evidence lines are the finding's message lines.
fn trailing_message_lines(evidence: &[String], messages: &[Traced]) -> usize {
    let n = messages.len();
    if n == 0 || evidence.len() < n {
        return 0;
    }
    let tail = &evidence[evidence.len() - n..];
    let same = tail
        .iter()
        .zip(messages)
        .all(|(line, m)| *line == broadcast::message_line(m));
    if same { n } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(grudge: &[(&str, &[&str])]) -> Partition {
        let mut p = Partition {
            start_ns: 0,
            end_ns: None,
            grudge: grudge
                .iter()
                .map(|(d, s)| (d.to_string(), s.iter().map(|x| x.to_string()).collect()))
                .collect(),
            groups: None,
        };
        let nodes: Vec<String> = (0..5).map(|i| format!("n{i}")).collect();
        p.find_groups(&nodes);
        p
    }

    fn nemesis(index: u64, time: u64, f: &str, value: &str) -> Op {
        let line = format!(
            "{{:index {index}, :time {time}, :type :info, :process :nemesis, :f :{f}, :value {value}}}"
        );
        Op::from_edn(&edn::parse(&line).unwrap()).unwrap()
    }

    #[test]
    fn a_partition_runs_from_its_invocation_to_the_completed_heal() {
        let cut = r#"[:isolated {"n0" #{"n1"}, "n1" #{"n0"}}]"#;
        let nothing = r#"[:isolated {"n0" #{}, "n1" #{}}]"#;
        let history = [
            nemesis(0, 10, "start-partition", ":one"),
            nemesis(1, 12, "start-partition", cut),
            nemesis(2, 50, "stop-partition", "nil"),
            nemesis(3, 51, "stop-partition", ":network-healed"),
            nemesis(4, 60, "start-partition", ":minority-third"),
            nemesis(5, 61, "start-partition", nothing),
            nemesis(6, 70, "stop-partition", "nil"),
            nemesis(7, 71, "stop-partition", ":network-healed"),
            nemesis(8, 80, "start-partition", ":one"),
            nemesis(9, 81, "start-partition", cut),
        ];
        let spans: Vec<(u64, Option<u64>)> = partitions(&history)
            .iter()
            .map(|p| (p.start_ns, p.end_ns))
            .collect();
        assert_eq!(spans, [(10, Some(51)), (80, None)]);
    }

    #[test]
    fn a_clean_split_is_labelled_by_its_groups_and_a_ring_by_its_grudge() {
        let split = partition(&[
            ("n0", &["n2", "n3", "n4"]),
            ("n1", &["n2", "n3", "n4"]),
            ("n2", &["n0", "n1"]),
            ("n3", &["n0", "n1"]),
            ("n4", &["n0", "n1"]),
        ]);
        assert_eq!(split.label(), "n0 n1 | n2 n3 n4");
        let isolated = partition(&[("n0", &["n1", "n2", "n3", "n4"])]);
        assert_eq!(isolated.groups, None, "n1 still hears n0: a one-way cut");
        assert_eq!(isolated.label(), "n0 drops n1 n2 n3 n4");
        let ring = partition(&[("n0", &["n2", "n3"]), ("n1", &["n3", "n4"])]);
        assert_eq!(ring.label(), "n0 drops n2 n3; n1 drops n3 n4");
    }
}
