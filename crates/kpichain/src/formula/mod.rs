//! The formula language: exact decimal expressions over named values, parsed with `pest`
//! and checked (names and types) when a plan is compiled. Never evaluates host-language code.
//!
//! ```text
//! min(actual / target * 100, 120)
//! if(complaints > 3, 0, score.on_time * 0.5 + 50)
//! compliance_breaches >= 1 and total < 60
//! ```

mod parse;
mod program;

pub use parse::parse;
pub use program::{Formula, Program};

use crate::decimal::{self, ArithmeticError};
use rust_decimal::Decimal;

/// A name a formula may refer to, resolved when the plan is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// This item's actual.
    Actual,
    /// This item's target.
    Target,
    /// This item's threshold.
    Threshold,
    /// This item's stretch value.
    Stretch,
    /// This item's achievement percentage.
    Achievement,
    /// The actual of the indicator with this index in the plan's library.
    Indicator(usize),
    /// The rounded score of the item with this index on the same scorecard.
    ItemScore(usize),
    /// The total before vetoes (veto conditions only).
    Total,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `min(a, b, ...)`
    Min,
    /// `max(a, b, ...)`
    Max,
    /// `abs(x)`
    Abs,
    /// `clamp(x, lo, hi)`
    Clamp,
    /// `if(cond, a, b)`
    If,
    /// `round(x, places)`, half-up
    Round,
}

/// A parsed expression whose names are still text.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A decimal literal.
    Num(Decimal),
    /// `true` or `false`.
    Bool(bool),
    /// A name and its column (1-based).
    Name(String, usize),
    /// `-x`
    Neg(Box<Ast>),
    /// `not x`
    Not(Box<Ast>),
    /// `a op b`, with the operator's column.
    Binary(BinOp, Box<Ast>, Box<Ast>, usize),
    /// `f(args)`, with the function name's column.
    Call(String, Vec<Ast>, usize),
}

/// A checked expression, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A decimal literal.
    Num(Decimal),
    /// A boolean literal.
    Bool(bool),
    /// A resolved name.
    Var(Var),
    /// `-x`
    Neg(Box<Expr>),
    /// `not x`
    Not(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `f(args)`
    Call(Func, Vec<Expr>),
}

/// The type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Number => "a number",
            Type::Boolean => "a true/false condition",
        }
    }
}

/// A problem in a formula, with the 1-based column where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// 1-based column in the expression text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FormulaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "formula error at column {}: {}",
            self.column, self.message
        )
    }
}

fn err(column: usize, message: impl Into<String>) -> FormulaError {
    FormulaError {
        column,
        message: message.into(),
    }
}

/// Resolves names with `lookup` and checks types; `want` is the type the whole expression
/// must have. Returns the checked expression and every variable it uses.
pub fn check(
    ast: &Ast,
    want: Type,
    lookup: &dyn Fn(&str) -> Option<Var>,
) -> Result<Expr, FormulaError> {
    let (expr, ty) = resolve(ast, lookup)?;
    if ty != want {
        return Err(err(
            1,
            format!(
                "the formula must give {}, but it gives {}",
                want.name(),
                ty.name()
            ),
        ));
    }
    Ok(expr)
}

fn expect(ty: Type, want: Type, column: usize, what: &str) -> Result<(), FormulaError> {
    if ty == want {
        Ok(())
    } else {
        Err(err(
            column,
            format!("{what} needs {}, not {}", want.name(), ty.name()),
        ))
    }
}

fn ast_column(ast: &Ast) -> usize {
    match ast {
        Ast::Name(_, c) | Ast::Binary(_, _, _, c) | Ast::Call(_, _, c) => *c,
        Ast::Neg(inner) | Ast::Not(inner) => ast_column(inner),
        Ast::Num(_) | Ast::Bool(_) => 1,
    }
}

