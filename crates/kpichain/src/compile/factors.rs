//! Factors precomputed for the fast path: exact reciprocals and an item's numbers in fixed
//! point, so that scoring multiplies where the plain formula divides, with identical results.

use crate::decimal::{self as dec, HUNDRED, exact_quotient};
use crate::fixed::Fx;
use crate::model::{Direction, Over};
use rust_decimal::Decimal;

use super::compiled::{CItem, CRule};

/// Factors precomputed at compile time when they are exact (a terminating decimal), so that a
/// division becomes a multiplication giving the identical result. A shortcut: used only while
/// [`fixed::enabled`](crate::fixed::enabled), and only where the result is provably the plain formula's, bit for bit
/// (see [`achievement`](crate::evaluate::rules::achievement) and [`score_fast`](crate::evaluate::rules::score_fast)).
#[derive(Debug, Clone, Default)]
pub(crate) struct Factors {
    /// 100 ÷ target, for higher-is-better achievement.
    pub(crate) achievement: Option<Decimal>,
    /// The item's numbers in fixed point, when it can be scored on the fast path.
    pub(crate) fast: Option<FastItem>,
}

impl Factors {
    pub(crate) fn new(item: &CItem) -> Factors {
        let mut f = Factors::default();
        if let Some(t) = item.target {
            if item.direction == Direction::HigherIsBetter && t > Decimal::ZERO {
                f.achievement = exact_quotient(HUNDRED, t);
            }
        }
        f.fast = FastItem::new(item, &f);
        f
    }
}

/// An item's plan numbers in fixed point ([`Fx`]), precomputed for [`score_fast`](crate::evaluate::rules::score_fast); absent when
/// the item can never be scored there (a rule with a division, achievement that needs one, a
/// number that does not fit 63 bits).
#[derive(Debug, Clone)]
pub(crate) struct FastItem {
    /// 100 ÷ target: achievement is actual × this; `None` when achievement is undefined.
    pub(crate) achievement: Option<Fx>,
    /// The target as written (for pass/fail: zero when there is none).
    pub(crate) target: Fx,
    /// The item's weight.
    pub(crate) weight: Option<Fx>,
    pub(crate) rule: FastRule,
}

/// A rule's numbers in fixed point.
#[derive(Debug, Clone)]
pub(crate) enum FastRule {
    Linear {
        lower: bool,
        /// Direction-adjusted threshold and target, when both are given.
        bounds: Option<(Fx, Fx)>,
        /// Direction-adjusted stretch value.
        stretch: Option<Fx>,
        /// From the floor score at the threshold to the target score at the target.
        lower_slope: Option<Slope>,
        /// From the target score at the target to the stretch score at the stretch value.
        upper_slope: Option<Slope>,
        /// The score strictly beyond the threshold, when it differs from `floor_score`.
        below_score: Option<Fx>,
        floor_score: Fx,
        target_score: Fx,
        stretch_score: Fx,
    },
    Ratio {
        floor: Fx,
        cap: Option<Fx>,
    },
    /// Bands `[from, to)` or lookup rows `[min, max]` (`inclusive`), with their scores.
    Table {
        over: Over,
        inclusive: bool,
        rows: Vec<(Option<Fx>, Option<Fx>, Fx)>,
    },
    PassFail {
        higher: bool,
        pass: Fx,
        fail: Fx,
    },
    Deduction {
        start: Fx,
        points: Fx,
        floor: Fx,
    },
}

/// One piece of a linear rule, `rise` score points over a `run` of direction-adjusted values,
/// for the fast path: the plain formula `((d × rise) ÷ run).normalize()` by one multiplication.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slope {
    /// rise ÷ run, exact (a terminating decimal).
    pub(crate) slope: Fx,
    /// The rise, to check that the plain formula's product `d × rise` is exact.
    pub(crate) rise: Fx,
}

impl Slope {
    /// The piece between the points `(from, from_score)` and `(to, to_score)`, on
    /// direction-adjusted values as `linear` computes them; `None` when the slope does not
    /// terminate or a number does not fit 63 bits.
    fn new(from: Decimal, to: Decimal, from_score: Decimal, to_score: Decimal) -> Option<Slope> {
        let run = to.checked_sub(from)?;
        let rise = to_score.checked_sub(from_score)?;
        Some(Slope {
            slope: Fx::of(exact_quotient(rise, run)?)?,
            rise: Fx::of(rise)?,
        })
    }

