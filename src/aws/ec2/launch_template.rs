//! aws_launch_template: launch settings for instances and Auto Scaling groups.
//! A template's launch data cannot change: a change makes a new version (and,
//! with `update_default_version`, makes it the default), as Terraform does.

use super::shared::{
    ec2_arn, opt_str, partial_state, state_tags, tag_specification, tagged_for, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::{BlockType, ChangeReview, Nesting};
use aws_sdk_ec2::types::{
    CreditSpecificationRequest, InstanceType, LaunchTemplate, LaunchTemplateBlockDeviceMapping,
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceMetadataTagsState, LaunchTemplateInstanceNetworkInterfaceSpecification,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, LaunchTemplatePlacementRequest,
    LaunchTemplateTagSpecificationRequest, LaunchTemplateVersion, LaunchTemplatesMonitoringRequest,
    RequestLaunchTemplateData, ResourceType as Ec2Resource, ResponseLaunchTemplateData,
    ShutdownBehavior, Tag, Tenancy, VolumeType,
};

const IAM_INSTANCE_PROFILE: BlockType = BlockType::new(
    "iam_instance_profile",
    Nesting::Single,
    &[
        Attribute::optional("arn", Type::String),
        Attribute::optional("name", Type::String),
    ],
);

const MONITORING: BlockType = BlockType::new(
    "monitoring",
    Nesting::Single,
    &[Attribute::optional("enabled", Type::Bool)],
);

// AWS may fill in what was left out: optional and computed, as Terraform.
const METADATA_OPTIONS: BlockType = BlockType::new(
    "metadata_options",
    Nesting::Single,
    &[
        Attribute::optional_computed("http_endpoint", Type::String),
        Attribute::optional_computed("http_tokens", Type::String),
        Attribute::optional_computed("http_put_response_hop_limit", Type::Number),
        Attribute::optional_computed("instance_metadata_tags", Type::String),
    ],
);

const EBS: BlockType = BlockType::new(
    "ebs",
    Nesting::Single,
    &[
        Attribute::optional("delete_on_termination", Type::Bool),
        Attribute::optional("encrypted", Type::Bool),
        Attribute::optional_computed("iops", Type::Number),
        Attribute::optional("kms_key_id", Type::String),
        Attribute::optional("snapshot_id", Type::String),
        Attribute::optional_computed("throughput", Type::Number),
        Attribute::optional_computed("volume_size", Type::Number),
        Attribute::optional_computed("volume_type", Type::String),
    ],
);

const BLOCK_DEVICE_MAPPINGS: BlockType = BlockType::new(
    "block_device_mappings",
    Nesting::List,
    &[Attribute::optional("device_name", Type::String)],
)
.with_blocks(&[EBS]);

const NETWORK_INTERFACES: BlockType = BlockType::new(
    "network_interfaces",
    Nesting::List,
    &[
        Attribute::optional("associate_public_ip_address", Type::Bool),
        Attribute::optional("delete_on_termination", Type::Bool),
        Attribute::optional("device_index", Type::Number),
        Attribute::optional("security_groups", Type::Set(&Type::String)),
        Attribute::optional("subnet_id", Type::String),
    ],
);

const TAG_SPECIFICATIONS: BlockType = BlockType::new(
    "tag_specifications",
    Nesting::List,
    &[
        Attribute::optional("resource_type", Type::String),
        Attribute::optional("tags", Type::Map(&Type::String)),
    ],
);

const PLACEMENT: BlockType = BlockType::new(
    "placement",
    Nesting::Single,
    &[
        Attribute::optional("availability_zone", Type::String),
        Attribute::optional("tenancy", Type::String),
    ],
);

const CREDIT_SPECIFICATION: BlockType = BlockType::new(
    "credit_specification",
    Nesting::Single,
    &[Attribute::optional("cpu_credits", Type::String)],
);

pub static SCHEMA: Schema = Schema {
    type_name: "aws_launch_template",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        // The version's description: a change is a new version.
        Attribute::optional("description", Type::String),
        Attribute::optional_computed("default_version", Type::Number),
        Attribute::optional("update_default_version", Type::Bool),
        Attribute::computed("latest_version", Type::Number),
        Attribute::optional("image_id", Type::String),
        Attribute::optional("instance_type", Type::String),
        Attribute::optional("key_name", Type::String),
        // Base64, as the user passes it (filebase64, base64encode).
        Attribute::optional("user_data", Type::String),
        Attribute::optional("vpc_security_group_ids", Type::Set(&Type::String)),
        Attribute::optional("ebs_optimized", Type::Bool),
        Attribute::optional("disable_api_termination", Type::Bool),
        Attribute::optional("instance_initiated_shutdown_behavior", Type::String),
        TAGS,
    ],
    blocks: &[
        IAM_INSTANCE_PROFILE,
        MONITORING,
        METADATA_OPTIONS,
        BLOCK_DEVICE_MAPPINGS,
        NETWORK_INTERFACES,
        TAG_SPECIFICATIONS,
        PLACEMENT,
        CREDIT_SPECIFICATION,
    ],
};

