//! Numbers Maelstrom computes as 32-bit floats (`:ok-fraction`,
//! `:msgs-per-op`) and prints with a float's digits (`2.0769231`, not the
//! double `2.076923076923077`).

use edn::Value;

/// `numerator / denominator` rounded to a 32-bit float, as Clojure's
/// `(float (/ n d))` does, carried in an EDN float whose shortest printed
/// form is the 32-bit float's digits.
///
/// The division happens in 64 bits and is then narrowed, like Java's
/// `Ratio.floatValue`, rather than dividing two 32-bit floats.
pub fn float32_ratio(numerator: u64, denominator: u64) -> Value {
    float32_value((numerator as f64 / denominator as f64) as f32)
}

/// A 32-bit float as an EDN float that prints with the same shortest digits.
pub fn float32_value(x: f32) -> Value {
    // Round-trip through the float's shortest decimal form: the nearest
    // double to those digits prints back as exactly those digits.
    let digits = x.to_string();
    Value::Float(digits.parse::<f64>().unwrap_or(f64::from(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_keep_32_bit_digits() {
        assert_eq!(float32_ratio(54, 26), Value::Float(2.0769231));
        assert_eq!(float32_ratio(976, 981), Value::Float(0.99490315));
        assert_eq!(float32_ratio(3, 4), Value::Float(0.75));
        assert_eq!(float32_ratio(5, 5), Value::Float(1.0));
    }

    #[test]
    fn non_finite_values_survive() {
        assert_eq!(float32_value(f32::INFINITY), Value::Float(f64::INFINITY));
        assert!(matches!(float32_value(f32::NAN), Value::Float(x) if x.is_nan()));
    }
}
