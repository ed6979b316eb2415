//! Dependency graphs between operations and the cycle search over them.
//!
//! Nodes are dense indices chosen by the caller; each edge carries the set of
//! relationships ([`Rel`]) that order its two ends. [`find_cycles`] looks for
//! one cycle of a given anomaly shape ([`CycleSpec`]) per strongly connected
//! component: Tarjan's algorithm over the edges the shape may use, then a
//! breadth-first search from a few anchor edges inside each component, so the
//! cycle reported through an anchor is a shortest one. Explaining a cycle in
//! terms of keys and values is the caller's job; this module knows only edges.
//!
//! Kept whole: the graph, Tarjan's components and the anchored breadth-first
//! search share one edge representation and are only correct together.

use super::fast_hash::FastMap;

/// Why one operation must precede another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rel {
    /// Write-write: the first wrote a version the second overwrote.
    Ww,
    /// Write-read: the second read what the first wrote.
    Wr,
    /// Read-write (anti-dependency): the first read a version the second overwrote.
    Rw,
    /// Same process, one after the other.
    Process,
    /// The first completed before the second was invoked.
    Realtime,
}

impl Rel {
    pub const ALL: [Rel; 5] = [Rel::Ww, Rel::Wr, Rel::Rw, Rel::Process, Rel::Realtime];

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The keyword Elle uses in cycle steps.
    pub fn name(self) -> &'static str {
        match self {
            Rel::Ww => "ww",
            Rel::Wr => "wr",
            Rel::Rw => "rw",
            Rel::Process => "process",
            Rel::Realtime => "realtime",
        }
    }
}

/// A set of relationships as a bit mask over [`Rel::bit`].
pub type Rels = u8;

pub fn rels(list: &[Rel]) -> Rels {
    list.iter().fold(0, |acc, rel| acc | rel.bit())
}

/// A directed graph on `0..node_count` whose edges carry relationship sets.
/// Self-edges are dropped: an operation never depends on itself. Build with
/// [`DepGraph::link`], then call [`DepGraph::finish`] before searching.
#[derive(Debug, Clone, Default)]
pub struct DepGraph {
    /// Outgoing edges per node; after `finish`, sorted by target with one
    /// entry per target.
    out: Vec<Vec<(u32, Rels)>>,
}

impl DepGraph {
    pub fn new(node_count: usize) -> DepGraph {
        DepGraph {
            out: vec![Vec::new(); node_count],
        }
    }

    pub fn link(&mut self, from: usize, to: usize, rel: Rel) {
        if from != to {
            self.out[from].push((to as u32, rel.bit()));
        }
    }

    /// Sorts each node's edges and merges parallel ones into one relationship set.
    pub fn finish(mut self) -> DepGraph {
        for list in &mut self.out {
            list.sort_unstable();
            list.dedup_by(|later, kept| {
                if later.0 == kept.0 {
                    kept.1 |= later.1;
                    true
                } else {
                    false
                }
            });
        }
        self
    }

    pub fn edge_count(&self) -> usize {
        self.out.iter().map(Vec::len).sum()
    }

    /// The relationships on the edge `from -> to` (0 when there is none).
    pub fn rels_between(&self, from: usize, to: usize) -> Rels {
        let list = &self.out[from];
        list.binary_search_by_key(&(to as u32), |e| e.0)
            .map_or(0, |i| list[i].1)
    }

    /// Adjacency lists (finished: sorted by target, one entry per target).
    pub fn adjacency(&self) -> &[Vec<(u32, Rels)>] {
        &self.out
    }
}

/// How many anti-dependency (rw) edges a cycle shape needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RwCount {
    /// rw edges may not be used.
    None,
    /// Exactly one (G-single).
    One,
    /// Two or more (G2-item).
    Several,
}

/// The shape of a cycle anomaly: which relationships it may use, how many rw
/// edges it has, and which relationships must each appear at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleSpec {
    pub name: &'static str,
    /// Relationships other than rw the cycle may use.
    pub allowed: Rels,
    pub rw: RwCount,
    /// Relationships each needed at least once (at most two).
    pub required: Rels,
}

/// One step of a found cycle: `from -> to` used as relationship `rel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub from: usize,
    pub to: usize,
    pub rel: Rel,
}

