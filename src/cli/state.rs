//! `recon state list|show|rm|mv|pull|push|history`: look at and edit state
//! without touching AWS. Commands that write take the lock and write with the
//! same compare-and-swap as apply.

use super::{schema_lookup, CliError, Ctx, EXIT_OK};
use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::aws::{AwsProvider, Clients};
use crate::state::{Backend, ResourceState, State, StateError};
use crate::value::Value;
use clap::Subcommand;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List the resource instances in state (optionally only those of the given addresses).
    List { addresses: Vec<String> },
    /// Show one resource instance's attributes as recorded in state.
    Show { address: String },
    /// Forget resources: they stay in AWS, recon no longer manages them.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Rename a resource or instance in state (after renaming it in the stack files).
    Mv { from: String, to: String },
    /// Print the state document (decrypted) to stdout.
    Pull {
        /// An earlier version, by its ID from `recon state history` (S3 with versioning).
        #[arg(long, value_name = "ID")]
        version: Option<String>,
    },
    /// Replace the state with FILE; refuses another lineage or an older serial unless --force.
    Push {
        file: PathBuf,
        /// Replace whatever is there: the pushed state takes the current lineage and the next serial.
        #[arg(long)]
        force: bool,
    },
    /// Take over what a Terraform state manages: PATH is a terraform.tfstate or s3://BUCKET/KEY.
    ImportTerraform(super::import_terraform::ImportTerraformArgs),
    /// List earlier versions of the state (S3 bucket with versioning).
    History {
        /// At most this many versions, newest first.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

impl StateCommand {
    /// The lock's operation name.
    pub fn operation(&self) -> &'static str {
        match self {
            StateCommand::Rm { .. } => "state rm",
            StateCommand::Mv { .. } => "state mv",
            StateCommand::Push { .. } => "state push",
            StateCommand::ImportTerraform(_) => "state import-terraform",
            _ => "read",
        }
    }
}

fn failed(e: StateError) -> CliError {
    CliError::Failed(e.to_string())
}

