//! A checked formula compiled to a flat register program: no recursion, no allocation per
//! evaluation (the registers live on the stack), jumps for `if`, `and` and `or`.
//!
//! The program performs the tree's operations in the tree's order — the same `Decimal`
//! operations on the same operands, the same short-circuits, the same first failure — so
//! its results are the tree evaluator's ([`Expr::eval`]) bit for bit; a property test checks
//! this on random formulas.

use super::{BinOp, EvalFailure, Expr, Func, Value, Var, arithmetic, boolean, num, round};
use crate::decimal;
use rust_decimal::Decimal;

/// Registers of a program; a formula needing more is evaluated as a tree.
const REGS: usize = 48;

type Reg = u8;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Num(Reg, Decimal),
    Bool(Reg, bool),
    Var(Reg, Var),
    Neg(Reg, Reg),
    Not(Reg, Reg),
    Abs(Reg, Reg),
    /// `dst = a op b` for the arithmetic and ordering operators.
    Bin(Reg, BinOp, Reg, Reg),
    /// `dst = (a == b) != ne`
    Eq(Reg, bool, Reg, Reg),
    Clamp(Reg, Reg, Reg, Reg),
    Round(Reg, Reg, Reg),
    /// `dst = dst.min(v)` (`min`) or `dst.max(v)`, after `dst` is checked to be a number.
    MinMax(Reg, bool, Reg),
    /// `dst` checked to be a number (the first argument of `min`/`max`).
    IsNum(Reg),
    /// `dst` checked to be a condition (the left side of `and`/`or`, kept as the result).
    IsBool(Reg),
    Move(Reg, Reg),
    /// Jump to the op at the index when the condition register is `when`.
    JumpIf(Reg, bool, u16),
    Jump(u16),
}

/// A formula as a register program (see the module).
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
    out: Reg,
}

struct Builder {
    ops: Vec<Op>,
    next: usize,
}

impl Builder {
    fn reg(&mut self) -> Option<Reg> {
        let r = Reg::try_from(self.next)
            .ok()
            .filter(|&r| usize::from(r) < REGS)?;
        self.next = self.next.checked_add(1)?;
        Some(r)
    }

    fn here(&self) -> Option<u16> {
        u16::try_from(self.ops.len()).ok()
    }

    /// Emits `e`; returns the register holding its value.
    fn emit(&mut self, e: &Expr) -> Option<Reg> {
        Some(match e {
            Expr::Num(d) => {
                let r = self.reg()?;
                self.ops.push(Op::Num(r, *d));
                r
            }
            Expr::Bool(b) => {
                let r = self.reg()?;
                self.ops.push(Op::Bool(r, *b));
                r
            }
            Expr::Var(v) => {
                let r = self.reg()?;
                self.ops.push(Op::Var(r, *v));
                r
            }
            Expr::Neg(a) | Expr::Not(a) => {
                let x = self.emit(a)?;
                let r = self.reg()?;
                self.ops.push(if matches!(e, Expr::Neg(_)) {
                    Op::Neg(r, x)
                } else {
                    Op::Not(r, x)
                });
                r
            }
            Expr::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                // r = boolean(a); if r decides, skip b; else r = boolean(b).
                let r = self.reg()?;
                let x = self.emit(a)?;
                self.ops.push(Op::Move(r, x));
                self.ops.push(Op::IsBool(r));
                let jump = self.ops.len();
                self.ops.push(Op::Jump(0));
                let y = self.emit(b)?;
                self.ops.push(Op::Move(r, y));
                self.ops.push(Op::IsBool(r));
                let end = self.here()?;
                // `and` stops on false, `or` on true.
                *self.ops.get_mut(jump)? = Op::JumpIf(r, *op == BinOp::Or, end);
                r
            }
            Expr::Binary(op, a, b) => {
                let (x, y) = (self.emit(a)?, self.emit(b)?);
                let r = self.reg()?;
                self.ops.push(match op {
                    BinOp::Eq => Op::Eq(r, false, x, y),
                    BinOp::Ne => Op::Eq(r, true, x, y),
                    _ => Op::Bin(r, *op, x, y),
                });
                r
            }
            Expr::Call(Func::If, args) => {
                let [c, t, f] = args.as_slice() else {
                    return None;
                };
                let r = self.reg()?;
                let cond = self.emit(c)?;
                self.ops.push(Op::IsBool(cond));
                let to_else = self.ops.len();
                self.ops.push(Op::Jump(0));
                let x = self.emit(t)?;
                self.ops.push(Op::Move(r, x));
                let to_end = self.ops.len();
                self.ops.push(Op::Jump(0));
                let else_at = self.here()?;
                let y = self.emit(f)?;
                self.ops.push(Op::Move(r, y));
                let end = self.here()?;
                *self.ops.get_mut(to_else)? = Op::JumpIf(cond, false, else_at);
                *self.ops.get_mut(to_end)? = Op::Jump(end);
                r
            }
            Expr::Call(Func::Abs, args) => {
                let x = self.emit(args.first()?)?;
                let r = self.reg()?;
                self.ops.push(Op::Abs(r, x));
                r
            }
            Expr::Call(Func::Clamp, args) => {
                let [x, lo, hi] = args.as_slice() else {
                    return None;
                };
                let (x, lo, hi) = (self.emit(x)?, self.emit(lo)?, self.emit(hi)?);
                let r = self.reg()?;
                self.ops.push(Op::Clamp(r, x, lo, hi));
                r
            }
            Expr::Call(Func::Round, args) => {
                let [x, p] = args.as_slice() else {
                    return None;
                };
                let (x, p) = (self.emit(x)?, self.emit(p)?);
                let r = self.reg()?;
                self.ops.push(Op::Round(r, x, p));
                r
            }
            Expr::Call(f @ (Func::Min | Func::Max), args) => {
                let r = self.reg()?;
                let (first, rest) = args.split_first()?;
                let x = self.emit(first)?;
                self.ops.push(Op::Move(r, x));
                self.ops.push(Op::IsNum(r));
                for a in rest {
                    let y = self.emit(a)?;
                    self.ops.push(Op::MinMax(r, *f == Func::Min, y));
                }
                r
            }
        })
    }
}