fn resolve(ast: &Ast, lookup: &dyn Fn(&str) -> Option<Var>) -> Result<(Expr, Type), FormulaError> {
    Ok(match ast {
        Ast::Num(d) => (Expr::Num(*d), Type::Number),
        Ast::Bool(b) => (Expr::Bool(*b), Type::Boolean),
        Ast::Name(name, column) => match lookup(name) {
            Some(var) => (Expr::Var(var), Type::Number),
            None => return Err(err(*column, format!("unknown name '{name}'"))),
        },
        Ast::Neg(inner) => {
            let (e, t) = resolve(inner, lookup)?;
            expect(t, Type::Number, ast_column(inner), "'-'")?;
            (Expr::Neg(Box::new(e)), Type::Number)
        }
        Ast::Not(inner) => {
            let (e, t) = resolve(inner, lookup)?;
            expect(t, Type::Boolean, ast_column(inner), "'not'")?;
            (Expr::Not(Box::new(e)), Type::Boolean)
        }
        Ast::Binary(op, a, b, column) => {
            let (ea, ta) = resolve(a, lookup)?;
            let (eb, tb) = resolve(b, lookup)?;
            let ty = match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    expect(ta, Type::Number, *column, "arithmetic")?;
                    expect(tb, Type::Number, *column, "arithmetic")?;
                    Type::Number
                }
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    expect(ta, Type::Number, *column, "a comparison")?;
                    expect(tb, Type::Number, *column, "a comparison")?;
                    Type::Boolean
                }
                BinOp::Eq | BinOp::Ne => {
                    if ta != tb {
                        return Err(err(
                            *column,
                            "'==' and '!=' compare two values of the same type",
                        ));
                    }
                    Type::Boolean
                }
                BinOp::And | BinOp::Or => {
                    expect(ta, Type::Boolean, *column, "'and'/'or'")?;
                    expect(tb, Type::Boolean, *column, "'and'/'or'")?;
                    Type::Boolean
                }
            };
            (Expr::Binary(*op, Box::new(ea), Box::new(eb)), ty)
        }
        Ast::Call(name, args, column) => resolve_call(name, args, *column, lookup)?,
    })
}

fn resolve_call(
    name: &str,
    args: &[Ast],
    column: usize,
    lookup: &dyn Fn(&str) -> Option<Var>,
) -> Result<(Expr, Type), FormulaError> {
    let (func, arity): (Func, Option<usize>) = match name {
        "min" => (Func::Min, None),
        "max" => (Func::Max, None),
        "abs" => (Func::Abs, Some(1)),
        "clamp" => (Func::Clamp, Some(3)),
        "if" => (Func::If, Some(3)),
        "round" => (Func::Round, Some(2)),
        _ => {
            return Err(err(
                column,
                format!("unknown function '{name}' (known: min, max, abs, clamp, if, round)"),
            ));
        }
    };
    match arity {
        Some(n) if args.len() != n => {
            return Err(err(
                column,
                format!("'{name}' takes {n} argument(s), not {}", args.len()),
            ));
        }
        None if args.is_empty() => {
            return Err(err(column, format!("'{name}' needs at least one argument")));
        }
        _ => {}
    }
    let mut exprs = Vec::with_capacity(args.len());
    let mut types = Vec::with_capacity(args.len());
    for a in args {
        let (e, t) = resolve(a, lookup)?;
        exprs.push(e);
        types.push(t);
    }
    let ty = if func == Func::If {
        let cond = types.first().copied().unwrap_or(Type::Number);
        expect(cond, Type::Boolean, column, "the first argument of 'if'")?;
        let (a, b) = (types.get(1).copied(), types.get(2).copied());
        if a != b {
            return Err(err(column, "both branches of 'if' must have the same type"));
        }
        a.unwrap_or(Type::Number)
    } else {
        for t in &types {
            expect(*t, Type::Number, column, &format!("'{name}'"))?;
        }
        if func == Func::Round {
            match exprs.get(1) {
                Some(Expr::Num(p))
                    if p.fract().is_zero() && *p >= Decimal::ZERO && *p <= Decimal::from(28) => {}
                _ => {
                    return Err(err(
                        column,
                        "the places of 'round' must be a whole number from 0 to 28",
                    ));
                }
            }
        }
        Type::Number
    };
    Ok((Expr::Call(func, exprs), ty))
}

