//! Item scoring: from an actual (and the item's targets) to a raw score, per rule.

use crate::compile::{CItem, CRule};
use crate::decimal::{self as dec, Arith, ArithmeticError, HUNDRED, clamp};
use crate::model::{Direction, Over, PerUnitBasis};
use rust_decimal::Decimal;

/// Targets in force for one subject's item (the plan's, or the subject's own).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Targets {
    pub(crate) target: Option<Decimal>,
    pub(crate) threshold: Option<Decimal>,
    pub(crate) stretch: Option<Decimal>,
    /// Whether these are the plan's own targets, so the item's precomputed factors apply.
    pub(crate) from_plan: bool,
}

/// Factors precomputed at compile time when they are exact (a terminating decimal), so that a
/// division becomes a multiplication giving the identical result.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Factors {
    /// 100 ÷ target, for higher-is-better achievement.
    pub(crate) achievement: Option<Decimal>,
    /// (target_score − floor_score) ÷ (target − threshold), on direction-adjusted values.
    pub(crate) lower_slope: Option<Decimal>,
    /// (stretch_score − target_score) ÷ (stretch − target), on direction-adjusted values.
    pub(crate) upper_slope: Option<Decimal>,
}

/// `a ÷ b` when it is a terminating decimal that fits, so that multiplying by it is exact.
pub(crate) fn exact_quotient(a: Decimal, b: Decimal) -> Option<Decimal> {
    let q = a.checked_div(b)?;
    (q.checked_mul(b)? == a && q.scale() <= 12).then_some(q)
}

impl Factors {
    pub(crate) fn new(item: &CItem) -> Factors {
        let flip = |x: Decimal| {
            if item.direction == Direction::LowerIsBetter {
                dec::neg(x)
            } else {
                x
            }
        };
        let mut f = Factors::default();
        if let Some(t) = item.target {
            if item.direction == Direction::HigherIsBetter && t > Decimal::ZERO {
                f.achievement = exact_quotient(HUNDRED, t);
            }
        }
        if let CRule::Linear(r) = &item.rule {
            if let (Some(th), Some(t)) = (item.threshold, item.target) {
                let run = flip(t).checked_sub(flip(th));
                f.lower_slope = run
                    .zip(r.target_score.checked_sub(r.floor_score))
                    .and_then(|(run, rise)| exact_quotient(rise, run));
                if let Some(st) = item.stretch {
                    let run = flip(st).checked_sub(flip(t));
                    f.upper_slope = run
                        .zip(r.stretch_score.checked_sub(r.target_score))
                        .and_then(|(run, rise)| exact_quotient(rise, run));
                }
            }
        }
        f
    }
}

/// Achievement percentage, exact (not yet rounded); `None` when undefined.
///
/// | target | higher is better | lower is better |
/// | --- | --- | --- |
/// | > 0 | actual ÷ target × 100 | target ÷ actual × 100 (undefined when actual ≤ 0) |
/// | < 0 | (1 + (actual − target) ÷ \|target\|) × 100 | (1 − (actual − target) ÷ \|target\|) × 100 |
/// | = 0 | undefined | undefined |
pub(crate) fn achievement(
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    factor: Option<Decimal>,
) -> Result<Option<Decimal>, ArithmeticError> {
    if target.is_zero() {
        return Ok(None);
    }
    let higher = direction == Direction::HigherIsBetter;
    if target.is_sign_positive() {
        if let (true, Some(f)) = (higher, factor) {
            return Ok(Some(dec::mul(actual, f)?));
        }
        if higher {
            return Ok(Some(dec::div(dec::mul(actual, HUNDRED)?, target)?));
        }
        if actual <= Decimal::ZERO {
            return Ok(None);
        }
        return Ok(Some(dec::div(dec::mul(target, HUNDRED)?, actual)?));
    }
    let rel = dec::div(dec::mul(dec::sub(actual, target)?, HUNDRED)?, target.abs())?;
    Ok(Some(if higher {
        dec::add(HUNDRED, rel)?
    } else {
        dec::sub(HUNDRED, rel)?
    }))
}

/// Whether the actual meets the target in the item's direction.
pub(crate) fn met(actual: Decimal, target: Decimal, direction: Direction) -> bool {
    match direction {
        Direction::HigherIsBetter => actual >= target,
        Direction::LowerIsBetter => actual <= target,
    }
}

