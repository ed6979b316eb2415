//! Recursive-descent EDN reader.
//!
//! Reads the dialect Jepsen writes (results.md §3) plus the rest of EDN:
//! tagged literals, `#_` discard, `;` comments, characters, ratios, big
//! integers and decimals. It never panics and never recurses deeper than
//! [`MAX_DEPTH`]; every error names the line, column and byte offset. It does
//! not evaluate anything and rejects Clojure-only syntax (metadata, regexes,
//! reader conditionals, quoting).

use crate::Value;

/// Deepest nesting of collections, tags and discards accepted; deeper input
/// is an error rather than a stack overflow.
pub const MAX_DEPTH: usize = 512;

/// A reading failure at a known place in the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column} (byte {offset}): {kind}")]
pub struct Error {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// 0-based byte offset into the input.
    pub offset: usize,
    pub kind: ErrorKind,
}

/// What went wrong; see [`Error`] for where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("no value in input")]
    Empty,
    #[error("unexpected data after the value")]
    TrailingData,
    #[error("unexpected end of input after `{0}`")]
    UnexpectedEnd(&'static str),
    /// The offset points at the opening quote or bracket.
    #[error("unterminated {0}")]
    Unterminated(&'static str),
    #[error("unmatched delimiter `{0}`")]
    UnmatchedDelimiter(char),
    #[error("map literal has a key without a value")]
    OddMap,
    #[error("invalid number `{0}`")]
    InvalidNumber(String),
    #[error("invalid string escape `{0}`")]
    InvalidEscape(String),
    #[error("invalid character literal `\\{0}`")]
    InvalidChar(String),
    #[error("invalid token `{0}`")]
    InvalidToken(String),
    #[error("unsupported syntax `{0}`")]
    Unsupported(String),
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("invalid UTF-8")]
    InvalidUtf8,
}

/// Reads exactly one value; surrounding whitespace and comments are allowed.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader::new(text);
    reader.skip_whitespace()?;
    if reader.at_end() {
        return Err(reader.error_at(reader.pos, ErrorKind::Empty));
    }
    let value = reader.value()?;
    reader.skip_whitespace()?;
    if !reader.at_end() {
        return Err(reader.error_at(reader.pos, ErrorKind::TrailingData));
    }
    Ok(value)
}

/// Reads a sequence of values, e.g. a `history.edn` with one op per line.
pub fn parse_all(text: &str) -> Result<Vec<Value>, Error> {
    let mut reader = Reader::new(text);
    let mut values = Vec::new();
    loop {
        reader.skip_whitespace()?;
        if reader.at_end() {
            return Ok(values);
        }
        values.push(reader.value()?);
    }
}

/// Like [`parse`], for raw bytes: invalid UTF-8 is an error at its byte offset.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => Err(error_in(bytes, e.valid_up_to(), ErrorKind::InvalidUtf8)),
    }
}

/// Builds an error, computing line and column from the bytes before `offset`.
fn error_in(bytes: &[u8], offset: usize, kind: ErrorKind) -> Error {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    Error {
        line,
        column,
        offset,
        kind,
    }
}

/// Bytes that end a token (besides whitespace); as in Clojure, a backslash
/// starts a new character literal.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';' | b'\\'
    )
}