pub async fn run(ctx: &Ctx, cmd: &StateCommand) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    match cmd {
        StateCommand::List { addresses } => {
            let state = existing(ctx, &backend).await?;
            let filters = addresses
                .iter()
                .map(|a| parse_target(a))
                .collect::<Result<Vec<_>, _>>()?;
            for r in &state.resources {
                let addr = r.addr();
                if filters.is_empty() || filters.iter().any(|f| f.matches(&addr)) {
                    outln!("{}", r.address);
                }
            }
        }
        StateCommand::Show { address } => {
            let state = existing(ctx, &backend).await?;
            let addr: InstanceAddr = address
                .parse()
                .map_err(|e| CliError::Failed(format!("{address}: {e}")))?;
            let Some(r) = state.get(&addr) else {
                return Err(not_found(address, &state));
            };
            out!("{}", show(r));
        }
        StateCommand::Rm { addresses } => {
            let removed = edit(ctx, &backend, |state| {
                let mut removed = Vec::new();
                for a in addresses {
                    let target = parse_target(a)?;
                    let matching: Vec<InstanceAddr> = state
                        .resources
                        .iter()
                        .map(|r| r.addr())
                        .filter(|x| target.matches(x))
                        .collect();
                    if matching.is_empty() {
                        return Err(not_found(a, state));
                    }
                    for m in matching {
                        state.remove(&m);
                        removed.push(m.to_string());
                    }
                }
                Ok(removed)
            })
            .await?;
            for r in &removed {
                outln!("Removed {r}");
            }
            outln!(
                "Successfully removed {} resource instance(s). They still exist in AWS; recon no longer manages them.",
                removed.len()
            );
        }
        StateCommand::Mv { from, to } => {
            let moves = edit(ctx, &backend, |state| {
                let moves = plan_move(state, from, to)?;
                rename(state, &moves);
                Ok(moves)
            })
            .await?;
            for (a, b) in &moves {
                outln!("Moved {a} to {b}");
            }
            outln!("Successfully moved {} resource instance(s).", moves.len());
        }
        StateCommand::Pull { version } => {
            // Whichever stack it is recorded for: pulling is how one looks at a
            // state refused as another stack's before taking it over.
            let state = match version {
                Some(id) => backend.read_version(id).await.map_err(failed)?,
                None => match ctx.read_state_as_found(&*backend).await? {
                    (state, true) => state,
                    (_, false) => return Err(no_state(&*backend)),
                },
            };
            out!("{}", state.to_json_pretty());
        }
        StateCommand::Push { file, force } => {
            let bytes = std::fs::read(file)
                .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", file.display())))?;
            let mut pushed =
                State::from_json_at(&bytes, &file.display().to_string()).map_err(failed)?;
            let (current, exists) = if *force {
                ctx.read_state_locked_as_found(&backend).await?
            } else {
                ctx.read_state_locked(&backend).await?
            };
            let location = backend.describe();
            if let Err(other) = ctx.bind_state(&mut pushed, &file.display().to_string()) {
                if !force {
                    return Err(CliError::Failed(format!("refusing to push: {other}. Pass --force to make it this stack's state anyway.")));
                }
                errln!("Warning: {other}; it becomes this stack's state (keeping its recon:stack tag {}).", other.found.tag);
                pushed.rebind(&other.running);
            }
            if !exists {
                backend.write(&pushed, None).await.map_err(failed)?;
                outln!(
                    "Pushed {} (serial {}) to {location}, which had no state.",
                    file.display(),
                    pushed.serial
                );
                return Ok(EXIT_OK);
            }
            if pushed.lineage != current.lineage {
                if !force {
                    return Err(CliError::Failed(format!(
                        "refusing to push: {} has lineage {}, but the state at {location} has lineage {}: it is another stack's \
                         state, or the state was re-created. Pass --force to replace it anyway.",
                        file.display(),
                        pushed.lineage,
                        current.lineage
                    )));
                }
                errln!("Warning: replacing lineage {} with the pushed state; it keeps the lineage {} so that history stays one line.", pushed.lineage, current.lineage);
                pushed.lineage = current.lineage.clone();
            }
            if pushed.serial <= current.serial {
                if pushed.serial == current.serial
                    && pushed.resources == current.resources
                    && pushed.outputs == current.outputs
                    && pushed.stack == current.stack
                {
                    outln!(
                        "{location} already holds this state (serial {}): nothing to push.",
                        current.serial
                    );
                    return Ok(EXIT_OK);
                }
                if !force {
                    return Err(CliError::Failed(format!(
                        "refusing to push: {} has serial {}, but the state at {location} is at serial {}: someone wrote it since. \
                         Compare them (`recon state pull`), then pass --force if the pushed one is right.",
                        file.display(),
                        pushed.serial,
                        current.serial
                    )));
                }
                pushed.serial = current.serial + 1;
            }
            backend
                .write(&pushed, Some((&current.lineage, current.serial)))
                .await
                .map_err(failed)?;
            outln!(
                "Pushed {} to {location}: serial {} (was {}).",
                file.display(),
                pushed.serial,
                current.serial
            );
        }
        StateCommand::ImportTerraform(args) => {
            return super::import_terraform::run(ctx, &stack, &backend, args).await;
        }
        StateCommand::History { limit } => {
            let versions = backend.versions().await.map_err(failed)?;
            if versions.is_empty() {
                outln!("No versions of {} yet.", backend.describe());
                return Ok(EXIT_OK);
            }
            outln!(
                "{:<34} {:<22} {:>7} {:>9}",
                "VERSION ID",
                "WRITTEN",
                "SERIAL",
                "BYTES"
            );
            for v in versions.iter().take(*limit) {
                let serial = v
                    .serial
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "?".into());
                let latest = if v.latest { "  (current)" } else { "" };
                outln!(
                    "{:<34} {:<22} {:>7} {:>9}{latest}",
                    v.id,
                    v.modified,
                    serial,
                    v.size
                );
            }
            if versions.len() > *limit {
                outln!(
                    "... and {} older (--limit N shows more)",
                    versions.len() - limit
                );
            }
            outln!(
                "\nFetch one with `{}`.",
                ctx.backend.command("state pull --version ID")
            );
        }
    }
    Ok(EXIT_OK)
}

/// Changes the existing state under the lock and writes it back with the same
/// compare-and-swap as apply; nothing is written when `change` fails.
pub(super) async fn edit<T>(
    ctx: &Ctx,
    backend: &Arc<dyn Backend>,
    change: impl FnOnce(&mut State) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let (mut state, exists) = ctx.read_state_locked(backend).await?;
    if !exists {
        return Err(no_state(&**backend));
    }
    let expected = (state.lineage.clone(), state.serial);
    let out = change(&mut state)?;
    state.bump_serial();
    backend
        .write(&state, Some((&expected.0, expected.1)))
        .await
        .map_err(failed)?;
    Ok(out)
}

async fn existing(ctx: &Ctx, backend: &Arc<dyn Backend>) -> Result<State, CliError> {
    match ctx.read_state(&**backend).await? {
        (state, true) => Ok(state),
        (_, false) => Err(no_state(&**backend)),
    }
}

fn no_state(backend: &dyn Backend) -> CliError {
    CliError::Failed(format!(
        "there is no state at {} yet (is this the right stack and --env?)",
        backend.describe()
    ))
}

pub(super) fn not_found(address: &str, state: &State) -> CliError {
    let names: Vec<&str> = state.resources.iter().map(|r| r.address.as_str()).collect();
    let hint = crate::diag::did_you_mean(address, names.iter().copied())
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    CliError::Failed(format!(
        "{address} is not in state; {hint}`recon state list` shows what is"
    ))
}

/// A resource (every instance), one instance, or a module (everything in it).
enum Target {
    Resource(ResourceAddr),
    Instance(InstanceAddr),
    Module(InstanceAddr),
}

