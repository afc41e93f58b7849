//! Walks a DAG of jobs in dependency order with bounded parallelism. A failed job
//! stops everything that depends on it; independent branches run to the end.

use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed,
    /// Not run because something it depends on failed or was skipped.
    Skipped,
}

/// Runs `run(i)` for every job `i` once all of `deps[i]` are done, at most
/// `parallelism` at a time. `deps` must be acyclic.
pub async fn walk<F, Fut>(deps: &[Vec<usize>], parallelism: usize, mut run: F) -> Vec<Outcome>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = bool>,
{
    let n = deps.len();
    let mut dependents = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = vec![0; n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
            waiting[i] += 1;
        }
    }
    let mut outcome: Vec<Option<Outcome>> = vec![None; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).rev().collect();
    let mut running = FuturesUnordered::new();
    let parallelism = parallelism.max(1);
    loop {
        while running.len() < parallelism {
            let Some(i) = ready.pop() else { break };
            let fut = run(i);
            running.push(async move { (i, fut.await) });
        }
        let Some((i, ok)) = running.next().await else {
            break;
        };
        outcome[i] = Some(if ok { Outcome::Done } else { Outcome::Failed });
        if ok {
            for &d in &dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 && outcome[d].is_none() {
                    ready.insert(0, d);
                }
            }
        } else {
            skip_dependents(i, &dependents, &mut outcome);
        }
    }
    outcome
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Skipped))
        .collect()
}

fn skip_dependents(failed: usize, dependents: &[Vec<usize>], outcome: &mut [Option<Outcome>]) {
    let mut stack = dependents[failed].clone();
    while let Some(i) = stack.pop() {
        if outcome[i].is_none() {
            outcome[i] = Some(Outcome::Skipped);
            stack.extend(dependents[i].iter().copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn runs_dependencies_first() {
        // 0 <- 1 <- 2, and 3 independent
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        let out = rt().block_on(walk(&deps, 4, move |i| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(i);
                true
            }
        }));
        assert_eq!(out, vec![Outcome::Done; 4]);
        let order = order.lock().unwrap();
        let pos = |x| order.iter().position(|&i| i == x).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(2));
    }

    #[test]
    fn failure_stops_dependents_but_not_independent_branches() {
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let out = rt().block_on(walk(&deps, 2, |i| async move { i != 0 }));
        assert_eq!(
            out,
            vec![
                Outcome::Failed,
                Outcome::Skipped,
                Outcome::Skipped,
                Outcome::Done
            ]
        );
    }

    #[test]
    fn never_exceeds_parallelism() {
        let deps = vec![vec![]; 20];
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (n, p) = (now.clone(), peak.clone());
        rt().block_on(walk(&deps, 3, move |_| {
            let (n, p) = (n.clone(), p.clone());
            async move {
                let c = n.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(c, Ordering::SeqCst);
                tokio::task::yield_now().await;
                n.fetch_sub(1, Ordering::SeqCst);
                true
            }
        }));
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
