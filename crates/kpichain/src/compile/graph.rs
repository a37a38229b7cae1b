//! Ordering by dependencies: one depth-first search for formula dependencies between items
//! and for roles reading other roles' results.

use std::collections::HashSet;

/// Nodes that depend on each other in a circle: the path the search followed, with the first
/// node repeated at the end (`[a, b, a]`; a node depending on itself is `[a, a]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cycle(pub(super) Vec<usize>);

/// Orders the nodes `0..deps.len()` so that each comes after the nodes it depends on
/// (`deps[n]`); a dependency outside the graph is ignored. The search starts from each node in
/// turn and follows dependencies in their order, so the result is deterministic.
///
/// When some nodes depend on each other in a circle there is no order: every cycle is
/// returned instead, each once, in the order the search met them.
pub(super) fn order(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<Cycle>> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        New,
        OnStack,
        Done,
    }
    struct Search<'a> {
        deps: &'a [Vec<usize>],
        state: Vec<State>,
        stack: Vec<usize>,
        order: Vec<usize>,
        cycles: Vec<Cycle>,
    }
    impl Search<'_> {
        fn visit(&mut self, n: usize) {
            if let Some(s) = self.state.get_mut(n) {
                *s = State::OnStack;
            }
            self.stack.push(n);
            for &d in self.deps.get(n).map(Vec::as_slice).unwrap_or(&[]) {
                match self.state.get(d).copied() {
                    Some(State::OnStack) => {
                        let start = self.stack.iter().position(|&x| x == d).unwrap_or(0);
                        let mut cycle = self
                            .stack
                            .get(start..)
                            .map(<[usize]>::to_vec)
                            .unwrap_or_default();
                        cycle.push(d);
                        self.cycles.push(Cycle(cycle));
                    }
                    Some(State::New) => self.visit(d),
                    _ => {}
                }
            }
            self.stack.pop();
            if let Some(s) = self.state.get_mut(n) {
                *s = State::Done;
            }
            self.order.push(n);
        }
    }
    let n = deps.len();
    let mut search = Search {
        deps,
        state: vec![State::New; n],
        stack: Vec::new(),
        order: Vec::with_capacity(n),
        cycles: Vec::new(),
    };
    for node in 0..n {
        if search.state.get(node) == Some(&State::New) {
            search.visit(node);
        }
    }
    if search.cycles.is_empty() {
        return Ok(search.order);
    }
    // The same cycle met again (from another node of it, or through a repeated dependency)
    // is returned once.
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    let mut cycles = search.cycles;
    cycles.retain(|Cycle(c)| {
        let mut key = c.clone();
        key.pop();
        key.sort_unstable();
        seen.insert(key)
    });
    Err(cycles)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_first() {
        assert_eq!(order(&[vec![2], vec![], vec![1]]).unwrap(), vec![1, 2, 0]);
        assert_eq!(order(&[]).unwrap(), Vec::<usize>::new());
    }

    #[test]
    fn every_cycle_is_named_once() {
        let cycles = order(&[vec![1], vec![0, 0], vec![2]]).unwrap_err();
        assert_eq!(cycles, vec![Cycle(vec![0, 1, 0]), Cycle(vec![2, 2])]);
    }
}
