//! aws_lambda_function: a Lambda function deployed from a local zip file.

use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, DeadLetterConfig, Environment, EphemeralStorage, FunctionCode,
    FunctionConfiguration, LastUpdateStatus, Runtime, State, TracingConfig, TracingMode, VpcConfig,
};
use std::collections::HashMap;
use std::time::Instant;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_lambda_function",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("function_name", Type::String).force_new(),
        Attribute::required("role", Type::String),
        Attribute::optional("handler", Type::String),
        Attribute::optional("runtime", Type::String),
        // Write-only: the local zip the code is uploaded from.
        Attribute::optional("filename", Type::String),
        // Not refreshed (as Terraform): a change to it is what uploads new code.
        Attribute::optional_computed("source_code_hash", Type::String),
        Attribute::computed("code_sha256", Type::String),
        Attribute::computed("source_code_size", Type::Number),
        Attribute::optional("description", Type::String),
        Attribute::optional("timeout", Type::Number).default(Default::Int(3)),
        Attribute::optional("memory_size", Type::Number).default(Default::Int(128)),
        // -1 means no reservation (the function uses the account's unreserved pool).
        Attribute::optional("reserved_concurrent_executions", Type::Number)
            .default(Default::Int(-1)),
        Attribute::optional("kms_key_arn", Type::String),
        Attribute::optional_computed("architectures", Type::List(&Type::String)),
        // Layer version ARNs, in the order AWS applies them.
        Attribute::optional("layers", Type::List(&Type::String)),
        Attribute::computed("invoke_arn", Type::String),
        Attribute::computed("qualified_arn", Type::String),
        Attribute::computed("qualified_invoke_arn", Type::String),
        Attribute::computed("version", Type::String),
        Attribute::computed("last_modified", Type::String),
        TAGS,
    ],
    blocks: &[
        BlockType::new(
            "environment",
            Nesting::Single,
            &[Attribute::optional("variables", Type::Map(&Type::String))],
        ),
        // AWS always reports a mode (PassThrough by default).
        BlockType::new(
            "tracing_config",
            Nesting::Single,
            &[Attribute::required("mode", Type::String)],
        )
        .computed_when_absent(),
        // AWS always reports a size (512 MB by default).
        BlockType::new(
            "ephemeral_storage",
            Nesting::Single,
            &[Attribute::required("size", Type::Number)],
        )
        .computed_when_absent(),
        BlockType::new(
            "dead_letter_config",
            Nesting::Single,
            &[Attribute::required("target_arn", Type::String)],
        ),
        BlockType::new(
            "vpc_config",
            Nesting::Single,
            &[
                Attribute::required("subnet_ids", Type::Set(&Type::String)),
                Attribute::required("security_group_ids", Type::Set(&Type::String)),
                Attribute::computed("vpc_id", Type::String),
            ],
        ),
    ],
};

/// How long a just-created IAM role may stay invisible to Lambda.
const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);
const STATE_TIMEOUT: Duration = Duration::from_secs(600);
const DELETE_TIMEOUT: Duration = Duration::from_secs(300);

/// Messages of errors that mean "IAM (or KMS) has not caught up yet": retried.
const PROPAGATION_MESSAGES: &[&str] = &[
    "cannot be assumed by Lambda",
    "execution role does not have permissions",
    "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant",
    "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys",
];

client_type!(LambdaFunction: lambda, once);

