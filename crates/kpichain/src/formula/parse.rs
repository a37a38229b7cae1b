//! Parsing formula text into an [`Ast`] with `pest` and a Pratt parser for precedence.

use super::{Ast, BinOp, FormulaError};
use pest::Parser;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;
use std::str::FromStr;

#[derive(pest_derive::Parser)]
#[grammar = "formula/grammar.pest"]
struct FormulaParser;

fn pratt() -> PrattParser<Rule> {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
}

fn rule_name(rule: &Rule) -> String {
    match rule {
        Rule::EOI => "end of formula",
        Rule::expr | Rule::primary => "a value",
        Rule::number => "a number",
        Rule::boolean => "true/false",
        Rule::name | Rule::ident => "a name",
        Rule::call => "a function call",
        Rule::or | Rule::and | Rule::eq | Rule::ne | Rule::le | Rule::ge | Rule::lt | Rule::gt => {
            "an operator"
        }
        Rule::add | Rule::sub | Rule::mul | Rule::div => "an operator",
        Rule::neg | Rule::not => "'-' or 'not'",
        _ => "a value",
    }
    .to_string()
}

/// Parses formula text. The error names the 1-based column of the problem.
///
/// ```
/// let ast = kpichain::formula::parse("min(actual / target * 100, 120)");
/// assert!(ast.is_ok());
/// let bad = kpichain::formula::parse("actual + * 2").unwrap_err();
/// assert_eq!(bad.column, 10);
/// ```
pub fn parse(text: &str) -> Result<Ast, FormulaError> {
    if text.len() > MAX_LEN {
        return Err(FormulaError {
            column: 1,
            message: format!("the formula is longer than {MAX_LEN} characters"),
        });
    }
    check_nesting(text)?;
    let mut pairs = FormulaParser::parse(Rule::formula, text).map_err(|e| {
        let column = match e.line_col {
            pest::error::LineColLocation::Pos((_, c))
            | pest::error::LineColLocation::Span((_, c), _) => c,
        };
        let e = e.renamed_rules(rule_name);
        let message = match &e.variant {
            pest::error::ErrorVariant::ParsingError {
                positives,
                negatives,
            } => {
                let mut names: Vec<String> = positives.iter().map(rule_name).collect();
                names.sort();
                names.dedup();
                let _ = negatives;
                if names.is_empty() {
                    "unexpected text".to_string()
                } else {
                    format!("expected {}", names.join(" or "))
                }
            }
            pest::error::ErrorVariant::CustomError { message } => message.clone(),
        };
        FormulaError { column, message }
    })?;
    let formula = pairs.next().ok_or_else(|| FormulaError {
        column: 1,
        message: "empty formula".into(),
    })?;
    let expr = formula.into_inner().next().ok_or_else(|| FormulaError {
        column: 1,
        message: "empty formula".into(),
    })?;
    let pratt = pratt();
    let ast = build(expr.into_inner(), &pratt, 0)?;
    if tree_depth(&ast) > MAX_TREE {
        return Err(FormulaError {
            column: 1,
            message: format!(
                "the formula is too deeply nested (more than {MAX_TREE} operations inside one another)"
            ),
        });
    }
    Ok(ast)
}

const MAX_TREE: usize = 256;

fn column(pair: &Pair<Rule>) -> usize {
    pair.line_col().1
}

const MAX_DEPTH: usize = 64;
const MAX_SIGNS: usize = 16;

/// Bounds what the parser handles recursively — parentheses and runs of prefix operators
/// (`- - -x`, `not not x`) — so that no formula can exhaust the stack.
fn check_nesting(text: &str) -> Result<(), FormulaError> {
    let mut depth = 0usize;
    let mut signs = 0usize;
    let mut skip = 0usize;
    for (column, (at, ch)) in text.char_indices().enumerate() {
        let column = column.saturating_add(1);
        if skip > 0 {
            skip = skip.saturating_sub(1);
            continue;
        }
        let rest = text.get(at..).unwrap_or("");
        let is_not = rest.starts_with("not")
            && !rest
                .get(3..)
                .and_then(|r| r.chars().next())
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        match ch {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if ch == '-' || is_not {
            signs = signs.saturating_add(1);
            if is_not {
                skip = 2;
            }
        } else if !ch.is_whitespace() {
            signs = 0;
        }
        if depth > MAX_DEPTH {
            return Err(FormulaError {
                column,
                message: format!("the formula nests deeper than {MAX_DEPTH} parentheses"),
            });
        }
        if signs > MAX_SIGNS {
            return Err(FormulaError {
                column,
                message: format!("the formula has more than {MAX_SIGNS} '-' or 'not' in a row"),
            });
        }
    }
    Ok(())
}
const MAX_LEN: usize = 2_000;

/// Depth of an expression tree, so that evaluation never recurses too deep.
fn tree_depth(ast: &Ast) -> usize {
    match ast {
        Ast::Num(_) | Ast::Bool(_) | Ast::Name(..) => 1,
        Ast::Neg(e) | Ast::Not(e) => tree_depth(e).saturating_add(1),
        Ast::Binary(_, a, b, _) => tree_depth(a).max(tree_depth(b)).saturating_add(1),
        Ast::Call(_, args, _) => args
            .iter()
            .map(tree_depth)
            .max()
            .unwrap_or(0)
            .saturating_add(1),
    }
}

fn build(pairs: Pairs<Rule>, pratt: &PrattParser<Rule>, depth: usize) -> Result<Ast, FormulaError> {
    if depth > MAX_DEPTH {
        return Err(FormulaError {
            column: 1,
            message: format!("the formula nests deeper than {MAX_DEPTH} levels"),
        });
    }
    pratt
        .map_primary(|p| primary(p, pratt, depth))
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            Ok(match op.as_rule() {
                Rule::not => Ast::Not(Box::new(rhs)),
                _ => Ast::Neg(Box::new(rhs)),
            })
        })
        .map_infix(|lhs, op, rhs| {
            let bin = match op.as_rule() {
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                Rule::div => BinOp::Div,
                Rule::eq => BinOp::Eq,
                Rule::ne => BinOp::Ne,
                Rule::lt => BinOp::Lt,
                Rule::le => BinOp::Le,
                Rule::gt => BinOp::Gt,
                Rule::ge => BinOp::Ge,
                Rule::and => BinOp::And,
                _ => BinOp::Or,
            };
            Ok(Ast::Binary(
                bin,
                Box::new(lhs?),
                Box::new(rhs?),
                column(&op),
            ))
        })
        .parse(pairs)
}

fn primary(pair: Pair<Rule>, pratt: &PrattParser<Rule>, depth: usize) -> Result<Ast, FormulaError> {
    let col = column(&pair);
    match pair.as_rule() {
        Rule::number => Decimal::from_str(pair.as_str())
            .map(Ast::Num)
            .map_err(|_| FormulaError {
                column: col,
                message: format!("the number {} does not fit a decimal", pair.as_str()),
            }),
        Rule::boolean => Ok(Ast::Bool(pair.as_str() == "true")),
        Rule::name => Ok(Ast::Name(pair.as_str().to_string(), col)),
        Rule::call => {
            let mut inner = pair.into_inner();
            let name = inner
                .next()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let args = inner
                .map(|arg| build(arg.into_inner(), pratt, depth.saturating_add(1)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Ast::Call(name, args, col))
        }
        Rule::expr => build(pair.into_inner(), pratt, depth.saturating_add(1)),
        _ => Err(FormulaError {
            column: col,
            message: "unexpected text".into(),
        }),
    }
}