impl Target {
    fn matches(&self, addr: &InstanceAddr) -> bool {
        match self {
            Target::Resource(r) => addr.resource == *r,
            Target::Instance(i) => addr == i,
            Target::Module(m) => m.covers(addr),
        }
    }
}

fn parse_target(text: &str) -> Result<Target, CliError> {
    let addr: InstanceAddr = text
        .parse()
        .map_err(|e| CliError::Failed(format!("{text}: {e}")))?;
    // `aws_vpc.x` names the resource with all its instances, as Terraform does.
    Ok(if addr.resource.is_module_only() {
        Target::Module(addr)
    } else if addr.key == InstanceKey::None && !text.trim_end().ends_with(']') {
        Target::Resource(addr.resource)
    } else {
        Target::Instance(addr)
    })
}

/// (from, to) instance pairs for `state mv`, checked: same type, target free.
fn plan_move(
    state: &State,
    from: &str,
    to: &str,
) -> Result<Vec<(InstanceAddr, InstanceAddr)>, CliError> {
    let source = parse_target(from)?;
    let dest = parse_target(to)?;
    let moves: Vec<(InstanceAddr, InstanceAddr)> = match (&source, &dest) {
        (Target::Module(f), Target::Module(t)) => state
            .resources
            .iter()
            .map(|r| r.addr())
            .filter_map(|a| crate::plan::moved::moved_address(f, t, &a).map(|to| (a, to)))
            .collect(),
        (Target::Module(_), _) | (_, Target::Module(_)) => {
            return Err(CliError::Failed(format!(
                "cannot move {from} to {to}: a module moves to a module, a resource to a resource"
            )))
        }
        (Target::Resource(f), Target::Resource(t)) => state
            .resources
            .iter()
            .map(|r| r.addr())
            .filter(|a| a.resource == *f)
            .map(|a| {
                let to = InstanceAddr {
                    resource: t.clone(),
                    key: a.key.clone(),
                };
                (a, to)
            })
            .collect(),
        (Target::Instance(f), Target::Instance(t)) => state
            .get(f)
            .map(|_| vec![(f.clone(), t.clone())])
            .unwrap_or_default(),
        (Target::Instance(f), Target::Resource(t)) => state
            .get(f)
            .map(|_| {
                vec![(
                    f.clone(),
                    InstanceAddr {
                        resource: t.clone(),
                        key: InstanceKey::None,
                    },
                )]
            })
            .unwrap_or_default(),
        (Target::Resource(f), Target::Instance(t)) => {
            let all: Vec<InstanceAddr> = state
                .resources
                .iter()
                .map(|r| r.addr())
                .filter(|a| a.resource == *f)
                .collect();
            match all.as_slice() {
                [one] => vec![(one.clone(), t.clone())],
                [] => vec![],
                _ => {
                    return Err(CliError::Failed(format!(
                    "{from} has {} instances; move them one at a time, or to a resource address",
                    all.len()
                )))
                }
            }
        }
    };
    if moves.is_empty() {
        return Err(not_found(from, state));
    }
    for (f, t) in &moves {
        if f.resource.type_name != t.resource.type_name || f.resource.mode != t.resource.mode {
            return Err(CliError::Failed(format!("cannot move {f} to {t}: a resource keeps its type (and data sources stay data sources)")));
        }
        if state.get(t).is_some() && !moves.iter().any(|(other, _)| other == t) {
            return Err(CliError::Failed(format!(
                "cannot move {f} to {t}: {t} is already in state"
            )));
        }
    }
    Ok(moves)
}

fn rename(state: &mut State, moves: &[(InstanceAddr, InstanceAddr)]) {
    use crate::plan::moved::{replay, StateEdit};
    let edits: Vec<StateEdit> = moves
        .iter()
        .map(|(from, to)| StateEdit::Moved {
            from: from.clone(),
            to: to.clone(),
        })
        .collect();
    replay(&edits, state);
}

/// Terraform's `state show` layout: the instance as a block, sensitive values hidden.
/// One resource instance as `state show` and `show` print it.
pub(super) fn show(r: &ResourceState) -> String {
    let provider = AwsProvider::new(&Clients::offline());
    let lookup = schema_lookup(&provider);
    let schema = lookup(&r.type_name);
    let marked = r.sensitive_names();
    let sensitive = |name: &str| {
        marked.iter().any(|m| m == name)
            || schema.is_some_and(|s| s.attributes.iter().any(|a| a.name == name && a.sensitive))
    };
    let keyword = if r.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let mut out = format!(
        "# {}:\n{keyword} \"{}\" \"{}\" {{\n",
        r.address, r.type_name, r.name
    );
    let object = r.object();
    let width = object.keys().map(|k| k.len()).max().unwrap_or(0);
    for (k, v) in &object {
        let text = if sensitive(k) && !matches!(v, Value::Null) {
            "(sensitive value)".to_string()
        } else {
            v.to_string()
        };
        out.push_str(&format!("    {k:<width$} = {text}\n"));
    }
    if r.tainted {
        out.push_str("    # tainted: the next apply replaces it\n");
    }
    out.push_str("}\n");
    out
}
