//! The plan's monthly cost: every resource priced before (state) and after
//! (planned values) from the offline price table, with how each figure was made.

pub mod cron;
pub mod estimate;
pub mod links;
pub mod overlap;
pub mod prices;
pub mod schedule;
pub mod usage;

use crate::addr::{InstanceAddr, Mode, ResourceAddr};
use crate::config::Stack;
use crate::plan::{Action, Plan, ResourceChange};
use crate::value::{Object, Value};
use estimate::{Hours, Priced};
use links::{PowerSchedule, Side};
use overlap::Overlaps;
use std::collections::{BTreeMap, BTreeSet};
use usage::DeclaredUsage;

/// A month as AWS bills it.
pub const HOURS_PER_MONTH: f64 = 730.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    pub currency: String,
    pub region: String,
    /// The date of the price table, and where its prices come from.
    pub prices_as_of: String,
    pub prices_source: String,
    pub monthly_before: f64,
    pub monthly_after: f64,
    pub resources: Vec<ResourceCost>,
    /// What the figures leave out: types without a price, unusable schedules, ...
    pub notes: Vec<String>,
    /// False when nothing could be priced (no table, or a region it lacks).
    pub estimated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceCost {
    pub address: String,
    pub monthly_before: f64,
    pub monthly_after: f64,
    /// How the figure was made (the planned one, or the prior one for a delete).
    pub basis: String,
    /// How the prior figure was made, when it was made differently.
    pub basis_before: Option<String>,
    /// The plan changes this resource.
    pub changing: bool,
}

/// What the estimate reads.
pub struct Inputs<'a> {
    pub plan: &'a Plan,
    pub stack: &'a Stack,
    pub vars: &'a Object,
    /// Planned resource values, for usage written with references.
    pub values: &'a BTreeMap<ResourceAddr, Value>,
    pub region: &'a str,
}

pub fn estimate(inputs: &Inputs) -> Cost {
    let mut cost = Cost {
        currency: "USD".into(),
        region: inputs.region.to_string(),
        prices_as_of: String::new(),
        prices_source: String::new(),
        monthly_before: 0.0,
        monthly_after: 0.0,
        resources: Vec::new(),
        notes: Vec::new(),
        estimated: false,
    };
    let table = match prices::table() {
        Ok(t) => t,
        Err(e) => {
            cost.notes.push(e);
            return cost;
        }
    };
    cost.currency = table.currency.clone();
    cost.prices_as_of = table.as_of.clone();
    cost.prices_source = table.source.clone();
    let Some(region_prices) = table.region(inputs.region) else {
        cost.notes.push(format!(
            "region {} is not in the price table (it has {}): no cost estimated",
            inputs.region,
            table.region_names().join(", ")
        ));
        return cost;
    };

    cost.estimated = true;
    let changes: Vec<&ResourceChange> = inputs
        .plan
        .changes
        .iter()
        .filter(|c| c.addr.resource.mode == Mode::Managed)
        .collect();
    let side = |pick: fn(&ResourceChange) -> Option<&Object>| -> Side {
        changes
            .iter()
            .filter(|c| c.deposed.is_none())
            .filter_map(|c| pick(c).map(|o| (&c.addr, o)))
            .collect()
    };
    let before = side(|c| c.before.as_ref());
    let after = side(|c| c.after.as_ref());
    let declared = DeclaredUsage::evaluate(inputs.stack, inputs.vars, inputs.values);
    cost.notes.extend(declared.notes.iter().cloned());
    let hours_before = running_hours(&links::power_schedules(&before, inputs.stack));
    let hours_after = running_hours(&links::power_schedules(&after, inputs.stack));
    cost.notes
        .extend(hours_before.notes.iter().chain(&hours_after.notes).cloned());

    let overlaps_before = Overlaps::of(&before, inputs.stack);
    let overlaps_after = Overlaps::of(&after, inputs.stack);

    let mut unpriced = BTreeSet::new();
    for change in changes {
        let usage = declared.of(&change.addr);
        let price = |obj: Option<&Object>, scheduled: &RunningHours, overlaps: &Overlaps| {
            obj.map(|o| {
                let o = &overlaps.as_priced(&change.addr, o);
                let hours = match usage.get("hours_per_month") {
                    Some(h) => Hours {
                        hours: h,
                        source: "declared usage".into(),
                    },
                    None => scheduled.of(&change.addr),
                };
                estimate::price(
                    &change.addr.resource.type_name,
                    o,
                    &usage,
                    &hours,
                    region_prices,
                )
            })
        };
        let was = price(change.before.as_ref(), &hours_before, &overlaps_before);
        let will = price(change.after.as_ref(), &hours_after, &overlaps_after);
        let mut figure = |p: &Option<Priced>| match p {
            Some(Priced::Cost { monthly, basis }) => Some((*monthly, basis.clone())),
            Some(Priced::NoPrice(why)) => {
                unpriced.insert(format!("{}: {why}; not included", change.addr));
                None
            }
            Some(Priced::Free) | None => None,
        };
        let (was, will) = (figure(&was), figure(&will));
        if was.is_none() && will.is_none() {
            continue;
        }
        let address = match &change.deposed {
            Some(id) => format!("{} (deposed {id})", change.addr),
            None => change.addr.to_string(),
        };
        let basis = will
            .as_ref()
            .or(was.as_ref())
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        let basis_before = match (&was, &will) {
            (Some((_, before)), Some(_)) if *before != basis => Some(before.clone()),
            _ => None,
        };
        cost.resources.push(ResourceCost {
            address,
            monthly_before: was.map_or(0.0, |(m, _)| m),
            monthly_after: will.map_or(0.0, |(m, _)| m),
            basis,
            basis_before,
            changing: change.action != Action::NoOp,
        });
    }
    cost.notes.extend(unpriced);
    let mut seen = BTreeSet::new();
    cost.notes.retain(|n| seen.insert(n.clone()));
    cost.resources.sort_by(|a, b| a.address.cmp(&b.address));
    cost.monthly_before = cost.resources.iter().map(|r| r.monthly_before).sum();
    cost.monthly_after = cost.resources.iter().map(|r| r.monthly_after).sum();
    cost
}

/// Hours per month of each scheduled instance (others run all month).
struct RunningHours {
    scheduled: BTreeMap<InstanceAddr, Hours>,
    notes: Vec<String>,
}

impl RunningHours {
    fn of(&self, addr: &InstanceAddr) -> Hours {
        self.scheduled.get(addr).cloned().unwrap_or(Hours {
            hours: HOURS_PER_MONTH,
            source: "always on".into(),
        })
    }
}

fn running_hours(schedules: &BTreeMap<InstanceAddr, Vec<PowerSchedule>>) -> RunningHours {
    let mut running = RunningHours {
        scheduled: BTreeMap::new(),
        notes: Vec::new(),
    };
    for (instance, found) in schedules {
        let mut crons = Vec::new();
        for s in found {
            match &s.cron {
                Ok(c) => crons.push((s.power, c.clone())),
                Err(why) => running.notes.push(format!(
                    "{}: schedule of {} not used: {why}",
                    instance, s.rule
                )),
            }
        }
        let rules: BTreeSet<String> = found.iter().map(|s| s.rule.to_string()).collect();
        if let Some(hours) = schedule::running_hours_per_month(&crons) {
            running.scheduled.insert(
                instance.clone(),
                Hours {
                    hours,
                    source: format!(
                        "schedules {}",
                        rules.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                },
            );
        }
    }
    running
}

#[cfg(test)]
mod tests;
