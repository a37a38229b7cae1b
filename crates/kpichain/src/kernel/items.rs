//! Items compiled for the kernel: each rule's numbers as integers, and the scoring of one cell
//! as an exact fraction.

use super::exact::{Q, gcd, pow10, strip25};
use crate::compile::{CItem, CRole, CRule, CompiledPlan};
use crate::decimal::RoundingMode;
use crate::model::{Direction, Over, RoundingPolicy, Scale};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A decimal as (mantissa, scale).
#[derive(Debug, Clone, Copy)]
pub(super) struct D {
    pub(super) m: i128,
    pub(super) s: u32,
}

impl D {
    fn of(d: Decimal) -> D {
        D {
            m: d.mantissa(),
            s: d.scale(),
        }
    }
    pub(super) fn q(self) -> Option<Q> {
        Q::dec(self.m, self.s)
    }
    fn neg(self) -> Option<D> {
        Some(D {
            m: self.m.checked_neg()?,
            ..self
        })
    }
    /// The mantissa at scale `s ≥ self.s`.
    #[inline]
    fn at(self, s: u32) -> Option<i128> {
        self.m.checked_mul(pow10(s.checked_sub(self.s)?)?)
    }
}

/// One straight segment of a linear rule: from `from_score` at `from` to `to_score` at `to`
/// (direction-adjusted values, `from < to`).
#[derive(Debug, Clone, Copy)]
struct Segment {
    from: D,
    to: D,
    from_score: D,
    /// to_score − from_score.
    rise: D,
    /// The part of the run's denominator that decides termination (see `exact.rs`).
    modulus: i128,
}

impl Segment {
    fn new(from: D, to: D, from_score: Decimal, to_score: Decimal) -> Option<Segment> {
        let rise = D::of(to_score.checked_sub(from_score)?);
        let s = from.s.max(to.s);
        let run = to.at(s)?.checked_sub(from.at(s)?)?;
        if run <= 0 {
            return None;
        }
        let m0 = strip25(run);
        let modulus = m0.checked_div(gcd(m0, rise.m))?;
        Some(Segment {
            from,
            to,
            from_score: D::of(from_score),
            rise,
            modulus,
        })
    }

    /// The score at `a` (aligned with the segment at scale `s`), `from ≤ a < to`.
    #[inline]
    fn at(&self, a: i128, s: u32) -> Option<Q> {
        let from = self.from.at(s)?;
        let run = self.to.at(s)?.checked_sub(from)?;
        let x = a.checked_sub(from)?;
        let part = Q {
            n: x.checked_mul(self.rise.m)?,
            d: run.checked_mul(pow10(self.rise.s)?)?,
            exact: self.modulus == 1 || x.checked_rem(self.modulus)? == 0,
        };
        self.from_score.q()?.add(part)
    }
}

#[derive(Debug, Clone)]
// Few items, compiled once per batch: their size does not matter.
#[allow(clippy::large_enum_variant)]
enum KRule {
    Linear {
        lower: bool,
        threshold: D,
        target: D,
        stretch: Option<D>,
        below: Option<D>,
        floor: D,
        target_score: D,
        stretch_score: D,
        low: Segment,
        high: Option<Segment>,
    },
    Ratio {
        floor: D,
        cap: Option<D>,
    },
    /// Bands `[from, to)` (or lookup-free: only `bands`), over the actual or the achievement.
    Bands {
        over: Over,
        bands: Vec<(Option<D>, Option<D>, D)>,
    },
    Deduction {
        start: D,
        points: D,
        floor: D,
    },
    PassFail {
        higher: bool,
        target: D,
        pass: D,
        fail: D,
    },
}

/// An item as the kernel scores it.
#[derive(Debug, Clone)]
pub(super) struct KItem {
    /// The item's indicator (index into the plan's library).
    pub(super) indicator: usize,
    pub(super) weight: D,
    /// The positive target of an achievement, and the modulus deciding its termination.
    achievement: Option<(D, i128)>,
    rule: KRule,
}

