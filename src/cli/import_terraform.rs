//! `recon state import-terraform PATH`: takes over what a Terraform state
//! (a local terraform.tfstate or `s3://bucket/key`) manages. Each instance of a
//! type recon supports is read from AWS the way `recon import` reads one, with
//! Terraform's attributes as the prior, so that the state written is the one
//! recon would have written itself; everything else is listed with the reason.

use super::{CliError, Ctx, EXIT_OK};
use crate::addr::{InstanceAddr, Mode, ResourceAddr};
use crate::config::Stack;
use crate::provider::{Provider, ResourceType};
use crate::state::terraform_v4::{TerraformInstance, TerraformResource, TerraformState};
use crate::state::{Backend, OutputState, ResourceState};
use crate::value::{Object, ObjectExt, Value};
use clap::Args;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ImportTerraformArgs {
    /// The Terraform state: a local file (terraform.tfstate) or s3://BUCKET/KEY.
    pub path: String,
    /// Replace a state that already holds resources (they are forgotten, not destroyed).
    #[arg(long)]
    pub force: bool,
}

/// One instance to read from AWS and record at `addr`.
struct Candidate {
    addr: InstanceAddr,
    shown: String,
    prior: Object,
    instance: usize,
    resource: usize,
}

/// An instance left out, and why.
struct NotTaken {
    address: String,
    reason: String,
}

pub async fn run(
    ctx: &Ctx,
    stack: &Stack,
    backend: &Arc<dyn Backend>,
    args: &ImportTerraformArgs,
) -> Result<i32, CliError> {
    let (bytes, location) = read_source(ctx, &args.path).await?;
    let tf =
        TerraformState::parse(&bytes, &location).map_err(|e| CliError::Failed(format!("{e}")))?;

    // Refuse early, before any AWS call, when there is a state to keep.
    let (mut state, exists) = ctx.read_state_locked(backend).await?;
    if !state.pending.is_empty() {
        return Err(CliError::Failed(format!(
            "the state at {} has creates an interrupted apply left pending: run `recon plan` to resolve them first",
            backend.describe()
        )));
    }
    let held = state.resources.len() + state.outputs.len();
    if held > 0 && !args.force {
        return Err(CliError::Failed(format!(
            "the state at {} already holds {} resource instance(s) and {} output(s): refusing to \
             overwrite it. Pass --force to replace them with what {location} manages (recon then \
             forgets them; nothing is destroyed)",
            backend.describe(),
            state.resources.len(),
            state.outputs.len()
        )));
    }

    let vars = if stack.providers.is_empty() {
        Object::new()
    } else {
        ctx.vars(stack, &super::VarArgs::default())?
    };
    let provider = ctx.provider(stack, &vars).await?;
    let (batches, mut not_taken) = select(&tf, &provider);

    let mut imported: Vec<(ResourceState, String)> = Vec::new();
    for ((alias, type_name), (rt, candidates)) in batches {
        let priors: Vec<Object> = candidates.iter().map(|c| c.prior.clone()).collect();
        let found = crate::provider::retry(|| rt.read(&priors))
            .await
            .map_err(|e| {
                CliError::Failed(format!(
                    "reading the {type_name} instances of {location} from AWS failed: {e}; nothing was written"
                ))
            })?;
        for (c, object) in candidates.into_iter().zip(found) {
            let instance = &tf.resources[c.resource].instances[c.instance];
            let id = c.prior.str("id").unwrap_or_default().to_string();
            let Some(object) = object else {
                not_taken.push(NotTaken {
                    address: c.shown,
                    reason: format!("{id} no longer exists in AWS (or is not visible with these credentials and region)"),
                });
                continue;
            };
            let record = record(rt.as_ref(), &c.addr, &object, instance, alias.as_deref())
                .map_err(|e| CliError::Failed(format!("{}: {e}", c.addr)))?;
            let id = object.str("id").unwrap_or(&id).to_string();
            imported.push((record, id));
        }
    }
    if imported.is_empty() {
        report_not_taken(&not_taken);
        return Err(CliError::Failed(format!(
            "nothing in {location} can be imported; the state was left as it was"
        )));
    }
    link_dependencies(&tf, &mut imported);

    let expected = exists.then(|| (state.lineage.clone(), state.serial));
    if held > 0 {
        errln!(
            "Warning: --force: the {} resource instance(s) and {} output(s) in the state are replaced; recon no longer manages them.",
            state.resources.len(),
            state.outputs.len()
        );
    }
    state.resources.clear();
    state.outputs = tf
        .outputs
        .iter()
        .map(|(name, o)| {
            let output = OutputState {
                value: o.value.clone(),
                sensitive: o.sensitive,
            };
            (name.clone(), output)
        })
        .collect();
    for (record, _) in &imported {
        state.upsert(record.clone());
    }
    state.bump_serial();
    backend
        .write(&state, expected.as_ref().map(|(l, s)| (l.as_str(), *s)))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;

    outln!(
        "Read {location}: Terraform {}, serial {}, lineage {}.\n",
        tf.terraform_version,
        tf.serial,
        tf.lineage
    );
    for (record, id) in &imported {
        outln!("{}: imported {} {id}", record.address, record.type_name);
    }
    report_not_taken(&not_taken);
    let unconfigured: Vec<&str> = imported
        .iter()
        .map(|(r, _)| r)
        .filter(|r| !stack.resources.contains_key(&r.addr().resource))
        .map(|r| r.address.as_str())
        .collect();
    if !unconfigured.is_empty() {
        outln!(
            "\nNot in the stack's configuration ({}): the next apply destroys them unless you write their blocks (or `recon state rm` them):",
            unconfigured.len()
        );
        for a in unconfigured {
            outln!("  {a}");
        }
    }
    outln!(
        "\nImported {} resource instance(s) and {} output(s) into {} (serial {}). Run `recon plan` to compare them with the stack.",
        imported.len(),
        state.outputs.len(),
        backend.describe(),
        state.serial
    );
    Ok(EXIT_OK)
}

