//! aws_caller_identity: the account, ARN and user id the credentials belong to.

use crate::aws::prelude::*;
use crate::provider::DataSource;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_caller_identity",
    attributes: &[
        ID,
        Attribute::computed("account_id", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::computed("user_id", Type::String),
    ],
    blocks: &[],
};

pub struct CallerIdentity {
    client: aws_sdk_sts::Client,
}

impl CallerIdentity {
    pub fn new(clients: &Clients) -> Self {
        CallerIdentity {
            client: clients.sts.clone(),
        }
    }
}

#[async_trait]
impl DataSource for CallerIdentity {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let _ = config;
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(sdk_error)?;
        let account = out
            .account()
            .ok_or_else(|| ProviderError::new("GetCallerIdentity returned no account"))?;
        Ok(crate::object! {
            "id" => account,
            "account_id" => account,
            "arn" => out.arn(),
            "user_id" => out.user_id(),
        })
    }
}
