use super::*;

fn kw(name: &str) -> Value {
    Value::kw(name)
}

fn err(text: &str) -> Error {
    parse(text).expect_err(text)
}

#[test]
fn scalars() {
    assert_eq!(parse("nil"), Ok(Value::Nil));
    assert_eq!(parse(" true "), Ok(Value::Bool(true)));
    assert_eq!(parse("false"), Ok(Value::Bool(false)));
    assert_eq!(parse("-5"), Ok(Value::Int(-5)));
    assert_eq!(parse("+7"), Ok(Value::Int(7)));
    assert_eq!(parse("12589052839"), Ok(Value::Int(12_589_052_839)));
    assert_eq!(parse(":valid?"), Ok(kw("valid?")));
    assert_eq!(
        parse(":maelstrom.client/timeout"),
        Ok(kw("maelstrom.client/timeout"))
    );
    assert_eq!(
        parse("clojure.core$ex_info"),
        Ok(Value::Symbol("clojure.core$ex_info".into()))
    );
    assert_eq!(parse("<init>"), Ok(Value::Symbol("<init>".into())));
    assert_eq!(parse("-"), Ok(Value::Symbol("-".into())));
}

#[test]
fn big_numbers() {
    assert_eq!(
        parse("123456789012345678901"),
        Ok(Value::BigInt("123456789012345678901".into()))
    );
    assert_eq!(parse("5N"), Ok(Value::BigInt("5".into())));
    assert_eq!(parse("+5N"), Ok(Value::BigInt("5".into())));
    assert_eq!(
        parse("-99999999999999999999BIGINT"),
        Ok(Value::BigInt("-99999999999999999999".into()))
    );
    assert_eq!(parse("1.5M"), Ok(Value::Decimal("1.5".into())));
    assert_eq!(parse("3M"), Ok(Value::Decimal("3".into())));
    assert_eq!(parse("9223372036854775807"), Ok(Value::Int(i64::MAX)));
    assert_eq!(parse("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
}

#[test]
fn floats_and_ratios() {
    assert_eq!(parse("65.121605"), Ok(Value::Float(65.121605)));
    assert_eq!(parse("1.0E-4"), Ok(Value::Float(1.0e-4)));
    assert_eq!(parse("3.2E10"), Ok(Value::Float(3.2e10)));
    assert_eq!(parse("1e3"), Ok(Value::Float(1000.0)));
    assert_eq!(parse("-2."), Ok(Value::Float(-2.0)));
    assert_eq!(parse("##Inf"), Ok(Value::Float(f64::INFINITY)));
    assert_eq!(parse("##-Inf"), Ok(Value::Float(f64::NEG_INFINITY)));
    assert!(matches!(parse("##NaN"), Ok(Value::Float(x)) if x.is_nan()));
    assert_eq!(parse("11/2"), Ok(Value::Ratio(11, 2)));
    assert_eq!(parse("-1/3"), Ok(Value::Ratio(-1, 3)));
    for bad in ["1/0", "1/-2", "1.2.3", "1e", "1x", "0x10", "1/2/3", "1e+"] {
        assert_eq!(err(bad).kind, ErrorKind::InvalidNumber(bad.into()), "{bad}");
    }
}

#[test]
fn strings_and_escapes() {
    assert_eq!(
        parse(r#""Please echo 42""#),
        Ok(Value::Str("Please echo 42".into()))
    );
    assert_eq!(
        parse(r#""a\"b\\c\nd\te\rf\bg\fh""#),
        Ok(Value::Str("a\"b\\c\nd\te\rf\u{8}g\u{c}h".into()))
    );
    assert_eq!(parse(r#""\u00e9\u2018""#), Ok(Value::Str("é‘".into())));
    assert_eq!(parse(r#""\ud83d\ude00""#), Ok(Value::Str("😀".into())));
    assert_eq!(
        parse("\"ヽ(‘ー`)ノ\nx\""),
        Ok(Value::Str("ヽ(‘ー`)ノ\nx".into()))
    );
    assert!(matches!(err(r#""\q""#).kind, ErrorKind::InvalidEscape(_)));
    assert!(matches!(
        err(r#""\ud83d""#).kind,
        ErrorKind::InvalidEscape(_)
    ));
    assert!(matches!(err(r#""\u12""#).kind, ErrorKind::InvalidEscape(_)));
}

#[test]
fn characters() {
    let cases = [
        ("\\a", 'a'),
        ("\\newline", '\n'),
        ("\\space", ' '),
        ("\\tab", '\t'),
        ("\\u00e9", 'é'),
        ("\\o101", 'A'),
        ("\\(", '('),
        ("\\u", 'u'),
        ("\\é", 'é'),
    ];
    for (text, c) in cases {
        assert_eq!(parse(text), Ok(Value::Char(c)), "{text}");
    }
    assert_eq!(
        parse("[\\a\\b]"),
        Ok(Value::Vector(vec![Value::Char('a'), Value::Char('b')]))
    );
    assert_eq!(parse("(\\))"), Ok(Value::List(vec![Value::Char(')')])));
    assert!(matches!(err("\\newlin").kind, ErrorKind::InvalidChar(_)));
    assert!(matches!(err("\\ud800").kind, ErrorKind::InvalidChar(_)));
    assert!(matches!(err("\\u+fff").kind, ErrorKind::InvalidChar(_)));
    assert_eq!(err("\\").kind, ErrorKind::UnexpectedEnd("\\"));
}

#[test]
fn collections() {
    assert_eq!(
        parse("(0 2 3)"),
        Ok(Value::List(vec![
            Value::Int(0),
            Value::Int(2),
            Value::Int(3)
        ]))
    );
    assert_eq!(parse("()"), Ok(Value::List(vec![])));
    assert_eq!(
        parse("[[2 9] []]"),
        Ok(Value::Vector(vec![
            Value::Vector(vec![Value::Int(2), Value::Int(9)]),
            Value::Vector(vec![])
        ]))
    );
    assert_eq!(
        parse(r#"{:a 1, "0" [], 0.5 88, [1 2] 3, nil 4}"#),
        Ok(Value::map([
            (kw("a"), Value::Int(1)),
            (Value::from("0"), Value::Vector(vec![])),
            (Value::Float(0.5), Value::Int(88)),
            (
                Value::Vector(vec![Value::Int(1), Value::Int(2)]),
                Value::Int(3)
            ),
            (Value::Nil, Value::Int(4)),
        ]))
    );
    assert_eq!(
        parse(r#"#{"n3" "n4"}"#),
        Ok(Value::Set(vec!["n3".into(), "n4".into()]))
    );
    assert_eq!(parse("#{}"), Ok(Value::Set(vec![])));
}

#[test]
fn tagged_literals() {
    assert_eq!(
        parse("#jepsen.history.Op{:index 3, :f :add}"),
        Ok(Value::Tagged(
            "jepsen.history.Op".into(),
            Box::new(Value::map([
                (kw("index"), Value::Int(3)),
                (kw("f"), kw("add"))
            ]))
        ))
    );
    assert_eq!(
        parse(r#"#object[java.lang.Object "0x1b2c3d4e" "java.lang.Object@1b2c3d4e"]"#),
        Ok(Value::Tagged(
            "object".into(),
            Box::new(Value::Vector(vec![
                Value::Symbol("java.lang.Object".into()),
                "0x1b2c3d4e".into(),
                "java.lang.Object@1b2c3d4e".into()
            ]))
        ))
    );
    assert_eq!(
        parse(r#"#inst "2024-03-07""#),
        Ok(Value::Tagged("inst".into(), Box::new("2024-03-07".into())))
    );
    assert_eq!(err("#foo").kind, ErrorKind::UnexpectedEnd("tag"));
    assert_eq!(err("#\"x\"").kind, ErrorKind::Unsupported("#\"".into()));
    assert_eq!(
        err("##Infinity").kind,
        ErrorKind::InvalidToken("##Infinity".into())
    );
}

#[test]
fn comments_and_discard() {
    assert_eq!(
        parse("; header\n[1 #_2 3 ; three\n #_ #_ 4 5 6]"),
        Ok(Value::Vector(vec![
            Value::Int(1),
            Value::Int(3),
            Value::Int(6)
        ]))
    );
    assert_eq!(parse("#_[1 2] :x"), Ok(kw("x")));
    assert_eq!(err("#_ :x").kind, ErrorKind::Empty);
    assert_eq!(err("[1 #_]").kind, ErrorKind::UnmatchedDelimiter(']'));
    assert_eq!(err("#_").kind, ErrorKind::UnexpectedEnd("#_"));
}

#[test]
fn parse_all_reads_one_value_per_line() {
    let text = "{:index 0, :f :echo}\n{:index 1, :f :echo}\n\n";
    let ops = parse_all(text).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[1].get_kw("index"), Some(&Value::Int(1)));
    assert_eq!(parse_all("  ; nothing\n"), Ok(vec![]));
}

#[test]
fn errors_carry_position() {
    let e = err("{:a 1,\n :b \"open\n");
    assert_eq!((e.line, e.column, e.offset), (2, 5, 11));
    assert_eq!(e.kind, ErrorKind::Unterminated("string"));
    assert_eq!(
        e.to_string(),
        "line 2, column 5 (byte 11): unterminated string"
    );
    let e = err("[1 2");
    assert_eq!((e.offset, e.kind), (0, ErrorKind::Unterminated("vector")));
    let e = err("é é");
    assert_eq!((e.line, e.column, e.offset), (1, 3, 3));
    assert_eq!(e.kind, ErrorKind::TrailingData);
    assert_eq!(err("").kind, ErrorKind::Empty);
    assert_eq!(err("(1]").kind, ErrorKind::UnmatchedDelimiter(']'));
    assert_eq!(err("{:a}").kind, ErrorKind::OddMap);
    assert_eq!(err(":").kind, ErrorKind::InvalidToken(":".into()));
    assert_eq!(err("^:meta x").kind, ErrorKind::Unsupported("^".into()));
}

#[test]
fn invalid_utf8_reports_its_offset() {
    let e = parse_bytes(b"[1\n \"a\xff\"]").unwrap_err();
    assert_eq!((e.line, e.column, e.offset), (2, 4, 6));
    assert_eq!(e.kind, ErrorKind::InvalidUtf8);
    assert_eq!(parse_bytes(b"[1]"), Ok(Value::Vector(vec![Value::Int(1)])));
}

#[test]
fn nesting_is_limited() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let e = err(&too_deep);
    assert_eq!((e.kind, e.offset), (ErrorKind::TooDeep, MAX_DEPTH));
    assert_eq!(err(&"#_".repeat(100_000)).kind, ErrorKind::TooDeep);
    assert_eq!(err(&"#a ".repeat(100_000)).kind, ErrorKind::TooDeep);
}