/// Per provider alias and type: the type, and the instances to read.
type Batches = BTreeMap<(Option<String>, String), (Arc<dyn ResourceType>, Vec<Candidate>)>;

/// The instances recon can take, grouped into one read per type and provider
/// configuration, and the others with the reason. Data sources are left out
/// silently: recon reads them again, as Terraform does.
fn select(tf: &TerraformState, provider: &dyn Provider) -> (Batches, Vec<NotTaken>) {
    let mut batches = Batches::new();
    let mut not_taken = Vec::new();
    for (ri, r) in tf.resources.iter().enumerate() {
        if r.mode() == Some(Mode::Data) {
            continue;
        }
        for (ii, instance) in r.instances.iter().enumerate() {
            let shown = r.display_addr(instance);
            match candidate(r, instance, provider) {
                Ok(Readable {
                    alias,
                    rt,
                    addr,
                    prior,
                }) => {
                    batches
                        .entry((alias, r.type_name.clone()))
                        .or_insert_with(|| (rt, Vec::new()))
                        .1
                        .push(Candidate {
                            addr,
                            shown,
                            prior,
                            instance: ii,
                            resource: ri,
                        });
                }
                Err(reason) => not_taken.push(NotTaken {
                    address: shown,
                    reason,
                }),
            }
        }
    }
    (batches, not_taken)
}

/// One instance recon can read: its provider alias, type, address, and the
/// prior object from which `read` finds it.
struct Readable {
    alias: Option<String>,
    rt: Arc<dyn ResourceType>,
    addr: InstanceAddr,
    prior: Object,
}

