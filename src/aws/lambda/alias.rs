//! aws_lambda_alias: a name that points at one version of a function (and may
//! send a share of invocations to a second one).

use crate::aws::lambda::function::invoke_arn;
use crate::aws::prelude::*;
use crate::provider::{BlockType, Nesting};
use aws_sdk_lambda::operation::get_alias::GetAliasOutput;
use aws_sdk_lambda::types::AliasRoutingConfiguration;
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_lambda_alias",
    attributes: &[
        ID,
        Attribute::required("name", Type::String).force_new(),
        Attribute::required("function_name", Type::String).force_new(),
        Attribute::required("function_version", Type::String),
        Attribute::optional("description", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::computed("invoke_arn", Type::String),
    ],
    blocks: &[BlockType::new(
        "routing_config",
        Nesting::Single,
        &[Attribute::optional(
            "additional_version_weights",
            Type::Map(&Type::Number),
        )],
    )],
};

client_type!(LambdaAlias: lambda, once);

#[async_trait]
impl ResourceType for LambdaAlias {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let (function, name) = names(planned)?;
        let created = self
            .once
            .create_alias()
            .function_name(function)
            .name(name)
            .function_version(planned.str("function_version").unwrap_or_default())
            .set_description(planned.str("description").map(str::to_string))
            .set_routing_config(routing(planned))
            .send()
            .await
            .map_err(sdk_error);
        match created {
            Ok(out) => Ok(to_state(&AliasView::from(out), function)),
            // The name is taken: by an earlier attempt of this create, or not.
            Err(e) if e.kind == ErrorKind::Conflict => {
                let what = format!("Lambda alias {name} of {function}");
                claim(self, e, &what, planned, meta).await
            }
            Err(e) => Err(e),
        }
    }

    /// Aliases cannot be tagged: the alias of the planned name is taken as the one
    /// a lost create made only when it says what the plan says.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let Ok((function, name)) = names(planned) else {
            return Ok(Created::Absent);
        };
        let found = self.find(function, name).await?;
        let import_id = || format!("{function}/{name}");
        Ok(Created::if_same(
            found,
            |f| same_settings(f, planned),
            import_id,
        ))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |_, prior| async move {
            match names(prior) {
                Ok((function, name)) => self.find(function, name).await,
                Err(_) => Ok(None),
            }
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (function, name) = names(prior)?;
        // An empty routing configuration removes the weights.
        let routing = routing(planned).unwrap_or_else(|| {
            AliasRoutingConfiguration::builder()
                .set_additional_version_weights(Some(HashMap::new()))
                .build()
        });
        let out = self
            .client
            .update_alias()
            .function_name(function)
            .name(name)
            .function_version(planned.str("function_version").unwrap_or_default())
            .description(planned.str("description").unwrap_or_default())
            .routing_config(routing)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(to_state(&AliasView::from(out), function))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Ok((function, name)) = names(prior) else {
            return Ok(());
        };
        let answer = self
            .client
            .delete_alias()
            .function_name(function)
            .name(name)
            .send()
            .await;
        gone_ok(answer.map_err(sdk_error))
    }

    /// `FUNCTION_NAME/ALIAS_NAME`, as Terraform.
    fn import_stub(&self, id: &str) -> Object {
        match id.split_once('/') {
            Some((function, name)) => crate::object! {
                "id" => id, "function_name" => function, "name" => name,
            },
            None => crate::object! { "id" => id },
        }
    }
}

impl LambdaAlias {
    /// GetAlias; None when the alias (or its function) does not exist.
    async fn find(&self, function: &str, name: &str) -> Result<Option<Object>> {
        let answer = self
            .client
            .get_alias()
            .function_name(function)
            .name(name)
            .send()
            .await;
        Ok(none_if_gone(answer.map_err(sdk_error))?
            .map(|out| to_state(&AliasView::from(out), function)))
    }
}

/// (function_name, name) of a plan or a state.
fn names(obj: &Object) -> Result<(&str, &str)> {
    match (obj.str("function_name"), obj.str("name")) {
        (Some(function), Some(name)) => Ok((function, name)),
        _ => Err(ProviderError::new(
            "aws_lambda_alias needs function_name and name",
        )),
    }
}

/// True when a found alias says what the plan says (no description and an
/// empty one agree, and so do no routing and no weights).
fn same_settings(found: &Object, planned: &Object) -> bool {
    let description = |o: &Object| {
        o.str("description")
            .filter(|d| !d.is_empty())
            .map(str::to_string)
    };
    let weights = |o: &Object| -> BTreeMap<String, String> {
        o.block("routing_config")
            .map(|block| block.string_map("additional_version_weights"))
            .unwrap_or_default()
    };
    found.str("function_version") == planned.str("function_version")
        && description(found) == description(planned)
        && weights(found) == weights(planned)
}

fn routing(planned: &Object) -> Option<AliasRoutingConfiguration> {
    let weights: HashMap<String, f64> = planned
        .block("routing_config")?
        .get("additional_version_weights")
        .and_then(Value::as_object)?
        .iter()
        .filter_map(|(version, weight)| weight.as_f64().map(|w| (version.clone(), w)))
        .collect();
    Some(
        AliasRoutingConfiguration::builder()
            .set_additional_version_weights(Some(weights))
            .build(),
    )
}

/// What GetAlias, CreateAlias and UpdateAlias answer alike.
struct AliasView {
    arn: Option<String>,
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    weights: Option<HashMap<String, f64>>,
}

macro_rules! alias_view {
    ($($out:ty),*) => {$(
        impl From<$out> for AliasView {
            fn from(out: $out) -> Self {
                AliasView {
                    arn: out.alias_arn,
                    name: out.name,
                    version: out.function_version,
                    description: out.description,
                    weights: out.routing_config.and_then(|r| r.additional_version_weights),
                }
            }
        }
    )*};
}

alias_view!(
    GetAliasOutput,
    aws_sdk_lambda::operation::create_alias::CreateAliasOutput,
    aws_sdk_lambda::operation::update_alias::UpdateAliasOutput
);

fn to_state(alias: &AliasView, function: &str) -> Object {
    let arn = alias.arn.clone().unwrap_or_default();
    let routing = match &alias.weights {
        Some(weights) if !weights.is_empty() => {
            let weights: BTreeMap<String, Value> = weights
                .iter()
                .map(|(version, weight)| (version.clone(), Value::from(*weight)))
                .collect();
            vec![Value::Object(crate::object! {
                "additional_version_weights" => Value::Object(weights),
            })]
        }
        _ => Vec::new(),
    };
    let description = match alias.description.as_deref() {
        Some(d) if !d.is_empty() => Value::from(d),
        _ => Value::Null,
    };
    let mut state = crate::object! {
        // The ARN is the id, as Terraform's.
        "id" => arn.as_str(),
        "arn" => arn.as_str(),
        "invoke_arn" => invoke_arn(&arn),
        "name" => alias.name.clone().unwrap_or_default(),
        // Kept as configured (a name or an ARN): AWS does not echo it.
        "function_name" => function,
        "function_version" => alias.version.clone().unwrap_or_default(),
        "description" => description,
    };
    state.insert("routing_config".into(), Value::List(routing));
    state
}
