//! aws_lambda_permission: one statement of a Lambda function's resource policy
//! (who may invoke it, e.g. an EventBridge rule).

use crate::aws::prelude::*;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_lambda_permission",
    attributes: &[
        ID,
        Attribute::required("action", Type::String).force_new(),
        Attribute::required("function_name", Type::String).force_new(),
        Attribute::required("principal", Type::String).force_new(),
        Attribute::optional("source_arn", Type::String).force_new(),
        Attribute::optional("source_account", Type::String).force_new(),
        Attribute::optional("qualifier", Type::String).force_new(),
        // For lambda:InvokeFunctionUrl: the URL's auth type the grant applies to.
        Attribute::optional("function_url_auth_type", Type::String).force_new(),
        Attribute::optional_computed("statement_id", Type::String).force_new(),
        Attribute::optional_computed("statement_id_prefix", Type::String).force_new(),
    ],
    blocks: &[],
};

/// How long a new function (or statement) may stay invisible to the policy API.
const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);
/// Statement ids recon makes up start with this, like Terraform's "terraform-".
const DEFAULT_PREFIX: &str = "recon-";

client_type!(LambdaPermission: lambda, once);

#[async_trait]
impl ResourceType for LambdaPermission {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let function = planned
            .str("function_name")
            .ok_or_else(|| ProviderError::new("aws_lambda_permission needs function_name"))?
            .to_string();
        let prior = with_statement_id(planned, meta);
        let statement_id = prior.str("statement_id").unwrap_or_default().to_string();

        // Parallel AddPermission calls on one function can lose statements (a known
        // AWS behaviour): one at a time per function.
        let lock = function_lock(&function);
        let _guard = lock.lock().await;
        // Looked for first: AWS refuses a second statement with this id, but moto
        // adds one.
        let what = format!("statement {statement_id} in the policy of {function}");
        if let Some(found) = self.claim(planned, meta, &what).await? {
            return Ok(found);
        }
        let request = self
            .once
            .add_permission()
            .function_name(&function)
            .statement_id(&statement_id)
            .action(planned.str("action").unwrap_or_default())
            .principal(planned.str("principal").unwrap_or_default())
            .set_source_arn(planned.str("source_arn").map(str::to_string))
            .set_source_account(planned.str("source_account").map(str::to_string))
            .set_qualifier(planned.str("qualifier").map(str::to_string))
            .set_function_url_auth_type(
                planned
                    .str("function_url_auth_type")
                    .map(aws_sdk_lambda::types::FunctionUrlAuthType::from),
            );
        let every_2s = Pace::every(Duration::from_secs(2), PROPAGATION_TIMEOUT);
        let not_yet = |err: &ProviderError| {
            !err.message.contains("already exists")
                && has_code(
                    err,
                    &["ResourceConflictException", "ResourceNotFoundException"],
                )
        };
        let added = retry_while(every_2s, not_yet, || async {
            request.clone().send().await.map_err(sdk_error)
        });
        match added.await {
            Ok(_) => {}
            // A retried create whose first attempt landed: fine if it is ours.
            Err(err) if err.message.contains("already exists") => {
                return self.claim(planned, meta, &what).await?.ok_or(err)
            }
            Err(err) => return Err(err),
        }

