//! Turns a plan into jobs and the order between them: creates and updates after
//! what they depend on; deletes before what they depend on is deleted; a
//! replacement's delete before its create, or after it (and after its dependents
//! moved over) under `create_before_destroy`.

use crate::addr::InstanceAddr;
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
        jobs.push(Job { kind, change, deps: Vec::new() });
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
    for (i, c) in plan.changes.iter().enumerate() {
        let depends = |other: &crate::plan::ResourceChange| other.depends_on.contains(&c.addr.resource);
        if let Some(&f) = forward.get(&c.addr) {
            // After every instance of everything it depends on is created or updated.
            for other in plan.changes.iter().filter(|o| c.depends_on.contains(&o.addr.resource)) {
                if let Some(&d) = forward.get(&other.addr) {
                    jobs[f].deps.push(d);
                }
            }
            if c.action == (Action::Replace { create_before_destroy: false }) {
                jobs[f].deps.push(delete[&c.addr]);
            }
        }
        if let Some(&d) = delete.get(&c.addr).filter(|_| c.deposed.is_none()) {
            // Dependents' old objects go first.
            for (j, other) in plan.changes.iter().enumerate() {
                if j != i && depends(other) {
                    if let Some(&od) = delete.get(&other.addr) {
                        jobs[d].deps.push(od);
                    }
                }
            }
            if c.action == (Action::Replace { create_before_destroy: true }) {
                jobs[d].deps.push(forward[&c.addr]);
                for other in plan.changes.iter().filter(|o| depends(o)) {
                    if let Some(&of) = forward.get(&other.addr) {
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
