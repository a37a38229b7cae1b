//! The kernel's fast path: every supported rule as a piecewise-affine function of the cell's
//! integer mantissa.
//!
//! For a column of scale `S`, a cell is the integer `A` (its value is `A ÷ 10^S`). Each rule
//! the kernel scores is, between breakpoints that are integers too, an affine function
//! `(k0 + k1·A) ÷ den` of it: a linear rule's segments and flat parts, a band's score (with
//! its edges turned into thresholds on `A`, also for bands over a rounded achievement), a
//! deduction and its clamps, a ratio and its floor and cap, a pass/fail threshold. The pieces
//! are built once per item and column scale; scoring a cell is a few comparisons, one 128-bit
//! multiply-add and, where a stage is rounded, one division.
//!
//! Two plan shapes take this path: every stage before the total rounded to places (the usual
//! plan: achievement, item and weighted scores at their scales, integers from the item score
//! on), and every stage before the total unrounded (the total is then one sum over a common
//! denominator and one division per subject). Anything else, and any value within 10⁻¹⁸ of
//! a rounding boundary, goes to the exact-fraction path (`items.rs`), which decides whether
//! the engine is needed.

use super::exact::{Q, gcd, pow10};
use crate::compile::{CItem, CRule};
use crate::decimal::RoundingMode;
use crate::model::{Direction, Over, RoundingPolicy, Scale};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// `(k0 + k1·A) ÷ d`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Aff {
    k0: i128,
    k1: i128,
    d: i128,
}

impl Aff {
    fn konst(v: Decimal) -> Option<Aff> {
        Some(Aff {
            k0: v.mantissa(),
            k1: 0,
            d: pow10(v.scale())?,
        })
    }

    /// Over the denominator `d` (a multiple of this one's).
    fn over(self, d: i128) -> Option<Aff> {
        let f = d.checked_div(self.d)?;
        (f.checked_mul(self.d)? == d).then_some(())?;
        Some(Aff {
            k0: self.k0.checked_mul(f)?,
            k1: self.k1.checked_mul(f)?,
            d,
        })
    }

    fn add(self, o: Aff) -> Option<Aff> {
        let d = lcm(self.d, o.d)?;
        let (a, b) = (self.over(d)?, o.over(d)?);
        Some(Aff {
            k0: a.k0.checked_add(b.k0)?,
            k1: a.k1.checked_add(b.k1)?,
            d,
        })
    }

    #[inline(always)]
    fn at(self, a: i128) -> Option<i128> {
        self.k1.checked_mul(a)?.checked_add(self.k0)
    }
}

fn lcm(a: i128, b: i128) -> Option<i128> {
    a.checked_div(gcd(a, b))?.checked_mul(b)
}

/// `⌈n ÷ d⌉` for `d > 0`.
fn ceil_div(n: i128, d: i128) -> Option<i128> {
    let q = n.checked_div_euclid(d)?;
    if n.checked_rem_euclid(d)? == 0 {
        Some(q)
    } else {
        q.checked_add(1)
    }
}

/// One piece: from `from` (inclusive; the first piece starts at −∞) to the next piece's.
#[derive(Debug, Clone, Copy)]
struct Piece {
    from: i128,
    value: Aff,
    /// `value × 10^p` in lowest terms, for a rounded item stage of `p` places (a constant
    /// then has the denominator 1: no division).
    at_places: Aff,
    /// A value the engine scores with a note (outside every band): not for this path.
    note: bool,
    /// The engine reaches this value through a division before a multiplication (a per-unit
    /// rule's steps): even when the exact value terminates, the engine's may lie a 28th digit
    /// beside it, so a value on a rounding boundary is not vouched for.
    compound: bool,
}

/// A rule as pieces over one column scale, direction-adjusted (`flip`: the pieces read −A).
#[derive(Debug, Clone)]
pub(super) struct Pieces {
    flip: bool,
    /// The cell's mantissa is multiplied by this before it is read (a column scale below the
    /// plan's numbers').
    widen: i128,
    pieces: Vec<Piece>,
    /// A ratio over an achievement rounded to places: its clamp acts on the rounded value.
    rounded_ratio: Option<RoundedRatio>,
}