        // The statement can take a moment to show in GetPolicy.
        if let Some(state) = poll_until(every_2s, || read_single(self, &prior)).await? {
            return Ok(state);
        }
        let mut partial = prior.clone();
        partial.retain(|_, v| !v.is_unknown());
        Err(ProviderError::new(format!(
            "permission {statement_id} was added to {function} but never showed in its policy"
        ))
        .with_partial(partial))
    }

    /// The statement of the id the create asks for (a generated id is derived from
    /// the token) in the function's policy: ours when it grants what is planned.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let prior = with_statement_id(planned, meta);
        let same = |found: &Object| same_grant(found, planned);
        let id = || import_id(&prior);
        let read = read_single(self, &prior);
        find_at_key(planned.str("statement_id"), meta, read, same, id).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        // One GetPolicy per function (and qualifier), however many statements it holds.
        let mut policies: HashMap<(String, Option<String>), Vec<Json>> = HashMap::new();
        for prior in priors {
            let Some(function) = prior.str("function_name") else {
                continue;
            };
            let key = (function.to_string(), qualifier(prior));
            if let std::collections::hash_map::Entry::Vacant(slot) = policies.entry(key) {
                let (function, qualifier) = slot.key();
                let statements =
                    find_statements(&self.client, function, qualifier.as_deref()).await?;
                slot.insert(statements);
            }
        }
        Ok(priors
            .iter()
            .map(|prior| {
                let function = prior.str("function_name")?;
                let statements = policies.get(&(function.to_string(), qualifier(prior)))?;
                let sid = statement_id(prior)?;
                let statement = statements.iter().find(|s| s["Sid"].as_str() == Some(sid))?;
                Some(to_state(statement, prior))
            })
            .collect())
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let (Some(function), Some(sid)) = (prior.str("function_name"), statement_id(prior)) else {
            return Ok(());
        };
        let lock = function_lock(function);
        let _guard = lock.lock().await;
        let answer = self
            .client
            .remove_permission()
            .function_name(function)
            .statement_id(sid)
            .set_qualifier(qualifier(prior))
            .send()
            .await;
        if none_if_gone(answer.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        let every_2s = Pace::every(Duration::from_secs(2), PROPAGATION_TIMEOUT);
        let left = poll_until(every_2s, || async {
            Ok(read_single(self, prior).await?.is_none().then_some(()))
        });
        left.await?.ok_or_else(|| {
            ProviderError::new(format!(
                "timed out waiting for permission {sid} to leave the policy of {function}"
            ))
        })
    }

    /// `FUNCTION_NAME/STATEMENT_ID` or `FUNCTION_NAME:QUALIFIER/STATEMENT_ID`.
    fn import_stub(&self, id: &str) -> Object {
        let Some((function, sid)) = id.split_once('/') else {
            return crate::object! { "id" => id };
        };
        let (function, qualifier) = match function.split_once(':') {
            Some((name, q)) if !function.starts_with("arn:") => (name, Value::from(q)),
            _ => (function, Value::Null),
        };
        crate::object! {
            "id" => sid,
            "statement_id" => sid,
            "function_name" => function,
            "qualifier" => qualifier,
        }
    }
}

impl LambdaPermission {
    /// The statement of the id this create asks for when it is ours; an error
    /// naming `recon import` when another statement holds the id.
    async fn claim(&self, planned: &Object, meta: &Meta, what: &str) -> Result<Option<Object>> {
        match self.find_created(planned, meta).await? {
            Created::Found(found) => Ok(Some(found)),
            Created::NotOurs { id } => Err(not_ours("ResourceConflictException", what, meta, &id)),
            Created::Absent | Created::Unknowable => Ok(None),
        }
    }
}

/// One async lock per function name, shared by every permission in the process.
fn function_lock(function: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    locks.entry(function.to_string()).or_default().clone()
}

/// The statements of a function's resource policy: none when it has no policy or
/// the function is gone.
async fn find_statements(
    client: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Vec<Json>> {
    let answer = client
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await;
    // No policy at all and no function both answer ResourceNotFoundException.
    let Some(out) = none_if_gone(answer.map_err(sdk_error))? else {
        return Ok(Vec::new());
    };
    let Some(text) = out.policy() else {
        return Ok(Vec::new());
    };
    let policy: Json = serde_json::from_str(text).map_err(|e| {
        ProviderError::new(format!(
            "the resource policy of {function} is not JSON: {e}"
        ))
    })?;
    Ok(match &policy["Statement"] {
        Json::Array(items) => items.clone(),
        Json::Null => Vec::new(),
        single => vec![single.clone()],
    })
}

fn statement_id(obj: &Object) -> Option<&str> {
    obj.str("statement_id").or_else(|| obj.str("id"))
}

fn qualifier(obj: &Object) -> Option<String> {
    obj.str("qualifier")
        .filter(|q| !q.is_empty())
        .map(str::to_string)
}

/// True when `found` grants what `planned` asks for.
fn same_grant(found: &Object, planned: &Object) -> bool {
    [
        "action",
        "principal",
        "source_arn",
        "source_account",
        "function_url_auth_type",
    ]
    .iter()
    .all(|key| {
        found.get(*key)
            == planned
                .get(*key)
                .filter(|v| !v.is_null())
                .or(Some(&Value::Null))
    })
}

/// `planned` with the statement id to create: `statement_id`, else
/// `statement_id_prefix` (default "recon-") plus a unique suffix (the same for
/// every attempt of one create).
fn with_statement_id(planned: &Object, meta: &Meta) -> Object {
    let statement_id = match (
        planned.str("statement_id"),
        planned.str("statement_id_prefix"),
    ) {
        (Some(id), _) => id.to_string(),
        (None, Some(prefix)) => format!("{prefix}{}", unique_suffix(meta)),
        (None, None) => format!("{DEFAULT_PREFIX}{}", unique_suffix(meta)),
    };
    let mut prior = planned.clone();
    prior.insert("id".into(), Value::from(statement_id.as_str()));
    prior.insert("statement_id".into(), Value::from(statement_id.as_str()));
    if prior
        .get("statement_id_prefix")
        .is_some_and(Value::is_unknown)
    {
        prior.insert("statement_id_prefix".into(), Value::Null);
    }
    prior
}

/// The id `recon import` takes: `FUNCTION/STATEMENT_ID`, or
/// `FUNCTION:QUALIFIER/STATEMENT_ID`.
fn import_id(obj: &Object) -> String {
    let function = obj.str("function_name").unwrap_or_default();
    let sid = statement_id(obj).unwrap_or_default();
    match qualifier(obj) {
        Some(q) => format!("{function}:{q}/{sid}"),
        None => format!("{function}/{sid}"),
    }
}

/// The string value of a condition key, e.g. `Condition.ArnLike["AWS:SourceArn"]`.
fn condition(statement: &Json, operator: &str, key: &str) -> Value {
    let Some(block) = statement["Condition"][operator].as_object() else {
        return Value::Null;
    };
    block
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| match v {
            Json::String(s) => Some(Value::from(s.as_str())),
            Json::Array(items) if items.len() == 1 => items[0].as_str().map(Value::from),
            _ => None,
        })
        .unwrap_or(Value::Null)
}