/// How to read one instance, or why it cannot be imported.
fn candidate(
    r: &TerraformResource,
    instance: &TerraformInstance,
    provider: &dyn Provider,
) -> Result<Readable, String> {
    let Some(resource) = r.resource_addr().filter(|a| a.mode == Mode::Managed) else {
        return Err(format!("unknown mode {:?}", r.mode));
    };
    if let Some(module) = &r.module {
        return Err(format!(
            "in {module}: import-terraform does not take module resources yet (recon import them one by one, at their module address)"
        ));
    }
    let Some(alias) = r.aws_alias() else {
        return Err(format!(
            "managed by the provider {}, not AWS",
            r.provider_source()
        ));
    };
    let Some(rt) = provider.resource_in(alias.as_deref(), &r.type_name) else {
        return Err(match (&alias, provider.resource(&r.type_name)) {
            (Some(a), Some(_)) => format!(
                "its provider configuration aws.{a} is not in the stack: add provider \"aws\" {{ alias = \"{a}\" ... }}"
            ),
            _ => format!("recon does not support the resource type {}", r.type_name),
        });
    };
    let attributes = instance.attributes();
    let Some(id) = attributes.get("id").and_then(|v| v.as_str()) else {
        return Err("Terraform recorded no id for it".into());
    };
    if let Some(deposed) = &instance.deposed {
        return Err(format!(
            "deposed object {deposed} ({id}): an old object Terraform had yet to delete; \
             delete it in AWS (or finish `terraform apply`) before the next recon apply"
        ));
    }
    // What `recon import` starts from, with Terraform's settings on top, so that
    // what AWS does not report (force_destroy, deletion_window_in_days, ...)
    // stays as Terraform had it. Only set scalars: Terraform records computed
    // collections (a role's managed_policy_arns) that in recon would mean "manage
    // exactly these", and "" for strings never set.
    let schema = rt.schema();
    let mut prior = rt.import_stub(id);
    for (name, value) in attributes {
        let setting = match &value {
            Json::String(s) => !s.is_empty(),
            Json::Bool(_) | Json::Number(_) => true,
            _ => false,
        };
        if setting && schema.attribute(&name).is_some() {
            prior.insert(name, Value::from_json(&value));
        }
    }
    Ok(Readable {
        alias,
        rt,
        addr: instance.addr(&resource),
        prior,
    })
}

/// The state of one imported instance, as apply would have recorded it.
fn record(
    rt: &dyn ResourceType,
    addr: &InstanceAddr,
    object: &Object,
    instance: &TerraformInstance,
    alias: Option<&str>,
) -> Result<ResourceState, crate::state::StateError> {
    let mut sensitive = instance.sensitive_names();
    sensitive.extend(
        rt.schema()
            .attributes
            .iter()
            .filter(|a| a.sensitive && object.get(a.name).is_some_and(|v| !v.is_null()))
            .map(|a| a.name.to_string()),
    );
    sensitive.retain(|name| object.contains_key(name));
    let mut record = ResourceState::from_object(addr, object, &[], instance.create_before_destroy)?
        .with_sensitive(sensitive)
        .with_provider(alias);
    record.tainted = instance.tainted();
    Ok(record)
}

/// Terraform records dependencies on whole resources; recon on the instances,
/// so each becomes every imported instance of that resource.
fn link_dependencies(tf: &TerraformState, imported: &mut [(ResourceState, String)]) {
    let instances: Vec<InstanceAddr> = imported.iter().map(|(r, _)| r.addr()).collect();
    let by_addr: BTreeMap<InstanceAddr, &TerraformInstance> = tf
        .resources
        .iter()
        .filter(|r| r.module.is_none() && r.mode() == Some(Mode::Managed))
        .filter_map(|r| Some((r.resource_addr()?, r)))
        .flat_map(|(resource, r)| {
            r.instances
                .iter()
                .filter(|i| i.deposed.is_none())
                .map(move |i| (i.addr(&resource), i))
        })
        .collect();
    for (record, _) in imported.iter_mut() {
        let Some(instance) = by_addr.get(&record.addr()) else {
            continue;
        };
        let on: Vec<ResourceAddr> = instance.dependency_resources();
        let mut deps: Vec<String> = instances
            .iter()
            .filter(|a| on.contains(&a.resource))
            .map(ToString::to_string)
            .collect();
        deps.sort();
        deps.dedup();
        record.dependencies = deps;
    }
}

fn report_not_taken(not_taken: &[NotTaken]) {
    if not_taken.is_empty() {
        return;
    }
    outln!(
        "\nNot imported ({}): recon does not manage these; Terraform still does, or no one:",
        not_taken.len()
    );
    for n in not_taken {
        outln!("  {}: {}", n.address, n.reason);
    }
}

