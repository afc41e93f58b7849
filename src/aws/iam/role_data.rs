//! data aws_iam_role: an existing role, looked up by name.

use super::role::{find_role, role_state};
use crate::aws::prelude::*;
use crate::provider::DataSource;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_role",
    attributes: &[
        ID,
        Attribute::required("name", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::computed("assume_role_policy", Type::Json),
        Attribute::computed("create_date", Type::String),
        Attribute::computed("description", Type::String),
        Attribute::computed("max_session_duration", Type::Number),
        Attribute::computed("path", Type::String),
        Attribute::computed("permissions_boundary", Type::String),
        Attribute::computed("tags", Type::Map(&Type::String)),
        Attribute::computed("unique_id", Type::String),
    ],
    blocks: &[],
};

client_type!(IamRoleData: iam);

#[async_trait]
impl DataSource for IamRoleData {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let name = config.str("name").unwrap_or_default();
        let role = find_role(&self.client, name).await?.ok_or_else(|| {
            ProviderError::new(format!("no IAM role named {name:?} in this account"))
        })?;
        let state = role_state(&role);
        // The resource's state, narrowed to what the data source has.
        Ok(SCHEMA
            .attributes
            .iter()
            .map(|a| {
                (
                    a.name.to_string(),
                    state.get(a.name).cloned().unwrap_or_default(),
                )
            })
            .collect())
    }
}
