//! `maelstrom test`'s command line, read the way Clojure `tools.cli` reads
//! it, then checked option by option against the table.

use super::draft::Draft;
use super::options::{HELP, Kind, OPTIONS, OptionSpec};
use super::{Invocation, test_help};

/// The tokens of a `test` command line, sorted out but not yet checked.
#[derive(Default)]
struct Tokens {
    /// Options in the order given, with their values (`""` for a flag).
    given: Vec<(&'static OptionSpec, String)>,
    /// Node arguments: words that are not options, and everything after `--`.
    positional: Vec<String>,
    /// Unknown options and missing values.
    errors: Vec<String>,
}

impl Tokens {
    fn values_of(&self, spec: &OptionSpec) -> impl Iterator<Item = &str> {
        self.given
            .iter()
            .filter(move |(s, _)| s.long == spec.long)
            .map(|(_, v)| v.as_str())
    }
}

fn lookup(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS
        .iter()
        .find(|spec| spec.long == name || spec.short == Some(name))
}

/// Splits `args` into options and node arguments; `None` when `--help` is asked for.
fn tokenize(args: &[String]) -> Option<Tokens> {
    let mut tokens = Tokens::default();
    let mut rest = args.iter();
    while let Some(token) = rest.next() {
        if token == "--" {
            tokens.positional.extend(rest.by_ref().cloned());
            break;
        }
        // Only an ASCII `-` starts an option: `–-nemesis` (en dash) is a node argument.
        if !token.starts_with('-') {
            tokens.positional.push(token.clone());
            continue;
        }
        let (name, inline) = match token.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value)),
            _ => (token.as_str(), None),
        };
        let Some(spec) = lookup(name) else {
            tokens.errors.push(format!("Unknown option: \"{token}\""));
            continue;
        };
        if spec.long == HELP.long {
            return None;
        }
        let Some(meta) = spec.kind.value_name() else {
            tokens.given.push((spec, String::new()));
            continue;
        };
        match inline.map(str::to_string).or_else(|| rest.next().cloned()) {
            Some(value) => tokens.given.push((spec, value)),
            None => tokens.errors.push(format!(
                "Missing required argument for \"{} {meta}\"",
                spec.long
            )),
        }
    }
    Some(tokens)
}

/// Parses the arguments after `test`.
pub fn parse_test(args: &[String]) -> Invocation {
    let Some(mut tokens) = tokenize(args) else {
        return Invocation::Help(test_help());
    };
    let mut draft = Draft::default();
    let mut errors = std::mem::take(&mut tokens.errors);
    for spec in OPTIONS {
        let values: Vec<&str> = match spec.kind {
            Kind::Flag => tokens.values_of(spec).take(1).collect(),
            Kind::Value(_) => tokens
                .values_of(spec)
                .last()
                .or(spec.default)
                .into_iter()
                .collect(),
            Kind::Repeated(_) => tokens.values_of(spec).collect(),
        };
        for raw in values {
            if let Err(problem) = (spec.apply)(&mut draft, raw) {
                errors.push(problem.message(spec.long, raw));
            }
        }
    }
    match draft.finish(errors, args, tokens.positional) {
        Ok(opts) => Invocation::Test(Box::new(opts)),
        Err(lines) => Invocation::Usage(lines),
    }
}
