//! `moved` and `removed` blocks: changes to state addresses, planned before
//! anything else (the rest of the plan is made against the edited state) and
//! performed by apply before any resource is touched.

use crate::addr::{InstanceAddr, InstanceKey, ModulePath, ModuleStep};
use crate::config::modules::Moved;
use crate::config::Stack;
use crate::diag::{Diag, Diags};
use crate::state::State;

/// One change to state that touches nothing in AWS.
#[derive(Clone, Debug, PartialEq)]
pub enum StateEdit {
    /// The object at `from` is now at `to` (a `moved` block).
    Moved {
        from: InstanceAddr,
        to: InstanceAddr,
    },
    /// The object leaves state and stays in AWS (`removed` with `destroy = false`).
    Forgotten(InstanceAddr),
}

/// The edits `stack`'s `moved` and `removed` blocks make to `state`, and the
/// state with them made.
pub fn plan_edits(stack: &Stack, state: &State) -> Result<(State, Vec<StateEdit>), Diags> {
    let mut errors = check_moves(stack);
    errors.extend(check_removed(stack));
    if !errors.is_empty() {
        return Err(Diags(errors));
    }
    let mut edits = Vec::new();
    for r in &state.resources {
        let from = r.addr();
        let to = final_address(&stack.moved, &from);
        if to != from {
            edits.push(StateEdit::Moved { from, to });
        }
    }
    let mut edited = state.clone();
    for removed in stack.removed.iter().filter(|r| !r.destroy) {
        for r in &state.resources {
            let addr = r.addr();
            if removed.from.covers(&addr) {
                edits.push(StateEdit::Forgotten(addr));
            }
        }
    }
    let mut errors = Vec::new();
    for edit in &edits {
        if let StateEdit::Moved { from, to } = edit {
            let taken = state.get(to).is_some()
                && !edits
                    .iter()
                    .any(|e| matches!(e, StateEdit::Moved { from: f, .. } if f == to));
            if taken {
                let span = stack
                    .moved
                    .iter()
                    .find(|m| endpoint_matches(&m.from, from))
                    .map(|m| m.span.clone());
                let message =
                    format!("cannot move {from} to {to}: the state already has an object at {to}");
                let help = format!("the move would lose one of the two objects: `recon state rm {to}` (it stays in AWS) or delete the moved block");
                errors.push(match span {
                    Some(span) => Diag::at(&span, message, "this moved block").with_help(help),
                    None => Diag::plain(message).with_help(help),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(Diags(errors));
    }
    replay(&edits, &mut edited);
    Ok((edited, edits))
}

/// Makes `edits` in `state` (apply does it first, then writes the state).
pub fn replay(edits: &[StateEdit], state: &mut State) {
    let mut moved = Vec::new();
    for edit in edits {
        match edit {
            StateEdit::Moved { from, to } => {
                if let Some(r) = state.remove(from) {
                    moved.push((r, to.clone()));
                }
            }
            StateEdit::Forgotten(addr) => {
                state.remove(addr);
            }
        }
    }
    let renames: Vec<(String, String)> = edits
        .iter()
        .filter_map(|e| match e {
            StateEdit::Moved { from, to } => Some((from.to_string(), to.to_string())),
            StateEdit::Forgotten(_) => None,
        })
        .collect();
    for (mut r, to) in moved {
        r.address = to.to_string();
        r.module = (!to.resource.module.is_root()).then(|| to.resource.module.to_string());
        r.type_name = to.resource.type_name.clone();
        r.name = to.resource.name.clone();
        r.index = to.key.to_json();
        state.upsert(r);
    }
    // Dependencies recorded under an old address follow the object.
    for r in state.resources.iter_mut() {
        for dep in r.dependencies.iter_mut() {
            if let Some((_, to)) = renames.iter().find(|(from, _)| from == dep) {
                *dep = to.clone();
            }
        }
    }
}

/// Where the object at `addr` ends up after every move that applies, in chains
/// (`a` → `b`, `b` → `c`). Cycles are refused before ([`check_moves`]).
fn final_address(moves: &[Moved], addr: &InstanceAddr) -> InstanceAddr {
    let mut current = addr.clone();
    for _ in 0..=moves.len() {
        match moves.iter().find_map(|m| rewrite(m, &current)) {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

/// Whether the endpoint `from` of a moved block names `addr` (or its module).
fn endpoint_matches(from: &InstanceAddr, addr: &InstanceAddr) -> bool {
    rewrite_path(from, addr).is_some()
}

fn rewrite(m: &Moved, addr: &InstanceAddr) -> Option<InstanceAddr> {
    moved_address(&m.from, &m.to, addr)
}

/// `addr` after a move from `from` to `to` (a resource, an instance, or a
/// module), if the move applies to it: `state mv` and `moved` blocks alike.
pub fn moved_address(
    from: &InstanceAddr,
    to: &InstanceAddr,
    addr: &InstanceAddr,
) -> Option<InstanceAddr> {
    let m = Endpoints { from, to };
    if m.from.resource.is_module_only() {
        let rest = rewrite_path(m.from, addr)?;
        let mut steps = m.to.resource.module.0.clone();
        let from_last = m.from.resource.module.0.len() - 1;
        // `module.a` → `module.b` keeps each instance's key.
        if let (Some(last), Some(key)) = (steps.last_mut(), addr.resource.module.0.get(from_last)) {
            if last.key == InstanceKey::None
                && m.from.resource.module.0[from_last].key == InstanceKey::None
            {
                last.key = key.key.clone();
            }
        }
        steps.extend(rest);
        let mut to = addr.clone();
        to.resource.module = ModulePath(steps);
        return Some(to);
    }
    let same_block = m.from.resource == addr.resource;
    if !same_block {
        return None;
    }
    match (&m.from.key, &addr.key) {
        // A whole resource: every instance keeps its key.
        (InstanceKey::None, key) if m.to.key == InstanceKey::None => {
            Some(m.to.resource.instance(key.clone()))
        }
        (InstanceKey::None, InstanceKey::None) => Some(m.to.clone()),
        (from, key) if from == key => Some(m.to.clone()),
        _ => None,
    }
}

struct Endpoints<'a> {
    from: &'a InstanceAddr,
    to: &'a InstanceAddr,
}

/// For a module endpoint: the steps of `addr`'s module below it, if it is inside.
fn rewrite_path(from: &InstanceAddr, addr: &InstanceAddr) -> Option<Vec<ModuleStep>> {
    if !from.resource.is_module_only() {
        return (from.covers(addr)).then(Vec::new);
    }
    let path = &from.resource.module;
    path.covers(&addr.resource.module)
        .then(|| addr.resource.module.0[path.0.len()..].to_vec())
}

/// Terraform's rules for moved blocks: no cycles, one block per `from`, and the
/// old address no longer in the configuration.
fn check_moves(stack: &Stack) -> Vec<Diag> {
    let mut errors = Vec::new();
    for (i, m) in stack.moved.iter().enumerate() {
        if let Some(first) = stack.moved[..i].iter().find(|o| o.from == m.from) {
            errors.push(
                Diag::at(
                    &m.span,
                    format!("ambiguous moved blocks: {} is moved twice", m.from),
                    "moved again here",
                )
                .with_help(format!(
                    "the first moved block from {} is at {}; keep one",
                    m.from,
                    first.span.location()
                )),
            );
        }
        // Follow the chain from this block: back at its `from` is a cycle.
        let mut chain = vec![m.from.to_string(), m.to.to_string()];
        let mut at = m.to.clone();
        for _ in 0..stack.moved.len() {
            let Some(next) = stack.moved.iter().find(|o| o.from == at) else {
                break;
            };
            at = next.to.clone();
            chain.push(at.to_string());
            if at == m.from {
                errors.push(
                    Diag::at(&m.span, format!("cyclic moved blocks: {}", chain.join(" -> ")), "on the cycle")
                        .with_help("a chain of moved blocks must end at an address that is not moved again; remove one of them"),
                );
                break;
            }
        }
        if m.from == m.to {
            errors.push(
                Diag::at(
                    &m.span,
                    format!("moved block from {} to itself", m.from),
                    "here",
                )
                .with_help("remove it"),
            );
        }
        if still_declared(stack, &m.from) {
            errors.push(
                Diag::at(&m.span, format!("moved object still exists: {} is still in the configuration", m.from), "moved from here")
                    .with_help(format!("rename the block to {} (that is what the move says), or remove this moved block", m.to)),
            );
        }
    }
    // Report a cycle once, not once per block on it.
    errors.dedup_by(|a, b| a.message.starts_with("cyclic") && b.message.starts_with("cyclic"));
    errors
}

fn check_removed(stack: &Stack) -> Vec<Diag> {
    stack
        .removed
        .iter()
        .filter(|r| still_declared(stack, &r.from))
        .map(|r| {
            Diag::at(&r.span, format!("removed object still exists: {} is still in the configuration", r.from), "removed here")
                .with_help("delete its block from the configuration (the removed block says what happens to the object)")
        })
        .collect()
}

/// Whether the configuration still declares what `addr` names: the resource
/// block (for an address without a key) or anything in the module.
fn still_declared(stack: &Stack, addr: &InstanceAddr) -> bool {
    if addr.resource.is_module_only() {
        return stack
            .resources
            .keys()
            .any(|r| addr.resource.module.covers(&r.module));
    }
    addr.key == InstanceKey::None && stack.resources.contains_key(&addr.resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;
    use crate::value::Object;

    fn stack(src: &str) -> Stack {
        Stack::from_sources(
            std::path::Path::new("."),
            vec![("main.tf".into(), src.to_string())],
        )
        .unwrap()
    }

    fn state(addrs: &[&str]) -> State {
        let mut state = State::new();
        for a in addrs {
            let addr: InstanceAddr = a.parse().unwrap();
            let mut obj = Object::new();
            obj.insert("id".into(), crate::value::Value::from(a.to_string()));
            let deps: Vec<InstanceAddr> = if *a == "aws_subnet.s" {
                vec!["aws_vpc.a".parse().unwrap()]
            } else {
                Vec::new()
            };
            state.upsert(ResourceState::from_object(&addr, &obj, &deps, false).unwrap());
        }
        state
    }

    fn addrs(state: &State) -> Vec<String> {
        state.resources.iter().map(|r| r.address.clone()).collect()
    }

    #[test]
    fn a_resource_moves_into_a_module_with_its_instances_and_dependents() {
        let s = stack("moved {\n  from = aws_vpc.a\n  to   = module.net[\"x\"].aws_vpc.main\n}\n");
        let (edited, edits) = plan_edits(&s, &state(&["aws_vpc.a", "aws_subnet.s"])).unwrap();
        assert_eq!(edits.len(), 1);
        assert_eq!(
            addrs(&edited),
            ["aws_subnet.s", "module.net[\"x\"].aws_vpc.main"]
        );
        let moved = edited
            .get(&"module.net[\"x\"].aws_vpc.main".parse().unwrap())
            .unwrap();
        assert_eq!(moved.module.as_deref(), Some("module.net[\"x\"]"));
        assert_eq!(moved.addr().to_string(), "module.net[\"x\"].aws_vpc.main");
        let subnet = edited.get(&"aws_subnet.s".parse().unwrap()).unwrap();
        assert_eq!(subnet.dependencies, ["module.net[\"x\"].aws_vpc.main"]);
    }

    #[test]
    fn chains_and_module_renames_follow_through() {
        let s = stack("moved {\n  from = module.old\n  to   = module.new\n}\nmoved {\n  from = aws_vpc.a\n  to   = aws_vpc.b\n}\nmoved {\n  from = aws_vpc.b\n  to   = aws_vpc.c\n}\n");
        let (edited, _) =
            plan_edits(&s, &state(&["aws_vpc.a", "module.old[\"k\"].aws_vpc.v[1]"])).unwrap();
        assert_eq!(
            addrs(&edited),
            ["aws_vpc.c", "module.new[\"k\"].aws_vpc.v[1]"]
        );
    }

    #[test]
    fn cycles_occupied_targets_and_declared_sources_are_errors() {
        let cyc = stack("moved {\n  from = aws_vpc.a\n  to   = aws_vpc.b\n}\nmoved {\n  from = aws_vpc.b\n  to   = aws_vpc.a\n}\n");
        let err = plan_edits(&cyc, &state(&[])).unwrap_err();
        assert_eq!(err.0.len(), 1, "{:?}", err.0);
        assert_eq!(
            err.0[0].message,
            "cyclic moved blocks: aws_vpc.a -> aws_vpc.b -> aws_vpc.a"
        );
        assert_eq!(err.0[0].location.as_deref(), Some("main.tf:1:1"));

        let taken = stack("moved {\n  from = aws_vpc.a\n  to   = aws_vpc.b\n}\n");
        let err = plan_edits(&taken, &state(&["aws_vpc.a", "aws_vpc.b"])).unwrap_err();
        assert_eq!(
            err.0[0].message,
            "cannot move aws_vpc.a to aws_vpc.b: the state already has an object at aws_vpc.b"
        );

        let declared = stack("resource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nmoved {\n  from = aws_vpc.a\n  to   = aws_vpc.b\n}\n");
        let err = plan_edits(&declared, &state(&[])).unwrap_err();
        assert_eq!(
            err.0[0].message,
            "moved object still exists: aws_vpc.a is still in the configuration"
        );
        assert_eq!(err.0[0].location.as_deref(), Some("main.tf:4:1"));
    }

    #[test]
    fn removed_without_destroy_forgets_and_with_destroy_leaves_it_to_the_plan() {
        let s = stack("removed {\n  from = module.net\n  lifecycle {\n    destroy = false\n  }\n}\nremoved {\n  from = aws_vpc.gone\n}\n");
        let (edited, edits) =
            plan_edits(&s, &state(&["module.net.aws_vpc.v", "aws_vpc.gone"])).unwrap();
        assert_eq!(
            edits,
            [StateEdit::Forgotten(
                "module.net.aws_vpc.v".parse().unwrap()
            )]
        );
        assert_eq!(addrs(&edited), ["aws_vpc.gone"]);
    }
}