/// What a new version carries: a change to any of these is a new version.
const LAUNCH_DATA: &[&str] = &[
    "description",
    "image_id",
    "instance_type",
    "key_name",
    "user_data",
    "vpc_security_group_ids",
    "ebs_optimized",
    "disable_api_termination",
    "instance_initiated_shutdown_behavior",
    "iam_instance_profile",
    "monitoring",
    "metadata_options",
    "block_device_mappings",
    "network_interfaces",
    "tag_specifications",
    "placement",
    "credit_specification",
];

client_type!(LaunchTemplateType: ec2, once, region, account);

#[async_trait]
impl ResourceType for LaunchTemplateType {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// New launch data is a new version: its number, and the default's when
    /// update_default_version moves it, are known after apply.
    fn review_change(&self, prior: &Object, planned: &Object) -> ChangeReview {
        let mut recomputed = Vec::new();
        if LAUNCH_DATA
            .iter()
            .any(|k| differs(prior.get(*k), planned.get(*k)))
        {
            recomputed.push("latest_version");
            if planned.bool("update_default_version") == Some(true) {
                recomputed.push("default_version");
            }
        }
        ChangeReview {
            recomputed,
            ..ChangeReview::default()
        }
    }

    /// The template of the name this create asks for, when it carries the token.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = generated_name(planned, ("name", "name_prefix"), "terraform-", meta);
        Ok(match self.find_by_name(&name).await? {
            None => Created::Absent,
            Some(lt) if tagged_for(lt.tags(), meta) => {
                let id = lt.launch_template_id().unwrap_or_default().to_string();
                Created::found_or_absent(self.read_id(&id, planned).await?)
            }
            Some(lt) => Created::NotOurs {
                id: lt.launch_template_id().unwrap_or(&name).to_string(),
            },
        })
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = generated_name(planned, ("name", "name_prefix"), "terraform-", meta);
        let made = self
            .once
            .create_launch_template()
            .launch_template_name(&name)
            .set_version_description(planned.str("description").map(str::to_string))
            .launch_template_data(launch_data(planned))
            .tag_specifications(tag_specification(
                Ec2Resource::LaunchTemplate,
                planned,
                meta,
            ))
            // AWS makes one template per token, however often the call is sent.
            .set_client_token(meta.token.clone())
            .send()
            .await
            .map_err(sdk_error);
        let what = format!("launch template {name}");
        let out = made_or_claim!(made, self, &what, planned, meta);
        let id = answered(
            out.launch_template().and_then(|lt| lt.launch_template_id()),
            "CreateLaunchTemplate",
            "template id",
        )?;
        let partial = || partial_state(planned, &id);
        self.read_id(&id, planned)
            .await
            .map_err(|e| e.with_partial(partial()))?
            .ok_or_else(|| {
                ProviderError::new(format!("launch template {id} disappeared after create"))
                    .with_partial(partial())
            })
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_id(id, prior)).await
    }

    /// Tags in place; launch data as a new version; the default version moved
    /// to it (update_default_version) or to the configured default_version.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        update_tags(&self.client, id, prior, planned).await?;
        let mut new_default = None;
        if LAUNCH_DATA
            .iter()
            .any(|k| differs(prior.get(*k), planned.get(*k)))
        {
            let out = self
                .client
                .create_launch_template_version()
                .launch_template_id(id)
                .set_version_description(planned.str("description").map(str::to_string))
                .launch_template_data(launch_data(planned))
                .send()
                .await
                .map_err(sdk_error)?;
            let version = out
                .launch_template_version()
                .and_then(|v| v.version_number())
                .ok_or_else(|| {
                    ProviderError::new("CreateLaunchTemplateVersion returned no version")
                })?;
            if planned.bool("update_default_version") == Some(true) {
                new_default = Some(version);
            }
        }
        if new_default.is_none() && planned.bool("update_default_version") != Some(true) {
            if let (Some(want), true) = (
                planned.i64("default_version"),
                differs(prior.get("default_version"), planned.get("default_version")),
            ) {
                new_default = Some(want);
            }
        }
        if let Some(version) = new_default {
            self.client
                .modify_launch_template()
                .launch_template_id(id)
                .default_version(version.to_string())
                .send()
                .await
                .map_err(sdk_error)?;
        }
        self.read_id(id, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("launch template {id} disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let call = self.client.delete_launch_template().launch_template_id(id);
        gone_ok(call.send().await.map_err(sdk_error))
    }
}