/// The outcome of scoring one item.
pub(crate) struct Scored {
    pub(crate) raw: Decimal,
    /// A note for the result's warnings (code, message).
    pub(crate) note: Option<(&'static str, String)>,
}

fn plain(raw: Decimal) -> Result<Scored, ArithmeticError> {
    Ok(Scored { raw, note: None })
}

/// Scores every rule except formulas (scored by the engine, which knows the other items).
/// `ach` is the achievement rounded at the plan's achievement scale.
pub(crate) fn score(
    item: &CItem,
    actual: Decimal,
    t: Targets,
    ach: Option<Decimal>,
) -> Result<Scored, ArithmeticError> {
    let target = t.target.unwrap_or_default();
    match &item.rule {
        CRule::Linear(r) => {
            let f = if t.from_plan {
                item.factors
            } else {
                Factors::default()
            };
            plain(linear(
                item.direction,
                actual,
                t,
                f,
                r.floor_score,
                r.target_score,
                r.stretch_score,
            )?)
        }
        CRule::Ratio(r) => match ach {
            Some(a) => plain(clamp(a, Some(r.floor), r.cap)),
            None if met(actual, target, item.direction) => Ok(Scored {
                raw: r.cap.unwrap_or(HUNDRED).max(r.floor),
                note: Some((
                    "undefined_achievement",
                    format!(
                        "achievement is undefined (target {target}, actual {actual}); the target is met, so the score is the cap"
                    ),
                )),
            }),
            None => Ok(Scored {
                raw: r.floor,
                note: Some((
                    "undefined_achievement",
                    format!(
                        "achievement is undefined (target {target}, actual {actual}); the target is not met, so the score is the floor"
                    ),
                )),
            }),
        },
        CRule::Bands {
            over,
            bands,
            outside,
        } => {
            let Some(v) = over_value(*over, actual, ach) else {
                return Ok(Scored {
                    raw: *outside,
                    note: Some((
                        "undefined_achievement",
                        format!(
                            "achievement is undefined (target {target}); scored the outside score {outside}"
                        ),
                    )),
                });
            };
            for b in bands {
                if b.from.is_none_or(|f| v >= f) && b.to.is_none_or(|to| v < to) {
                    return plain(b.score);
                }
            }
            Ok(Scored {
                raw: *outside,
                note: Some((
                    "outside_bands",
                    format!(
                        "{} {v} falls in no band; scored the outside score {outside}",
                        over.as_str()
                    ),
                )),
            })
        }
        CRule::PerUnit(r) => {
            let dev = match r.basis {
                PerUnitBasis::Actual => dec::sub(actual, target)?,
                PerUnitBasis::Percent if target.is_zero() => {
                    return Ok(Scored { raw: clamp(r.base, Some(r.floor), r.cap), note: Some(("undefined_achievement", "the target is zero, so a deviation in percent is undefined; scored the base".to_string())) });
                }
                PerUnitBasis::Percent => {
                    dec::div(dec::mul(dec::sub(actual, target)?, HUNDRED)?, target.abs())?
                }
            };
            let dev = if item.direction == Direction::LowerIsBetter {
                dec::neg(dev)
            } else {
                dev
            };
            let mut steps = dec::div(dev, r.step)?;
            if r.whole_steps {
                steps = steps.trunc();
            }
            let delta = if steps >= Decimal::ZERO {
                dec::mul(steps, r.points_above)?
            } else {
                dec::mul(steps, r.points_below)?
            };
            plain(clamp(dec::add(r.base, delta)?, Some(r.floor), r.cap))
        }
        CRule::Deduction(r) => plain(clamp(
            dec::sub(r.start, dec::mul(actual, r.points)?)?,
            Some(r.floor),
            Some(r.start),
        )),
        CRule::PassFail(r) => plain(if met(actual, target, item.direction) {
            r.pass_score
        } else {
            r.fail_score
        }),
        CRule::Lookup(r) => {
            let Some(v) = over_value(r.over, actual, ach) else {
                return Ok(Scored {
                    raw: r.default_score,
                    note: Some((
                        "undefined_achievement",
                        format!(
                            "achievement is undefined (target {target}); scored the default score {}",
                            r.default_score
                        ),
                    )),
                });
            };
            for row in &r.rows {
                if row.min.is_none_or(|m| v >= m) && row.max.is_none_or(|m| v <= m) {
                    return plain(row.score);
                }
            }
            Ok(Scored {
                raw: r.default_score,
                note: Some((
                    "outside_bands",
                    format!(
                        "{} {v} matches no row of the lookup table; scored the default score {}",
                        r.over.as_str(),
                        r.default_score
                    ),
                )),
            })
        }
        CRule::Formula { .. } => Err(ArithmeticError),
    }
}

fn over_value(over: Over, actual: Decimal, ach: Option<Decimal>) -> Option<Decimal> {
    match over {
        Over::Actual => Some(actual),
        Over::Achievement => ach,
    }
}

/// Linear interpolation; lower-is-better items are scored on negated values.
fn linear(
    direction: Direction,
    actual: Decimal,
    t: Targets,
    f: Factors,
    fs: Decimal,
    ts: Decimal,
    ss: Decimal,
) -> Arith {
    let flip = |x: Decimal| {
        if direction == Direction::LowerIsBetter {
            dec::neg(x)
        } else {
            x
        }
    };
    let (Some(th), Some(tg)) = (t.threshold, t.target) else {
        return Ok(fs);
    };
    let (a, th, tg, st) = (flip(actual), flip(th), flip(tg), t.stretch.map(flip));
    if a <= th {
        return Ok(fs);
    }
    if a < tg {
        // fs + (a − th) × (ts − fs) ÷ (tg − th): multiply first, divide last, for exactness
        // (or multiply by the slope when it is an exact decimal).
        return match f.lower_slope {
            Some(slope) => dec::add(fs, dec::mul(dec::sub(a, th)?, slope)?),
            None => dec::add(
                fs,
                dec::div(
                    dec::mul(dec::sub(a, th)?, dec::sub(ts, fs)?)?,
                    dec::sub(tg, th)?,
                )?,
            ),
        };
    }
    match st {
        Some(st) if a < st => match f.upper_slope {
            Some(slope) => dec::add(ts, dec::mul(dec::sub(a, tg)?, slope)?),
            None => dec::add(
                ts,
                dec::div(
                    dec::mul(dec::sub(a, tg)?, dec::sub(ss, ts)?)?,
                    dec::sub(st, tg)?,
                )?,
            ),
        },
        Some(_) => Ok(ss),
        None => Ok(ts),
    }
}
