//! aws_region: the region recon is working in (or a named one), with its EC2 endpoint.

use super::partition::dns_suffix;
use crate::aws::prelude::*;
use crate::provider::DataSource;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_region",
    attributes: &[
        ID,
        Attribute::optional_computed("name", Type::String),
        Attribute::computed("endpoint", Type::String),
        Attribute::computed("description", Type::String),
    ],
    blocks: &[],
};

/// Region names and their console descriptions.
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
];

pub struct Region {
    region: String,
}

impl Region {
    pub fn new(clients: &Clients) -> Self {
        Region {
            region: clients.region.clone(),
        }
    }
}

#[async_trait]
impl DataSource for Region {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let name = config.str("name").unwrap_or(&self.region);
        if !looks_like_region(name) {
            return Err(ProviderError::new(format!(
                "{name:?} is not an AWS region name (expected something like \"us-east-1\")"
            )));
        }
        let description = DESCRIPTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| Value::from(*d))
            .unwrap_or(Value::Null);
        Ok(crate::object! {
            "id" => name,
            "name" => name,
            "endpoint" => format!("ec2.{name}.{}", dns_suffix(name)),
            "description" => description,
        })
    }
}

/// The partition a region belongs to, for building ARNs.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// `xx-word(-word)*-N`: catches typos such as "us-east1" without a list that ages.
fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}