impl Program {
    /// The program of a checked expression; `None` when it needs more registers than a
    /// program has (it is then evaluated as a tree).
    pub fn compile(e: &Expr) -> Option<Program> {
        let mut b = Builder {
            ops: Vec::new(),
            next: 0,
        };
        let out = b.emit(e)?;
        Some(Program { ops: b.ops, out })
    }

    /// Runs the program; the same value or failure as [`Expr::eval`] of its expression.
    pub fn run(&self, vars: &dyn Fn(Var) -> Option<Decimal>) -> Result<Value, EvalFailure> {
        let mut r = [Value::Bool(false); REGS];
        let get = |r: &[Value; REGS], k: Reg| -> Result<Value, EvalFailure> {
            r.get(usize::from(k))
                .copied()
                .ok_or(EvalFailure::Arithmetic)
        };
        let mut pc = 0usize;
        while let Some(op) = self.ops.get(pc) {
            pc = pc.wrapping_add(1);
            let (dst, v) = match *op {
                Op::Num(d, x) => (d, Value::Num(x)),
                Op::Bool(d, b) => (d, Value::Bool(b)),
                Op::Var(d, v) => (d, Value::Num(vars(v).ok_or(EvalFailure::Missing(v))?)),
                Op::Neg(d, a) => (d, Value::Num(decimal::neg(num(get(&r, a)?)?))),
                Op::Not(d, a) => (d, Value::Bool(!boolean(get(&r, a)?)?)),
                Op::Abs(d, a) => (d, Value::Num(num(get(&r, a)?)?.abs())),
                Op::Bin(d, op, a, b) => (d, arithmetic(op, num(get(&r, a)?)?, num(get(&r, b)?)?)?),
                Op::Eq(d, ne, a, b) => (d, Value::Bool((get(&r, a)? == get(&r, b)?) != ne)),
                Op::Clamp(d, x, lo, hi) => {
                    let (x, lo, hi) = (num(get(&r, x)?)?, num(get(&r, lo)?)?, num(get(&r, hi)?)?);
                    (d, Value::Num(decimal::clamp(x, Some(lo), Some(hi))))
                }
                Op::Round(d, x, p) => (d, round(num(get(&r, x)?)?, num(get(&r, p)?)?)?),
                Op::MinMax(d, min, a) => {
                    let (best, v) = (num(get(&r, d)?)?, num(get(&r, a)?)?);
                    (d, Value::Num(if min { best.min(v) } else { best.max(v) }))
                }
                Op::IsNum(d) => {
                    num(get(&r, d)?)?;
                    continue;
                }
                Op::IsBool(d) => {
                    boolean(get(&r, d)?)?;
                    continue;
                }
                Op::Move(d, a) => (d, get(&r, a)?),
                Op::JumpIf(c, when, to) => {
                    if boolean(get(&r, c)?)? == when {
                        pc = usize::from(to);
                    }
                    continue;
                }
                Op::Jump(to) => {
                    pc = usize::from(to);
                    continue;
                }
            };
            *r.get_mut(usize::from(dst)).ok_or(EvalFailure::Arithmetic)? = v;
        }
        get(&r, self.out)
    }
}