/// A value during evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A number.
    Num(Decimal),
    /// A condition.
    Bool(bool),
}

/// Why an evaluation of a formula failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalFailure {
    /// A name had no value (e.g. a missing actual).
    Missing(Var),
    /// Division by zero or a result too large for a decimal.
    Arithmetic,
}

impl From<ArithmeticError> for EvalFailure {
    fn from(_: ArithmeticError) -> Self {
        EvalFailure::Arithmetic
    }
}

fn num(v: Value) -> Result<Decimal, EvalFailure> {
    match v {
        Value::Num(d) => Ok(d),
        Value::Bool(_) => Err(EvalFailure::Arithmetic),
    }
}

fn boolean(v: Value) -> Result<bool, EvalFailure> {
    match v {
        Value::Bool(b) => Ok(b),
        Value::Num(_) => Err(EvalFailure::Arithmetic),
    }
}

/// `x op y` for the arithmetic and ordering operators (shared by the tree and the program).
pub(crate) fn arithmetic(op: BinOp, x: Decimal, y: Decimal) -> Result<Value, EvalFailure> {
    Ok(match op {
        BinOp::Add => Value::Num(decimal::add(x, y)?),
        BinOp::Sub => Value::Num(decimal::sub(x, y)?),
        BinOp::Mul => Value::Num(decimal::mul(x, y)?),
        BinOp::Div => Value::Num(decimal::div(x, y)?),
        BinOp::Lt => Value::Bool(x < y),
        BinOp::Le => Value::Bool(x <= y),
        BinOp::Gt => Value::Bool(x > y),
        BinOp::Ge => Value::Bool(x >= y),
        BinOp::Eq | BinOp::Ne | BinOp::And | BinOp::Or => Value::Bool(false),
    })
}

/// `round(x, places)`, half away from zero.
pub(crate) fn round(x: Decimal, p: Decimal) -> Result<Value, EvalFailure> {
    let places = u32::try_from(p.trunc().mantissa()).map_err(|_| EvalFailure::Arithmetic)?;
    Ok(Value::Num(x.round_dp_with_strategy(
        places,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    )))
}

impl Expr {
    /// Evaluates the expression; `vars` gives each variable's value (or none when missing).
    pub fn eval(&self, vars: &dyn Fn(Var) -> Option<Decimal>) -> Result<Value, EvalFailure> {
        Ok(match self {
            Expr::Num(d) => Value::Num(*d),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Var(v) => Value::Num(vars(*v).ok_or(EvalFailure::Missing(*v))?),
            Expr::Neg(e) => Value::Num(decimal::neg(num(e.eval(vars)?)?)),
            Expr::Not(e) => Value::Bool(!boolean(e.eval(vars)?)?),
            Expr::Binary(op, a, b) => {
                match op {
                    BinOp::And => {
                        return Ok(Value::Bool(
                            boolean(a.eval(vars)?)? && boolean(b.eval(vars)?)?,
                        ));
                    }
                    BinOp::Or => {
                        return Ok(Value::Bool(
                            boolean(a.eval(vars)?)? || boolean(b.eval(vars)?)?,
                        ));
                    }
                    _ => {}
                }
                let (va, vb) = (a.eval(vars)?, b.eval(vars)?);
                match op {
                    BinOp::Eq => Value::Bool(va == vb),
                    BinOp::Ne => Value::Bool(va != vb),
                    _ => arithmetic(*op, num(va)?, num(vb)?)?,
                }
            }
            Expr::Call(func, args) => eval_call(*func, args, vars)?,
        })
    }

