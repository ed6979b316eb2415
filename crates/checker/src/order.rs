//! Clojure's `=` and `compare` on EDN values, which Jepsen's checkers use to
//! count, sort and take ranges of whatever the nodes returned.
//!
//! [`clj_compare`] refuses (returns `None`) exactly where Clojure's `compare`
//! would throw, so a checker can report `:unknown` as Jepsen does.
//! [`total_cmp`] extends it to a total order for use as a map key; it is not a
//! Clojure ordering, only a consistent one.

use std::cmp::Ordering;

use edn::Value;

/// Clojure `=`: numbers of different kinds are never equal (`1` vs `1.0`),
/// maps and sets ignore order, lists and vectors with equal items are equal.
pub fn clj_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::List(x) | Value::Vector(x), Value::List(y) | Value::Vector(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| clj_eq(p, q))
        }
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| clj_eq(p, q)))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| clj_eq(k, k2))
                        .is_some_and(|(_, v2)| clj_eq(v, v2))
                })
        }
        (Value::Tagged(t, x), Value::Tagged(u, y)) => t == u && clj_eq(x, y),
        _ => a == b,
    }
}

/// Clojure `compare`: `nil` first, numbers by value across kinds, strings by
/// UTF-16 code units, keywords and symbols by namespace then name, vectors by
/// length then item by item. `None` where Clojure throws (mixed kinds, maps,
/// sets, lists).
pub fn clj_compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Nil, Value::Nil) => Some(Ordering::Equal),
        (Value::Nil, _) => Some(Ordering::Less),
        (_, Value::Nil) => Some(Ordering::Greater),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        (Value::Char(x), Value::Char(y)) => Some(x.cmp(y)),
        (Value::Keyword(x), Value::Keyword(y)) | (Value::Symbol(x), Value::Symbol(y)) => {
            Some(compare_names(x, y))
        }
        (Value::Vector(x), Value::Vector(y)) => {
            if x.len() != y.len() {
                return Some(x.len().cmp(&y.len()));
            }
            for (p, q) in x.iter().zip(y) {
                match clj_compare(p, q)? {
                    Ordering::Equal => {}
                    other => return Some(other),
                }
            }
            Some(Ordering::Equal)
        }
        _ => compare_numbers(a, b),
    }
}

/// A total order on values that agrees with [`clj_compare`] wherever that is
/// defined and is `Equal` only for [`clj_eq`] values. Incomparable kinds are
/// ordered by a fixed kind rank, then structurally.
pub fn total_cmp(a: &Value, b: &Value) -> Ordering {
    if let Some(order) = clj_compare(a, b)
        && order != Ordering::Equal
    {
        return order;
    }
    if clj_eq(a, b) {
        return Ordering::Equal;
    }
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    match (a, b) {
        (Value::List(x) | Value::Vector(x), Value::List(y) | Value::Vector(y)) => cmp_seq(x, y),
        (Value::Set(x), Value::Set(y)) => cmp_sorted(x, y),
        (Value::Map(x), Value::Map(y)) => {
            let flatten = |m: &Vec<(Value, Value)>| {
                let mut pairs: Vec<Value> = m
                    .iter()
                    .map(|(k, v)| Value::Vector(vec![k.clone(), v.clone()]))
                    .collect();
                pairs.sort_by(total_cmp);
                pairs
            };
            cmp_seq(&flatten(x), &flatten(y))
        }
        (Value::Tagged(t, x), Value::Tagged(u, y)) => t.cmp(u).then_with(|| total_cmp(x, y)),
        // Same rank, not clj_eq, not ordered by clj_compare: numbers equal in
        // value but of different kinds, or floats such as NaN.
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    }
}

/// A value usable as an ordered map or set key, ordered by [`total_cmp`].
#[derive(Debug, Clone)]
pub struct Key(pub Value);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        total_cmp(&self.0, &other.0)
    }
}

/// Sorts values the way Clojure's `sort` would, or `None` if it would throw.
pub fn clj_sorted(values: &[Value]) -> Option<Vec<Value>> {
    let mut failed = false;
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| {
        clj_compare(a, b).unwrap_or_else(|| {
            failed = true;
            Ordering::Equal
        })
    });
    (!failed).then_some(sorted)
}

fn cmp_sorted(x: &[Value], y: &[Value]) -> Ordering {
    let mut x = x.to_vec();
    let mut y = y.to_vec();
    x.sort_by(total_cmp);
    y.sort_by(total_cmp);
    cmp_seq(&x, &y)
}