/// A checked formula with its program: evaluated by the program, or as a tree when it has
/// none.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// The checked expression.
    pub expr: Expr,
    program: Option<Program>,
}

impl Formula {
    /// Compiles `expr`.
    pub fn new(expr: Expr) -> Formula {
        let program = Program::compile(&expr);
        Formula { expr, program }
    }

    /// Evaluates the formula (see [`Program::run`]).
    pub fn eval(&self, vars: &dyn Fn(Var) -> Option<Decimal>) -> Result<Value, EvalFailure> {
        match &self.program {
            Some(p) => p.run(vars),
            None => self.expr.eval(vars),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    /// Random checked expressions of a type over `actual`, `target` (90 and 0, or missing) and
    /// small literals: the program gives the tree's value or failure.
    fn number(depth: u32) -> BoxedStrategy<Expr> {
        let leaf = prop_oneof![
            (-300i64..300, 0u32..4).prop_map(|(m, s)| Expr::Num(Decimal::new(m, s))),
            Just(Expr::Var(Var::Actual)),
            Just(Expr::Var(Var::Target)),
            Just(Expr::Var(Var::Stretch)),
        ];
        if depth == 0 {
            return leaf.boxed();
        }
        let n = number(depth - 1);
        let b = condition(depth - 1);
        prop_oneof![
            leaf,
            n.clone().prop_map(|a| Expr::Neg(Box::new(a))),
            (n.clone(), n.clone(), 0usize..4).prop_map(|(a, c, k)| Expr::Binary(
                [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div][k],
                Box::new(a),
                Box::new(c)
            )),
            (b, n.clone(), n.clone()).prop_map(|(c, x, y)| Expr::Call(Func::If, vec![c, x, y])),
            prop::collection::vec(n.clone(), 1..4).prop_map(|v| Expr::Call(Func::Min, v)),
            prop::collection::vec(n.clone(), 1..4).prop_map(|v| Expr::Call(Func::Max, v)),
            n.clone().prop_map(|a| Expr::Call(Func::Abs, vec![a])),
            (n.clone(), n.clone(), n.clone())
                .prop_map(|(x, l, h)| Expr::Call(Func::Clamp, vec![x, l, h])),
            (n, 0i64..4).prop_map(|(x, p)| Expr::Call(Func::Round, vec![x, Expr::Num(p.into())])),
        ]
        .boxed()
    }

    fn condition(depth: u32) -> BoxedStrategy<Expr> {
        let leaf = prop_oneof![any::<bool>().prop_map(Expr::Bool)];
        if depth == 0 {
            return leaf.boxed();
        }
        let n = number(depth - 1);
        let b = condition(depth - 1);
        prop_oneof![
            leaf,
            b.clone().prop_map(|a| Expr::Not(Box::new(a))),
            (b.clone(), b.clone(), any::<bool>()).prop_map(|(x, y, and)| Expr::Binary(
                if and { BinOp::And } else { BinOp::Or },
                Box::new(x),
                Box::new(y)
            )),
            (n.clone(), n, 0usize..6).prop_map(|(x, y, k)| Expr::Binary(
                [
                    BinOp::Lt,
                    BinOp::Le,
                    BinOp::Gt,
                    BinOp::Ge,
                    BinOp::Eq,
                    BinOp::Ne
                ][k],
                Box::new(x),
                Box::new(y)
            )),
            (b.clone(), b).prop_map(|(x, y)| Expr::Binary(BinOp::Eq, Box::new(x), Box::new(y))),
        ]
        .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn the_program_gives_the_trees_results(
            e in prop_oneof![number(4), condition(4)],
            target_zero in any::<bool>(),
        ) {
            let vars = |v: Var| match v {
                Var::Actual => Some(Decimal::new(9050, 2)),
                Var::Target => Some(if target_zero { Decimal::ZERO } else { Decimal::new(120, 0) }),
                _ => None,
            };
            let tree = e.eval(&vars);
            match Program::compile(&e) {
                Some(p) => prop_assert_eq!(p.run(&vars), tree),
                None => prop_assert!(true),
            }
            prop_assert_eq!(Formula::new(e).eval(&vars), tree);
        }
    }

    #[test]
    fn a_formula_too_large_for_the_registers_is_a_tree() {
        let mut e = Expr::Num(Decimal::ONE);
        for _ in 0..60 {
            e = Expr::Binary(BinOp::Add, Box::new(e), Box::new(Expr::Num(Decimal::ONE)));
        }
        assert!(Program::compile(&e).is_none());
        assert_eq!(
            Formula::new(e).eval(&|_| None),
            Ok(Value::Num(Decimal::from(61)))
        );
    }
}