/// A cycle found for a spec, as its steps in order (the last step returns to
/// the first step's `from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub spec: &'static str,
    pub steps: Vec<Step>,
}

/// The result of searching one spec: the cycles found, and how many strongly
/// connected components held a cycle the bounded search could not pin down.
#[derive(Debug, Default)]
pub struct Search {
    pub cycles: Vec<Cycle>,
    pub gave_up: usize,
}

/// Anchor edges tried per component before giving up, like Elle's
/// per-component cycle-search timeout but deterministic.
const MAX_ANCHORS: usize = 64;

/// Finds at most one cycle of shape `spec` per strongly connected component of
/// the subgraph of relationships `spec` may use.
pub fn find_cycles(graph: &DepGraph, spec: &CycleSpec) -> Search {
    let usable = spec.allowed
        | if spec.rw == RwCount::None {
            0
        } else {
            Rel::Rw.bit()
        };
    let adjacency = graph.adjacency();
    let mut search = Search::default();
    for component in strongly_connected(adjacency, usable) {
        match cycle_in_component(adjacency, &component, spec, usable) {
            Outcome::Found(cycle) => search.cycles.push(cycle),
            Outcome::GaveUp => search.gave_up += 1,
            Outcome::Absent => {}
        }
    }
    search
}

/// The relationships a spec's cycles may use.
pub fn usable_rels(spec: &CycleSpec) -> Rels {
    spec.allowed
        | if spec.rw == RwCount::None {
            0
        } else {
            Rel::Rw.bit()
        }
}

/// Whether any cycle at all uses only relationships in `rels`: one Tarjan
/// pass that lets a clean history skip every per-shape search.
pub fn has_cycle(graph: &DepGraph, rels: Rels) -> bool {
    !strongly_connected(graph.adjacency(), rels).is_empty()
}

/// What the bounded search of one component concluded.
enum Outcome {
    Found(Cycle),
    /// Every anchor edge was tried: no cycle of this shape exists here.
    Absent,
    /// The anchor budget ran out first.
    GaveUp,
}

/// Strongly connected components with at least two nodes, over edges having
/// some relationship in `usable`; iterative Tarjan, components in discovery order
/// with members sorted.
pub fn strongly_connected(adjacency: &[Vec<(u32, Rels)>], usable: Rels) -> Vec<Vec<u32>> {
    const UNSEEN: u32 = u32::MAX;
    let n = adjacency.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    let mut components = Vec::new();
    // Call frames: (node, position in its adjacency list).
    let mut frames: Vec<(u32, usize)> = Vec::new();

    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        frames.push((root, 0));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;

        while let Some(&mut (node, ref mut pos)) = frames.last_mut() {
            let edges = &adjacency[node as usize];
            if let Some(&(to, rels)) = edges.get(*pos) {
                *pos += 1;
                if rels & usable == 0 {
                    continue;
                }
                let t = to as usize;
                if index[t] == UNSEEN {
                    index[t] = next_index;
                    low[t] = next_index;
                    next_index += 1;
                    stack.push(to);
                    on_stack[t] = true;
                    frames.push((to, 0));
                } else if on_stack[t] {
                    low[node as usize] = low[node as usize].min(index[t]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent as usize] = low[parent as usize].min(low[node as usize]);
            }
            if low[node as usize] == index[node as usize] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member as usize] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    components.push(component);
                }
            }
        }
    }
    components
}

/// BFS state inside one component: local node, rw edges used (capped at 2),
/// and which required relationships were seen.
#[derive(Clone, Copy)]
struct StateKey {
    node: usize,
    rw_used: usize,
    seen: usize,
}

struct Layout {
    required: Vec<Rel>,
}

impl Layout {
    fn masks(&self) -> usize {
        1 << self.required.len()
    }

    fn slot(&self, key: StateKey) -> usize {
        (key.node * 3 + key.rw_used) * self.masks() + key.seen
    }

    fn mark(&self, seen: usize, rel: Rel) -> usize {
        match self.required.iter().position(|&r| r == rel) {
            Some(bit) => seen | (1 << bit),
            None => seen,
        }
    }
}

