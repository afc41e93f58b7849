//! aws_partition: the partition of the region recon works in (`aws`, `aws-cn`,
//! `aws-us-gov`, ...), for building ARNs and service names.

use super::region::partition_of;
use crate::aws::prelude::*;
use crate::provider::DataSource;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_partition",
    attributes: &[
        ID,
        Attribute::computed("partition", Type::String),
        Attribute::computed("dns_suffix", Type::String),
        Attribute::computed("reverse_dns_prefix", Type::String),
    ],
    blocks: &[],
};

pub struct Partition {
    region: String,
}

impl Partition {
    pub fn new(clients: &Clients) -> Self {
        Partition {
            region: clients.region.clone(),
        }
    }
}

#[async_trait]
impl DataSource for Partition {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let _ = config;
        Ok(describe(&self.region))
    }
}

/// A partition's DNS suffix and its reverse (service names such as
/// `com.amazonaws.us-east-1.s3`).
fn dns_names(partition: &str) -> (&'static str, &'static str) {
    match partition {
        "aws-cn" => ("amazonaws.com.cn", "cn.com.amazonaws"),
        "aws-iso" => ("c2s.ic.gov", "gov.ic.c2s"),
        "aws-iso-b" => ("sc2s.sgov.gov", "gov.sgov.sc2s"),
        _ => ("amazonaws.com", "com.amazonaws"),
    }
}

/// The DNS suffix of a region's endpoints.
pub fn dns_suffix(region: &str) -> &'static str {
    dns_names(partition_of(region)).0
}

/// The partition of `region` with its DNS names; `id` is the partition, as in Terraform.
pub fn describe(region: &str) -> Object {
    let partition = partition_of(region);
    let (dns_suffix, reverse_dns_prefix) = dns_names(partition);
    crate::object! {
        "id" => partition,
        "partition" => partition,
        "dns_suffix" => dns_suffix,
        "reverse_dns_prefix" => reverse_dns_prefix,
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use crate::value::ObjectExt;

    #[test]
    fn partitions_follow_the_region_prefix() {
        for (region, partition, suffix, reverse) in [
            ("us-east-1", "aws", "amazonaws.com", "com.amazonaws"),
            ("eu-west-1", "aws", "amazonaws.com", "com.amazonaws"),
            (
                "cn-north-1",
                "aws-cn",
                "amazonaws.com.cn",
                "cn.com.amazonaws",
            ),
            (
                "us-gov-west-1",
                "aws-us-gov",
                "amazonaws.com",
                "com.amazonaws",
            ),
            ("us-iso-east-1", "aws-iso", "c2s.ic.gov", "gov.ic.c2s"),
        ] {
            let found = describe(region);
            assert_eq!(found.str("id"), Some(partition), "{region}");
            assert_eq!(found.str("partition"), Some(partition), "{region}");
            assert_eq!(found.str("dns_suffix"), Some(suffix), "{region}");
            assert_eq!(found.str("reverse_dns_prefix"), Some(reverse), "{region}");
        }
    }
}