#[derive(Debug, Clone, Copy)]
struct RoundedRatio {
    /// achievement × 10^pa = round(A × num ÷ den)
    num: i128,
    den: i128,
    pa: u32,
    floor: Decimal,
    cap: Option<Decimal>,
}

impl Pieces {
    /// The direction-adjusted reading of a cell's mantissa `m` (at the pieces' column scale).
    #[inline(always)]
    fn read(&self, m: i128) -> Option<i128> {
        let a = m.checked_mul(self.widen)?;
        if self.flip { a.checked_neg() } else { Some(a) }
    }

    /// The raw value's numerator at the cell `m` (over the pieces' common denominator, after
    /// [`FastItem::unify`]).
    #[inline(always)]
    pub(super) fn raw_at(&self, m: i128) -> Option<i128> {
        let a = self.read(m)?;
        self.find(a)?.value.at(a)
    }

    /// The item score at `p` places, as a mantissa, at the cell `m`.
    #[inline(always)]
    pub(super) fn score_at(&self, m: i128, p: u32, mode: RoundingMode) -> Option<i128> {
        if let Some(rr) = self.rounded_ratio {
            let a = m.checked_mul(self.widen)?;
            let ach = round_div(a.checked_mul(rr.num)?, rr.den, rr.pa, mode, true)?;
            let mut v = Decimal::try_from_i128_with_scale(ach, rr.pa).ok()?;
            v = crate::decimal::clamp(v, Some(rr.floor), rr.cap);
            let q = Q::dec(v.mantissa(), v.scale())?;
            // An exact decimal: rounding it can never disagree with the engine.
            return Q { exact: true, ..q }.round(p, mode);
        }
        let a = self.read(m)?;
        let piece = self.find(a)?;
        let v = piece.at_places;
        round_div(v.at(a)?, v.d, p, mode, !piece.compound)
    }

    #[inline(always)]
    fn find(&self, a: i128) -> Option<&Piece> {
        let mut hit = self.pieces.first()?;
        for p in self.pieces.get(1..)? {
            if a >= p.from {
                hit = p;
            } else {
                break;
            }
        }
        (!hit.note).then_some(hit)
    }
}

