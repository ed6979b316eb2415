//! The parameter form (`e`): per-run overrides of time limit, node count,
//! rate, latency and nemesis. An empty field means "the profile's value".

use crossterm::event::{KeyCode, KeyEvent};
use runner::catalog::{Overrides, Params};

/// One text field of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: &'static str,
    pub text: String,
    /// The value used when the field is empty.
    pub default: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last Enter was refused.
    pub error: Option<String>,
    /// Kept as they were: the form does not edit extra arguments.
    extra_args: Vec<String>,
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Editing,
    Cancelled,
    Applied(Overrides),
}

const TIME_LIMIT: usize = 0;
const NODE_COUNT: usize = 1;
const RATE: usize = 2;
const LATENCY: usize = 3;
const NEMESIS: usize = 4;

impl Form {
    /// A form showing `current` overrides over the `defaults` of the challenge under the cursor.
    pub fn new(current: &Overrides, defaults: &Params) -> Form {
        let text = |v: Option<String>| v.unwrap_or_default();
        let shown = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let field = |label, text, default| Field {
            label,
            text,
            default,
        };
        Form {
            fields: vec![
                field(
                    "time limit (s)",
                    text(current.time_limit_s.map(|v| v.to_string())),
                    defaults.time_limit_s.to_string(),
                ),
                field(
                    "node count",
                    text(current.node_count.map(|v| v.to_string())),
                    defaults.node_count.to_string(),
                ),
                field(
                    "rate (ops/s)",
                    text(current.rate.map(|v| v.to_string())),
                    shown(defaults.rate.map(|v| v.to_string())),
                ),
                field(
                    "latency (ms)",
                    text(current.latency_ms.map(|v| v.to_string())),
                    shown(defaults.latency_ms.map(|v| v.to_string())),
                ),
                field(
                    "nemesis",
                    text(current.nemesis.clone()),
                    shown(defaults.nemesis.clone()),
                ),
            ],
            focus: 0,
            error: None,
            extra_args: current.extra_args.clone(),
        }
    }

    pub fn handle(&mut self, key: KeyEvent) -> FormOutcome {
        let count = self.fields.len();
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancelled,
            KeyCode::Enter => match self.parse() {
                Ok(overrides) => return FormOutcome::Applied(overrides),
                Err(e) => self.error = Some(e),
            },
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % count,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + count - 1) % count,
            KeyCode::Backspace => {
                self.fields[self.focus].text.pop();
            }
            KeyCode::Char(c) if !c.is_control() => self.fields[self.focus].text.push(c),
            _ => {}
        }
        FormOutcome::Editing
    }

    fn parse(&self) -> Result<Overrides, String> {
        Ok(Overrides {
            time_limit_s: self.number(TIME_LIMIT, "a whole number of seconds")?,
            node_count: self
                .number(NODE_COUNT, "a whole number of nodes")?
                .filter(|&n| n > 0),
            rate: self.number(RATE, "a number of operations per second")?,
            latency_ms: self.number(LATENCY, "a whole number of milliseconds")?,
            nemesis: Some(self.fields[NEMESIS].text.trim().to_string()).filter(|n| !n.is_empty()),
            extra_args: self.extra_args.clone(),
            ..Overrides::default()
        })
    }

    fn number<T: std::str::FromStr>(&self, index: usize, what: &str) -> Result<Option<T>, String> {
        let field = &self.fields[index];
        let text = field.text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| format!("{}: `{text}` is not {what}", field.label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut Form, text: &str) {
        for c in text.chars() {
            form.handle(KeyCode::Char(c).into());
        }
    }

    #[test]
    fn typed_values_become_overrides_and_empty_means_default() {
        let defaults = Params {
            node_count: 25,
            time_limit_s: 20,
            ..Params::default()
        };
        let mut form = Form::new(&Overrides::default(), &defaults);
        typed(&mut form, "7");
        form.handle(KeyCode::Down.into());
        typed(&mut form, "5");
        form.handle(KeyCode::Up.into());
        form.handle(KeyCode::Up.into());
        typed(&mut form, "partition");
        let FormOutcome::Applied(o) = form.handle(KeyCode::Enter.into()) else {
            panic!("not applied")
        };
        assert_eq!(
            (o.time_limit_s, o.node_count, o.rate, o.latency_ms),
            (Some(7), Some(5), None, None)
        );
        assert_eq!(o.nemesis.as_deref(), Some("partition"));
    }

    #[test]
    fn bad_numbers_are_refused_with_the_field_name() {
        let mut form = Form::new(&Overrides::default(), &Params::default());
        form.handle(KeyCode::Tab.into());
        form.handle(KeyCode::Tab.into());
        typed(&mut form, "fast");
        assert_eq!(form.handle(KeyCode::Enter.into()), FormOutcome::Editing);
        assert_eq!(
            form.error.as_deref(),
            Some("rate (ops/s): `fast` is not a number of operations per second")
        );
        form.handle(KeyCode::Backspace.into());
        assert_eq!(form.fields[RATE].text, "fas");
        assert_eq!(form.handle(KeyCode::Esc.into()), FormOutcome::Cancelled);
    }
}
