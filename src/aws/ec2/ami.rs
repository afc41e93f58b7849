//! data aws_ami: finds one machine image by owners and filters.

use crate::aws::prelude::*;
use crate::aws::sts::region::partition_of;
use crate::provider::{BlockType, DataSource, Default, Nesting};
use aws_sdk_ec2::types::{Filter, Image};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_ami",
    attributes: &[
        ID,
        Attribute::optional("most_recent", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("owners", Type::List(&Type::String)),
        Attribute::optional("executable_users", Type::List(&Type::String)),
        Attribute::optional("include_deprecated", Type::Bool).default(Default::Bool(false)),
        // Applied to the names of what the filters found (RE2 syntax, as Go's).
        Attribute::optional("name_regex", Type::String),
        Attribute::optional("allow_unsafe_filter", Type::Bool),
        Attribute::computed("arn", Type::String),
        Attribute::computed("architecture", Type::String),
        Attribute::computed("boot_mode", Type::String),
        Attribute::computed("creation_date", Type::String),
        Attribute::computed("deprecation_time", Type::String),
        Attribute::computed("description", Type::String),
        Attribute::computed("ena_support", Type::Bool),
        Attribute::computed("hypervisor", Type::String),
        Attribute::computed("image_id", Type::String),
        Attribute::computed("image_location", Type::String),
        Attribute::computed("image_owner_alias", Type::String),
        Attribute::computed("image_type", Type::String),
        Attribute::computed("imds_support", Type::String),
        Attribute::computed("kernel_id", Type::String),
        Attribute::computed("name", Type::String),
        Attribute::computed("owner_id", Type::String),
        Attribute::computed("platform", Type::String),
        Attribute::computed("platform_details", Type::String),
        Attribute::computed("public", Type::Bool),
        Attribute::computed("ramdisk_id", Type::String),
        Attribute::computed("root_device_name", Type::String),
        Attribute::computed("root_device_type", Type::String),
        Attribute::computed("root_snapshot_id", Type::String),
        Attribute::computed("sriov_net_support", Type::String),
        Attribute::computed("state", Type::String),
        Attribute::computed("state_reason", Type::Map(&Type::String)),
        Attribute::computed("tags", Type::Map(&Type::String)),
        Attribute::computed("tpm_support", Type::String),
        Attribute::computed("usage_operation", Type::String),
        Attribute::computed("virtualization_type", Type::String),
    ],
    blocks: &[
        BlockType::new("filter", Nesting::Set, FILTER),
        // Reported by AWS only; Terraform has them as computed sets of objects.
        BlockType::new("block_device_mappings", Nesting::Set, BLOCK_DEVICE_MAPPING)
            .computed_when_absent(),
        BlockType::new("product_codes", Nesting::Set, PRODUCT_CODE).computed_when_absent(),
    ],
};

const FILTER: &[Attribute] = &[
    Attribute::required("name", Type::String),
    Attribute::required("values", Type::Set(&Type::String)),
];

const BLOCK_DEVICE_MAPPING: &[Attribute] = &[
    Attribute::computed("device_name", Type::String),
    Attribute::computed("ebs", Type::Map(&Type::String)),
    Attribute::computed("no_device", Type::String),
    Attribute::computed("virtual_name", Type::String),
];

const PRODUCT_CODE: &[Attribute] = &[
    Attribute::computed("product_code_id", Type::String),
    Attribute::computed("product_code_type", Type::String),
];

client_type!(Ami: ec2, region);

#[async_trait]
impl DataSource for Ami {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let most_recent = config.bool("most_recent").unwrap_or(false);
        let owners = config.strings("owners");
        let filters = ec2_filters(config);
        // As Terraform: "newest image" without pinning an owner lets anyone publish the winner.
        let pinned = !owners.is_empty()
            || filters
                .iter()
                .any(|f| matches!(f.name(), Some("image-id" | "owner-id")));
        if most_recent && !pinned && config.bool("allow_unsafe_filter") != Some(true) {
            return Err(ProviderError::new(
                "\"most_recent\" is set to true and results are not filtered by owner or image ID: \
                 a third party could publish the image this returns. Set \"owners\" or filter by \
                 \"owner-id\" or \"image-id\" (or set allow_unsafe_filter = true).",
            ));
        }
        let name_regex = match config.str("name_regex") {
            Some(pattern) => Some(regex::Regex::new(pattern).map_err(|e| {
                ProviderError::new(format!("name_regex is not a valid regular expression: {e}"))
            })?),
            None => None,
        };
        let users = config.strings("executable_users");
        let mut images = find_images(
            &self.client,
            owners,
            users,
            filters,
            config.bool("include_deprecated").unwrap_or(false),
        )
        .await?;
        if let Some(re) = &name_regex {
            images.retain(|i| i.name().is_some_and(|n| re.is_match(n)));
        }
        if images.is_empty() {
            return Err(ProviderError::new(
                "Your query returned no results. Please change your search criteria and try again.",
            ));
        }
        if images.len() > 1 && !most_recent {
            return Err(ProviderError::new(
                "Your query returned more than one result. Please try a more specific search \
                 criteria, or set `most_recent` attribute to true.",
            ));
        }
        let newest = newest(&images)
            .ok_or_else(|| ProviderError::new("DescribeImages returned no usable image"))?;
        Ok(to_state(newest, config, &self.region))
    }
}

/// The `filter` blocks as EC2 filters.
fn ec2_filters(config: &Object) -> Vec<Filter> {
    config
        .list("filter")
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|f| {
            let name = f.str("name")?;
            Some(
                Filter::builder()
                    .name(name)
                    .set_values(Some(f.strings("values")))
                    .build(),
            )
        })
        .collect()
}

