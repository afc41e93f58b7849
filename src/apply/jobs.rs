//! Turns a plan into jobs and the order between them: creates and updates after
//! what they depend on; deletes before what they depend on is deleted; a
//! replacement's delete before its create, or after it (and after its dependents
//! moved over) under `create_before_destroy`.

use crate::addr::{InstanceAddr, ResourceAddr};
use crate::plan::{Action, Plan};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Create,
    Update,
    Delete,
    Read,
}

#[derive(Debug)]
pub struct Job {
    pub kind: JobKind,
    /// Index into `plan.changes`.
    pub change: usize,
    /// Indexes of jobs that must finish first.
    pub deps: Vec<usize>,
}

pub fn build(plan: &Plan) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut forward: BTreeMap<&InstanceAddr, usize> = BTreeMap::new();
    let mut delete: BTreeMap<&InstanceAddr, usize> = BTreeMap::new();
    let push = |jobs: &mut Vec<Job>, kind, change| {
        jobs.push(Job {
            kind,
            change,
            deps: Vec::new(),
        });
        jobs.len() - 1
    };
    for (i, c) in plan.changes.iter().enumerate() {
        match c.action {
            Action::NoOp => {}
            Action::Create => {
                forward.insert(&c.addr, push(&mut jobs, JobKind::Create, i));
            }
            Action::Update => {
                forward.insert(&c.addr, push(&mut jobs, JobKind::Update, i));
            }
            Action::Read => {
                forward.insert(&c.addr, push(&mut jobs, JobKind::Read, i));
            }
            // A deposed object: nothing refers to it any more, so it goes on its own.
            Action::Delete if c.deposed.is_some() => {
                push(&mut jobs, JobKind::Delete, i);
            }
            Action::Delete => {
                delete.insert(&c.addr, push(&mut jobs, JobKind::Delete, i));
            }
            Action::Replace { .. } => {
                forward.insert(&c.addr, push(&mut jobs, JobKind::Create, i));
                delete.insert(&c.addr, push(&mut jobs, JobKind::Delete, i));
            }
        }
    }
    // Changes by the block they belong to, and by the blocks they depend on:
    // each edge is found once instead of by scanning every change per change.
    let mut of_block: BTreeMap<&ResourceAddr, Vec<usize>> = BTreeMap::new();
    let mut dependents: BTreeMap<&ResourceAddr, Vec<usize>> = BTreeMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        of_block.entry(&c.addr.resource).or_default().push(i);
        for d in &c.depends_on {
            dependents.entry(d).or_default().push(i);
        }
    }
    let none = Vec::new();
    for (i, c) in plan.changes.iter().enumerate() {
        let dependents_of_c = dependents.get(&c.addr.resource).unwrap_or(&none);
        if let Some(&f) = forward.get(&c.addr) {
            // After every instance of everything it depends on is created or updated.
            for d in &c.depends_on {
                for &o in of_block.get(d).unwrap_or(&none) {
                    if let Some(&dep) = forward.get(&plan.changes[o].addr) {
                        jobs[f].deps.push(dep);
                    }
                }
            }
            if c.action
                == (Action::Replace {
                    create_before_destroy: false,
                })
            {
                jobs[f].deps.push(delete[&c.addr]);
            }
        }
        if let Some(&d) = delete.get(&c.addr).filter(|_| c.deposed.is_none()) {
            // Dependents' old objects go first.
            for &j in dependents_of_c.iter().filter(|&&j| j != i) {
                if let Some(&od) = delete.get(&plan.changes[j].addr) {
                    jobs[d].deps.push(od);
                }
            }
            if c.action
                == (Action::Replace {
                    create_before_destroy: true,
                })
            {
                jobs[d].deps.push(forward[&c.addr]);
                for &j in dependents_of_c {
                    if let Some(&of) = forward.get(&plan.changes[j].addr) {
                        jobs[d].deps.push(of);
                    }
                }
            }
        }
    }
    for job in &mut jobs {
        job.deps.sort_unstable();
        job.deps.dedup();
    }
    jobs
}