    /// Every variable the expression refers to.
    pub fn vars(&self, out: &mut Vec<Var>) {
        match self {
            Expr::Num(_) | Expr::Bool(_) => {}
            Expr::Var(v) => out.push(*v),
            Expr::Neg(e) | Expr::Not(e) => e.vars(out),
            Expr::Binary(_, a, b) => {
                a.vars(out);
                b.vars(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.vars(out)),
        }
    }
}

fn eval_call(
    func: Func,
    args: &[Expr],
    vars: &dyn Fn(Var) -> Option<Decimal>,
) -> Result<Value, EvalFailure> {
    let arg = |i: usize| -> Result<Value, EvalFailure> {
        args.get(i).ok_or(EvalFailure::Arithmetic)?.eval(vars)
    };
    Ok(match func {
        Func::If => {
            if boolean(arg(0)?)? {
                arg(1)?
            } else {
                arg(2)?
            }
        }
        Func::Abs => Value::Num(num(arg(0)?)?.abs()),
        Func::Clamp => {
            let (x, lo, hi) = (num(arg(0)?)?, num(arg(1)?)?, num(arg(2)?)?);
            Value::Num(decimal::clamp(x, Some(lo), Some(hi)))
        }
        Func::Round => round(num(arg(0)?)?, num(arg(1)?)?)?,
        Func::Min | Func::Max => {
            let mut best: Option<Decimal> = None;
            for a in args {
                let v = num(a.eval(vars)?)?;
                best = Some(match best {
                    None => v,
                    Some(b) if func == Func::Min => b.min(v),
                    Some(b) => b.max(v),
                });
            }
            Value::Num(best.ok_or(EvalFailure::Arithmetic)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn run(text: &str, want: Type) -> Result<Value, String> {
        let ast = parse(text).map_err(|e| e.to_string())?;
        let lookup = |n: &str| match n {
            "actual" => Some(Var::Actual),
            "target" => Some(Var::Target),
            "sales" => Some(Var::Indicator(0)),
            _ => None,
        };
        let expr = check(&ast, want, &lookup).map_err(|e| e.to_string())?;
        let vars = |v: Var| match v {
            Var::Actual => Decimal::from_str("90").ok(),
            Var::Target => Decimal::from_str("120").ok(),
            _ => None,
        };
        expr.eval(&vars).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn arithmetic_is_exact_and_respects_precedence() {
        assert_eq!(
            run("actual / target * 100", Type::Number),
            Ok(Value::Num(Decimal::from(75)))
        );
        assert_eq!(
            run("1 + 2 * 3 - -1", Type::Number),
            Ok(Value::Num(Decimal::from(8)))
        );
        assert_eq!(
            run("0.1 + 0.2 == 0.3", Type::Boolean),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            run("if(actual >= target, 100, min(actual, 50))", Type::Number),
            Ok(Value::Num(Decimal::from(50)))
        );
        assert_eq!(
            run("not actual > 1 or false", Type::Boolean),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            run("round(2.345, 2)", Type::Number).map(|v| format!("{v:?}")),
            Ok("Num(2.35)".to_string())
        );
    }

    #[test]
    fn errors_name_the_column() {
        let e = run("actual + * 2", Type::Number).err().unwrap_or_default();
        assert!(e.contains("column 10"), "{e}");
        let e = run("actual + unknown_name", Type::Number)
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("column 10") && e.contains("unknown name 'unknown_name'"),
            "{e}"
        );
        let e = run("actual > 1", Type::Number).err().unwrap_or_default();
        assert!(e.contains("must give a number"), "{e}");
        let e = run("sales / 0", Type::Number).err().unwrap_or_default();
        assert!(e.contains("Missing"), "{e}");
        let e = run("actual / 0", Type::Number).err().unwrap_or_default();
        assert!(e.contains("Arithmetic"), "{e}");
        let e = run("frobnicate(1)", Type::Number).err().unwrap_or_default();
        assert!(e.contains("unknown function"), "{e}");
    }
}