impl LaunchTemplateType {
    /// The template `id` with its latest version's data; None when it is gone.
    /// DescribeLaunchTemplates has no id filter: an unknown id is NotFound.
    async fn read_id(&self, id: &str, local: &Object) -> Result<Option<Object>> {
        let out = self
            .client
            .describe_launch_templates()
            .launch_template_ids(id)
            .send()
            .await
            .map_err(sdk_error);
        let first = none_if_gone(out)?.and_then(|out| out.launch_templates().first().cloned());
        let Some(lt) = first else {
            return Ok(None);
        };
        // The latest version, as Terraform reads: a version made without
        // moving the default is what the configuration describes.
        let latest = lt.latest_version_number().unwrap_or(1).to_string();
        let out = self
            .client
            .describe_launch_template_versions()
            .launch_template_id(id)
            .versions(latest)
            .send()
            .await
            .map_err(sdk_error);
        let Some(out) = none_if_gone(out)? else {
            return Ok(None);
        };
        let version = out.launch_template_versions().first().cloned();
        let account = self.account.id().await?;
        Ok(Some(to_state(
            &lt,
            version.as_ref(),
            local,
            &ec2_arn(&self.region, account, &format!("launch-template/{id}")),
        )))
    }

    /// The template named `name`; None when there is none.
    async fn find_by_name(&self, name: &str) -> Result<Option<LaunchTemplate>> {
        let out = self
            .client
            .describe_launch_templates()
            .launch_template_names(name)
            .send()
            .await
            .map_err(sdk_error);
        Ok(none_if_gone(out)?.and_then(|out| out.launch_templates().first().cloned()))
    }
}

/// Whether a planned value differs from the prior one; Unknown (left to AWS)
/// and Null against absent do not count.
fn differs(prior: Option<&Value>, planned: Option<&Value>) -> bool {
    let null = Value::Null;
    let (prior, planned) = (prior.unwrap_or(&null), planned.unwrap_or(&null));
    match (prior, planned) {
        (_, Value::Unknown) => false,
        (Value::Object(a), Value::Object(b)) => a
            .keys()
            .chain(b.keys())
            .any(|k| differs(a.get(k), b.get(k))),
        (Value::List(a), Value::List(b)) => {
            a.len() != b.len() || a.iter().zip(b).any(|(x, y)| differs(Some(x), Some(y)))
        }
        (a, b) => a != b,
    }
}

fn owned(o: &Object, key: &str) -> Option<String> {
    o.str(key).map(str::to_string)
}

fn objects<'a>(o: &'a Object, key: &str) -> impl Iterator<Item = &'a Object> {
    o.list(key).iter().filter_map(Value::as_object)
}

fn i32_of(o: &Object, key: &str) -> Option<i32> {
    o.i64(key).and_then(|n| i32::try_from(n).ok())
}