fn rw_after(rule: RwCount, used: usize, rel: Rel) -> Option<usize> {
    if rel != Rel::Rw {
        return Some(used);
    }
    match rule {
        RwCount::None => None,
        RwCount::One if used >= 1 => None,
        RwCount::One => Some(1),
        RwCount::Several => Some((used + 1).min(2)),
    }
}

fn rw_satisfied(rule: RwCount, used: usize) -> bool {
    match rule {
        RwCount::None => used == 0,
        RwCount::One => used == 1,
        RwCount::Several => used >= 2,
    }
}

/// The relationship whose edges anchor the search: the rarest thing the shape needs.
fn anchor_rel(spec: &CycleSpec) -> Option<Rel> {
    if spec.rw != RwCount::None {
        return Some(Rel::Rw);
    }
    [Rel::Realtime, Rel::Process, Rel::Wr, Rel::Ww]
        .into_iter()
        .find(|rel| spec.required & rel.bit() != 0)
}

/// One strongly connected component being searched for one spec.
struct ComponentSearch<'a> {
    adjacency: &'a [Vec<(u32, Rels)>],
    /// Component members; local index `i` is `members[i]`.
    members: &'a [u32],
    local: FastMap<u32, usize>,
    layout: Layout,
    spec: &'a CycleSpec,
    usable: Rels,
}

fn cycle_in_component(
    adjacency: &[Vec<(u32, Rels)>],
    members: &[u32],
    spec: &CycleSpec,
    usable: Rels,
) -> Outcome {
    let search = ComponentSearch {
        adjacency,
        members,
        local: members
            .iter()
            .enumerate()
            .map(|(i, &node)| (node, i))
            .collect(),
        layout: Layout {
            required: Rel::ALL
                .into_iter()
                .filter(|rel| spec.required & rel.bit() != 0)
                .collect(),
        },
        spec,
        usable,
    };
    let anchor = anchor_rel(spec);
    let mut tried = 0;
    for &from in members {
        for &(to, rels) in &adjacency[from as usize] {
            if !search.local.contains_key(&to) || rels & usable == 0 {
                continue;
            }
            let anchor_as = match anchor {
                Some(rel) if rels & rel.bit() != 0 => rel,
                Some(_) => continue,
                // No anchor: any usable relationship, the first in order.
                None => match Rel::ALL.into_iter().find(|r| rels & usable & r.bit() != 0) {
                    Some(rel) => rel,
                    None => continue,
                },
            };
            if tried == MAX_ANCHORS {
                return Outcome::GaveUp;
            }
            tried += 1;
            let anchor_step = Step {
                from: from as usize,
                to: to as usize,
                rel: anchor_as,
            };
            if let Some(steps) = search.shortest_through(anchor_step) {
                return Outcome::Found(Cycle {
                    spec: spec.name,
                    steps,
                });
            }
        }
    }
    Outcome::Absent
}

