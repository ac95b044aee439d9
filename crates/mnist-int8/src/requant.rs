//! Requantization: an `i32` accumulator times a real multiplier, in integers only.
//!
//! The multiplier `M = s_in · s_w / s_out` is kept as a Q31 integer `m` and a shift `s`:
//! `M ≈ m · 2^−(31 + s)`. The product `acc · m` is exact in `i64` (at most 2⁶²), and the
//! division by `2^(31 + s)` rounds to nearest with ties away from zero, as gemmlowp's
//! `RoundingDivideByPOT` does, but in one step instead of gemmlowp's two (its doubling high
//! multiply rounds once more). The result saturates to `i32`.

use crate::types::{MAX_SHIFT, MIN_SHIFT};

/// `round(acc · multiplier / 2^(31 + shift))`, ties away from zero, saturated to `i32`;
/// `shift` is clamped to `MIN_SHIFT..=MAX_SHIFT`. No floats, no panics.
#[inline]
pub fn requantize(acc: i32, multiplier: i32, shift: i32) -> i32 {
    // 0..=62 after the clamp, so the shifts below are in range.
    let total = (31 + shift.clamp(MIN_SHIFT, MAX_SHIFT)) as u32;
    let product = i64::from(acc) * i64::from(multiplier);
    let magnitude = product.unsigned_abs();
    let rounded = if total == 0 {
        magnitude
    } else {
        // magnitude ≤ 2⁶², the half ≤ 2⁶¹: no overflow in u64.
        (magnitude + (1u64 << (total - 1))) >> total
    };
    if product < 0 {
        if rounded > 1u64 << 31 {
            i32::MIN
        } else {
            // 0..=2³¹ negated fits in i64, then in i32.
            (-(rounded as i64)) as i32
        }
    } else if rounded > i32::MAX as u64 {
        i32::MAX
    } else {
        rounded as i32
    }
}

/// The `(multiplier, shift)` for the real multiplier `real`: `multiplier` in `2³⁰..2³¹` (its
/// top bit set, 31 bits of precision), or `(0, 0)` when `real` is so small (under 2⁻³²) that
/// every `i32` accumulator would round to 0 anyway. `None` for a negative, non-finite, or too
/// large (≥ 2³¹) `real`.
#[cfg(feature = "std")]
pub fn quantize_multiplier(real: f64) -> Option<(i32, i32)> {
    if !real.is_finite() || real < 0.0 {
        return None;
    }
    let bits = real.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if real == 0.0 || biased == 0 {
        // Zero or subnormal (< 2⁻¹⁰²²).
        return Some((0, 0));
    }
    // real = fraction · 2^exponent with fraction in [0.5, 1).
    let mut exponent = biased - 1022;
    let fraction = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1022u64 << 52));
    let mut q = (fraction * (1u64 << 31) as f64).round() as i64;
    if q == 1i64 << 31 {
        q /= 2;
        exponent += 1;
    }
    let shift = -exponent;
    if shift > MAX_SHIFT {
        return Some((0, 0));
    }
    if shift < MIN_SHIFT {
        return None;
    }
    Some((q as i32, shift))
}

