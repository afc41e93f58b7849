//! aws_vpc_ipv4_cidr_block_association: a secondary IPv4 CIDR block of a VPC.

use super::describe::{find_where, Described};
use super::reread::{wait_found, wait_unfound};
use super::shared::{after_create, filter, required};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::{Vpc as AwsVpc, VpcCidrBlockState, VpcCidrBlockStateCode};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc_ipv4_cidr_block_association",
    attributes: &[
        ID,
        Attribute::required("vpc_id", Type::String).force_new(),
        // IPAM pools are not supported: the block is required.
        Attribute::required("cidr_block", Type::String)
            .cidr()
            .force_new(),
    ],
    blocks: &[],
};

const BY_ID: &str = "cidr-block-association.association-id";

client_type!(VpcIpv4CidrBlockAssociation: ec2);

#[async_trait]
impl ResourceType for VpcIpv4CidrBlockAssociation {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// A VPC holds a block once: the block of this VPC with this CIDR is the one an
    /// earlier attempt made.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let (vpc, cidr) = (
            required(planned, "vpc_id")?,
            required(planned, "cidr_block")?,
        );
        let vpcs =
            AwsVpc::describe(&self.client, vec![filter("vpc-id", &[vpc.to_string()])]).await?;
        let found = vpcs
            .iter()
            .flat_map(states)
            .find(|s| s.str("cidr_block") == Some(cidr));
        Ok(found.map_or(Created::Absent, Created::Found))
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (vpc, cidr) = (
            required(planned, "vpc_id")?,
            required(planned, "cidr_block")?,
        );
        let out = self
            .client
            .associate_vpc_cidr_block()
            .vpc_id(vpc)
            .cidr_block(cidr)
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(
            out.cidr_block_association()
                .and_then(|a| a.association_id()),
            "AssociateVpcCidrBlock",
            "association id",
        )?;
        let partial = object! {"id" => id.clone(), "vpc_id" => vpc, "cidr_block" => cidr};
        let what = format!("VPC CIDR block association {id} to be associated");
        after_create(partial.clone(), wait_found(self, &partial, what)).await
    }

    /// One DescribeVpcs for the batch, by association id (so an import needs the id alone).
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids: Vec<String> = priors
            .iter()
            .filter_map(|p| p.str("id").map(str::to_string))
            .collect();
        let vpcs = find_where::<AwsVpc>(
            &self.client,
            BY_ID,
            &ids,
            filter("state", &["available".into(), "pending".into()]),
        )
        .await?;
        let live: Vec<Object> = vpcs.iter().flat_map(states).collect();
        Ok(priors
            .iter()
            .map(|p| {
                live.iter()
                    .find(|s| s.str("id").is_some() && s.str("id") == p.str("id"))
                    .cloned()
            })
            .collect())
    }

    async fn update(&self, prior: &Object, _planned: &Object, _meta: &Meta) -> Result<Object> {
        // Every argument forces replacement.
        Ok(prior.clone())
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        match self
            .client
            .disassociate_vpc_cidr_block()
            .association_id(id)
            .send()
            .await
            .map_err(sdk_error)
        {
            Err(e)
                if is_not_found(&e) || e.code.as_deref() == Some("InvalidCidrBlock.NotFound") =>
            {
                return Ok(())
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let what = format!("VPC CIDR block association {id} to be removed");
        wait_unfound(self, prior, what).await
    }
}

/// The associated secondary blocks of `vpc` as states (the primary block is the
/// VPC's own `cidr_block`).
fn states(vpc: &AwsVpc) -> Vec<Object> {
    let associated = |s: Option<&VpcCidrBlockState>| {
        s.and_then(|s| s.state()) == Some(&VpcCidrBlockStateCode::Associated)
    };
    vpc.cidr_block_association_set()
        .iter()
        .filter(|a| associated(a.cidr_block_state()) && a.cidr_block() != vpc.cidr_block())
        .map(|a| {
            object! {
                "id" => a.association_id(),
                "vpc_id" => vpc.vpc_id(),
                "cidr_block" => a.cidr_block(),
            }
        })
        .collect()
}