impl ComponentSearch<'_> {
    /// The shortest cycle that starts with `anchor` and returns to its
    /// origin, satisfying the spec: a BFS over (node, rw edges used, required
    /// relationships seen).
    fn shortest_through(&self, anchor: Step) -> Option<Vec<Step>> {
        let layout = &self.layout;
        let start = StateKey {
            node: self.local[&(anchor.to as u32)],
            rw_used: rw_after(self.spec.rw, 0, anchor.rel)?,
            seen: layout.mark(0, anchor.rel),
        };
        let goal_node = self.local[&(anchor.from as u32)];
        let full = layout.masks() - 1;
        // Per visited state: the state it was reached from and how.
        let mut parent: Vec<Option<(StateKey, Rel)>> =
            vec![None; self.members.len() * 3 * layout.masks()];
        parent[layout.slot(start)] = Some((start, anchor.rel));
        let mut queue = std::collections::VecDeque::from([start]);

        while let Some(state) = queue.pop_front() {
            if state.node == goal_node {
                if state.seen == full && rw_satisfied(self.spec.rw, state.rw_used) {
                    return Some(self.unwind(&parent, start, state, anchor));
                }
                // Leaving the origin would make the cycle pass through it twice.
                continue;
            }
            let node = self.members[state.node];
            for &(next, rels) in &self.adjacency[node as usize] {
                let Some(&next_local) = self.local.get(&next) else {
                    continue;
                };
                for rel in Rel::ALL {
                    if rels & self.usable & rel.bit() == 0 {
                        continue;
                    }
                    let Some(rw_used) = rw_after(self.spec.rw, state.rw_used, rel) else {
                        continue;
                    };
                    let key = StateKey {
                        node: next_local,
                        rw_used,
                        seen: layout.mark(state.seen, rel),
                    };
                    let slot = layout.slot(key);
                    if parent[slot].is_none() {
                        parent[slot] = Some((state, rel));
                        queue.push_back(key);
                    }
                }
            }
        }
        None
    }

    /// Follows parents from `goal` back to `start`, then puts the anchor first.
    fn unwind(
        &self,
        parent: &[Option<(StateKey, Rel)>],
        start: StateKey,
        goal: StateKey,
        anchor: Step,
    ) -> Vec<Step> {
        let mut back = Vec::new();
        let mut state = goal;
        while self.layout.slot(state) != self.layout.slot(start) {
            let Some((prev, rel)) = parent[self.layout.slot(state)] else {
                break;
            };
            back.push(Step {
                from: self.members[prev.node] as usize,
                to: self.members[state.node] as usize,
                rel,
            });
            state = prev;
        }
        back.reverse();
        let mut steps = vec![anchor];
        steps.extend(back);
        steps
    }
}

/// The Elle name of a cycle from the relationships its steps use: by data
/// dependencies G0 (ww only), G1c (some wr), G-single (one rw) or G2-item (more
/// rw), then `-realtime` or `-process` when such edges take part.
pub fn classify(steps: &[Step]) -> String {
    let count = |rel: Rel| steps.iter().filter(|s| s.rel == rel).count();
    let data = match count(Rel::Rw) {
        1 => "G-single",
        n if n > 1 => "G2-item",
        _ if count(Rel::Wr) > 0 => "G1c",
        _ => "G0",
    };
    let suffix = if count(Rel::Realtime) > 0 {
        "-realtime"
    } else if count(Rel::Process) > 0 {
        "-process"
    } else {
        ""
    };
    format!("{data}{suffix}")
}

/// Every cycle shape this engine searches, by anomaly name: the four data
/// shapes and their process and realtime variants.
pub fn cycle_specs() -> Vec<CycleSpec> {
    let bases = [
        ("G0", rels(&[Rel::Ww]), RwCount::None, 0),
        (
            "G1c",
            rels(&[Rel::Ww, Rel::Wr]),
            RwCount::None,
            Rel::Wr.bit(),
        ),
        ("G-single", rels(&[Rel::Ww, Rel::Wr]), RwCount::One, 0),
        ("G2-item", rels(&[Rel::Ww, Rel::Wr]), RwCount::Several, 0),
    ];
    let mut specs = Vec::new();
    for (variant, extra) in [
        ("", None),
        ("-process", Some(Rel::Process)),
        ("-realtime", Some(Rel::Realtime)),
    ] {
        for (base, allowed, rw, required) in bases {
            let name: &'static str = match (base, variant) {
                (b, "") => b,
                ("G0", "-process") => "G0-process",
                ("G1c", "-process") => "G1c-process",
                ("G-single", "-process") => "G-single-process",
                ("G2-item", "-process") => "G2-item-process",
                ("G0", _) => "G0-realtime",
                ("G1c", _) => "G1c-realtime",
                ("G-single", _) => "G-single-realtime",
                _ => "G2-item-realtime",
            };
            let extra_bits = extra.map_or(0, Rel::bit);
            specs.push(CycleSpec {
                name,
                allowed: allowed | extra_bits,
                rw,
                required: required | extra_bits,
            });
        }
    }
    specs
}