/// The real multiplier a `(multiplier, shift)` pair stands for.
pub fn multiplier_value(multiplier: i32, shift: i32) -> f64 {
    let mut value = f64::from(multiplier);
    // 2^−(31 + shift), built by halving/doubling: exact, and no powi (not in core).
    let total = 31 + shift.clamp(MIN_SHIFT, MAX_SHIFT);
    for _ in 0..total {
        value *= 0.5;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same rounding in i128 arithmetic, written the obvious way.
    fn reference(acc: i32, multiplier: i32, shift: i32) -> i32 {
        let total = 31 + shift;
        let product = i128::from(acc) * i128::from(multiplier);
        let divisor = 1i128 << total;
        let q = product.abs() / divisor;
        let r = product.abs() % divisor;
        let magnitude = if total > 0 && 2 * r >= divisor {
            q + 1
        } else {
            q
        };
        let signed = if product < 0 { -magnitude } else { magnitude };
        signed.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
    }

    #[test]
    fn matches_the_reference_on_edge_cases() {
        let accs = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            -3,
            127,
            -128,
            1 << 20,
            -(1 << 20),
            12_845_056,
            -12_845_056,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
        ];
        let multipliers = [0, 1, 1 << 30, (1 << 30) + 12345, i32::MAX];
        for &acc in &accs {
            for &m in &multipliers {
                for shift in MIN_SHIFT..=MAX_SHIFT {
                    assert_eq!(
                        requantize(acc, m, shift),
                        reference(acc, m, shift),
                        "acc {acc} m {m} shift {shift}"
                    );
                }
            }
        }
    }

    #[test]
    fn ties_round_away_from_zero_and_large_values_saturate() {
        // multiplier 2³⁰, shift 0: M = 0.5.
        let half = 1 << 30;
        assert_eq!(requantize(3, half, 0), 2); // 1.5 → 2
        assert_eq!(requantize(-3, half, 0), -2); // −1.5 → −2
        assert_eq!(requantize(5, half, 0), 3); // 2.5 → 3
        assert_eq!(requantize(-5, half, 0), -3);
        assert_eq!(requantize(4, half, 0), 2);
        // M = 0.5 · 2 = 1 with shift −1: identity.
        assert_eq!(requantize(i32::MAX, half, -1), i32::MAX);
        assert_eq!(requantize(i32::MIN, half, -1), i32::MIN);
        // M ≈ 2³⁰: saturates both ways.
        assert_eq!(requantize(7, i32::MAX, MIN_SHIFT), i32::MAX);
        assert_eq!(requantize(-7, i32::MAX, MIN_SHIFT), i32::MIN);
        assert_eq!(requantize(i32::MIN, i32::MAX, MIN_SHIFT), i32::MIN);
        // Out-of-range shifts are clamped, not a panic.
        assert_eq!(
            requantize(1 << 20, half, 1000),
            requantize(1 << 20, half, 31)
        );
        assert_eq!(requantize(3, half, -1000), requantize(3, half, MIN_SHIFT));
    }

    #[test]
    fn agrees_with_floating_point_where_that_is_exact() {
        // Small products are exact in f64, so round-half-away in f64 is the truth.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let acc = (state as i32) >> 8; // |acc| < 2²³
            let m = ((state >> 32) as i32 & 0x3fff_ffff) | 0x4000_0000;
            let shift = ((state >> 16) % 20) as i32;
            let exact = f64::from(acc) * f64::from(m) / 2f64.powi(31 + shift);
            let expected = exact.round() as i32; // f64::round: ties away from zero
            assert_eq!(requantize(acc, m, shift), expected, "{acc} {m} {shift}");
        }
    }

    #[cfg(feature = "std")]
    #[test]
    fn quantize_multiplier_round_trips() {
        for real in [
            1e-9,
            1e-5,
            0.000_123,
            0.01,
            0.25,
            0.5,
            0.75,
            0.999_999_999_9,
            1.0,
            3.5,
            1e6,
        ] {
            let (m, s) = quantize_multiplier(real).expect("in range");
            assert!((1 << 30..=i32::MAX).contains(&m), "{real}: {m}");
            assert!((MIN_SHIFT..=MAX_SHIFT).contains(&s));
            let back = multiplier_value(m, s);
            assert!(((back - real) / real).abs() < 1e-9, "{real} → {back}");
        }
        assert_eq!(quantize_multiplier(0.0), Some((0, 0)));
        assert_eq!(quantize_multiplier(1e-20), Some((0, 0)));
        assert_eq!(quantize_multiplier(-1.0), None);
        assert_eq!(quantize_multiplier(f64::NAN), None);
        assert_eq!(quantize_multiplier(f64::INFINITY), None);
        assert_eq!(quantize_multiplier(4e9), None);
        // 0.5 exactly: fraction 0.5, multiplier 2³⁰.
        assert_eq!(quantize_multiplier(0.5), Some((1 << 30, 0)));
    }
}