/// EDN whitespace: ASCII whitespace and the comma.
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' | b',')
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error_at(&self, offset: usize, kind: ErrorKind) -> Error {
        error_in(self.bytes, offset, kind)
    }

    /// Skips whitespace, `;` comments and `#_`-discarded forms.
    fn skip_whitespace(&mut self) -> Result<(), Error> {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b';' {
                self.skip_line();
            } else if b == b'#' && self.bytes.get(self.pos + 1) == Some(&b'_') {
                let start = self.pos;
                self.pos += 2;
                self.nested(start, |r| {
                    r.skip_whitespace()?;
                    if r.at_end() {
                        return Err(r.error_at(start, ErrorKind::UnexpectedEnd("#_")));
                    }
                    r.value().map(drop)
                })?;
            } else {
                break;
            }
        }
        Ok(())
    }

    fn skip_line(&mut self) {
        self.pos = self.bytes[self.pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| self.pos + i);
    }

    /// Runs `read` one nesting level deeper, refusing to pass [`MAX_DEPTH`];
    /// `start` is where the nested form opens, for the error.
    fn nested<T>(
        &mut self,
        start: usize,
        read: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(start, ErrorKind::TooDeep));
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    /// Reads one value; the caller has skipped whitespace and checked for input.
    fn value(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        match self.bytes[start] {
            b'(' => self.collection(b')', "list").map(Value::List),
            b'[' => self.collection(b']', "vector").map(Value::Vector),
            b'{' => self.map(),
            b'"' => self.string(),
            b'\\' => self.character(),
            b'#' => self.dispatch(),
            b @ (b')' | b']' | b'}') => {
                Err(self.error_at(start, ErrorKind::UnmatchedDelimiter(b as char)))
            }
            b @ (b'^' | b'\'' | b'`' | b'~' | b'@') => {
                Err(self.error_at(start, ErrorKind::Unsupported((b as char).to_string())))
            }
            _ => self.atom(),
        }
    }

    /// Reads items up to `close`; `self.pos` is on the opening bracket, which
    /// may be one or two bytes long (`#{`).
    fn collection(&mut self, close: u8, what: &'static str) -> Result<Vec<Value>, Error> {
        let open = self.pos;
        self.pos += if self.bytes[open] == b'#' { 2 } else { 1 };
        self.nested(open, |r| {
            let mut items = Vec::new();
            loop {
                r.skip_whitespace()?;
                match r.peek() {
                    None => return Err(r.error_at(open, ErrorKind::Unterminated(what))),
                    Some(b) if b == close => {
                        r.pos += 1;
                        return Ok(items);
                    }
                    Some(_) => items.push(r.value()?),
                }
            }
        })
    }

    fn map(&mut self) -> Result<Value, Error> {
        let open = self.pos;
        let mut items = self.collection(b'}', "map")?.into_iter();
        let mut entries = Vec::with_capacity(items.len() / 2);
        while let Some(key) = items.next() {
            let value = items
                .next()
                .ok_or_else(|| self.error_at(open, ErrorKind::OddMap))?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }

    /// `#` forms: sets, `##Inf`-style values and tagged literals (`#_` is
    /// handled as whitespace).
    fn dispatch(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        match self.bytes.get(start + 1) {
            Some(b'{') => self.collection(b'}', "set").map(Value::Set),
            Some(b'#') => {
                self.pos += 2;
                let name = self.token();
                let value = match name {
                    "Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    "NaN" => f64::NAN,
                    _ => {
                        let kind = ErrorKind::InvalidToken(format!("##{name}"));
                        return Err(self.error_at(start, kind));
                    }
                };
                Ok(Value::Float(value))
            }
            Some(b) if b.is_ascii_alphabetic() => {
                self.pos += 1;
                let tag = self.token().to_string();
                self.nested(start, |r| {
                    r.skip_whitespace()?;
                    if r.at_end() {
                        return Err(r.error_at(start, ErrorKind::UnexpectedEnd("tag")));
                    }
                    Ok(Value::Tagged(tag, Box::new(r.value()?)))
                })
            }
            None => Err(self.error_at(start, ErrorKind::UnexpectedEnd("#"))),
            Some(_) => {
                let text = self.text[start..].chars().take(2).collect();
                Err(self.error_at(start, ErrorKind::Unsupported(text)))
            }
        }
    }

    /// Consumes and returns bytes up to the next delimiter or whitespace.
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        // Delimiters are ASCII, so both ends are character boundaries.
        &self.text[start..self.pos]
    }

    /// A token that is not a collection, string or character: nil, booleans,
    /// numbers, keywords and symbols.
    fn atom(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let token = self.token();
        let starts_number = matches!(
            token.as_bytes(),
            [b'0'..=b'9', ..] | [b'+' | b'-', b'0'..=b'9', ..]
        );
        if starts_number {
            return parse_number(token)
                .ok_or_else(|| self.error_at(start, ErrorKind::InvalidNumber(token.to_string())));
        }
        Ok(match token {
            "nil" => Value::Nil,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => match token.strip_prefix(':') {
                Some("") => {
                    return Err(self.error_at(start, ErrorKind::InvalidToken(":".to_string())));
                }
                Some(name) => Value::Keyword(name.to_string()),
                None => Value::Symbol(token.to_string()),
            },
        })
    }

    fn string(&mut self) -> Result<Value, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            let run_len = self.bytes[run_start..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\');
            let Some(run_len) = run_len else {
                return Err(self.error_at(open, ErrorKind::Unterminated("string")));
            };
            self.pos += run_len;
            out.push_str(&self.text[run_start..self.pos]);
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(Value::Str(out));
            }
            out.push(self.string_escape()?);
        }
    }

    /// Reads the escape at `self.pos` (on the backslash) inside a string.
    fn string_escape(&mut self) -> Result<char, Error> {
        let start = self.pos;
        let Some(&code) = self.bytes.get(start + 1) else {
            return Err(self.error_at(start, ErrorKind::Unterminated("string")));
        };
        self.pos += 2;
        let simple = match code {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            _ => None,
        };
        if let Some(c) = simple {
            return Ok(c);
        }
        let bad_escape = |r: &Self| {
            let shown = r.text[start..].chars().take(6).collect();
            r.error_at(start, ErrorKind::InvalidEscape(shown))
        };
        if code != b'u' {
            return Err(bad_escape(self));
        }
        let unit = self.hex4().ok_or_else(|| bad_escape(self))?;
        if (0xD800..0xDC00).contains(&unit) {
            // A high surrogate must be followed by an escaped low surrogate.
            if self.bytes[self.pos..].starts_with(b"\\u") {
                self.pos += 2;
                if let Some(low @ 0xDC00..0xE000) = self.hex4() {
                    let code_point = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code_point).ok_or_else(|| bad_escape(self));
                }
            }
            return Err(bad_escape(self));
        }
        char::from_u32(unit).ok_or_else(|| bad_escape(self))
    }

    /// Reads four hex digits at `self.pos`.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let digits = std::str::from_utf8(digits).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// `\a`, `\newline`, `\u00e9`, ...: the first character after the
    /// backslash is always taken, even a delimiter such as `\(`.
    fn character(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.pos += 1;
        let Some(first) = self.text[self.pos..].chars().next() else {
            return Err(self.error_at(start, ErrorKind::UnexpectedEnd("\\")));
        };
        self.pos += first.len_utf8();
        let rest = self.token();
        if rest.is_empty() {
            return Ok(Value::Char(first));
        }
        let name = &self.text[start + 1..self.pos];
        let named = match name {
            "newline" => Some('\n'),
            "space" => Some(' '),
            "tab" => Some('\t'),
            "return" => Some('\r'),
            "backspace" => Some('\u{8}'),
            "formfeed" => Some('\u{c}'),
            // `\uXXXX` (hex) and `\oNNN` (octal, at most 0o377); the explicit
            // digit check keeps `from_str_radix` from accepting a sign.
            _ if rest.bytes().all(|b| b.is_ascii_hexdigit()) => match (first, rest.len()) {
                ('u', 4) => u32::from_str_radix(rest, 16).ok(),
                ('o', 1..=3) => u32::from_str_radix(rest, 8).ok().filter(|&c| c <= 0o377),
                _ => None,
            }
            .and_then(char::from_u32),
            _ => None,
        };
        named
            .map(Value::Char)
            .ok_or_else(|| self.error_at(start, ErrorKind::InvalidChar(name.to_string())))
    }
}

