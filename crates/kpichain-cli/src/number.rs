//! Exact decimal numbers from text: `12.5`, `-3`, `.5`, `1.2e3`. Never through `f64`.

use kpichain::Decimal;

/// Parses a decimal number exactly, or says in words why the text is not one.
///
/// The reason starts with the quoted text, e.g. `"12,5" is not a decimal number (…)`.
pub fn parse_decimal(raw: &str) -> Result<Decimal, String> {
    let s = raw.trim();
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            unsigned.get(..at).unwrap_or(""),
            unsigned.get(at..).and_then(|e| e.get(1..)),
        ),
        None => (unsigned, None),
    };
    let mut int_digits = 0usize;
    let mut frac_digits = 0usize;
    let mut dot = false;
    let mut well_formed = !mantissa.is_empty();
    for c in mantissa.chars() {
        match c {
            '0'..='9' if dot => frac_digits = frac_digits.saturating_add(1),
            '0'..='9' => int_digits = int_digits.saturating_add(1),
            '.' if !dot => dot = true,
            _ => well_formed = false,
        }
    }
    if int_digits == 0 && frac_digits == 0 {
        well_formed = false;
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            well_formed = false;
        }
    }
    if !well_formed {
        return Err(not_a_number(s));
    }
    let text = s.strip_prefix('+').unwrap_or(s);
    let parsed = if exponent.is_some() {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| {
        format!("\"{s}\" does not fit a decimal exactly (at most 28 significant digits, magnitude below 7.9e28)")
    })
}

fn not_a_number(s: &str) -> String {
    let hint = if s.is_empty() {
        " (the cell is empty)"
    } else if s.contains(',') {
        " (use \".\" as the decimal point and no thousands separators)"
    } else if s.ends_with('%') {
        " (write the number without \"%\")"
    } else if !s.is_ascii() {
        " (only ASCII digits, \".\" and a sign are allowed)"
    } else {
        ""
    };
    format!("\"{s}\" is not a decimal number{hint}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn accepts_plain_and_scientific_decimals_exactly() {
        for (input, want) in [
            ("12.5", "12.5"),
            ("-3", "-3"),
            ("+7", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0.10", "0.10"),
            ("1.2e3", "1200"),
            ("0.1", "0.1"),
            (" 42 ", "42"),
        ] {
            assert_eq!(parse_decimal(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_decimal_with_a_reason() {
        assert_eq!(
            parse_decimal("12,5").unwrap_err(),
            "\"12,5\" is not a decimal number (use \".\" as the decimal point and no thousands separators)"
        );
        assert!(parse_decimal("95%").unwrap_err().contains("without \"%\""));
        for bad in [
            "", "abc", "1.2.3", "NaN", "inf", "1_000", "--1", "1e", "e5", ".", "１２",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
        assert!(
            parse_decimal("1234567890123456789012345678901234")
                .unwrap_err()
                .contains("does not fit")
        );
    }
}
