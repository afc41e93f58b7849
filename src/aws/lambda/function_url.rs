//! aws_lambda_function_url: the HTTPS endpoint of a function (or of one alias).

use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use aws_sdk_lambda::types::{Cors, FunctionUrlAuthType, InvokeMode};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_lambda_function_url",
    attributes: &[
        ID,
        Attribute::required("function_name", Type::String).force_new(),
        Attribute::optional("qualifier", Type::String).force_new(),
        // AWS_IAM or NONE.
        Attribute::required("authorization_type", Type::String),
        // BUFFERED or RESPONSE_STREAM.
        Attribute::optional("invoke_mode", Type::String).default(Default::Str("BUFFERED")),
        Attribute::computed("function_arn", Type::String),
        Attribute::computed("function_url", Type::String),
        Attribute::computed("url_id", Type::String),
    ],
    blocks: &[BlockType::new(
        "cors",
        Nesting::Single,
        &[
            Attribute::optional("allow_credentials", Type::Bool),
            Attribute::optional("allow_headers", Type::Set(&Type::String)),
            Attribute::optional("allow_methods", Type::Set(&Type::String)),
            Attribute::optional("allow_origins", Type::Set(&Type::String)),
            Attribute::optional("expose_headers", Type::Set(&Type::String)),
            Attribute::optional("max_age", Type::Number),
        ],
    )],
};

client_type!(LambdaFunctionUrl: lambda, once);

#[async_trait]
impl ResourceType for LambdaFunctionUrl {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let function = function_name(planned)?;
        let what = format!("the URL of Lambda function {}", import_id(planned));
        // Looked for first: AWS refuses a second URL, but moto replaces the first.
        let code = "ResourceConflictException";
        if let Some(adopted) =
            look_before_create(self, code, || what.clone(), planned, meta).await?
        {
            return Ok(adopted);
        }
        let created = self
            .once
            .create_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier(planned))
            .auth_type(auth_type(planned))
            .invoke_mode(invoke_mode(planned))
            .set_cors(planned.block("cors").map(cors))
            .send()
            .await
            .map_err(sdk_error);
        match created {
            // Read back: one shape (CORS as configured) for create and read.
            Ok(_) => self.find(planned).await?.ok_or_else(|| {
                ProviderError::new(format!("{what} was created but could not be read back"))
            }),
            // Made since the look: an earlier attempt's, or not.
            Err(e) if e.kind == ErrorKind::Conflict => claim(self, e, &what, planned, meta).await,
            Err(e) => Err(e),
        }
    }

    /// URL configurations cannot be tagged: the function's URL is taken as the one
    /// a lost create made only when it is configured as planned.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        if function_name(planned).is_err() {
            return Ok(Created::Absent);
        }
        let same = |found: &Object| {
            found.str("authorization_type") == planned.str("authorization_type")
                && found.str("invoke_mode") == planned.str("invoke_mode").or(Some("BUFFERED"))
                && cors_key(found.block("cors")) == cors_key(planned.block("cors"))
        };
        let found = self.find(planned).await?;
        Ok(Created::if_same(found, same, || import_id(planned)))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |_, prior| self.find(prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let function = function_name(prior)?;
        // No block clears CORS: an empty configuration replaces the old one.
        let cors = planned
            .block("cors")
            .map(cors)
            .unwrap_or_else(|| Cors::builder().build());
        self.client
            .update_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier(prior))
            .auth_type(auth_type(planned))
            .invoke_mode(invoke_mode(planned))
            .cors(cors)
            .send()
            .await
            .map_err(sdk_error)?;
        self.find(planned).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "the URL of Lambda function {function} disappeared during update"
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Ok(function) = function_name(prior) else {
            return Ok(());
        };
        let answer = self
            .client
            .delete_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier(prior))
            .send()
            .await;
        gone_ok(answer.map_err(sdk_error))
    }

    /// `FUNCTION_NAME` or `FUNCTION_NAME/QUALIFIER`, as Terraform.
    fn import_stub(&self, id: &str) -> Object {
        let (function, qualifier) = match id.split_once('/') {
            Some((function, q)) => (function, Value::from(q)),
            None => (id, Value::Null),
        };
        crate::object! { "id" => id, "function_name" => function, "qualifier" => qualifier }
    }
}

