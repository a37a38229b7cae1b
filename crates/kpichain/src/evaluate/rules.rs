//! Item scoring: from an actual (and the item's targets) to a raw score, per rule.

use crate::compile::{CItem, CRule, FastRule};
use crate::decimal::{
    self as dec, Arith, ArithmeticError, HUNDRED, RoundingMode, clamp, exact_product,
};
use crate::fixed::{self, Fx};
use crate::model::TargetOverride;
use crate::model::{Direction, Over, PerUnitBasis, RoundingPolicy, Scale};
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

/// The targets in force for an item: the subject's own when it has them, else the plan's.
pub(crate) fn targets_for(item: &CItem, ovr: Option<&TargetOverride>) -> Targets {
    match ovr {
        Some(o) => Targets {
            target: Some(o.target),
            threshold: o.threshold.or(item.threshold),
            stretch: o.stretch.or(item.stretch),
            from_plan: false,
        },
        None => Targets {
            target: item.target,
            threshold: item.threshold,
            stretch: item.stretch,
            from_plan: true,
        },
    }
}

/// Achievement percentage, exact (not yet rounded); `None` when undefined.
///
/// | target | higher is better | lower is better |
/// | --- | --- | --- |
/// | > 0 | (actual × 100) ÷ target | (target × 100) ÷ actual (undefined when actual ≤ 0) |
/// | < 0 | 100 + ((actual − target) × 100) ÷ \|target\| | 100 − ((actual − target) × 100) ÷ \|target\| |
/// | = 0 | undefined | undefined |
///
/// Each operation is the checked `Decimal` one, in the order written, so an overflow is an
/// error exactly when the formula overflows: for higher is better, when actual × 100 does not
/// fit a decimal (|actual| above about 7.9 × 10²⁶). `factor` (100 ÷ target, precomputed) only
/// replaces the division when [`fixed::enabled`] and actual × factor is an exact product: then
/// it is the quotient's exact value, which the rounding that follows turns into the same bits.
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
        if higher {
            let scaled = dec::mul(actual, HUNDRED)?;
            if let Some(product) = factor
                .filter(|_| fixed::enabled())
                .and_then(|f| exact_product(actual, f))
            {
                return Ok(Some(product));
            }
            return Ok(Some(dec::div(scaled, target)?));
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
    pub(crate) note: Option<(crate::error::Code, String)>,
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
        CRule::Linear(r) => plain(linear(
            item.direction,
            actual,
            t,
            r.below_score,
            r.floor_score,
            r.target_score,
            r.stretch_score,
        )?),
        CRule::Ratio(r) => match ach {
            Some(a) => plain(clamp(a, Some(r.floor), r.cap)),
            None if met(actual, target, item.direction) => Ok(Scored {
                raw: r.cap.unwrap_or(HUNDRED).max(r.floor),
                note: Some((
                    crate::error::Code::UndefinedAchievement,
                    format!(
                        "achievement is undefined (target {target}, actual {actual}); the target is met, so the score is the cap"
                    ),
                )),
            }),
            None => Ok(Scored {
                raw: r.floor,
                note: Some((
                    crate::error::Code::UndefinedAchievement,
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
                        crate::error::Code::UndefinedAchievement,
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
                    crate::error::Code::OutsideBands,
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
                    return Ok(Scored { raw: clamp(r.base, Some(r.floor), r.cap), note: Some((crate::error::Code::UndefinedAchievement, "the target is zero, so a deviation in percent is undefined; scored the base".to_string())) });
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
                        crate::error::Code::UndefinedAchievement,
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
                    crate::error::Code::OutsideBands,
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

/// Linear interpolation; lower-is-better items are scored on negated values. `below` is the
/// score strictly beyond the threshold on the bad side, when the rule declares one.
fn linear(
    direction: Direction,
    actual: Decimal,
    t: Targets,
    below: Option<Decimal>,
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
        return Ok(match below {
            Some(b) if a < th => b,
            _ => fs,
        });
    }
    // The quotient is normalized (fewest places), so that its scale is the value's, not an
    // accident of how the division ran.
    if a < tg {
        // fs + ((a − th) × (ts − fs)) ÷ (tg − th): multiply first, divide last, for exactness.
        return dec::add(
            fs,
            dec::div(
                dec::mul(dec::sub(a, th)?, dec::sub(ts, fs)?)?,
                dec::sub(tg, th)?,
            )?
            .normalize(),
        );
    }
    match st {
        Some(st) if a < st => dec::add(
            ts,
            dec::div(
                dec::mul(dec::sub(a, tg)?, dec::sub(ss, ts)?)?,
                dec::sub(st, tg)?,
            )?
            .normalize(),
        ),
        Some(_) => Ok(ss),
        None => Ok(ts),
    }
}

/// An item scored on the fast path: the numbers the engine would place in its result.
pub(crate) struct FastScored {
    /// Achievement at the achievement scale.
    pub(crate) achievement: Option<Decimal>,
    /// The rule's score before rounding.
    pub(crate) raw: Decimal,
    /// The score at the item scale.
    pub(crate) score: Decimal,
    /// The same score in fixed point.
    pub(crate) score_fx: Fx,
}

/// Scores an item against the plan's own targets in exact fixed point ([`Fx`]): the same
/// numbers, bit for bit, as [`achievement`] and [`score`] followed by the engine's rounding;
/// or `None` whenever that cannot be promised cheaply — the item has no [`FastItem`], a
/// division is needed, a value does not fit 63 bits, or the result carries a note (undefined
/// achievement, a value outside every band) — and the caller then takes the reference path
/// from the start.
///
/// The sign of a zero: [`Fx::neg`] keeps zero positive where `Decimal` negation gives −0.
/// Negated values here (lower-is-better linear) are only compared, or subtracted where a zero
/// difference is then multiplied (a product with a zero is +0 at scale 0 in both), so the sign
/// of a zero never reaches a result; the differential tests check this.
#[inline]
pub(crate) fn score_fast(item: &CItem, actual: Decimal, rp: &RoundingPolicy) -> Option<FastScored> {
    if !fixed::enabled() {
        return None;
    }
    let p = item.factors.fast.as_ref()?;
    let a = Fx::of(actual)?;
    let ach = match p.achievement {
        Some(f) => Some(
            a.mul(f)?
                .round_stage(rp.achievement_scale, rp.mode.strategy())?,
        ),
        None => None,
    };
    let raw = match &p.rule {
        FastRule::Linear {
            lower,
            bounds,
            stretch,
            lower_slope,
            upper_slope,
            below_score,
            floor_score,
            target_score,
            stretch_score,
        } => {
            // As `linear`, on direction-adjusted values.
            match *bounds {
                None => *floor_score,
                Some((th, tg)) => {
                    let a = if *lower { a.neg() } else { a };
                    if a.lt(th) {
                        below_score.unwrap_or(*floor_score)
                    } else if a.le(th) {
                        *floor_score
                    } else if a.lt(tg) {
                        floor_score.add((*lower_slope)?.apply(a.sub(th)?)?)?
                    } else {
                        match *stretch {
                            Some(st) if a.lt(st) => {
                                target_score.add((*upper_slope)?.apply(a.sub(tg)?)?)?
                            }
                            Some(_) => *stretch_score,
                            None => *target_score,
                        }
                    }
                }
            }
        }
        FastRule::Ratio { floor, cap } => {
            // As `clamp(achievement, floor, cap)`.
            let v = ach?;
            let v = if v.lt(*floor) { *floor } else { v };
            match *cap {
                Some(cap) if cap.lt(v) => cap,
                _ => v,
            }
        }
        FastRule::Table {
            over,
            inclusive,
            rows,
        } => {
            let v = match over {
                Over::Actual => a,
                Over::Achievement => ach?,
            };
            let mut hit = None;
            for &(from, to, score) in rows {
                let above = from.is_none_or(|f| f.le(v));
                let below = to.is_none_or(|t| if *inclusive { v.le(t) } else { v.lt(t) });
                if above && below {
                    hit = Some(score);
                    break;
                }
            }
            hit?
        }
        FastRule::PassFail { higher, pass, fail } => {
            let met = if *higher {
                p.target.le(a)
            } else {
                a.le(p.target)
            };
            if met { *pass } else { *fail }
        }
        FastRule::Deduction {
            start,
            points,
            floor,
        } => {
            // As `clamp(start − actual × points, floor, start)`.
            let v = start.sub(a.mul(*points)?)?;
            let v = if v.lt(*floor) { *floor } else { v };
            if start.lt(v) { *start } else { v }
        }
    };
    let score = raw.round_stage(rp.item_scale, rp.mode.strategy())?;
    Some(FastScored {
        achievement: ach.map(Fx::dec),
        raw: raw.dec(),
        score: score.dec(),
        score_fx: score,
    })
}

/// score × weight ÷ 100 at `scale`: an item's weighted score when no item was excluded, as the
/// engine computes it with `Decimal`s; `None` sends the caller to that computation.
#[inline]
pub(crate) fn weighted_fast(
    score: Decimal,
    weight: Decimal,
    scale: Scale,
    mode: RoundingMode,
) -> Option<Fx> {
    if !fixed::enabled() {
        return None;
    }
    weighted_fx(Fx::of(score)?, Fx::of(weight)?, scale, mode)
}

/// [`weighted_fast`] for a score and a weight already in fixed point.
#[inline(always)]
pub(crate) fn weighted_fx(score: Fx, weight: Fx, scale: Scale, mode: RoundingMode) -> Option<Fx> {
    if !fixed::enabled() {
        return None;
    }
    score
        .mul(weight)?
        .div_by_100()?
        .round_stage(scale, mode.strategy())
}

/// A running sum, in fixed point while every term and partial sum is an [`Fx`], giving the
/// same result as adding with [`dec::add`] from zero.
pub(crate) struct Sum {
    fx: Option<Fx>,
    dec: Decimal,
}

impl Sum {
    #[inline]
    pub(crate) fn new() -> Sum {
        Sum {
            // Zero at scale 0, as `Decimal::ZERO`.
            fx: fixed::enabled().then_some(Fx::ZERO),
            dec: Decimal::ZERO,
        }
    }

    /// Adds a term.
    #[inline]
    pub(crate) fn add(&mut self, v: Decimal) -> Result<(), ArithmeticError> {
        match Fx::of(v) {
            Some(v) if self.fx.is_some() => self.add_fx(v),
            _ => {
                if let Some(t) = self.fx.take() {
                    self.dec = t.dec();
                }
                self.dec = dec::add(self.dec, v)?;
                Ok(())
            }
        }
    }

    /// The sum, while it is still in fixed point.
    #[inline(always)]
    pub(crate) fn fx(&self) -> Option<Fx> {
        self.fx
    }

    /// Whether the sum is still in fixed point.
    #[inline(always)]
    pub(crate) fn is_fx(&self) -> bool {
        self.fx.is_some()
    }

    /// Adds a term already in fixed point.
    #[inline(always)]
    pub(crate) fn add_fx(&mut self, v: Fx) -> Result<(), ArithmeticError> {
        if let Some(t) = self.fx {
            if let Some(s) = t.add(v) {
                self.fx = Some(s);
                return Ok(());
            }
            self.fx = None;
            self.dec = t.dec();
        }
        self.dec = dec::add(self.dec, v.dec())?;
        Ok(())
    }

    #[inline]
    pub(crate) fn value(&self) -> Decimal {
        self.fx.map_or(self.dec, Fx::dec)
    }
}
