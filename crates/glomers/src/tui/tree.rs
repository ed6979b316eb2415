//! `results.edn` as a foldable tree: the EDN value flattened into the rows
//! the Results screen shows, one per map entry or collection item. Which
//! nodes are open is the default (everything above [`OPEN_DEPTH`]) changed
//! by the user's toggles, kept as paths so a toggle survives re-flattening.
//! Pure: `app` moves the cursor and toggles, `ui::results` draws the rows.

use std::collections::BTreeSet;

use edn::Value;

/// Nodes shallower than this start open, so the top-level keys and their
/// children show and anything deeper is folded.
pub const OPEN_DEPTH: usize = 2;

/// A node's position: the child index taken at each level from the root.
pub type NodePath = Vec<usize>;

#[derive(Debug, Clone, PartialEq)]
pub struct TreeRow {
    pub depth: usize,
    pub path: NodePath,
    /// `:key value` for a map entry, the value alone for a collection item;
    /// a folded or open collection shows a count instead of its contents.
    pub text: String,
    /// `Some(open)` for a non-empty collection, `None` for a leaf.
    pub open: Option<bool>,
}

/// Whether the node at `path` is open: the default for its depth, flipped
/// when the user toggled it.
pub fn is_open(path: &[usize], toggled: &BTreeSet<NodePath>) -> bool {
    (path.len() <= OPEN_DEPTH) != toggled.contains(path)
}

/// The visible rows of `root`'s children (the root itself, the results map,
/// is not a row), depth first.
pub fn rows(root: &Value, toggled: &BTreeSet<NodePath>) -> Vec<TreeRow> {
    let mut out = Vec::new();
    push_children(root, &mut Vec::new(), toggled, &mut out);
    out
}

fn push_children(
    value: &Value,
    path: &mut NodePath,
    toggled: &BTreeSet<NodePath>,
    out: &mut Vec<TreeRow>,
) {
    for (i, (key, child)) in children(value).into_iter().enumerate() {
        path.push(i);
        let nested = !children(child).is_empty();
        let open = nested.then(|| is_open(path, toggled));
        let shown = if nested {
            summary(child)
        } else {
            child.to_string()
        };
        out.push(TreeRow {
            depth: path.len() - 1,
            path: path.clone(),
            text: key.map_or(shown.clone(), |k| format!("{k} {shown}")),
            open,
        });
        if open == Some(true) {
            push_children(child, path, toggled, out);
        }
        path.pop();
    }
}

/// A collection's children with their keys (maps) or without (sequences,
/// sets); a tagged value has the children of its form. Scalars have none.
fn children(value: &Value) -> Vec<(Option<&Value>, &Value)> {
    match value {
        Value::Map(entries) => entries.iter().map(|(k, v)| (Some(k), v)).collect(),
        Value::List(items) | Value::Vector(items) | Value::Set(items) => {
            items.iter().map(|v| (None, v)).collect()
        }
        Value::Tagged(_, form) => children(form),
        _ => Vec::new(),
    }
}

/// How a collection row reads: its brackets and size, e.g. `{…} 4 keys`.
fn summary(value: &Value) -> String {
    let n = children(value).len();
    let plural = |word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match value {
        Value::Map(_) => format!("{{…}} {}", plural("key")),
        Value::Vector(_) => format!("[…] {}", plural("item")),
        Value::List(_) => format!("(…) {}", plural("item")),
        Value::Set(_) => format!("#{{…}} {}", plural("item")),
        Value::Tagged(tag, form) => format!("#{tag} {}", summary(form)),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Value {
        edn::parse(
            "{:valid? false, \
              :stats {:count 3, :by-f {:read {:count 2, :ok-count 2}}}, \
              :workload {:lost #{1 2}, :bad []}}",
        )
        .expect("valid edn")
    }

    fn texts(rows: &[TreeRow]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{}", "  ".repeat(r.depth), r.text))
            .collect()
    }

    #[test]
    fn opens_down_to_the_default_depth() {
        let rows = rows(&results(), &BTreeSet::new());
        assert_eq!(
            texts(&rows),
            [
                ":valid? false",
                ":stats {…} 2 keys",
                "  :count 3",
                "  :by-f {…} 1 key",
                "    :read {…} 2 keys",
                ":workload {…} 2 keys",
                "  :lost #{…} 2 items",
                "    1",
                "    2",
                "  :bad []",
            ]
        );
        assert_eq!(rows[4].open, Some(false), "depth 2 starts folded");
        assert_eq!(rows[9].open, None, "an empty vector is a leaf");
    }

    #[test]
    fn toggles_flip_the_default_at_any_depth() {
        let toggled: BTreeSet<NodePath> = [vec![1], vec![1, 1, 0]].into();
        let folded = rows(&results(), &toggled);
        assert_eq!(
            texts(&folded)[..3],
            [":valid? false", ":stats {…} 2 keys", ":workload {…} 2 keys"]
        );
        assert_eq!(folded[1].open, Some(false));
        let toggled: BTreeSet<NodePath> = [vec![1, 1, 0]].into();
        let unfolded = rows(&results(), &toggled);
        assert_eq!(
            texts(&unfolded)[4..6],
            ["    :read {…} 2 keys", "      :count 2"]
        );
    }

    #[test]
    fn tagged_records_show_their_fields() {
        let value = edn::parse("{:op #jepsen.history.Op{:index 7, :f :read}}").unwrap();
        assert_eq!(
            texts(&rows(&value, &BTreeSet::new())),
            [
                ":op #jepsen.history.Op {…} 2 keys",
                "  :index 7",
                "  :f :read"
            ]
        );
    }
}