/// The Terraform state's bytes and how to name it in messages.
async fn read_source(ctx: &Ctx, path: &str) -> Result<(Vec<u8>, String), CliError> {
    let Some(rest) = path.strip_prefix("s3://") else {
        let bytes = std::fs::read(path)
            .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?;
        return Ok((bytes, path.to_string()));
    };
    let Some((bucket, key)) = rest
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        return Err(CliError::Failed(format!(
            "{path}: an S3 location is s3://BUCKET/KEY, e.g. s3://my-tf-state/prod/terraform.tfstate"
        )));
    };
    let clients = crate::aws::Clients::from_config(ctx.aws_config().await);
    let object = clients
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            CliError::Failed(format!("cannot read {path}: {}", crate::aws::sdk_error(e)))
        })?;
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")))?
        .into_bytes()
        .to_vec();
    Ok((bytes, path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AwsProvider, Clients};

    const TF: &str = r#"{
      "version": 4, "terraform_version": "1.7.5", "serial": 2, "lineage": "l",
      "resources": [
        {"mode": "data", "type": "aws_region", "name": "here",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"attributes": {"id": "us-east-1"}}]},
        {"mode": "managed", "type": "aws_vpc", "name": "main",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"attributes": {"id": "vpc-1", "cidr_block": "10.0.0.0/16",
             "ipv6_cidr_block": "", "tags": {"Name": "m"}, "tags_all": {"Name": "m"}}}]},
        {"mode": "managed", "type": "aws_subnet", "name": "app",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [
           {"index_key": "a", "attributes": {"id": "subnet-a", "vpc_id": "vpc-1"},
            "dependencies": ["aws_vpc.main", "data.aws_region.here"]},
           {"index_key": "b", "attributes": {"vpc_id": "vpc-1"}}]},
        {"mode": "managed", "type": "aws_s3_bucket", "name": "b",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
         "instances": [{"attributes": {"id": "b", "force_destroy": true}}]}
      ]
    }"#;

    #[test]
    fn selects_what_recon_can_read_with_terraform_settings_as_prior() {
        let tf = TerraformState::parse(TF.as_bytes(), "t.tfstate").unwrap();
        let provider = AwsProvider::new(&Clients::offline());
        let (batches, not_taken) = select(&tf, &provider);
        let keys: Vec<(Option<String>, String)> = batches.keys().cloned().collect();
        assert_eq!(
            keys,
            vec![(None, "aws_subnet".into()), (None, "aws_vpc".into())]
        );
        let vpc = &batches[&(None, "aws_vpc".to_string())].1[0];
        assert_eq!(vpc.addr.to_string(), "aws_vpc.main");
        assert_eq!(vpc.prior.str("cidr_block"), Some("10.0.0.0/16"));
        assert!(
            !vpc.prior.contains_key("ipv6_cidr_block") && !vpc.prior.contains_key("tags"),
            "empty strings and collections are not settings: {:?}",
            vpc.prior
        );
        let reasons: Vec<(&str, &str)> = not_taken
            .iter()
            .map(|n| (n.address.as_str(), n.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].0, "aws_subnet.app[\"b\"]");
        assert!(reasons[0].1.contains("no id"), "{reasons:?}");
        assert_eq!(reasons[1].0, "aws_s3_bucket.b");
        assert!(
            reasons[1].1.contains("aws.west is not in the stack"),
            "{reasons:?}"
        );
    }

    #[test]
    fn dependencies_become_the_imported_instances_of_each_resource() {
        let tf = TerraformState::parse(TF.as_bytes(), "t.tfstate").unwrap();
        let state = |addr: &str| {
            let addr: InstanceAddr = addr.parse().unwrap();
            let object = crate::object! { "id" => "x" };
            (
                ResourceState::from_object(&addr, &object, &[], false).unwrap(),
                String::new(),
            )
        };
        let mut imported = vec![state("aws_vpc.main"), state("aws_subnet.app[\"a\"]")];
        link_dependencies(&tf, &mut imported);
        assert!(imported[0].0.dependencies.is_empty());
        assert_eq!(imported[1].0.dependencies, vec!["aws_vpc.main".to_string()]);
    }
}
