//! Ordering by dependencies, with cycles reported.

use crate::error::Code;
use crate::error::Issues;
use crate::model::*;

pub(super) fn topo_order(
    deps: &[Vec<usize>],
    items: &[Item],
    path: &str,
    issues: &mut Issues,
) -> Vec<usize> {
    // 0 = unvisited, 1 = in progress, 2 = done.
    let n = deps.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        match state.get(i) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|&x| x == i).unwrap_or(0);
                let mut cycle: Vec<usize> = stack
                    .get(start..)
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default();
                cycle.push(i);
                return Some(cycle);
            }
            _ => {}
        }
        if let Some(s) = state.get_mut(i) {
            *s = 1;
        }
        stack.push(i);
        for &d in deps.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(c) = visit(d, deps, state, order, stack) {
                return Some(c);
            }
        }
        stack.pop();
        if let Some(s) = state.get_mut(i) {
            *s = 2;
        }
        order.push(i);
        None
    }
    for i in 0..n {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(i, deps, &mut state, &mut order, &mut stack) {
            {
                let names: Vec<&str> = cycle
                    .iter()
                    .filter_map(|&c| items.get(c))
                    .map(Item::key)
                    .collect();
                let first = cycle.first().copied().unwrap_or(0);
                issues.push(
                    Code::FormulaCycle,
                    format!("{path}.items[{first}].rule.expression"),
                    format!(
                        "formulas refer to each other in a cycle: {}",
                        names.join(" → ")
                    ),
                );
            }
            return (0..n).collect();
        }
    }
    order
}
