//! The figures benches and the frontier take from a run's `results.edn`:
//! verdict, server msgs-per-op, median and maximum stable latency, and
//! availability. Reading only; judging is `checker`'s job.

use edn::Value;

/// What one `results.edn` says, each figure absent when the run did not
/// produce it (e.g. `:stable-latencies` outside broadcast).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ResultFigures {
    /// Top-level `:valid?`; `None` for `:unknown`.
    pub valid: Option<bool>,
    /// `:net :servers :msgs-per-op`: inter-server messages per client op,
    /// the figure the 3d/3e targets are about.
    pub msgs_per_op: Option<f64>,
    /// `:workload :stable-latencies` at 0.5, in ms.
    pub median_ms: Option<f64>,
    /// `:workload :stable-latencies` at 1, in ms.
    pub max_ms: Option<f64>,
    /// `:availability :ok-fraction`.
    pub availability: Option<f64>,
}

impl ResultFigures {
    /// Reads the figures from a parsed `results.edn` map. Missing or
    /// ill-typed keys give `None` for that figure, never an error: a crashed
    /// or partial run still has a row in a bench.
    pub fn from_results(results: &Value) -> ResultFigures {
        let stable = results.path(&["workload", "stable-latencies"]);
        ResultFigures {
            valid: results.get_kw("valid?").and_then(Value::as_bool),
            msgs_per_op: number(results.path(&["net", "servers", "msgs-per-op"])),
            median_ms: stable.and_then(|q| quantile_entry(q, 0.5)),
            max_ms: stable.and_then(|q| quantile_entry(q, 1.0)),
            availability: number(results.path(&["availability", "ok-fraction"])),
        }
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    value.and_then(Value::as_f64)
}

/// The value under numeric key `q` of a quantile map, whose keys mix
/// integers (`0`, `1`) and floats (`0.5`).
fn quantile_entry(quantiles: &Value, q: f64) -> Option<f64> {
    quantiles
        .as_map()?
        .iter()
        .find(|(key, _)| key.as_f64() == Some(q))
        .and_then(|(_, value)| value.as_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_figures_and_tolerates_missing_ones() {
        let results = edn::parse(
            "{:availability {:valid? true, :ok-fraction 0.75}, \
              :net {:servers {:msgs-per-op 17.5}}, \
              :workload {:stable-latencies {0 0, 0.5 88, 0.95 306, 0.99 368, 1 370}}, \
              :valid? :unknown}",
        )
        .unwrap();
        assert_eq!(
            ResultFigures::from_results(&results),
            ResultFigures {
                valid: None,
                msgs_per_op: Some(17.5),
                median_ms: Some(88.0),
                max_ms: Some(370.0),
                availability: Some(0.75),
            }
        );
        let bare = edn::parse("{:valid? false, :net {:servers {:msgs-per-op \"x\"}}}").unwrap();
        assert_eq!(
            ResultFigures::from_results(&bare),
            ResultFigures {
                valid: Some(false),
                ..ResultFigures::default()
            }
        );
        assert_eq!(
            ResultFigures::from_results(&Value::Nil),
            ResultFigures::default()
        );
    }
}