/// DescribeImages, following NextToken.
async fn find_images(
    client: &aws_sdk_ec2::Client,
    owners: Vec<String>,
    executable_users: Vec<String>,
    filters: Vec<Filter>,
    include_deprecated: bool,
) -> Result<Vec<Image>> {
    let owners = non_empty(owners);
    let executable_users = non_empty(executable_users);
    let filters = non_empty(filters);
    let mut images = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .describe_images()
            .set_owners(owners.clone())
            .set_executable_users(executable_users.clone())
            .set_filters(filters.clone())
            .include_deprecated(include_deprecated)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_error)?;
        images.extend(out.images().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(images),
        }
    }
}

/// The image with the latest creation date; on a tie the first one listed (as Terraform).
fn newest(images: &[Image]) -> Option<&Image> {
    let created = |image: &Image| {
        image
            .creation_date()
            .and_then(|d| DateTime::from_str(d, Format::DateTimeWithOffset).ok())
    };
    let mut best: Option<(&Image, Option<DateTime>)> = None;
    for image in images {
        let date = created(image);
        match &best {
            Some((_, best_date)) if date <= *best_date => {}
            _ => best = Some((image, date)),
        }
    }
    best.map(|(image, _)| image)
}

fn root_snapshot_id(image: &Image) -> Option<&str> {
    let root = image.root_device_name()?;
    image
        .block_device_mappings()
        .iter()
        .filter(|m| m.device_name() == Some(root))
        .find_map(|m| m.ebs().and_then(|ebs| ebs.snapshot_id()))
}

fn block_device_mappings(image: &Image) -> Value {
    let opt_num = |n: Option<i32>| Value::from(n.map(|n| n.to_string()).unwrap_or_default());
    let opt_bool = |b: Option<bool>| Value::from(b.unwrap_or(false).to_string());
    Value::List(
        image
            .block_device_mappings()
            .iter()
            .map(|m| {
                let ebs = m.ebs().map(|ebs| {
                    Value::Object(crate::object! {
                        "delete_on_termination" => opt_bool(ebs.delete_on_termination()),
                        "encrypted" => opt_bool(ebs.encrypted()),
                        "iops" => opt_num(ebs.iops()),
                        "snapshot_id" => ebs.snapshot_id().unwrap_or_default(),
                        "throughput" => opt_num(ebs.throughput()),
                        "volume_size" => opt_num(ebs.volume_size()),
                        "volume_type" => ebs.volume_type().map(|t| t.as_str()).unwrap_or_default(),
                    })
                });
                Value::Object(crate::object! {
                    "device_name" => m.device_name().unwrap_or_default(),
                    "ebs" => ebs,
                    "no_device" => m.no_device(),
                    "virtual_name" => m.virtual_name().unwrap_or_default(),
                })
            })
            .collect(),
    )
}

fn to_state(image: &Image, config: &Object, region: &str) -> Object {
    let id = image.image_id().unwrap_or_default();
    let state_reason = match image.state_reason() {
        Some(reason) => crate::object! {
            "code" => reason.code().unwrap_or_default(),
            "message" => reason.message().unwrap_or_default(),
        },
        None => crate::object! { "code" => "UNSET", "message" => "UNSET" },
    };
    let product_codes: Vec<Value> = image
        .product_codes()
        .iter()
        .map(|p| {
            Value::Object(crate::object! {
                "product_code_id" => p.product_code_id().unwrap_or_default(),
                "product_code_type" => p.product_code_type().map(|t| t.as_str()).unwrap_or_default(),
            })
        })
        .collect();
    let tags: Object = image
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                Value::from(t.value().unwrap_or_default()),
            ))
        })
        .collect();
    let mut state = crate::object! {
        "id" => id,
        "arn" => format!("arn:{}:ec2:{region}::image/{id}", partition_of(region)),
        "architecture" => image.architecture().map(|v| v.as_str()),
        "block_device_mappings" => block_device_mappings(image),
        "boot_mode" => image.boot_mode().map(|v| v.as_str()),
        "creation_date" => image.creation_date(),
        "deprecation_time" => image.deprecation_time(),
        "description" => image.description(),
        "ena_support" => image.ena_support(),
        "hypervisor" => image.hypervisor().map(|v| v.as_str()),
        "image_id" => id,
        "image_location" => image.image_location(),
        "image_owner_alias" => image.image_owner_alias(),
        "image_type" => image.image_type().map(|v| v.as_str()),
        "imds_support" => image.imds_support().map(|v| v.as_str()),
        "kernel_id" => image.kernel_id(),
        "name" => image.name(),
        "owner_id" => image.owner_id(),
        "platform" => image.platform().map(|v| v.as_str()),
        "platform_details" => image.platform_details(),
        "product_codes" => product_codes,
        "public" => image.public(),
        "ramdisk_id" => image.ramdisk_id(),
        "root_device_name" => image.root_device_name(),
        "root_device_type" => image.root_device_type().map(|v| v.as_str()),
        "root_snapshot_id" => root_snapshot_id(image),
        "sriov_net_support" => image.sriov_net_support(),
        "state" => image.state().map(|v| v.as_str()),
        "state_reason" => state_reason,
        "tags" => tags,
        "tpm_support" => image.tpm_support().map(|v| v.as_str()),
        "usage_operation" => image.usage_operation(),
        "virtualization_type" => image.virtualization_type().map(|v| v.as_str()),
    };
    // Echo the arguments so the object carries every schema attribute.
    for key in [
        "most_recent",
        "owners",
        "executable_users",
        "include_deprecated",
        "allow_unsafe_filter",
        "name_regex",
        "filter",
    ] {
        state.insert(key.into(), config.get(key).cloned().unwrap_or(Value::Null));
    }
    state
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}