#[async_trait]
impl ResourceType for LambdaFunction {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = planned
            .str("function_name")
            .ok_or_else(|| ProviderError::new("aws_lambda_function needs function_name"))?
            .to_string();
        let zip = function_zip(planned).await?;
        let recon_tags: HashMap<String, String> =
            tags::with_recon_tags(planned, meta).into_iter().collect();
        let request = self
            .once
            .create_function()
            .function_name(&name)
            .role(planned.str("role").unwrap_or_default())
            .set_handler(planned.str("handler").map(str::to_string))
            .set_runtime(planned.str("runtime").map(Runtime::from))
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .set_description(planned.str("description").map(str::to_string))
            .set_timeout(int(planned, "timeout"))
            .set_memory_size(int(planned, "memory_size"))
            .set_kms_key_arn(planned.str("kms_key_arn").map(str::to_string))
            .set_architectures(architectures(planned))
            .set_layers(Some(planned.strings("layers")).filter(|l| !l.is_empty()))
            .set_environment(planned.block("environment").map(environment))
            .set_tracing_config(planned.block("tracing_config").map(tracing_config))
            .set_ephemeral_storage(planned.block("ephemeral_storage").map(ephemeral_storage))
            .set_dead_letter_config(planned.block("dead_letter_config").map(dead_letter))
            .set_vpc_config(planned.block("vpc_config").map(vpc_config))
            .set_tags(Some(recon_tags));
        let made = retry_propagation(|| request.clone().send()).await;
        made_or_claim!(
            made,
            self,
            &format!("Lambda function {name}"),
            planned,
            meta
        );
        let partial = partial_state(planned, &name);
        let steps = async {
            wait_settled(&self.client, &name).await?;
            if reserved_concurrency(planned).is_some() {
                self.set_concurrency(&name, planned).await?;
            }
            self.read_one(&name, planned).await
        };
        crate::aws::shared::created(steps.await, partial, format_args!("Lambda function {name}"))
    }

    /// The function of the planned name, when its tags say it was made for `meta`.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(name) = planned.str("function_name") else {
            return Ok(Created::Absent);
        };
        let Some(out) = find_function(&self.client, name).await? else {
            return Ok(Created::Absent);
        };
        let found = out.tags().cloned().unwrap_or_default();
        if !tags::made_for(found.iter().map(|(k, v)| (k.as_str(), v.as_str())), meta) {
            return Ok(Created::NotOurs {
                id: name.to_string(),
            });
        }
        Ok(Created::found_or_absent(to_state(&out, planned)))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |name, prior| self.read_one(name, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?.to_string();

        // Configuration first, then code, as AWS accepts one update at a time.
        if let Some(request) = self.config_update(&name, prior, planned) {
            retry_propagation(|| request.clone().send()).await?;
            wait_settled(&self.client, &name).await?;
        }
        let code_changed = ["filename", "source_code_hash", "architectures"]
            .iter()
            .any(|key| changed(prior, planned, key));
        if code_changed {
            let zip = function_zip(planned).await?;
            let request = self
                .client
                .update_function_code()
                .function_name(&name)
                .zip_file(Blob::new(zip))
                .set_architectures(architectures(planned));
            retry_propagation(|| request.clone().send()).await?;
            wait_settled(&self.client, &name).await?;
        }
        if changed(prior, planned, "reserved_concurrent_executions") {
            self.set_concurrency(&name, planned).await?;
        }
        let function = name.as_str();
        let arn = || self.arn(function, prior);
        tags::sync_tags!(prior => planned;
            self.client, untag_resource / tag_resource;
            resource(arn().await?), tags::tag_map)
        .await?;
        self.read_one(&name, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("Lambda function {name} disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = prior.str("id") else {
            return Ok(());
        };
        let answer = self
            .client
            .delete_function()
            .function_name(name)
            .send()
            .await;
        if none_if_gone(answer.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        let what = format!("Lambda function {name}");
        let pace = Pace::every(Duration::from_secs(2), DELETE_TIMEOUT);
        wait_gone(what, pace, || async {
            Ok(find_function(&self.client, name).await?.is_some())
        })
        .await
    }

    fn import_stub(&self, id: &str) -> Object {
        crate::object! { "id" => id, "function_name" => id }
    }
}

impl LambdaFunction {
    /// Puts the planned reserved concurrency, or removes the reservation.
    async fn set_concurrency(&self, name: &str, planned: &Object) -> Result<()> {
        if let Some(n) = reserved_concurrency(planned) {
            let call = self.client.put_function_concurrency().function_name(name);
            let sent = call.reserved_concurrent_executions(n).send().await;
            return sent.map(drop).map_err(sdk_error);
        }
        let call = self
            .client
            .delete_function_concurrency()
            .function_name(name);
        call.send().await.map(drop).map_err(sdk_error)
    }

    /// The function's ARN: from state, or read when state lacks it.
    async fn arn(&self, name: &str, prior: &Object) -> Result<String> {
        if let Some(arn) = prior.str("arn") {
            return Ok(arn.to_string());
        }
        self.read_one(name, prior)
            .await?
            .and_then(|s| s.str("arn").map(str::to_string))
            .ok_or_else(|| ProviderError::new(format!("Lambda function {name} is gone")))
    }

    /// Reads one function in full; `prior` supplies what AWS cannot report.
    async fn read_one(&self, name: &str, prior: &Object) -> Result<Option<Object>> {
        Ok(find_function(&self.client, name)
            .await?
            .and_then(|out| to_state(&out, prior)))
    }

    /// An UpdateFunctionConfiguration request for what changed, if anything did.
    fn config_update(&self, name: &str, prior: &Object, planned: &Object) -> Option<ConfigUpdate> {
        let mut request = self
            .client
            .update_function_configuration()
            .function_name(name);
        let mut any = false;
        for (attr, set) in CONFIG_SETTERS {
            if changed(prior, planned, attr) {
                request = set(request, planned);
                any = true;
            }
        }
        // Compared in order: the order of layers is the order AWS applies them.
        let layers_known = planned.get("layers").is_none_or(Value::is_wholly_known);
        if layers_known && prior.strings("layers") != planned.strings("layers") {
            // An empty list takes every layer off.
            request = request.set_layers(Some(planned.strings("layers")));
            any = true;
        }
        if changed(prior, planned, "environment") {
            let empty = Object::new();
            request =
                request.environment(environment(planned.block("environment").unwrap_or(&empty)));
            any = true;
        }
        if changed(prior, planned, "tracing_config") {
            if let Some(block) = planned.block("tracing_config") {
                request = request.tracing_config(tracing_config(block));
                any = true;
            }
        }
        if changed(prior, planned, "ephemeral_storage") {
            if let Some(block) = planned.block("ephemeral_storage") {
                request = request.ephemeral_storage(ephemeral_storage(block));
                any = true;
            }
        }
        if changed(prior, planned, "dead_letter_config") {
            request = request.dead_letter_config(match planned.block("dead_letter_config") {
                Some(block) => dead_letter(block),
                // An empty target removes the dead-letter queue.
                None => DeadLetterConfig::builder().target_arn("").build(),
            });
            any = true;
        }
        if changed(prior, planned, "vpc_config") {
            request = request.vpc_config(match planned.block("vpc_config") {
                Some(block) => vpc_config(block),
                // No subnets and no security groups detach the function from its VPC.
                None => VpcConfig::builder()
                    .set_subnet_ids(Some(Vec::new()))
                    .set_security_group_ids(Some(Vec::new()))
                    .build(),
            });
            any = true;
        }
        any.then_some(request)
    }
}

type ConfigUpdate =
    aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder;

/// The settings UpdateFunctionConfiguration takes as they are: attribute, and how
/// the request gets its planned value.
type ConfigSetter = fn(ConfigUpdate, &Object) -> ConfigUpdate;
const CONFIG_SETTERS: &[(&str, ConfigSetter)] = &[
    ("role", |r, p| r.set_role(p.str("role").map(str::to_string))),
    ("handler", |r, p| {
        r.handler(p.str("handler").unwrap_or_default())
    }),
    ("runtime", |r, p| {
        r.set_runtime(p.str("runtime").map(Runtime::from))
    }),
    ("description", |r, p| {
        r.description(p.str("description").unwrap_or_default())
    }),
    ("timeout", |r, p| r.set_timeout(int(p, "timeout"))),
    ("memory_size", |r, p| {
        r.set_memory_size(int(p, "memory_size"))
    }),
    // An empty ARN goes back to the AWS managed key.
    ("kms_key_arn", |r, p| {
        r.kms_key_arn(p.str("kms_key_arn").unwrap_or_default())
    }),
];

/// GetFunction; None when the function does not exist.
async fn find_function(
    client: &aws_sdk_lambda::Client,
    name: &str,
) -> Result<Option<GetFunctionOutput>> {
    let answer = client.get_function().function_name(name).send().await;
    let found = none_if_gone(answer.map_err(sdk_error))?;
    Ok(found.filter(|out| out.configuration.is_some()))
}

/// Polls until the function is Active and no update is in progress; fails with
/// AWS's reason when it lands in Failed.
async fn wait_settled(client: &aws_sdk_lambda::Client, name: &str) -> Result<()> {
    let start = Instant::now();
    let what = format!("Lambda function {name} to become Active");
    wait_until(
        what,
        Pace::every(Duration::from_secs(2), STATE_TIMEOUT),
        || async {
            let config = match client
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .map_err(sdk_error)
            {
                Ok(config) => config,
                // Just created and not yet visible everywhere.
                Err(err) if is_not_found(&err) && start.elapsed() <= PROPAGATION_TIMEOUT => {
                    return Ok(None)
                }
                Err(err) => return Err(err),
            };
            if config.state() == Some(&State::Failed) {
                return Err(ProviderError::new(format!(
                    "Lambda function {name} failed: {}",
                    config.state_reason().unwrap_or("no reason given")
                )));
            }
            if config.last_update_status() == Some(&LastUpdateStatus::Failed) {
                return Err(ProviderError::new(format!(
                    "updating Lambda function {name} failed: {}",
                    config
                        .last_update_status_reason()
                        .unwrap_or("no reason given")
                )));
            }
            let active = matches!(
                config.state(),
                None | Some(State::Active) | Some(State::Inactive)
            );
            let idle = config.last_update_status() != Some(&LastUpdateStatus::InProgress);
            Ok((active && idle).then_some(()))
        },
    )
    .await
}

/// Runs `call` again, with backoff, while AWS says the role (or key) is not usable
/// yet or another update is still in progress; bounded by PROPAGATION_TIMEOUT.
async fn retry_propagation<T, E, F, Fut>(mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<
            T,
            aws_smithy_runtime_api::client::result::SdkError<
                E,
                aws_smithy_runtime_api::client::orchestrator::HttpResponse,
            >,
        >,
    >,
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    let pace = Pace::backoff(PROPAGATION_TIMEOUT)
        .starting(Duration::from_secs(1))
        .at_most(Duration::from_secs(10));
    let not_yet = |err: &ProviderError| {
        let propagating = has_code(err, &["InvalidParameterValueException"])
            && PROPAGATION_MESSAGES.iter().any(|m| err.message.contains(m));
        let busy = has_code(err, &["ResourceConflictException"])
            && err.message.contains("update is in progress");
        propagating || busy
    };
    retry_while(pace, not_yet, || {
        let call = call();
        async move { call.await.map_err(sdk_error) }
    })
    .await
}

/// The bytes of the function's zip, named by `filename`.
async fn function_zip(planned: &Object) -> Result<Vec<u8>> {
    let filename = planned.str("filename").ok_or_else(|| {
        ProviderError::new(
            "aws_lambda_function: filename is required (recon deploys code from a local zip; \
             use data \"archive_file\" to build one)",
        )
    })?;
    read_zip(filename).await
}

/// The bytes of a local zip (a relative path is from the stack's directory, where
/// recon runs); shared by functions and layer versions.
pub(super) async fn read_zip(filename: &str) -> Result<Vec<u8>> {
    tokio::fs::read(filename)
        .await
        .map_err(|e| ProviderError::new(format!("reading ZIP file {filename}: {e}")))
}

/// True when a configurable attribute or block differs between prior and planned.
/// Unknown planned values (computed) are not changes.
fn changed(prior: &Object, planned: &Object, key: &str) -> bool {
    let new = planned.get(key).cloned().unwrap_or_default();
    if new.is_unknown() {
        return false;
    }
    let old = prior.get(key).cloned().unwrap_or_default();
    normalise(&old) != normalise(&new)
}

/// Null, empty lists and empty maps mean the same; set order and block-computed
/// attributes (vpc_id) do not count.
fn normalise(value: &Value) -> Value {
    match value {
        Value::List(items) if items.is_empty() => Value::Null,
        Value::Object(map) if map.is_empty() => Value::Null,
        Value::List(items) => {
            let mut items: Vec<Value> = items.iter().map(normalise).collect();
            if items.iter().all(|v| matches!(v, Value::String(_))) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            Value::List(items)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| k.as_str() != "vpc_id" && !v.is_unknown())
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A reserved concurrency to set; -1 (Terraform's "unreserved") or none clears it.
fn reserved_concurrency(planned: &Object) -> Option<i32> {
    int(planned, "reserved_concurrent_executions").filter(|n| *n >= 0)
}

fn int(obj: &Object, key: &str) -> Option<i32> {
    obj.i64(key).and_then(|n| i32::try_from(n).ok())
}

fn architectures(planned: &Object) -> Option<Vec<Architecture>> {
    let list = planned.strings("architectures");
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|a| Architecture::from(a.as_str()))
            .collect()
    })
}

fn environment(block: &Object) -> Environment {
    let vars: HashMap<String, String> = block.string_map("variables").into_iter().collect();
    Environment::builder().set_variables(Some(vars)).build()
}

fn tracing_config(block: &Object) -> TracingConfig {
    let mode = block.str("mode").map(TracingMode::from);
    TracingConfig::builder().set_mode(mode).build()
}

fn ephemeral_storage(block: &Object) -> EphemeralStorage {
    // The size is required; a value outside 512..=10240 is AWS's to refuse.
    EphemeralStorage::builder()
        .size(block.i64("size").unwrap_or(512) as i32)
        .build()
        .expect("size is set")
}

fn dead_letter(block: &Object) -> DeadLetterConfig {
    let target = block.str("target_arn").map(str::to_string);
    DeadLetterConfig::builder().set_target_arn(target).build()
}

fn vpc_config(block: &Object) -> VpcConfig {
    VpcConfig::builder()
        .set_subnet_ids(Some(block.strings("subnet_ids")))
        .set_security_group_ids(Some(block.strings("security_group_ids")))
        .build()
}

/// What is known right after CreateFunction, for a create that fails half way.
fn partial_state(planned: &Object, name: &str) -> Object {
    let mut state = planned.clone();
    state.retain(|_, v| !v.is_unknown());
    state.insert("id".into(), Value::from(name));
    state
}

/// `arn:PARTITION:lambda:REGION:...` → the API Gateway invoke ARN for it (a
/// function's, or an alias's).
pub(super) fn invoke_arn(function_arn: &str) -> Value {
    let parts: Vec<&str> = function_arn.splitn(5, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "lambda", region, _] => Value::from(format!(
            "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        )),
        _ => Value::Null,
    }
}

fn non_empty(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

fn to_state(out: &GetFunctionOutput, prior: &Object) -> Option<Object> {
    let config: &FunctionConfiguration = out.configuration()?;
    let name = config.function_name()?;
    let arn = config.function_arn().unwrap_or_default();
    let version = config.version().unwrap_or("$LATEST");
    let qualified = format!("{arn}:{version}");
    let code_sha = config.code_sha256();
    // Not refreshed: the configured hash stays; after an import, AWS's own.
    let source_code_hash = match prior.get("source_code_hash") {
        Some(Value::String(s)) => Value::from(s.as_str()),
        _ => Value::from(code_sha),
    };
    let filename = match prior.get("filename") {
        Some(Value::String(s)) => Value::from(s.as_str()),
        _ => Value::Null,
    };
    let environment = config
        .environment()
        .and_then(|e| e.variables())
        .filter(|vars| !vars.is_empty())
        .map(|vars| {
            let vars: BTreeMap<String, Value> = vars
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect();
            vec![Value::Object(
                crate::object! { "variables" => Value::Object(vars) },
            )]
        })
        .unwrap_or_default();
    let tracing_mode = config
        .tracing_config()
        .and_then(|t| t.mode())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "PassThrough".to_string());
    let dead_letter = config
        .dead_letter_config()
        .and_then(|d| d.target_arn())
        .filter(|a| !a.is_empty())
        .map(|a| vec![Value::Object(crate::object! { "target_arn" => a })])
        .unwrap_or_default();
    let vpc = config
        .vpc_config()
        .filter(|v| !v.subnet_ids().is_empty() || !v.security_group_ids().is_empty())
        .map(|v| {
            vec![Value::Object(crate::object! {
                "subnet_ids" => v.subnet_ids().to_vec(),
                "security_group_ids" => v.security_group_ids().to_vec(),
                "vpc_id" => non_empty(v.vpc_id()),
            })]
        })
        .unwrap_or_default();
    let reserved = out
        .concurrency()
        .and_then(|c| c.reserved_concurrent_executions())
        .unwrap_or(-1);
    let architectures: Vec<Value> = config
        .architectures()
        .iter()
        .map(|a| Value::from(a.as_str()))
        .collect();
    let layers: Vec<Value> = config
        .layers()
        .iter()
        .filter_map(|l| l.arn().map(Value::from))
        .collect();
    let mut state = crate::object! {
        "id" => name,
        "arn" => arn,
        "function_name" => name,
        "role" => config.role(),
        "handler" => config.handler(),
        "runtime" => config.runtime().map(|r| r.as_str()),
        "filename" => filename,
        "source_code_hash" => source_code_hash,
        "code_sha256" => code_sha,
        "source_code_size" => config.code_size(),
        "description" => non_empty(config.description()),
        "timeout" => config.timeout(),
        "memory_size" => config.memory_size(),
        "reserved_concurrent_executions" => reserved,
        "kms_key_arn" => non_empty(config.kms_key_arn()),
        "architectures" => Value::List(architectures),
        "layers" => Value::List(layers),
        "invoke_arn" => invoke_arn(arn),
        "qualified_arn" => qualified.as_str(),
        "qualified_invoke_arn" => invoke_arn(&qualified),
        "version" => version,
        "last_modified" => config.last_modified(),
        "tags" => tags::user_tags(out.tags().cloned().unwrap_or_default()),
    };
    state.insert("environment".into(), Value::List(environment));
    state.insert(
        "tracing_config".into(),
        Value::List(vec![Value::Object(
            crate::object! { "mode" => tracing_mode },
        )]),
    );
    let storage = config.ephemeral_storage().map_or(512, |e| e.size());
    state.insert(
        "ephemeral_storage".into(),
        Value::List(vec![Value::Object(crate::object! { "size" => storage })]),
    );
    state.insert("dead_letter_config".into(), Value::List(dead_letter));
    state.insert("vpc_config".into(), Value::List(vpc));
    Some(state)
}
