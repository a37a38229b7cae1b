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
    if text.len() > 10_000 {
        return Err(FormulaError {
            column: 1,
            message: "the formula is longer than 10,000 characters".into(),
        });
    }
    let mut depth = 0usize;
    for (i, ch) in text.chars().enumerate() {
        match ch {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Err(FormulaError {
                column: i.saturating_add(1),
                message: format!("the formula nests deeper than {MAX_DEPTH} parentheses"),
            });
        }
    }
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
    build(expr.into_inner(), &pratt, 0)
}

fn column(pair: &Pair<Rule>) -> usize {
    pair.line_col().1
}

const MAX_DEPTH: usize = 64;

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
