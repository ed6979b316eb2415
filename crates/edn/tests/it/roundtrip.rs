//! Property tests: generated values survive printing and reading back, and
//! no input, however broken, makes the reader panic.

use edn::{Value, parse, parse_all, parse_bytes, to_pretty};
use proptest::prelude::*;

/// Symbol names the reader reads back as symbols (not numbers, keywords,
/// `nil`/`true`/`false` or reader syntax).
fn symbol_name() -> impl Strategy<Value = String> {
    "[a-zA-Z*!_?<>=$&%.][a-zA-Z0-9*!_?<>=$&%.+'#-]{0,10}(/[a-zA-Z][a-zA-Z0-9?-]{0,8})?"
        .prop_filter("reserved word", |name| {
            !matches!(name.as_str(), "nil" | "true" | "false")
        })
}

fn keyword_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9*!_?<>=$&%.+-][a-zA-Z0-9*!_?<>=$&%.+'#-]{0,12}(/[a-zA-Z][a-zA-Z0-9?-]{0,8})?"
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        "-?[1-9][0-9]{0,30}".prop_map(Value::BigInt),
        any::<f64>()
            .prop_filter("NaN never equals itself", |x| !x.is_nan())
            .prop_map(Value::Float),
        (any::<i64>(), 1..=i64::MAX).prop_map(|(num, den)| Value::Ratio(num, den)),
        "-?[0-9]{1,6}(\\.[0-9]{0,6})?(E-?[0-9]{1,2})?".prop_map(Value::Decimal),
        any::<String>().prop_map(Value::Str),
        any::<char>().prop_map(Value::Char),
        keyword_name().prop_map(Value::Keyword),
        symbol_name().prop_map(Value::Symbol),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Vector),
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Set),
            prop::collection::vec((inner.clone(), inner.clone()), 0..8).prop_map(Value::Map),
            ("[a-zA-Z][a-zA-Z0-9.]{0,20}", inner)
                .prop_map(|(tag, form)| Value::Tagged(tag, Box::new(form))),
        ]
    })
}

/// Text made mostly of EDN syntax, to reach deeper into the reader than
/// uniformly random bytes do.
fn edn_like_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "[", "]", "(", ")", "{", "}", "#{", "#_", "##", "#", "\\", "\"", ";", ",", " ",
                "\n", ":", "/", ".", "-", "+", "N", "M", "E", "e", "u", "0", "7", "a", "nil",
                "\\u", "\\u00", "\\ud83d", "BIGINT", "Inf", "NaN", "é", "^", "'",
            ])
            .prop_map(str::to_string),
            any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn display_round_trips(value in value()) {
        let text = value.to_string();
        prop_assert_eq!(parse(&text), Ok(value), "{}", text);
    }

    #[test]
    fn pretty_round_trips(value in value()) {
        let text = to_pretty(&value);
        prop_assert_eq!(parse(&text), Ok(value), "{}", text);
    }

    #[test]
    fn parse_all_reads_back_a_sequence(values in prop::collection::vec(value(), 0..5)) {
        let text: String = values.iter().map(|v| format!("{v}\n")).collect();
        prop_assert_eq!(parse_all(&text), Ok(values));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Err(error) = parse_bytes(&bytes) {
            prop_assert!(error.offset <= bytes.len());
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let _ = parse(&text);
        let _ = parse_all(&text);
    }

    #[test]
    fn edn_like_text_never_panics(text in edn_like_text()) {
        for result in [parse(&text).map(|_| ()), parse_all(&text).map(|_| ())] {
            if let Err(error) = result {
                prop_assert!(error.offset <= text.len());
                prop_assert!(error.line >= 1 && error.column >= 1);
            }
        }
    }
}