/// The launch data of the configuration, for CreateLaunchTemplate(Version).
fn launch_data(o: &Object) -> RequestLaunchTemplateData {
    let groups = o.strings("vpc_security_group_ids");
    let mut data = RequestLaunchTemplateData::builder()
        .set_image_id(owned(o, "image_id"))
        .set_instance_type(o.str("instance_type").map(InstanceType::from))
        .set_key_name(owned(o, "key_name"))
        .set_user_data(owned(o, "user_data"))
        .set_ebs_optimized(o.bool("ebs_optimized"))
        .set_disable_api_termination(o.bool("disable_api_termination"))
        .set_instance_initiated_shutdown_behavior(
            o.str("instance_initiated_shutdown_behavior")
                .map(ShutdownBehavior::from),
        )
        .set_security_group_ids((!groups.is_empty()).then_some(groups));
    if let Some(p) = o.block("iam_instance_profile") {
        data = data.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .set_arn(owned(p, "arn"))
                .set_name(owned(p, "name"))
                .build(),
        );
    }
    if let Some(m) = o.block("monitoring") {
        data = data.monitoring(
            LaunchTemplatesMonitoringRequest::builder()
                .set_enabled(m.bool("enabled"))
                .build(),
        );
    }
    if let Some(m) = o.block("metadata_options") {
        data = data.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_endpoint(
                    m.str("http_endpoint")
                        .map(LaunchTemplateInstanceMetadataEndpointState::from),
                )
                .set_http_tokens(
                    m.str("http_tokens")
                        .map(LaunchTemplateHttpTokensState::from),
                )
                .set_http_put_response_hop_limit(i32_of(m, "http_put_response_hop_limit"))
                .set_instance_metadata_tags(
                    m.str("instance_metadata_tags")
                        .map(LaunchTemplateInstanceMetadataTagsState::from),
                )
                .build(),
        );
    }
    for b in objects(o, "block_device_mappings") {
        let ebs = b.block("ebs").map(|e| {
            LaunchTemplateEbsBlockDeviceRequest::builder()
                .set_delete_on_termination(e.bool("delete_on_termination"))
                .set_encrypted(e.bool("encrypted"))
                .set_iops(i32_of(e, "iops"))
                .set_kms_key_id(owned(e, "kms_key_id"))
                .set_snapshot_id(owned(e, "snapshot_id"))
                .set_throughput(i32_of(e, "throughput"))
                .set_volume_size(i32_of(e, "volume_size"))
                .set_volume_type(e.str("volume_type").map(VolumeType::from))
                .build()
        });
        data = data.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .set_device_name(owned(b, "device_name"))
                .set_ebs(ebs)
                .build(),
        );
    }
    for n in objects(o, "network_interfaces") {
        let groups = n.strings("security_groups");
        data = data.network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .set_associate_public_ip_address(n.bool("associate_public_ip_address"))
                .set_delete_on_termination(n.bool("delete_on_termination"))
                .set_device_index(i32_of(n, "device_index"))
                .set_groups((!groups.is_empty()).then_some(groups))
                .set_subnet_id(owned(n, "subnet_id"))
                .build(),
        );
    }
    for t in objects(o, "tag_specifications") {
        let tags = t
            .string_map("tags")
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build());
        data = data.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .set_resource_type(t.str("resource_type").map(Ec2Resource::from))
                .set_tags(Some(tags.collect()))
                .build(),
        );
    }
    if let Some(p) = o.block("placement") {
        data = data.placement(
            LaunchTemplatePlacementRequest::builder()
                .set_availability_zone(owned(p, "availability_zone"))
                .set_tenancy(p.str("tenancy").map(Tenancy::from))
                .build(),
        );
    }
    if let Some(c) = o.block("credit_specification") {
        data = data.credit_specification(
            CreditSpecificationRequest::builder()
                .set_cpu_credits(owned(c, "cpu_credits"))
                .build(),
        );
    }
    data.build()
}

fn single(block: Option<Object>) -> Value {
    Value::List(block.map(Value::Object).into_iter().collect())
}

/// A sorted set of strings, Null when empty (as an unset attribute).
fn string_set(items: &[String]) -> Value {
    if items.is_empty() {
        return Value::Null;
    }
    let mut items = items.to_vec();
    items.sort();
    Value::List(items.into_iter().map(Value::from).collect())
}

/// The configured spelling of a key id when AWS reports the same key otherwise
/// (an ARN for an id or alias).
fn same_key(aws: Option<&str>, local: Option<&str>) -> Value {
    match (aws, local) {
        (Some(a), Some(l)) if a == l || a.ends_with(&format!("/{l}")) => Value::from(l),
        (a, _) => opt_str(a),
    }
}

fn to_state(
    lt: &LaunchTemplate,
    version: Option<&LaunchTemplateVersion>,
    local: &Object,
    arn: &str,
) -> Object {
    let name = lt.launch_template_name().unwrap_or_default();
    let prefix = match local.str("name_prefix") {
        Some(prefix) if name.starts_with(prefix) => Value::from(prefix),
        _ => Value::Null,
    };
    let mut state = object! {
        "id" => opt_str(lt.launch_template_id()),
        "arn" => arn,
        "name" => name,
        "name_prefix" => prefix,
        "description" => opt_str(version.and_then(|v| v.version_description())),
        "default_version" => lt.default_version_number(),
        "latest_version" => lt.latest_version_number(),
        "update_default_version" => local.get("update_default_version").cloned().unwrap_or_default(),
        "tags" => state_tags(lt.tags()),
    };
    let empty = ResponseLaunchTemplateData::builder().build();
    let data = version
        .and_then(|v| v.launch_template_data())
        .unwrap_or(&empty);
    state.extend(data_state(data, local));
    state
}