/// The `lambda:FunctionUrlAuthType` condition AWS writes for a function URL grant
/// (moto keeps the request's `FunctionUrlAuthType` field in the statement instead).
fn url_auth_type(statement: &Json) -> Value {
    match condition(statement, "StringEquals", "lambda:FunctionUrlAuthType") {
        Value::Null => statement["FunctionUrlAuthType"]
            .as_str()
            .map_or(Value::Null, Value::from),
        found => found,
    }
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` → (name, qualifier).
fn split_function_arn(resource: &str) -> Option<(&str, Option<&str>)> {
    let parts: Vec<&str> = resource.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => Some((name, None)),
        ["arn", _, "lambda", _, _, "function", name, qualifier] => Some((name, Some(qualifier))),
        _ => None,
    }
}

fn to_state(statement: &Json, prior: &Object) -> Object {
    let sid = statement["Sid"].as_str().unwrap_or_default();
    let resource = statement["Resource"].as_str().unwrap_or_default();
    let configured = prior.str("function_name").unwrap_or_default();
    let (function, qualifier) = match split_function_arn(resource) {
        Some((name, qualifier)) => {
            // Keep the spelling the configuration uses: a name or an ARN.
            let function = if configured.starts_with("arn:") {
                match qualifier {
                    Some(q) => resource
                        .strip_suffix(&format!(":{q}"))
                        .unwrap_or(resource)
                        .to_string(),
                    None => resource.to_string(),
                }
            } else {
                name.to_string()
            };
            (function, qualifier.map(str::to_string))
        }
        None => (
            configured.to_string(),
            prior.str("qualifier").map(str::to_string),
        ),
    };
    let principal = match &statement["Principal"] {
        Json::String(s) => s.clone(),
        Json::Object(map) => map
            .get("Service")
            .or_else(|| map.get("AWS"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    // AWS turns an account id into its root ARN; keep the configured account id.
    let principal = match prior.str("principal") {
        Some(account)
            if account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && principal.starts_with("arn:")
                && principal.ends_with(&format!(":{account}:root")) =>
        {
            account.to_string()
        }
        _ => principal,
    };
    let action = match &statement["Action"] {
        Json::String(s) => s.clone(),
        Json::Array(items) => items
            .first()
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let prefix = match prior.get("statement_id_prefix") {
        Some(Value::String(p)) => Value::from(p.as_str()),
        _ => Value::Null,
    };
    let state: BTreeMap<String, Value> = crate::object! {
        "id" => sid,
        "statement_id" => sid,
        "statement_id_prefix" => prefix,
        "function_name" => function,
        "qualifier" => qualifier,
        "action" => action,
        "principal" => principal,
        "source_arn" => condition(statement, "ArnLike", "AWS:SourceArn"),
        "source_account" => condition(statement, "StringEquals", "AWS:SourceAccount"),
        "function_url_auth_type" => url_auth_type(statement),
    };
    state
}