    /// `((d × rise) ÷ run).normalize()` as `linear` computes it, bit for bit, or `None` when
    /// that cannot be promised (the product `d × rise` would be rounded, or passes 63 bits).
    ///
    /// When `d × rise` is exact, the quotient is the exact value `d × slope` (rust_decimal's
    /// division is exact when the quotient fits), and normalized both are that value with the
    /// fewest places (a zero is +0 at scale 0).
    #[inline(always)]
    pub(crate) fn apply(self, d: Fx) -> Option<Fx> {
        if !d.mul_is_exact_in_decimal(self.rise) {
            return None;
        }
        d.mul(self.slope)?.trim_zeros_to(0)
    }
}

fn fx_opt(d: Option<Decimal>) -> Option<Option<Fx>> {
    match d {
        Some(d) => Fx::of(d).map(Some),
        None => Some(None),
    }
}

impl FastItem {
    fn new(item: &CItem, f: &Factors) -> Option<FastItem> {
        let higher = item.direction == Direction::HigherIsBetter;
        let achievement = match item.target {
            Some(t) if !t.is_zero() => {
                // Only higher-is-better over a positive target has an exact multiplication.
                if !(higher && t.is_sign_positive()) {
                    return None;
                }
                Some(Fx::of(f.achievement?)?)
            }
            _ => None,
        };
        let flip = |x: Fx| if higher { x } else { x.neg() };
        // As `linear` adjusts them, in `Decimal`.
        let flip_dec = |x: Decimal| if higher { x } else { dec::neg(x) };
        let rule = match &item.rule {
            CRule::Linear(r) => FastRule::Linear {
                lower: !higher,
                bounds: match (item.threshold, item.target) {
                    (Some(th), Some(tg)) => Some((flip(Fx::of(th)?), flip(Fx::of(tg)?))),
                    _ => None,
                },
                stretch: fx_opt(item.stretch)?.map(flip),
                lower_slope: item.threshold.zip(item.target).and_then(|(th, tg)| {
                    Slope::new(flip_dec(th), flip_dec(tg), r.floor_score, r.target_score)
                }),
                upper_slope: item.target.zip(item.stretch).and_then(|(tg, st)| {
                    Slope::new(flip_dec(tg), flip_dec(st), r.target_score, r.stretch_score)
                }),
                below_score: fx_opt(r.below_score)?,
                floor_score: Fx::of(r.floor_score)?,
                target_score: Fx::of(r.target_score)?,
                stretch_score: Fx::of(r.stretch_score)?,
            },
            CRule::Ratio(r) => FastRule::Ratio {
                floor: Fx::of(r.floor)?,
                cap: fx_opt(r.cap)?,
            },
            CRule::Bands { over, bands, .. } => FastRule::Table {
                over: *over,
                inclusive: false,
                rows: bands
                    .iter()
                    .map(|b| Some((fx_opt(b.from)?, fx_opt(b.to)?, Fx::of(b.score)?)))
                    .collect::<Option<_>>()?,
            },
            CRule::Lookup(r) => FastRule::Table {
                over: r.over,
                inclusive: true,
                rows: r
                    .rows
                    .iter()
                    .map(|b| Some((fx_opt(b.min)?, fx_opt(b.max)?, Fx::of(b.score)?)))
                    .collect::<Option<_>>()?,
            },
            CRule::PassFail(r) => FastRule::PassFail {
                higher,
                pass: Fx::of(r.pass_score)?,
                fail: Fx::of(r.fail_score)?,
            },
            CRule::Deduction(r) => FastRule::Deduction {
                start: Fx::of(r.start)?,
                points: Fx::of(r.points)?,
                floor: Fx::of(r.floor)?,
            },
            CRule::PerUnit(_) | CRule::Formula { .. } => return None,
        };
        Some(FastItem {
            achievement,
            target: Fx::of(item.target.unwrap_or_default())?,
            weight: Fx::of(item.weight),
            rule,
        })
    }
}