/// The launch data as the configuration's attributes and blocks.
fn data_state(d: &ResponseLaunchTemplateData, local: &Object) -> Object {
    let profile = d.iam_instance_profile().map(|p| {
        object! {"arn" => opt_str(p.arn()), "name" => opt_str(p.name())}
    });
    let monitoring = d.monitoring().map(|m| object! {"enabled" => m.enabled()});
    let metadata = d.metadata_options().map(|m| {
        object! {
            "http_endpoint" => m.http_endpoint().map(|v| v.as_str()),
            "http_tokens" => m.http_tokens().map(|v| v.as_str()),
            "http_put_response_hop_limit" => m.http_put_response_hop_limit(),
            "instance_metadata_tags" => m.instance_metadata_tags().map(|v| v.as_str()),
        }
    });
    let local_devices: Vec<&Object> = objects(local, "block_device_mappings").collect();
    let devices: Vec<Value> = d
        .block_device_mappings()
        .iter()
        .enumerate()
        .map(|(i, b)| Value::Object(device_state(b, local_devices.get(i).copied())))
        .collect();
    let interfaces: Vec<Value> = d
        .network_interfaces()
        .iter()
        .map(|n| Value::Object(interface_state(n)))
        .collect();
    let tag_specs: Vec<Value> = d
        .tag_specifications()
        .iter()
        // moto copies the template's own tags into its launch data; launch
        // data never tags a launch template.
        .filter(|t| t.resource_type() != Some(&Ec2Resource::LaunchTemplate))
        .map(|t| {
            let tags: Object = t
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), Value::from(t.value()?))))
                .collect();
            Value::Object(object! {
                "resource_type" => t.resource_type().map(|r| r.as_str()),
                "tags" => Value::Object(tags),
            })
        })
        .collect();
    let placement = d.placement().map(|p| {
        object! {
            "availability_zone" => opt_str(p.availability_zone()),
            "tenancy" => p.tenancy().map(|t| t.as_str()),
        }
    });
    let credits = d
        .credit_specification()
        .map(|c| object! {"cpu_credits" => opt_str(c.cpu_credits())});
    object! {
        "image_id" => opt_str(d.image_id()),
        "instance_type" => d.instance_type().map(|t| t.as_str()),
        "key_name" => opt_str(d.key_name()),
        "user_data" => opt_str(d.user_data()),
        "vpc_security_group_ids" => string_set(d.security_group_ids()),
        "ebs_optimized" => d.ebs_optimized(),
        "disable_api_termination" => d.disable_api_termination(),
        "instance_initiated_shutdown_behavior" => d.instance_initiated_shutdown_behavior().map(|b| b.as_str()),
        "iam_instance_profile" => single(profile),
        "monitoring" => single(monitoring),
        "metadata_options" => single(metadata),
        "block_device_mappings" => Value::List(devices),
        "network_interfaces" => Value::List(interfaces),
        "tag_specifications" => Value::List(tag_specs),
        "placement" => single(placement),
        "credit_specification" => single(credits),
    }
}

fn device_state(b: &LaunchTemplateBlockDeviceMapping, local: Option<&Object>) -> Object {
    let local_key = local
        .and_then(|l| l.block("ebs"))
        .and_then(|e| e.str("kms_key_id"));
    let ebs = b.ebs().map(|e| {
        object! {
            "delete_on_termination" => e.delete_on_termination(),
            "encrypted" => e.encrypted(),
            "iops" => e.iops(),
            "kms_key_id" => same_key(e.kms_key_id(), local_key),
            "snapshot_id" => opt_str(e.snapshot_id()),
            "throughput" => e.throughput(),
            "volume_size" => e.volume_size(),
            "volume_type" => e.volume_type().map(|t| t.as_str()),
        }
    });
    object! {
        "device_name" => opt_str(b.device_name()),
        "ebs" => single(ebs),
    }
}

fn interface_state(n: &LaunchTemplateInstanceNetworkInterfaceSpecification) -> Object {
    object! {
        "associate_public_ip_address" => n.associate_public_ip_address(),
        "delete_on_termination" => n.delete_on_termination(),
        "device_index" => n.device_index(),
        "security_groups" => string_set(n.groups()),
        "subnet_id" => opt_str(n.subnet_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_absent_are_no_change() {
        let prior = Value::Object(object! {"a" => "x", "b" => Value::Null});
        let planned = Value::Object(object! {"a" => Value::Unknown});
        assert!(!differs(Some(&prior), Some(&planned)));
        let planned = Value::Object(object! {"a" => "y"});
        assert!(differs(Some(&prior), Some(&planned)));
        assert!(!differs(None, Some(&Value::Null)));
    }

    #[test]
    fn a_key_arn_keeps_the_configured_id() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/abc";
        assert_eq!(same_key(Some(arn), Some("abc")), Value::from("abc"));
        assert_eq!(same_key(Some(arn), Some("other")), Value::from(arn));
    }
}
