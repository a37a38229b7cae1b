//! What building a scorecard shares: the plan's indexes and the scorecard's value slots.

use super::FastMap;
use crate::model::Plan;
use std::collections::HashMap;

/// What building a role's scorecard needs to know about the plan.
pub(super) struct RoleContext<'a> {
    pub(super) plan: &'a Plan,
    pub(super) indicator_index: &'a FastMap<String, usize>,
    pub(super) role_index: &'a FastMap<String, usize>,
    pub(super) grade_index: &'a HashMap<&'a str, usize>,
}

/// The value slots of a scorecard: the indicators it reads, one slot each, and the items
/// reading from elsewhere, one slot each.
pub(super) struct Slots {
    /// Indicator index per slot (`usize::MAX` for an item reading from elsewhere).
    pub(super) slots: Vec<usize>,
    /// For each indicator of the library, its slot, or `u32::MAX`.
    pub(super) slot_of: Vec<u32>,
}

impl Slots {
    pub(super) fn new(indicators: usize) -> Slots {
        Slots {
            slots: Vec::new(),
            slot_of: vec![u32::MAX; indicators],
        }
    }

    /// The slot of indicator `ind`, given one if it has none yet.
    pub(super) fn slot_for(&mut self, ind: usize) -> usize {
        match self.slot_of.get(ind).copied() {
            Some(s) if s != u32::MAX => s as usize,
            _ => {
                let s = self.slots.len();
                self.slots.push(ind);
                if let Some(x) = self.slot_of.get_mut(ind) {
                    *x = u32::try_from(s).unwrap_or(u32::MAX);
                }
                s
            }
        }
    }

    /// A new slot for an item whose actual is read from elsewhere.
    pub(super) fn push_sourced(&mut self) -> usize {
        let slot = self.slots.len();
        self.slots.push(usize::MAX);
        slot
    }
}
