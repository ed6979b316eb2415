//! EDN printers: compact text via `Display`, and [`to_pretty`], the layout
//! Jepsen's fipp printer gives `results.edn`.
//!
//! Both print text that [`crate::parse`] reads back to an equal value, for
//! every value the reader itself can produce (a hand-built symbol named `nil`
//! or a ratio with a negative denominator cannot round-trip). Neither sorts
//! keys: maps print in their stored order. Printing recurses, so values built
//! by hand far deeper than [`crate::MAX_DEPTH`] can exhaust the stack.

use std::fmt::{self, Display, Formatter, Write};

use crate::Value;

/// Line width the pretty printer aims for, as in Jepsen's `results.edn`.
const WIDTH: usize = 70;

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::BigInt(digits) => write!(f, "{digits}N"),
            Value::Float(x) => write_float(f, *x),
            Value::Ratio(num, den) => write!(f, "{num}/{den}"),
            Value::Decimal(text) => write!(f, "{text}M"),
            Value::Str(s) => write_string(f, s),
            Value::Char(c) => write_char(f, *c),
            Value::Keyword(name) => write!(f, ":{name}"),
            Value::Symbol(name) => f.write_str(name),
            Value::List(items) => write_items(f, "(", items, ")"),
            Value::Vector(items) => write_items(f, "[", items, "]"),
            Value::Set(items) => write_items(f, "#{", items, "}"),
            Value::Map(entries) => {
                f.write_char('{')?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key} {value}")?;
                }
                f.write_char('}')
            }
            Value::Tagged(tag, form) => write!(f, "#{tag}{}{form}", tag_separator(form)),
        }
    }
}

/// Jepsen writes records as `#jepsen.history.Op{...}`, with no space; other
/// forms need one so the tag ends before them (`#inst "..."`, `#tag #{...}`).
fn tag_separator(form: &Value) -> &'static str {
    match form {
        Value::Map(_) | Value::Vector(_) | Value::List(_) => "",
        _ => " ",
    }
}

fn write_items(f: &mut Formatter<'_>, open: &str, items: &[Value], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

/// Floats always show a `.` or an exponent so they read back as floats; like
/// Java, very large and very small magnitudes use an exponent (`1.0E-4`).
fn write_float(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("##NaN");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "##Inf" } else { "##-Inf" });
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-3..1e7).contains(&magnitude) {
        let text = format!("{x:E}");
        return match text.split_once('E') {
            Some((mantissa, exponent)) if !mantissa.contains('.') => {
                write!(f, "{mantissa}.0E{exponent}")
            }
            _ => f.write_str(&text),
        };
    }
    let text = x.to_string();
    f.write_str(&text)?;
    if text.contains('.') {
        Ok(())
    } else {
        f.write_str(".0")
    }
}

fn write_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if c.is_control() => "",
            _ => continue,
        };
        f.write_str(&s[run_start..i])?;
        if escape.is_empty() {
            write!(f, "\\u{:04x}", c as u32)?;
        } else {
            f.write_str(escape)?;
        }
        run_start = i + c.len_utf8();
    }
    f.write_str(&s[run_start..])?;
    f.write_char('"')
}

fn write_char(f: &mut Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\newline"),
        ' ' => f.write_str("\\space"),
        '\t' => f.write_str("\\tab"),
        '\r' => f.write_str("\\return"),
        '\u{8}' => f.write_str("\\backspace"),
        '\u{c}' => f.write_str("\\formfeed"),
        // Invisible characters would be ambiguous or unreadable raw.
        c if c.is_whitespace() || c.is_control() => write!(f, "\\u{:04x}", c as u32),
        c => write!(f, "\\{c}"),
    }
}

/// Pretty EDN in the layout of Jepsen's `results.edn`: a collection that fits
/// in the rest of a 70-column line prints on one line; otherwise each item
/// (each `key value` entry, for maps) goes on its own line, aligned just after
/// the opening bracket, with map entries ending in a comma. No final newline.
pub fn to_pretty(value: &Value) -> String {
    let mut printer = Pretty::default();
    printer.value(value);
    printer.out
}

#[derive(Default)]
struct Pretty {
    out: String,
    /// Current column, in characters.
    column: usize,
}

