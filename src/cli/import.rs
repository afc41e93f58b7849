//! `recon import ADDRESS ID`: adopts an existing AWS object into state under a
//! resource block the stack already has; the next plan shows how the object
//! differs from its configuration.

use super::{CliError, Ctx, EXIT_OK};
use crate::addr::{InstanceAddr, InstanceKey, Mode};
use crate::state::ResourceState;
use clap::Args;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Where the object goes, e.g. aws_instance.sync or aws_subnet.private["a"].
    pub address: String,
    /// The object's id as AWS knows it (see each type's import id in the README).
    pub id: String,
}

pub async fn run(ctx: &Ctx, args: &ImportArgs) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let addr: InstanceAddr = args
        .address
        .parse()
        .map_err(|e| CliError::Failed(format!("{e}")))?;
    if addr.resource.mode != Mode::Managed {
        return Err(CliError::Failed(format!(
            "{addr}: data sources are read, not imported"
        )));
    }
    // Provider blocks and module instances may use variables: those from the
    // environment and tfvars.
    let vars = if stack.providers.is_empty() && stack.modules.is_empty() {
        crate::value::Object::new()
    } else {
        ctx.vars(&stack, &super::VarArgs::default())?
    };
    let stack = crate::config::modules::expand(stack, &vars)?;
    let Some(block) = stack.resources.get(&addr.resource) else {
        return Err(CliError::Failed(format!(
            "the stack has no resource block {}: write the block first, then import into it",
            addr.resource
        )));
    };
    let key_fits = match &addr.key {
        InstanceKey::None => block.count.is_none() && block.for_each.is_none(),
        InstanceKey::Int(_) => block.count.is_some(),
        InstanceKey::Str(_) => block.for_each.is_some(),
    };
    if !key_fits {
        let want = if block.count.is_some() {
            format!("{}[INDEX]", addr.resource)
        } else if block.for_each.is_some() {
            format!("{}[\"KEY\"]", addr.resource)
        } else {
            addr.resource.to_string()
        };
        return Err(CliError::Failed(format!(
            "{addr} does not match its block: import it as {want}"
        )));
    }
    let provider = ctx.provider(&stack, &vars).await?;
    let alias = block.provider.clone();
    let rtype = crate::provider::Provider::resource_in(
        &provider,
        alias.as_deref(),
        &addr.resource.type_name,
    )
    .ok_or_else(|| {
        CliError::Failed(format!(
            "recon does not support the resource type {}",
            addr.resource.type_name
        ))
    })?;

    let backend = ctx.backend(&stack).await?;
    let (mut state, exists) = ctx.read_state_locked(&backend).await?;
    if let Some(existing) = state.get(&addr) {
        let id = existing.object().get("id").cloned().unwrap_or_default();
        return Err(CliError::Failed(format!(
            "{addr} is already managed (id {id}); `recon state rm {addr}` first to import another object there"
        )));
    }
    let found = crate::plan::planner::read_existing(rtype.as_ref(), &args.id)
        .await
        .map_err(|e| CliError::Failed(format!("{addr}: reading {} failed: {e}", args.id)))?;
    let Some(object) = found else {
        return Err(CliError::Failed(format!(
            "{addr}: no {} with id {:?} exists (or it is not visible with these credentials and region)",
            addr.resource.type_name, args.id
        )));
    };
    let expected = exists.then(|| (state.lineage.clone(), state.serial));
    let resource =
        ResourceState::from_object(&addr, &object, &[], block.lifecycle.create_before_destroy)
            .map(|r| r.with_provider(alias.as_deref()))
            .map_err(|e| CliError::Failed(e.to_string()))?;
    state.upsert(resource);
    state.bump_serial();
    backend
        .write(&state, expected.as_ref().map(|(l, s)| (l.as_str(), *s)))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    outln!("{addr}: imported {} {}", addr.resource.type_name, args.id);
    outln!("\nImport successful! recon now manages it; run `recon plan` to see how it differs from its configuration.");
    Ok(EXIT_OK)
}