/// Numbers: `42`, `-5`, `123N`, `123BIGINT`, `1.5`, `1.0E-4`, `1.5M`, `11/2`.
fn parse_number(token: &str) -> Option<Value> {
    if let Some(digits) = token
        .strip_suffix("BIGINT")
        .or_else(|| token.strip_suffix('N'))
    {
        return is_integer(digits).then(|| Value::BigInt(without_plus(digits).to_string()));
    }
    if let Some(text) = token.strip_suffix('M') {
        return (is_integer(text) || is_float(text))
            .then(|| Value::Decimal(without_plus(text).to_string()));
    }
    if let Some((num, den)) = token.split_once('/') {
        let den_digits = den.bytes().all(|b| b.is_ascii_digit()) && !den.is_empty();
        if !is_integer(num) || !den_digits {
            return None;
        }
        let den: i64 = den.parse().ok().filter(|&d| d != 0)?;
        return Some(Value::Ratio(num.parse().ok()?, den));
    }
    if is_integer(token) {
        return Some(match token.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => Value::BigInt(without_plus(token).to_string()),
        });
    }
    if is_float(token) {
        return token.parse().ok().map(Value::Float);
    }
    None
}

fn without_plus(text: &str) -> &str {
    text.strip_prefix('+').unwrap_or(text)
}

/// Splits off an optional sign and a run of digits; returns the rest.
fn signed_digits(text: &str) -> Option<&str> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &unsigned[digits..])
}

fn is_integer(text: &str) -> bool {
    signed_digits(text) == Some("")
}

/// `digits[.digits*][(e|E)[sign]digits]` with a fraction or an exponent.
fn is_float(text: &str) -> bool {
    let Some(mut rest) = signed_digits(text) else {
        return false;
    };
    let mut seen_point_or_exponent = false;
    if let Some(after_point) = rest.strip_prefix('.') {
        rest = after_point.trim_start_matches(|c: char| c.is_ascii_digit());
        seen_point_or_exponent = true;
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        rest = match signed_digits(exponent) {
            Some(after) => after,
            None => return false,
        };
        seen_point_or_exponent = true;
    }
    seen_point_or_exponent && rest.is_empty()
}

#[cfg(test)]
mod tests;
