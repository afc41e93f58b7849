//! `recon init [--migrate-state]`: checks that the backend is reachable and its
//! state readable; with --migrate-state, moves the local state into it.

use super::{CliError, Ctx, EXIT_OK};
use crate::state::LocalBackend;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Copy the local state (<stack dir>/state/<stack>.json, or --from) into the configured backend.
    /// Refuses to replace a different state there.
    #[arg(long)]
    pub migrate_state: bool,
    /// The local state file to migrate (default: the one recon used without a backend block).
    #[arg(long, value_name = "FILE", requires = "migrate_state")]
    pub from: Option<PathBuf>,
}

pub async fn run(ctx: &Ctx, args: &InitArgs) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    let location = backend.describe();
    let failed = |e: crate::state::StateError| CliError::Failed(e.to_string());
    outln!(
        "Backend: {location} (environment {})",
        ctx.backend.env_name()
    );
    for note in backend.check().await.map_err(failed)? {
        outln!("  {note}");
    }

    if !args.migrate_state {
        let (state, exists) = ctx.read_state(&*backend).await?;
        if exists {
            outln!(
                "  State: serial {}, lineage {}, {} resource instance(s).",
                state.serial,
                state.lineage,
                state.resources.len()
            );
        } else {
            outln!("  No state yet: the first apply creates it.");
        }
        if let Some(lock) = backend.lock_info().await.map_err(failed)? {
            outln!(
                "  Locked by {} for {} since {} (lock ID {}).",
                lock.who,
                lock.operation,
                lock.created,
                lock.id
            );
        }
        outln!("\nrecon is ready: run `{}`.", ctx.backend.command("plan"));
        return Ok(EXIT_OK);
    }

    let source_path = match &args.from {
        Some(p) => p.clone(),
        None => LocalBackend::for_env(
            super::backend::default_local_state(&stack),
            ctx.backend.env.as_deref(),
        )
        .path()
        .to_path_buf(),
    };
    let source = LocalBackend::new(&source_path);
    if source.path() == Path::new(location.strip_prefix("local state file ").unwrap_or("")) {
        return Err(CliError::Failed(format!(
            "the backend is the local file {} itself: configure recon {{ backend \"s3\" {{ ... }} }} first, then run init --migrate-state",
            source_path.display()
        )));
    }
    let Some(mut local) = source.read().map_err(failed)? else {
        outln!(
            "No local state at {}: nothing to migrate.",
            source_path.display()
        );
        return Ok(EXIT_OK);
    };
    let (remote, exists) = ctx.read_state_locked(&backend).await?;
    if exists {
        if remote.lineage == local.lineage
            && remote.serial == local.serial
            && remote.resources == local.resources
        {
            outln!(
                "{location} already holds this state (serial {}): nothing to migrate.",
                remote.serial
            );
            return Ok(EXIT_OK);
        }
        return Err(CliError::Failed(format!(
            "refusing to migrate: {location} already holds a different state (lineage {}, serial {}, {} resource instance(s)) than {} (lineage {}, serial {}); \
             compare them with `recon state pull`, and if the local one is right, replace it deliberately with `{}`",
            remote.lineage,
            remote.serial,
            remote.resources.len(),
            source_path.display(),
            local.lineage,
            local.serial,
            ctx.backend.command(&format!("state push --force {}", source_path.display()))
        )));
    }
    // The same stack, now kept in the backend: the state records where, and keeps its tag.
    if let Some(running) = &remote.stack {
        local.rebind(running);
    }
    backend.write(&local, None).await.map_err(failed)?;
    match backend.read().await.map_err(failed)? {
        Some(back) if back == local => {}
        _ => return Err(CliError::Failed(format!("the state written to {location} does not read back as written; the local file {} is unchanged", source_path.display()))),
    }
    outln!(
        "Migrated the state (serial {}, lineage {}, {} resource instance(s)) from {} to {location}.\n\
         The local file was left in place; delete it once you are satisfied, so no one uses it by mistake.",
        local.serial,
        local.lineage,
        local.resources.len(),
        source_path.display()
    );
    Ok(EXIT_OK)
}
