//! Tuning knobs read from environment variables, e.g. `GLOMERS_BATCH_MS`.
//!
//! Maelstrom passes its environment to every node unchanged, so an env var is
//! the simplest way to tune all nodes of a run at once. Only parsing lives
//! here; each binary documents its own knobs and defaults.

use std::time::Duration;

/// A knob that is set but not a whole number.
#[derive(Debug, thiserror::Error)]
#[error("{name}={value:?} is not a whole number of milliseconds")]
pub struct KnobError {
    name: String,
    value: String,
}

/// The duration in env var `name` (milliseconds), or `default_ms` if unset.
pub fn millis(name: &str, default_ms: u64) -> Result<Duration, KnobError> {
    parse_millis(name, std::env::var(name).ok(), default_ms)
}

fn parse_millis(name: &str, value: Option<String>, default_ms: u64) -> Result<Duration, KnobError> {
    let Some(value) = value else {
        return Ok(Duration::from_millis(default_ms));
    };
    match value.trim().parse() {
        Ok(ms) => Ok(Duration::from_millis(ms)),
        Err(_) => Err(KnobError {
            name: name.to_owned(),
            value,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_knobs_take_the_default_and_bad_values_are_errors() {
        assert_eq!(
            millis("GLOMERS_TEST_KNOB_NEVER_SET", 250).unwrap(),
            Duration::from_millis(250)
        );
        let set = parse_millis("GLOMERS_BATCH_MS", Some(" 1600 ".into()), 600).unwrap();
        assert_eq!(set, Duration::from_millis(1600));
        let error = parse_millis("GLOMERS_BATCH_MS", Some("1.5s".into()), 600).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"GLOMERS_BATCH_MS="1.5s" is not a whole number of milliseconds"#
        );
    }
}