/// Whether the kernel scores a scorecard at all: no linked items, adjustments, vetoes or
/// variants, items in their own order.
pub(super) fn eligible(role: &CRole) -> bool {
    role.sourced.is_empty()
        && role.adjustments.is_empty()
        && role.vetoes.is_empty()
        && role.variant.is_none()
        && role.identity_order
}

/// A scorecard's items for the exact-fraction path, or `None` when one of its rules has none
/// there (its subjects the fast path cannot take then go to the engine).
pub(super) fn compile_role(plan: &CompiledPlan, role: &CRole) -> Option<Vec<KItem>> {
    if !eligible(role) {
        return None;
    }
    role.items.iter().map(|it| compile_item(plan, it)).collect()
}

fn compile_item(plan: &CompiledPlan, it: &CItem) -> Option<KItem> {
    let higher = it.direction == Direction::HigherIsBetter;
    let uses_achievement = match &it.rule {
        CRule::Ratio(_) => true,
        CRule::Bands { over, .. } => *over == Over::Achievement,
        _ => false,
    };
    let achievement = match it.target {
        Some(t) if uses_achievement => {
            // Only the common form: higher is better, a positive target.
            if !higher || t <= Decimal::ZERO {
                return None;
            }
            let t = D::of(t);
            Some((t, strip25(t.m)))
        }
        None if uses_achievement => return None,
        _ => None,
    };
    let flip = |d: Decimal| {
        if higher {
            Some(D::of(d))
        } else {
            D::of(d).neg()
        }
    };
    let rule = match &it.rule {
        CRule::Linear(r) => {
            let (th, tg) = (it.threshold?, it.target?);
            let threshold = flip(th)?;
            let target = flip(tg)?;
            let stretch = match it.stretch {
                Some(s) => Some(flip(s)?),
                None => None,
            };
            KRule::Linear {
                lower: !higher,
                threshold,
                target,
                stretch,
                below: r.below_score.map(D::of),
                floor: D::of(r.floor_score),
                target_score: D::of(r.target_score),
                stretch_score: D::of(r.stretch_score),
                low: Segment::new(threshold, target, r.floor_score, r.target_score)?,
                high: match stretch {
                    Some(st) => Some(Segment::new(target, st, r.target_score, r.stretch_score)?),
                    None => None,
                },
            }
        }
        CRule::Ratio(r) => KRule::Ratio {
            floor: D::of(r.floor),
            cap: r.cap.map(D::of),
        },
        CRule::Bands { over, bands, .. } => KRule::Bands {
            over: *over,
            bands: bands
                .iter()
                .map(|b| (b.from.map(D::of), b.to.map(D::of), D::of(b.score)))
                .collect(),
        },
        CRule::Deduction(r) => KRule::Deduction {
            start: D::of(r.start),
            points: D::of(r.points),
            floor: D::of(r.floor),
        },
        CRule::PassFail(r) => KRule::PassFail {
            higher,
            target: D::of(it.target.unwrap_or_default()),
            pass: D::of(r.pass_score),
            fail: D::of(r.fail_score),
        },
        _ => return None,
    };
    let _ = plan;
    Some(KItem {
        indicator: plan
            .indicator_index
            .get(&*it.indicator_id)
            .copied()
            .unwrap_or(usize::MAX),
        weight: D::of(it.weight),
        achievement,
        rule,
    })
}

/// Compares a fraction with a decimal edge; `None` when the engine might see it otherwise.
#[inline]
fn cmp_edge(v: Q, edge: D) -> Option<Ordering> {
    let e = edge.q()?;
    if v.near(e)? {
        return None;
    }
    v.cmp(e)
}

/// `max(lo, min(v, hi))` on fractions, as the engine's clamp (floor first, then the cap).
fn clamp(v: Q, floor: Option<D>, cap: Option<D>) -> Option<Q> {
    let mut v = v;
    if let Some(f) = floor {
        if cmp_edge(v, f)? == Ordering::Less {
            v = f.q()?;
        }
    }
    if let Some(c) = cap {
        if cmp_edge(v, c)? == Ordering::Greater {
            v = c.q()?;
        }
    }
    Some(v)
}