impl LambdaFunctionUrl {
    /// GetFunctionUrlConfig; None when the function or its URL does not exist.
    /// `prior` supplies the function name, the qualifier and CORS's unset values.
    async fn find(&self, prior: &Object) -> Result<Option<Object>> {
        let function = function_name(prior)?;
        let answer = self
            .client
            .get_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier(prior))
            .send()
            .await;
        let Some(out) = none_if_gone(answer.map_err(sdk_error))? else {
            return Ok(None);
        };
        let url = out.function_url();
        // https://URL_ID.lambda-url.REGION.on.aws/
        let url_id = url
            .strip_prefix("https://")
            .and_then(|rest| rest.split('.').next())
            .unwrap_or_default();
        let found_cors = out.cors().map(|c| cors_object(c, prior.block("cors")));
        let mut state = crate::object! {
            "id" => import_id(prior),
            "function_name" => function,
            "qualifier" => qualifier(prior),
            "authorization_type" => out.auth_type().as_str(),
            // moto answers "Buffered" when none was given; AWS's values are upper case.
            "invoke_mode" => out.invoke_mode().map_or("BUFFERED".to_string(), |m| m.as_str().to_uppercase()),
            "function_arn" => out.function_arn(),
            "function_url" => url,
            "url_id" => url_id,
        };
        state.insert("cors".into(), cors_state(found_cors.as_ref()));
        Ok(Some(state))
    }
}

fn function_name(obj: &Object) -> Result<&str> {
    obj.str("function_name")
        .ok_or_else(|| ProviderError::new("aws_lambda_function_url needs function_name"))
}

fn qualifier(obj: &Object) -> Option<String> {
    obj.str("qualifier")
        .filter(|q| !q.is_empty())
        .map(str::to_string)
}

/// Terraform's id: the function name, with `/QUALIFIER` when there is one.
fn import_id(obj: &Object) -> String {
    let function = obj.str("function_name").unwrap_or_default();
    match qualifier(obj) {
        Some(q) => format!("{function}/{q}"),
        None => function.to_string(),
    }
}

fn auth_type(planned: &Object) -> FunctionUrlAuthType {
    FunctionUrlAuthType::from(planned.str("authorization_type").unwrap_or_default())
}

fn invoke_mode(planned: &Object) -> InvokeMode {
    InvokeMode::from(planned.str("invoke_mode").unwrap_or("BUFFERED"))
}

fn cors(block: &Object) -> Cors {
    let list = |key: &str| Some(block.strings(key)).filter(|l| !l.is_empty());
    Cors::builder()
        .set_allow_credentials(block.bool("allow_credentials"))
        .set_allow_headers(list("allow_headers"))
        .set_allow_methods(list("allow_methods"))
        .set_allow_origins(list("allow_origins"))
        .set_expose_headers(list("expose_headers"))
        .set_max_age(block.i64("max_age").and_then(|n| i32::try_from(n).ok()))
        .build()
}

/// CORS settings in one spelling, to compare: lists sorted, false and 0 as unset.
fn cors_key(block: Option<&Object>) -> Option<Cors> {
    let mut block = block?.clone();
    for list in [
        "allow_headers",
        "allow_methods",
        "allow_origins",
        "expose_headers",
    ] {
        let mut items = block.strings(list);
        items.sort();
        block.insert(list.into(), Value::from(items));
    }
    let out = cors(&block);
    let out = Cors::builder()
        .set_allow_credentials(out.allow_credentials().filter(|c| *c))
        .set_max_age(out.max_age().filter(|n| *n != 0))
        .set_allow_headers(out.allow_headers.clone())
        .set_allow_methods(out.allow_methods.clone())
        .set_allow_origins(out.allow_origins.clone())
        .set_expose_headers(out.expose_headers.clone())
        .build();
    (out != Cors::builder().build()).then_some(out)
}

/// AWS's CORS as a block. AWS reports false and 0 for what was never set: the
/// prior's null is kept for those.
fn cors_object(found: &Cors, prior: Option<&Object>) -> Object {
    let prior_value = |key: &str| prior.and_then(|p| p.get(key)).cloned().unwrap_or_default();
    let credentials = match found.allow_credentials() {
        Some(true) => Value::Bool(true),
        _ if prior_value("allow_credentials").is_null() => Value::Null,
        _ => Value::Bool(false),
    };
    let max_age = match found.max_age() {
        Some(n) if n != 0 => Value::from(n),
        _ if prior_value("max_age").is_null() => Value::Null,
        _ => Value::from(0),
    };
    let mut block = crate::object! {
        "allow_headers" => found.allow_headers().to_vec(),
        "allow_methods" => found.allow_methods().to_vec(),
        "allow_origins" => found.allow_origins().to_vec(),
        "expose_headers" => found.expose_headers().to_vec(),
    };
    block.insert("allow_credentials".into(), credentials);
    block.insert("max_age".into(), max_age);
    block
}

/// The `cors` block list: empty when nothing in it is set.
fn cors_state(block: Option<&Object>) -> Value {
    let set = block.is_some_and(|b| {
        b.values().any(|v| match v {
            Value::Null => false,
            Value::List(items) => !items.is_empty(),
            _ => true,
        })
    });
    match block {
        Some(b) if set => Value::List(vec![Value::Object(b.clone())]),
        _ => Value::List(Vec::new()),
    }
}