/// Real-time edges between operations given as `(invoked, completed)` history
/// positions. `may_precede(i)` says whether operation `i` may be the source of
/// an edge (an indeterminate op never provably completed). The result is not
/// the full order but has the same reachability: when an op is invoked it is
/// linked from the current frontier (completed ops with no completed
/// successor yet), and an op's completion retires the frontier members it was
/// linked from.
pub fn realtime_edges(
    spans: &[(usize, usize)],
    may_precede: impl Fn(usize) -> bool,
) -> Vec<(usize, usize)> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Event {
        // At equal positions, completions come first only if they are earlier
        // ops; positions are distinct in a real history anyway.
        Invoke(usize),
        Complete(usize),
    }
    let mut events: Vec<(usize, Event)> = Vec::with_capacity(spans.len() * 2);
    for (i, &(invoked, completed)) in spans.iter().enumerate() {
        events.push((invoked, Event::Invoke(i)));
        events.push((completed, Event::Complete(i)));
    }
    events.sort();
    let mut frontier: Vec<usize> = Vec::new();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    let mut edges = Vec::new();
    for (_, event) in events {
        match event {
            Event::Invoke(b) => {
                for &a in &frontier {
                    edges.push((a, b));
                }
                preds[b] = frontier.clone();
            }
            Event::Complete(a) => {
                if !may_precede(a) {
                    continue;
                }
                let retired = std::mem::take(&mut preds[a]);
                frontier.retain(|x| !retired.contains(x));
                frontier.push(a);
            }
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize, Rel)]) -> DepGraph {
        let mut g = DepGraph::new(n);
        for &(a, b, rel) in edges {
            g.link(a, b, rel);
        }
        g.finish()
    }

    fn spec(name: &str) -> CycleSpec {
        cycle_specs().into_iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn g0_cycle_is_found_and_named() {
        let g = graph(3, &[(0, 1, Rel::Ww), (1, 2, Rel::Ww), (2, 0, Rel::Ww)]);
        let search = find_cycles(&g, &spec("G0"));
        assert_eq!(search.cycles.len(), 1);
        assert_eq!(search.cycles[0].steps.len(), 3);
        assert_eq!(classify(&search.cycles[0].steps), "G0");
    }

    #[test]
    fn g1c_needs_a_wr_edge() {
        let only_ww = graph(2, &[(0, 1, Rel::Ww), (1, 0, Rel::Ww)]);
        assert!(find_cycles(&only_ww, &spec("G1c")).cycles.is_empty());
        let mixed = graph(2, &[(0, 1, Rel::Ww), (1, 0, Rel::Wr)]);
        let found = find_cycles(&mixed, &spec("G1c"));
        assert_eq!(classify(&found.cycles[0].steps), "G1c");
    }

    #[test]
    fn g_single_uses_exactly_one_rw_and_g2_item_two() {
        let one = graph(2, &[(0, 1, Rel::Rw), (1, 0, Rel::Wr)]);
        assert_eq!(
            classify(&find_cycles(&one, &spec("G-single")).cycles[0].steps),
            "G-single"
        );
        assert!(find_cycles(&one, &spec("G2-item")).cycles.is_empty());
        let two = graph(2, &[(0, 1, Rel::Rw), (1, 0, Rel::Rw)]);
        assert!(find_cycles(&two, &spec("G-single")).cycles.is_empty());
        assert_eq!(
            classify(&find_cycles(&two, &spec("G2-item")).cycles[0].steps),
            "G2-item"
        );
    }

    #[test]
    fn realtime_variant_requires_a_realtime_edge() {
        let g = graph(2, &[(0, 1, Rel::Wr), (1, 0, Rel::Realtime)]);
        assert!(find_cycles(&g, &spec("G1c")).cycles.is_empty());
        let found = find_cycles(&g, &spec("G1c-realtime"));
        assert_eq!(classify(&found.cycles[0].steps), "G1c-realtime");
    }

    #[test]
    fn acyclic_graph_has_no_components() {
        let g = graph(4, &[(0, 1, Rel::Ww), (1, 2, Rel::Wr), (0, 3, Rel::Rw)]);
        assert!(strongly_connected(g.adjacency(), 0xff).is_empty());
    }

    #[test]
    fn realtime_edges_preserve_reachability() {
        // a: [0,1], b: [2,3], c: [4,5] sequential; d: [0,6] overlaps all.
        let spans = [(0, 1), (2, 3), (4, 5), (0, 6)];
        let edges = realtime_edges(&spans, |_| true);
        let reach = |from: usize, to: usize| {
            let mut seen = vec![from];
            let mut i = 0;
            while i < seen.len() {
                let x = seen[i];
                for &(a, b) in &edges {
                    if a == x && !seen.contains(&b) {
                        seen.push(b);
                    }
                }
                i += 1;
            }
            seen.contains(&to)
        };
        assert!(reach(0, 1) && reach(0, 2) && reach(1, 2));
        assert!(!reach(3, 0) && !reach(0, 3) && !reach(2, 3));
        // Transitive edge a -> c is implied, not stored.
        assert!(!edges.contains(&(0, 2)));
    }

    /// Whether a closed walk (as steps) has the spec's shape.
    fn satisfies(spec: &CycleSpec, steps: &[Step]) -> bool {
        let usable = spec.allowed
            | if spec.rw == RwCount::None {
                0
            } else {
                Rel::Rw.bit()
            };
        let rw = steps.iter().filter(|s| s.rel == Rel::Rw).count();
        let seen = steps.iter().fold(0, |acc, s| acc | s.rel.bit());
        steps.iter().all(|s| usable & s.rel.bit() != 0)
            && seen & spec.required == spec.required
            && match spec.rw {
                RwCount::None => rw == 0,
                RwCount::One => rw == 1,
                RwCount::Several => rw >= 2,
            }
    }

    /// Every simple cycle, each edge taken as each of its relationships,
    /// starting from its smallest node.
    fn simple_cycles(g: &DepGraph) -> Vec<Vec<Step>> {
        fn extend(g: &DepGraph, start: usize, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
            let here = path.last().map_or(start, |s| s.to);
            for next in 0..g.out.len() {
                let rels = g.rels_between(here, next);
                for rel in Rel::ALL.into_iter().filter(|r| rels & r.bit() != 0) {
                    let step = Step {
                        from: here,
                        to: next,
                        rel,
                    };
                    if next == start {
                        let mut cycle = path.clone();
                        cycle.push(step);
                        out.push(cycle);
                    } else if next > start && !path.iter().any(|s| s.from == next) {
                        path.push(step);
                        extend(g, start, path, out);
                        path.pop();
                    }
                }
            }
        }
        let mut out = Vec::new();
        for start in 0..g.out.len() {
            extend(g, start, &mut Vec::new(), &mut out);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn cycle_search_agrees_with_brute_force(
            n in 2usize..6,
            raw in proptest::collection::vec((0usize..6, 0usize..6, 0usize..5), 0..14),
        ) {
            let mut g = DepGraph::new(n);
            for (a, b, rel) in raw {
                g.link(a % n, b % n, Rel::ALL[rel]);
            }
            let g = g.finish();
            let every_cycle = simple_cycles(&g);
            for spec in cycle_specs() {
                let usable = spec.allowed | if spec.rw == RwCount::None { 0 } else { Rel::Rw.bit() };
                let components = strongly_connected(g.adjacency(), usable);
                let component_of = |node: usize| components.iter().position(|c| c.contains(&(node as u32)));
                let search = find_cycles(&g, &spec);
                proptest::prop_assert_eq!(search.gave_up, 0);
                let mut found_in = Vec::new();
                for cycle in &search.cycles {
                    // Sound: a closed walk over real edges with the right shape and name.
                    for (i, step) in cycle.steps.iter().enumerate() {
                        proptest::prop_assert!(g.rels_between(step.from, step.to) & step.rel.bit() != 0);
                        let next = &cycle.steps[(i + 1) % cycle.steps.len()];
                        proptest::prop_assert_eq!(step.to, next.from);
                    }
                    proptest::prop_assert!(satisfies(&spec, &cycle.steps));
                    proptest::prop_assert_eq!(classify(&cycle.steps), spec.name);
                    found_in.push(component_of(cycle.steps[0].from));
                }
                // Complete: each component holding such a simple cycle yields one.
                for cycle in every_cycle.iter().filter(|c| satisfies(&spec, c)) {
                    let component = component_of(cycle[0].from);
                    proptest::prop_assert!(found_in.contains(&component), "{} missed in {:?}", spec.name, cycle);
                }
                // At most one per component.
                let mut unique = found_in.clone();
                unique.dedup();
                proptest::prop_assert_eq!(unique.len(), found_in.len());
            }
        }
    }
}
