//! aws_vpc_security_group_egress_rule: one egress rule of a security group, managed on its own.

use super::security_group_rule::{Direction, Rules, ATTRIBUTES};
use crate::aws::Clients;
use crate::provider::{Meta, ProviderResult, ResourceType, Schema};
use crate::value::Object;
use async_trait::async_trait;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc_security_group_egress_rule",
    attributes: ATTRIBUTES,
    blocks: &[],
};

pub struct SecurityGroupEgressRule {
    rules: Rules,
}

impl SecurityGroupEgressRule {
    pub fn new(clients: &Clients) -> Self {
        SecurityGroupEgressRule {
            rules: Rules::new(clients, Direction::Egress),
        }
    }
}

#[async_trait]
impl ResourceType for SecurityGroupEgressRule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> ProviderResult<Object> {
        self.rules.create(planned, meta).await
    }

    async fn read(&self, priors: &[Object]) -> ProviderResult<Vec<Option<Object>>> {
        self.rules.read(priors).await
    }

    async fn update(
        &self,
        prior: &Object,
        planned: &Object,
        meta: &Meta,
    ) -> ProviderResult<Object> {
        self.rules.update(prior, planned, meta).await
    }

    async fn delete(&self, prior: &Object) -> ProviderResult<()> {
        self.rules.delete(prior).await
    }
}