/// Shorter sequences first, then item by item under [`total_cmp`] (the
/// shape of Clojure's vector ordering).
fn cmp_seq(x: &[Value], y: &[Value]) -> Ordering {
    if x.len() != y.len() {
        return x.len().cmp(&y.len());
    }
    for (p, q) in x.iter().zip(y) {
        match total_cmp(p, q) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

fn rank(value: &Value) -> u8 {
    match value {
        Value::Nil => 0,
        Value::Bool(_) => 1,
        Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Ratio(..)
        | Value::Decimal(_) => 2,
        Value::Char(_) => 3,
        Value::Str(_) => 4,
        Value::Keyword(_) => 5,
        Value::Symbol(_) => 6,
        // Lists equal vectors with the same items, so they share a rank.
        Value::Vector(_) | Value::List(_) => 7,
        Value::Set(_) => 9,
        Value::Map(_) => 10,
        Value::Tagged(..) => 11,
    }
}

/// `ns/name` symbols and keywords: names without a namespace sort first.
fn compare_names(x: &str, y: &str) -> Ordering {
    let split = |s: &str| -> (Option<String>, String) {
        match s.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                (Some(ns.to_string()), name.to_string())
            }
            _ => (None, s.to_string()),
        }
    };
    let (xn, xs) = split(x);
    let (yn, ys) = split(y);
    xn.cmp(&yn).then_with(|| xs.cmp(&ys))
}

/// A number as an exact integer when it is one, else as a float.
enum Num {
    Exact(i128),
    Approx(f64),
}

fn as_num(value: &Value) -> Option<Num> {
    match value {
        Value::Int(i) => Some(Num::Exact(i128::from(*i))),
        Value::BigInt(digits) => match digits.parse::<i128>() {
            Ok(i) => Some(Num::Exact(i)),
            Err(_) => digits.parse::<f64>().ok().map(Num::Approx),
        },
        Value::Float(f) => Some(Num::Approx(*f)),
        Value::Ratio(n, d) if *d != 0 => Some(Num::Approx(*n as f64 / *d as f64)),
        Value::Decimal(text) => text.parse::<f64>().ok().map(Num::Approx),
        _ => None,
    }
}

fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (as_num(a)?, as_num(b)?) {
        (Num::Exact(x), Num::Exact(y)) => Some(x.cmp(&y)),
        (Num::Exact(x), Num::Approx(y)) => (x as f64).partial_cmp(&y),
        (Num::Approx(x), Num::Exact(y)) => x.partial_cmp(&(y as f64)),
        (Num::Approx(x), Num::Approx(y)) => x.partial_cmp(&y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    #[test]
    fn numbers_compare_across_kinds_but_are_not_equal() {
        assert_eq!(
            clj_compare(&Value::Int(1), &Value::Float(1.0)),
            Some(Ordering::Equal)
        );
        assert!(!clj_eq(&Value::Int(1), &Value::Float(1.0)));
        assert_ne!(
            total_cmp(&Value::Int(1), &Value::Float(1.0)),
            Ordering::Equal
        );
        assert_eq!(
            clj_compare(&Value::Int(2), &Value::Float(1.5)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn strings_sort_lexicographically_and_refuse_numbers() {
        assert_eq!(
            clj_compare(&s("n0-18"), &s("n0-108")),
            Some(Ordering::Greater)
        );
        assert_eq!(clj_compare(&s("a"), &Value::Int(1)), None);
        assert_eq!(clj_sorted(&[s("b"), Value::Int(1)]), None);
    }

    #[test]
    fn vectors_compare_by_length_first() {
        let short = Value::Vector(vec![Value::Int(9)]);
        let long = Value::Vector(vec![Value::Int(0), Value::Int(0)]);
        assert_eq!(clj_compare(&short, &long), Some(Ordering::Less));
    }

    #[test]
    fn maps_are_equal_regardless_of_order_but_not_comparable() {
        let ab = Value::Map(vec![
            (Value::kw("a"), Value::Int(1)),
            (Value::kw("b"), Value::Int(2)),
        ]);
        let ba = Value::Map(vec![
            (Value::kw("b"), Value::Int(2)),
            (Value::kw("a"), Value::Int(1)),
        ]);
        assert!(clj_eq(&ab, &ba));
        assert_eq!(clj_compare(&ab, &ba), None);
        assert_eq!(total_cmp(&ab, &ba), Ordering::Equal);
    }

    #[test]
    fn keywords_without_namespace_sort_first() {
        assert_eq!(
            clj_compare(&Value::kw("z"), &Value::kw("a/b")),
            Some(Ordering::Less)
        );
    }
}