/// Rounds at a stage: the value at its places, or the value itself when the stage is not
/// rounded.
#[inline]
pub(super) fn stage(v: Q, scale: Scale, mode: RoundingMode) -> Option<Q> {
    match scale {
        Scale::Places(p) => Q::dec(v.round(p, mode)?, p),
        Scale::Unrounded => Some(v),
    }
}

impl KItem {
    /// The item's score (at the item stage) for the actual `m ÷ 10^s`; `None` sends the
    /// subject to the engine (a note to give, a number out of range, a value too close to a
    /// boundary to vouch for).
    #[inline]
    pub(super) fn score(&self, m: i64, s: u32, rp: &RoundingPolicy) -> Option<Q> {
        let a = D {
            m: i128::from(m),
            s,
        };
        let ach = match self.achievement {
            Some((t, modulus)) => {
                // actual × 100 ÷ target, exactly.
                let sc = a.s.max(t.s);
                let n = a.at(sc)?.checked_mul(100)?;
                let raw = Q {
                    n,
                    d: t.at(sc)?,
                    exact: modulus == 1 || a.at(sc)?.checked_rem(modulus)? == 0,
                };
                Some(stage(raw, rp.achievement_scale, rp.mode)?)
            }
            None => None,
        };
        let raw = match &self.rule {
            KRule::Linear {
                lower,
                threshold,
                target,
                stretch,
                below,
                floor,
                target_score,
                stretch_score,
                low,
                high,
            } => {
                let a = if *lower { a.neg()? } else { a };
                let sc =
                    a.s.max(threshold.s)
                        .max(target.s)
                        .max(stretch.map_or(0, |x| x.s));
                let (av, th, tg) = (a.at(sc)?, threshold.at(sc)?, target.at(sc)?);
                match av.cmp(&th) {
                    Ordering::Less => below.unwrap_or(*floor).q()?,
                    Ordering::Equal => floor.q()?,
                    Ordering::Greater if av < tg => low.at(av, sc)?,
                    Ordering::Greater => match (stretch, high) {
                        (Some(st), Some(h)) if av < st.at(sc)? => h.at(av, sc)?,
                        (Some(_), _) => stretch_score.q()?,
                        (None, _) => target_score.q()?,
                    },
                }
            }
            KRule::Ratio { floor, cap } => clamp(ach?, Some(*floor), *cap)?,
            KRule::Bands { over, bands } => {
                let v = match over {
                    Over::Actual => a.q()?,
                    Over::Achievement => ach?,
                };
                let mut hit = None;
                for (from, to, score) in bands {
                    let above = match from {
                        Some(f) => cmp_edge(v, *f)? != Ordering::Less,
                        None => true,
                    };
                    let below = match to {
                        Some(t) => cmp_edge(v, *t)? == Ordering::Less,
                        None => true,
                    };
                    if above && below {
                        hit = Some(*score);
                        break;
                    }
                }
                // Outside every band: the engine notes it.
                hit?.q()?
            }
            KRule::Deduction {
                start,
                points,
                floor,
            } => {
                let lost = Q::dec(a.m.checked_mul(points.m)?, a.s.checked_add(points.s)?)?;
                clamp(start.q()?.add(lost.neg()?)?, Some(*floor), Some(*start))?
            }
            KRule::PassFail {
                higher,
                target,
                pass,
                fail,
            } => {
                let sc = a.s.max(target.s);
                let (av, tv) = (a.at(sc)?, target.at(sc)?);
                let met = if *higher { av >= tv } else { av <= tv };
                if met { pass.q()? } else { fail.q()? }
            }
        };
        stage(raw, rp.item_scale, rp.mode)
    }

    /// score × weight ÷ 100 at the weighted stage.
    #[inline]
    pub(super) fn weighted(&self, score: Q, rp: &RoundingPolicy) -> Option<Q> {
        stage(
            score.mul_dec(self.weight.m, self.weight.s.checked_add(2)?)?,
            rp.weighted_scale,
            rp.mode,
        )
    }
}