impl Pretty {
    fn text(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += text.chars().count();
    }

    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.column = indent;
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::List(items) if !self.fits(value) => self.items("(", items, ")"),
            Value::Vector(items) if !self.fits(value) => self.items("[", items, "]"),
            Value::Set(items) if !self.fits(value) => self.items("#{", items, "}"),
            Value::Map(entries) if !self.fits(value) => {
                self.text("{");
                let indent = self.column;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.text(",");
                        self.newline(indent);
                    }
                    self.value(key);
                    self.text(" ");
                    self.value(value);
                }
                self.text("}");
            }
            Value::Tagged(tag, form) => {
                self.text(&format!("#{tag}{}", tag_separator(form)));
                self.value(form);
            }
            _ => self.text(&value.to_string()),
        }
    }

    /// Whether `value` prints flat before the end of the line.
    fn fits(&self, value: &Value) -> bool {
        fits(value, WIDTH.saturating_sub(self.column))
    }

    fn items(&mut self, open: &str, items: &[Value], close: &str) {
        self.text(open);
        let indent = self.column;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.newline(indent);
            }
            self.value(item);
        }
        self.text(close);
    }
}

/// Whether `value` prints flat in at most `width` characters; stops
/// formatting as soon as it does not.
fn fits(value: &Value, width: usize) -> bool {
    struct Budget(usize);
    impl Write for Budget {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.checked_sub(s.chars().count()).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    write!(Budget(width), "{value}").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn compact(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    #[test]
    fn compact_layout() {
        assert_eq!(compact("{:a 1 :b [1 2]}"), "{:a 1, :b [1 2]}");
        assert_eq!(compact("( 1  2 )"), "(1 2)");
        assert_eq!(compact("#{ :x }"), "#{:x}");
        assert_eq!(compact("[() [] {} #{}]"), "[() [] {} #{}]");
        assert_eq!(
            compact("#jepsen.history.Op {:f :add}"),
            "#jepsen.history.Op{:f :add}"
        );
        assert_eq!(compact("#inst\"2024\""), "#inst \"2024\"");
        assert_eq!(compact("#a #{1}"), "#a #{1}");
        assert_eq!(
            compact("[nil true 5N 1.5M 11/2 -7]"),
            "[nil true 5N 1.5M 11/2 -7]"
        );
        assert_eq!(compact("[sym :ns/kw]"), "[sym :ns/kw]");
    }

    #[test]
    fn floats_keep_a_point_or_exponent() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.5, "0.5"),
            (2.0769231, "2.0769231"),
            (1234567.0, "1234567.0"),
            (1.0e7, "1.0E7"),
            (3.2e10, "3.2E10"),
            (1.0e-4, "1.0E-4"),
            (0.001, "0.001"),
            (f64::INFINITY, "##Inf"),
            (f64::NEG_INFINITY, "##-Inf"),
            (f64::NAN, "##NaN"),
        ];
        for (x, text) in cases {
            assert_eq!(Value::Float(x).to_string(), text);
        }
    }

    #[test]
    fn strings_and_chars_escape() {
        let s = Value::from("a\"b\\c\nd\te\u{1}é");
        assert_eq!(s.to_string(), r#""a\"b\\c\nd\te\u0001é""#);
        let chars = Value::Vector(
            ['a', '\n', ' ', '(', '\u{a0}', '\u{0}', 'é']
                .into_iter()
                .map(Value::Char)
                .collect(),
        );
        let text = chars.to_string();
        assert_eq!(text, "[\\a \\newline \\space \\( \\u00a0 \\u0000 \\é]");
        assert_eq!(parse(&text), Ok(chars));
    }

    #[test]
    fn pretty_keeps_short_maps_flat() {
        let text = "{:availability {:valid? true, :ok-fraction 1.0}}";
        assert_eq!(to_pretty(&parse(text).unwrap()), text);
    }

    #[test]
    fn pretty_breaks_long_maps_and_aligns_after_the_brace() {
        let value = parse(
            "{:stats {:valid? true, :count 26, :ok-count 26, :fail-count 0, :info-count 0, \
             :by-f {:echo {:valid? true, :count 26, :ok-count 26, :fail-count 0, :info-count 0}}}, \
             :valid? true}",
        )
        .unwrap();
        let expected = "\
{:stats {:valid? true,
         :count 26,
         :ok-count 26,
         :fail-count 0,
         :info-count 0,
         :by-f {:echo {:valid? true,
                       :count 26,
                       :ok-count 26,
                       :fail-count 0,
                       :info-count 0}}},
 :valid? true}";
        assert_eq!(to_pretty(&value), expected);
    }

    #[test]
    fn pretty_breaks_sequences_and_tagged_records() {
        let value = parse(
            "{:worst-stale ({:element 60, :known #jepsen.history.Op{:index 257, \
             :time 12589052839, :type :ok}} #{\"n1\" \"n2\"}), :lost ()}",
        )
        .unwrap();
        let expected = "\
{:worst-stale ({:element 60,
                :known #jepsen.history.Op{:index 257,
                                          :time 12589052839,
                                          :type :ok}}
               #{\"n1\" \"n2\"}),
 :lost ()}";
        assert_eq!(to_pretty(&value), expected);
        assert_eq!(parse(expected), Ok(value));
    }
}