/// Builds the pieces of `item` for cells of scale `s`, under the stages of `rp`; `None` when
/// the item cannot take the fast path.
pub(super) fn pieces(item: &CItem, s: u32, rp: &RoundingPolicy) -> Option<Pieces> {
    let higher = item.direction == Direction::HigherIsBetter;
    // Every plan number the rule compares the actual with, at one scale ≥ s.
    let numbers: Vec<Decimal> = match &item.rule {
        CRule::Linear(_) => [item.threshold, item.target, item.stretch]
            .into_iter()
            .flatten()
            .collect(),
        CRule::PassFail(_) | CRule::PerUnit(_) => item.target.into_iter().collect(),
        CRule::Lookup(r) if r.over == Over::Actual => r
            .rows
            .iter()
            .flat_map(|row| [row.min, row.max])
            .flatten()
            .collect(),
        CRule::Bands {
            over: Over::Actual,
            bands,
            ..
        } => bands
            .iter()
            .flat_map(|b| [b.from, b.to])
            .flatten()
            .collect(),
        _ => Vec::new(),
    };
    let sc = numbers.iter().map(|d| d.scale()).fold(s, u32::max);
    if sc > 18 {
        return None;
    }
    let widen = pow10(sc.checked_sub(s)?)?;
    let at = |d: Decimal| -> Option<i128> {
        d.mantissa().checked_mul(pow10(sc.checked_sub(d.scale())?)?)
    };
    let konst = |d: Decimal| {
        Some(Piece {
            from: i128::MIN,
            value: Aff::konst(d)?,
            at_places: Aff::konst(d)?,
            note: false,
            compound: false,
        })
    };
    let mut rounded_ratio = None;
    let mut flip = false;
    let pieces: Vec<Piece> = match &item.rule {
        CRule::Linear(r) => {
            flip = !higher;
            let sign = |v: i128| if higher { Some(v) } else { v.checked_neg() };
            let th = sign(at(item.threshold?)?)?;
            let tg = sign(at(item.target?)?)?;
            let st = match item.stretch {
                Some(x) => Some(sign(at(x)?)?),
                None => None,
            };
            // fs + (A − from) × rise ÷ (run × 10^rs)
            let segment = |from: i128, to: i128, s0: Decimal, s1: Decimal| -> Option<Aff> {
                let rise = s1.checked_sub(s0)?;
                let run = to.checked_sub(from)?;
                if run <= 0 {
                    return None;
                }
                let d = run.checked_mul(pow10(rise.scale())?)?;
                let part = Aff {
                    k0: from.checked_mul(rise.mantissa())?.checked_neg()?,
                    k1: rise.mantissa(),
                    d,
                };
                Aff::konst(s0)?.add(part)
            };
            let mut v = vec![
                konst(r.below_score.unwrap_or(r.floor_score))?,
                Piece {
                    from: th,
                    value: segment(th, tg, r.floor_score, r.target_score)?,
                    at_places: Aff::konst(Decimal::ZERO)?,
                    note: false,
                    compound: false,
                },
            ];
            match st {
                Some(st) => {
                    v.push(Piece {
                        from: tg,
                        value: segment(tg, st, r.target_score, r.stretch_score)?,
                        at_places: Aff::konst(Decimal::ZERO)?,
                        note: false,
                        compound: false,
                    });
                    v.push(Piece {
                        from: st,
                        ..konst(r.stretch_score)?
                    });
                }
                None => v.push(Piece {
                    from: tg,
                    ..konst(r.target_score)?
                }),
            }
            v
        }
        CRule::Deduction(r) => {
            // clamp(start − A × points ÷ 10^(s + sp), floor, start), points > 0.
            if r.points <= Decimal::ZERO || r.floor > r.start {
                return None;
            }
            let lost = Aff {
                k0: 0,
                k1: r.points.mantissa().checked_neg()?,
                d: pow10(s.checked_add(r.points.scale())?)?,
            };
            let value = Aff::konst(r.start)?.add(lost)?;
            // The first A at which the value is at or below the floor.
            let f = Aff::konst(r.floor)?.over(value.d)?;
            let bottom = ceil_div(value.k0.checked_sub(f.k0)?, value.k1.checked_neg()?)?;
            vec![
                konst(r.start)?,
                Piece {
                    from: 0,
                    value,
                    at_places: value,
                    note: false,
                    compound: false,
                },
                Piece {
                    from: bottom.max(0),
                    ..konst(r.floor)?
                },
            ]
        }
        CRule::PassFail(r) => {
            let t = at(item.target.unwrap_or_default())?;
            if higher {
                vec![
                    konst(r.fail_score)?,
                    Piece {
                        from: t,
                        ..konst(r.pass_score)?
                    },
                ]
            } else {
                vec![
                    konst(r.pass_score)?,
                    Piece {
                        from: t.checked_add(1)?,
                        ..konst(r.fail_score)?
                    },
                ]
            }
        }
        CRule::Bands { over, bands, .. } => {
            // Each edge as the first A at or above it.
            let edge = |e: Decimal| -> Option<i128> {
                match over {
                    Over::Actual => at(e),
                    Over::Achievement => first_at_or_above(item, s, e, rp),
                }
            };
            let mut cuts: Vec<i128> = Vec::new();
            for b in bands {
                for e in [b.from, b.to].into_iter().flatten() {
                    cuts.push(edge(e)?);
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            let mut starts = vec![i128::MIN];
            starts.extend(cuts);
            let mut v = Vec::with_capacity(starts.len());
            for from in starts {
                // The band holding every A of this piece: the first whose edges hold `from`.
                let mut score = None;
                for b in bands {
                    let above = match b.from {
                        Some(f) => from >= edge(f)?,
                        None => true,
                    };
                    let below = match b.to {
                        Some(t) => from < edge(t)?,
                        None => true,
                    };
                    if above && below {
                        score = Some(b.score);
                        break;
                    }
                }
                v.push(match score {
                    Some(sc) => Piece { from, ..konst(sc)? },
                    None => Piece {
                        from,
                        value: Aff::konst(Decimal::ZERO)?,
                        at_places: Aff::konst(Decimal::ZERO)?,
                        note: true,
                        compound: false,
                    },
                });
            }
            v
        }
        CRule::Lookup(r) => {
            // Rows [min, max] as thresholds on A: the first A at or above min, the first A
            // above max.
            let low = |e: Decimal| -> Option<i128> {
                match r.over {
                    Over::Actual => at(e),
                    Over::Achievement => first_reaching(item, s, e, rp, false),
                }
            };
            let past = |e: Decimal| -> Option<i128> {
                match r.over {
                    Over::Actual => at(e)?.checked_add(1),
                    Over::Achievement => first_reaching(item, s, e, rp, true),
                }
            };
            let mut rows = Vec::with_capacity(r.rows.len());
            let mut starts = vec![i128::MIN];
            for row in &r.rows {
                let lo = match row.min {
                    Some(m) => Some(low(m)?),
                    None => None,
                };
                let hi = match row.max {
                    Some(m) => Some(past(m)?),
                    None => None,
                };
                starts.extend(lo.into_iter().chain(hi));
                rows.push((lo, hi, row.score));
            }
            starts.sort_unstable();
            starts.dedup();
            let mut v = Vec::with_capacity(starts.len());
            for from in starts {
                let hit = rows.iter().find(|(lo, hi, _)| {
                    lo.is_none_or(|l| from >= l) && hi.is_none_or(|h| from < h)
                });
                v.push(match hit {
                    Some((_, _, score)) => Piece {
                        from,
                        ..konst(*score)?
                    },
                    // The default score, with a note: the engine's.
                    None => Piece {
                        from,
                        value: Aff::konst(Decimal::ZERO)?,
                        at_places: Aff::konst(Decimal::ZERO)?,
                        note: true,
                        compound: false,
                    },
                });
            }
            v
        }
        CRule::PerUnit(r) => {
            // base + (A − T) × points ÷ step (× 100 ÷ |T| for a percent basis), a slope on
            // each side of the target, within [floor, cap]; whole steps are left to the engine.
            if r.whole_steps
                || r.step <= Decimal::ZERO
                || r.floor > r.base
                || r.cap.is_some_and(|c| c < r.base)
            {
                return None;
            }
            flip = !higher;
            let t = at(item.target?)?;
            let t = if higher { t } else { t.checked_neg()? };
            // One unit of A in steps: 10^ss ÷ (step × 10^sc), or × 100 ÷ |T| for percent.
            let (per_num, per_den) = match r.basis {
                crate::model::PerUnitBasis::Actual => (
                    pow10(r.step.scale())?,
                    r.step.mantissa().checked_mul(pow10(sc)?)?,
                ),
                crate::model::PerUnitBasis::Percent => {
                    if t == 0 {
                        return None;
                    }
                    (
                        pow10(r.step.scale())?.checked_mul(100)?,
                        r.step.mantissa().checked_mul(t.checked_abs()?)?,
                    )
                }
            };
            let side = |points: Decimal| -> Option<Aff> {
                // points × steps: (A − T) × points_m × per_num ÷ (10^sp × per_den)
                let k1 = points.mantissa().checked_mul(per_num)?;
                let part = Aff {
                    k0: t.checked_mul(k1)?.checked_neg()?,
                    k1,
                    d: pow10(points.scale())?.checked_mul(per_den)?,
                };
                Aff::konst(r.base)?.add(part)
            };
            let (below, above) = (side(r.points_below)?, side(r.points_above)?);
            // The first A at which a rising side reaches `v`.
            let reach = |a: Aff, v: Decimal| -> Option<i128> {
                let target = Aff::konst(v)?.over(a.d)?;
                ceil_div(target.k0.checked_sub(a.k0)?, a.k1)
            };
            let mut v = Vec::new();
            if below.k1 > 0 {
                v.push(konst(r.floor)?);
                v.push(Piece {
                    from: reach(below, r.floor)?.min(t),
                    value: below,
                    at_places: below,
                    note: false,
                    compound: true,
                });
            } else {
                v.push(Piece {
                    from: i128::MIN,
                    value: below,
                    at_places: below,
                    note: false,
                    compound: true,
                });
            }
            v.push(Piece {
                from: t,
                value: above,
                at_places: above,
                note: false,
                compound: true,
            });
            if let (Some(cap), true) = (r.cap, above.k1 > 0) {
                v.push(Piece {
                    from: reach(above, cap)?.max(t),
                    ..konst(cap)?
                });
            }
            v
        }
        CRule::Ratio(r) => {
            let (num, den) = achievement_factor(item, s)?;
            match rp.achievement_scale {
                Scale::Places(pa) => {
                    rounded_ratio = Some(RoundedRatio {
                        num: num.checked_mul(pow10(pa)?)?,
                        den,
                        pa,
                        floor: r.floor,
                        cap: r.cap,
                    });
                    vec![konst(Decimal::ZERO)?]
                }
                Scale::Unrounded => {
                    let ach = Aff {
                        k0: 0,
                        k1: num,
                        d: den,
                    };
                    // The first A with achievement ≥ v.
                    let first = |v: Decimal| first_reaching(item, s, v, rp, false);
                    let mut v = vec![
                        konst(r.floor)?,
                        Piece {
                            from: first(r.floor)?,
                            value: ach,
                            at_places: ach,
                            note: false,
                            compound: false,
                        },
                    ];
                    if let Some(cap) = r.cap {
                        v.push(Piece {
                            from: first(cap)?,
                            ..konst(cap)?
                        });
                    }
                    v
                }
            }
        }
        _ => return None,
    };
    // Each piece × 10^p in lowest terms, for a rounded item stage.
    let mut pieces = pieces;
    if let Scale::Places(p) = rp.item_scale {
        let f = pow10(p)?;
        for piece in &mut pieces {
            let v = piece.value;
            let (k0, k1) = (v.k0.checked_mul(f)?, v.k1.checked_mul(f)?);
            let g = gcd(gcd(k0, k1), v.d).max(1);
            piece.at_places = Aff {
                k0: k0.checked_div(g)?,
                k1: k1.checked_div(g)?,
                d: v.d.checked_div(g)?,
            };
        }
    }
    // A ratio's pieces must not have its floor above its cap.
    if let CRule::Ratio(r) = &item.rule {
        if r.cap.is_some_and(|c| c < r.floor) {
            return None;
        }
    }
    Some(Pieces {
        flip,
        widen,
        pieces,
        rounded_ratio,
    })
}

/// Achievement = A × num ÷ den for a cell of scale `s` (higher is better, positive target).
fn achievement_factor(item: &CItem, s: u32) -> Option<(i128, i128)> {
    let t = item.target?;
    if item.direction != Direction::HigherIsBetter || t <= Decimal::ZERO {
        return None;
    }
    // a × 100 ÷ t = A × 100 × 10^st ÷ (T × 10^s)
    let num = pow10(t.scale())?.checked_mul(100)?;
    let den = t.mantissa().checked_mul(pow10(s)?)?;
    let g = gcd(num, den);
    Some((num.checked_div(g)?, den.checked_div(g)?))
}

/// The first A whose achievement (at the plan's achievement stage) is at or above `e`.
fn first_at_or_above(item: &CItem, s: u32, e: Decimal, rp: &RoundingPolicy) -> Option<i128> {
    first_reaching(item, s, e, rp, false)
}

/// The first A whose achievement (at the plan's achievement stage) is at or above `e` — or,
/// `strict`, above it. Only where an achievement that is not `e` cannot lie within 10⁻¹⁸ of
/// it (nor of a rounding boundary of its stage): the engine, holding it to 28 digits, then
/// compares it alike.
fn first_reaching(
    item: &CItem,
    s: u32,
    e: Decimal,
    rp: &RoundingPolicy,
    strict: bool,
) -> Option<i128> {
    let (num, den) = achievement_factor(item, s)?;
    let places = match rp.achievement_scale {
        Scale::Places(p) => p.checked_add(1)?.max(e.scale()),
        Scale::Unrounded => e.scale(),
    };
    if den.checked_mul(pow10(places)?)? >= 1_000_000_000_000_000_000 {
        return None;
    }
    let edge = Q::dec(e.mantissa(), e.scale())?;
    let reaches = |a: i128| -> Option<bool> {
        let ach = Q {
            n: a.checked_mul(num)?,
            d: den,
            exact: true,
        };
        let v = match rp.achievement_scale {
            Scale::Places(p) => Q::dec(ach.round(p, rp.mode)?, p)?,
            Scale::Unrounded => ach,
        };
        let c = v.cmp(edge)?;
        Some(if strict {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        })
    };
    // Monotone in A: search the first A that reaches the edge.
    let (mut lo, mut hi) = (-(1i128 << 70), 1i128 << 70);
    if !reaches(hi)? || reaches(lo)? {
        return None;
    }
    while hi.checked_sub(lo)? > 1 {
        let mid = lo.checked_add(hi.checked_sub(lo)?.checked_div(2)?)?;
        if reaches(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// `⌊n ÷ d⌋` and the remainder, `d > 0`, on 64 bits when both fit.
#[inline(always)]
fn div_rem(n: i128, d: i128) -> Option<(i128, i128)> {
    if let (Ok(n64), Ok(d64)) = (i64::try_from(n), i64::try_from(d)) {
        return Some((
            i128::from(n64.checked_div_euclid(d64)?),
            i128::from(n64.checked_rem_euclid(d64)?),
        ));
    }
    Some((n.checked_div_euclid(d)?, n.checked_rem_euclid(d)?))
}

/// `n ÷ d` (d > 0) rounded to an integer by `mode`; `None` when it lies within 10⁻¹⁸ of a
/// rounding boundary (the value being `n ÷ d × 10^-places`) without being on it — or on it
/// too, unless `on_boundary_ok`.
#[inline(always)]
pub(super) fn round_div(
    n: i128,
    d: i128,
    places: u32,
    mode: RoundingMode,
    on_boundary_ok: bool,
) -> Option<i128> {
    round_checked(n, d, places, mode, Some(on_boundary_ok))
}

/// `n ÷ d` rounded, with no check of how near a boundary it lies: for a value the engine
/// holds exactly (every term terminates).
#[inline(always)]
pub(super) fn round_trusted(n: i128, d: i128, mode: RoundingMode) -> Option<i128> {
    round_checked(n, d, 0, mode, None)
}

#[inline(always)]
fn round_checked(
    n: i128,
    d: i128,
    places: u32,
    mode: RoundingMode,
    check: Option<bool>,
) -> Option<i128> {
    if d == 1 {
        return Some(n);
    }
    let (q, r) = div_rem(n, d)?;
    let twice = r.checked_mul(2)?;
    let half = matches!(
        mode,
        RoundingMode::HalfUp | RoundingMode::HalfEven | RoundingMode::HalfDown
    );
    // Distance to the nearest boundary of the mode, over d (units of 10^-places).
    let (dist, of) = if half {
        (twice.checked_sub(d)?.checked_abs()?, d.checked_mul(2)?)
    } else {
        (r.min(d.checked_sub(r)?), d)
    };
    match check {
        None => {}
        Some(false) if dist == 0 => return None,
        Some(true) if dist == 0 => {}
        Some(_) => match 18u32.checked_sub(places) {
            Some(k) if pow10(k).is_some_and(|f| dist.saturating_mul(f) < of) => return None,
            Some(_) => {}
            None => return None,
        },
    }
    let negative = n < 0;
    let up = match mode {
        RoundingMode::Floor => false,
        RoundingMode::Ceiling => r > 0,
        RoundingMode::Down => r > 0 && negative,
        RoundingMode::Up => r > 0 && !negative,
        _ => match twice.cmp(&d) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => match mode {
                RoundingMode::HalfUp => !negative,
                RoundingMode::HalfDown => negative,
                _ => q.checked_rem(2)? != 0,
            },
        },
    };
    if up { q.checked_add(1) } else { Some(q) }
}

/// `v × 10^-k` rounded by `mode` (k ≥ 0), exactly (a decimal: never near a boundary in the
/// engine's sense).
#[inline(always)]
pub(super) fn round_pow10(v: i128, k: u32, mode: RoundingMode) -> Option<i128> {
    match k {
        0 => Some(v),
        _ => round_div(v, pow10(k)?, 0, mode, true),
    }
}

/// An item on the fast path, with its pieces per column scale built on first use.
#[derive(Debug)]
pub(super) struct FastItem {
    pub(super) indicator: usize,
    by_scale: Vec<Option<Option<Pieces>>>,
    weight: Decimal,
}

impl FastItem {
    pub(super) fn new(plan: &crate::compile::CompiledPlan, item: &CItem) -> FastItem {
        FastItem {
            indicator: plan
                .indicator_index
                .get(&*item.indicator_id)
                .copied()
                .unwrap_or(usize::MAX),
            by_scale: Vec::new(),
            weight: item.weight,
        }
    }

    #[inline(always)]
    fn pieces(&mut self, item: &CItem, s: u8, rp: &RoundingPolicy) -> Option<&Pieces> {
        let s = usize::from(s);
        if self.by_scale.len() <= s {
            self.by_scale.resize(s.checked_add(1)?, None);
        }
        let slot = self.by_scale.get_mut(s)?;
        if slot.is_none() {
            *slot = Some(pieces(item, s as u32, rp));
        }
        slot.as_ref()?.as_ref()
    }

    /// Puts every piece for cells of scale `s` over one denominator, and returns it.
    pub(super) fn unify(&mut self, item: &CItem, s: u8, rp: &RoundingPolicy) -> Option<i128> {
        self.pieces(item, s, rp)?;
        let p = self.by_scale.get_mut(usize::from(s))?.as_mut()?.as_mut()?;
        if p.rounded_ratio.is_some() {
            return None;
        }
        let mut d = 1i128;
        for piece in &p.pieces {
            d = lcm(d, piece.value.d)?;
        }
        for piece in &mut p.pieces {
            piece.value = piece.value.over(d)?;
        }
        Some(d)
    }

    /// The pieces for cells of scale `s`, built on first use.
    #[inline(always)]
    pub(super) fn pieces_for(
        &mut self,
        item: &CItem,
        s: u8,
        rp: &RoundingPolicy,
    ) -> Option<&Pieces> {
        self.pieces(item, s, rp)
    }

    /// Whether the raw value at the cell `m` (at scale `s`) is a terminating decimal.
    pub(super) fn terminates_at(
        &mut self,
        item: &CItem,
        m: i128,
        s: u8,
        rp: &RoundingPolicy,
    ) -> Option<bool> {
        let p = self.pieces(item, s, rp)?;
        let a = p.read(m)?;
        let piece = p.find(a)?;
        if piece.compound {
            return Some(false);
        }
        let v = piece.value;
        let n = v.at(a)?;
        let g = gcd(n, v.d).max(1);
        Some(super::exact::strip25(v.d.checked_div(g)?) == 1)
    }

    /// weight ÷ 100 as (mantissa, scale).
    #[inline(always)]
    pub(super) fn weight(&self) -> Decimal {
        self.weight
    }
}
