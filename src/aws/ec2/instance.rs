//! aws_instance: an EC2 instance, with its root volume and launch-time EBS volumes.

use super::describe::{find, find_one, Described};
use super::ebs_volume::{modify_volume, wait_volume_modified};
use super::shared::{
    created_by_token, describe_by_filter, ec2_arn, filter, known_bool, known_change, known_i32,
    known_str, partial_state, prior_ids, refuse_shrink, snapshot_volumes, state_tags,
    tag_specification, update_tags, CHUNK,
};
use crate::aws::kms::key_refs::{key_arns, state_key};
use crate::aws::prelude::*;
use crate::aws::shared::READ_CONCURRENCY;
use crate::provider::{
    current_volume_losses, BlockType, ChangeReview, DataLoss, Default, LossContext, Nesting,
    VolumeLoss, VolumeSnapshot,
};
use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};
use aws_sdk_ec2::types::{
    AmdSevSnpSpecification, AttributeBooleanValue, AttributeValue, BlockDeviceMapping,
    CpuOptionsRequest, CreditSpecificationRequest, EbsBlockDevice,
    EbsInstanceBlockDeviceSpecification, HttpTokensState, IamInstanceProfileAssociation,
    IamInstanceProfileSpecification, Instance as Ec2Instance, InstanceAttributeName,
    InstanceBlockDeviceMapping, InstanceBlockDeviceMappingSpecification,
    InstanceCreditSpecificationRequest, InstanceInterruptionBehavior, InstanceMarketOptionsRequest,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, MarketType,
    MonitoringState, Placement, Reservation, ResourceType as Ec2ResourceType,
    RunInstancesMonitoringEnabled, SecureBlobAttributeValue, SpotInstanceRequest, SpotInstanceType,
    SpotMarketOptions, Tenancy, Volume, VolumeType,
};
use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeSet, HashMap};

const METADATA_OPTIONS: BlockType = BlockType::new(
    "metadata_options",
    Nesting::Single,
    &[
        Attribute::optional("http_endpoint", Type::String).default(Default::Str("enabled")),
        Attribute::optional_computed("http_tokens", Type::String),
        Attribute::optional_computed("http_put_response_hop_limit", Type::Number),
        Attribute::optional_computed("instance_metadata_tags", Type::String),
    ],
)
.computed_when_absent();

// AWS can change only size, type, IOPS, throughput and delete-on-termination of a
// root volume in place.
const ROOT_BLOCK_DEVICE: BlockType = BlockType::new(
    "root_block_device",
    Nesting::Single,
    &[
        Attribute::optional("delete_on_termination", Type::Bool).default(Default::Bool(true)),
        Attribute::computed("device_name", Type::String),
        Attribute::optional_computed("encrypted", Type::Bool).force_new(),
        Attribute::optional_computed("iops", Type::Number),
        Attribute::optional_computed("kms_key_id", Type::String).force_new(),
        Attribute::optional_computed("throughput", Type::Number),
        Attribute::computed("volume_id", Type::String),
        Attribute::optional_computed("volume_size", Type::Number),
        Attribute::optional_computed("volume_type", Type::String),
    ],
)
.computed_when_absent();

const EBS_BLOCK_DEVICE: BlockType = BlockType::new(
    "ebs_block_device",
    Nesting::Set,
    &[
        Attribute::optional("delete_on_termination", Type::Bool)
            .default(Default::Bool(true))
            .force_new(),
        Attribute::required("device_name", Type::String).force_new(),
        Attribute::optional_computed("encrypted", Type::Bool).force_new(),
        Attribute::optional_computed("iops", Type::Number).force_new(),
        Attribute::optional_computed("kms_key_id", Type::String).force_new(),
        Attribute::optional_computed("snapshot_id", Type::String).force_new(),
        Attribute::optional_computed("throughput", Type::Number).force_new(),
        Attribute::computed("volume_id", Type::String),
        Attribute::optional_computed("volume_size", Type::Number).force_new(),
        Attribute::optional_computed("volume_type", Type::String).force_new(),
    ],
)
.computed_when_absent()
.force_new();

// Changed in place (ModifyInstanceCreditSpecification); read for burstable types only.
const CREDIT_SPECIFICATION: BlockType = BlockType::new(
    "credit_specification",
    Nesting::Single,
    &[Attribute::optional_computed("cpu_credits", Type::String)],
)
.computed_when_absent();

const CPU_OPTIONS: BlockType = BlockType::new(
    "cpu_options",
    Nesting::Single,
    &[
        Attribute::optional_computed("amd_sev_snp", Type::String).force_new(),
        Attribute::optional_computed("core_count", Type::Number).force_new(),
        Attribute::optional_computed("threads_per_core", Type::Number).force_new(),
    ],
)
.computed_when_absent()
.force_new();

const SPOT_OPTIONS: BlockType = BlockType::new(
    "spot_options",
    Nesting::Single,
    &[
        Attribute::optional_computed("instance_interruption_behavior", Type::String).force_new(),
        Attribute::optional_computed("max_price", Type::String).force_new(),
        Attribute::optional_computed("spot_instance_type", Type::String).force_new(),
        Attribute::optional_computed("valid_until", Type::String).force_new(),
    ],
)
.computed_when_absent()
.force_new();

const INSTANCE_MARKET_OPTIONS: BlockType = BlockType::new(
    "instance_market_options",
    Nesting::Single,
    &[Attribute::optional_computed("market_type", Type::String).force_new()],
)
.with_blocks(&[SPOT_OPTIONS])
.computed_when_absent()
.force_new();

// Provider v6: launched with this existing interface as device 0.
const PRIMARY_NETWORK_INTERFACE: BlockType = BlockType::new(
    "primary_network_interface",
    Nesting::Single,
    &[
        Attribute::required("network_interface_id", Type::String).force_new(),
        Attribute::computed("delete_on_termination", Type::Bool),
    ],
)
.computed_when_absent()
.force_new();

// Provider v5's spelling (deprecated in v6): existing interfaces by device index.
const NETWORK_INTERFACE: BlockType = BlockType::new(
    "network_interface",
    Nesting::Set,
    &[
        Attribute::optional("delete_on_termination", Type::Bool)
            .default(Default::Bool(false))
            .force_new(),
        Attribute::required("device_index", Type::Number).force_new(),
        Attribute::optional("network_card_index", Type::Number)
            .default(Default::Int(0))
            .force_new(),
        Attribute::required("network_interface_id", Type::String).force_new(),
    ],
)
.computed_when_absent()
.force_new();

pub static SCHEMA: Schema = Schema {
    type_name: "aws_instance",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("ami", Type::String).force_new(),
        Attribute::required("instance_type", Type::String),
        Attribute::optional_computed("availability_zone", Type::String).force_new(),
        // default | dedicated | host (tenancy) and a host resource group to place it in.
        Attribute::optional_computed("tenancy", Type::String).force_new(),
        Attribute::optional("host_resource_group_arn", Type::String).force_new(),
        Attribute::optional_computed("subnet_id", Type::String).force_new(),
        Attribute::optional_computed("vpc_security_group_ids", Type::Set(&Type::String)),
        Attribute::optional_computed("associate_public_ip_address", Type::Bool).force_new(),
        Attribute::optional_computed("iam_instance_profile", Type::String),
        Attribute::optional_computed("key_name", Type::String).force_new(),
        // Changed in place (stopped, modified, started) unless the next says replace.
        Attribute::optional("user_data", Type::String),
        Attribute::optional("user_data_replace_on_change", Type::Bool)
            .default(Default::Bool(false)),
        Attribute::optional("monitoring", Type::Bool).default(Default::Bool(false)),
        Attribute::optional_computed("ebs_optimized", Type::Bool),
        Attribute::optional_computed("disable_api_termination", Type::Bool),
        TAGS,
        // Tags of the volumes made at launch (read from the root volume); when set,
        // changed on every volume of the instance's block devices.
        Attribute::optional("volume_tags", Type::Map(&Type::String)),
        Attribute::computed("instance_state", Type::String),
        Attribute::optional_computed("private_ip", Type::String).force_new(),
        Attribute::computed("public_ip", Type::String),
        Attribute::computed("private_dns", Type::String),
        Attribute::computed("public_dns", Type::String),
        Attribute::computed("primary_network_interface_id", Type::String),
        // Provider v4's spelling of cpu_options.
        Attribute::optional_computed("cpu_core_count", Type::Number).force_new(),
        Attribute::optional_computed("cpu_threads_per_core", Type::Number).force_new(),
        Attribute::computed("instance_lifecycle", Type::String),
        Attribute::computed("spot_instance_request_id", Type::String),
    ],
    blocks: &[
        METADATA_OPTIONS,
        ROOT_BLOCK_DEVICE,
        EBS_BLOCK_DEVICE,
        CREDIT_SPECIFICATION,
        CPU_OPTIONS,
        INSTANCE_MARKET_OPTIONS,
        PRIMARY_NETWORK_INTERFACE,
        NETWORK_INTERFACE,
    ],
};

const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// How long a waiter accepts "not found" for something just created (EC2 is
/// eventually consistent).
const NOT_FOUND_GRACE: Duration = Duration::from_secs(60);
const METADATA_FIELDS: [&str; 4] = [
    "http_endpoint",
    "http_tokens",
    "http_put_response_hop_limit",
    "instance_metadata_tags",
];

client_type!(Instance: ec2, once, kms, region);

#[async_trait]
impl ResourceType for Instance {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "instance", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let ami = planned
            .str("ami")
            .ok_or_else(|| ProviderError::new("ami is required"))?;
        let instance_type = planned
            .str("instance_type")
            .ok_or_else(|| ProviderError::new("instance_type is required"))?;
        let mut req = self
            .once
            .run_instances()
            .image_id(ami)
            .instance_type(InstanceType::from(instance_type))
            .min_count(1)
            .max_count(1)
            // AWS makes one instance per token, however often the call is sent.
            .client_token(
                meta.token
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            )
            .tag_specifications(tag_specification(Ec2ResourceType::Instance, planned, meta))
            // Volumes carry recon's tags and volume_tags: the instance's tags are its own.
            .tag_specifications(tag_specification(
                Ec2ResourceType::Volume,
                &volume_tags(planned),
                meta,
            ));

        let root = known_block(planned, "root_block_device");
        let ebs = known_blocks(planned, "ebs_block_device");
        // Without mappings AWS uses the AMI's. With any, the root one is always sent:
        // moto creates only the volumes it is given.
        if root.is_some() || !ebs.is_empty() {
            let (root_name, root_size) = self.image_root(ami).await?;
            let empty = Object::new();
            req = req.block_device_mappings(root_mapping(
                root.unwrap_or(&empty),
                &root_name,
                root_size,
            ));
            for block in &ebs {
                req = req.block_device_mappings(ebs_mapping(block));
            }
        }
        if let Some(options) = known_block(planned, "metadata_options") {
            req = req.metadata_options(metadata_request(options));
        }
        let az = known_str(planned, "availability_zone");
        let tenancy = known_str(planned, "tenancy");
        let host_group = known_str(planned, "host_resource_group_arn");
        if az.is_some() || tenancy.is_some() || host_group.is_some() {
            req = req.placement(
                Placement::builder()
                    .set_availability_zone(az.map(str::to_string))
                    .set_tenancy(tenancy.map(Tenancy::from))
                    .set_host_resource_group_arn(host_group.map(str::to_string))
                    .build(),
            );
        }
        if let Some(key) = known_str(planned, "key_name") {
            req = req.key_name(key);
        }
        if let Some(data) = known_str(planned, "user_data") {
            req = req.user_data(base64::engine::general_purpose::STANDARD.encode(data));
        }
        if let Some(on) = known_bool(planned, "monitoring") {
            req = req.monitoring(RunInstancesMonitoringEnabled::builder().enabled(on).build());
        }
        if let Some(on) = known_bool(planned, "ebs_optimized") {
            req = req.ebs_optimized(on);
        }
        if let Some(on) = known_bool(planned, "disable_api_termination") {
            req = req.disable_api_termination(on);
        }
        if let Some(name) = known_str(planned, "iam_instance_profile").filter(|n| !n.is_empty()) {
            req = req.iam_instance_profile(
                IamInstanceProfileSpecification::builder()
                    .name(name)
                    .build(),
            );
        }
        if let Some(credits) =
            known_block(planned, "credit_specification").and_then(|c| known_str(c, "cpu_credits"))
        {
            req = req.credit_specification(
                CreditSpecificationRequest::builder()
                    .cpu_credits(credits)
                    .build(),
            );
        }
        if let Some(cpu) = cpu_request(planned) {
            req = req.cpu_options(cpu);
        }
        if let Some(market) = known_block(planned, "instance_market_options") {
            req = req.instance_market_options(market_request(market)?);
        }
        let subnet = known_str(planned, "subnet_id").map(str::to_string);
        let private_ip = known_str(planned, "private_ip").map(str::to_string);
        let groups = planned.strings("vpc_security_group_ids");
        let groups = (!groups.is_empty()).then_some(groups);
        let existing = existing_interfaces(planned);
        if !existing.is_empty() {
            // Existing interfaces bring their own subnet, address and groups.
            req = req.set_network_interfaces(Some(existing));
        } else if let Some(public) = known_bool(planned, "associate_public_ip_address") {
            // A public IP choice can only be made on the primary network interface.
            req = req.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .set_subnet_id(subnet)
                    .set_groups(groups)
                    .set_private_ip_address(private_ip)
                    .associate_public_ip_address(public)
                    .delete_on_termination(true)
                    .build(),
            );
        } else {
            req = req
                .set_subnet_id(subnet)
                .set_security_group_ids(groups)
                .set_private_ip_address(private_ip);
        }

        let out = req.send().await.map_err(sdk_error)?;
        let id = answered(
            out.instances().first().and_then(|i| i.instance_id()),
            "RunInstances",
            "instance",
        )?;
        let partial = partial_state(planned, &id);
        wait_instance(
            &self.client,
            &id,
            &[InstanceStateName::Running],
            &[InstanceStateName::Pending],
            CREATE_TIMEOUT,
        )
        .await
        .map_err(|e| e.with_partial(partial.clone()))?;
        self.read_back(&partial)
            .await
            .map_err(|e| e.with_partial(partial))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let found = find::<Found>(&self.client, &ids).await?;
        let live: HashMap<&str, &Found> = found
            .iter()
            .filter(|(_, f)| !is_gone(&f.instance))
            .map(|(id, f)| (id.as_str(), f))
            .collect();

        let volume_ids: Vec<String> = live
            .values()
            .flat_map(|f| f.instance.block_device_mappings())
            .filter_map(|m| m.ebs().and_then(|e| e.volume_id()).map(str::to_string))
            .collect();
        let volumes = find::<Volume>(&self.client, &volume_ids).await?;
        // Collected first: a lazy iterator held across the await is not Send.
        let mut key_refs: Vec<&str> = volumes.values().filter_map(|v| v.kms_key_id()).collect();
        for p in priors {
            for b in p
                .list("root_block_device")
                .iter()
                .chain(p.list("ebs_block_device"))
            {
                key_refs.extend(b.get("kms_key_id").as_str());
            }
        }
        let keys = key_arns(&self.kms, key_refs.into_iter()).await;

        let with_profile: Vec<String> = live
            .iter()
            .filter(|(_, f)| f.instance.iam_instance_profile().is_some())
            .map(|(id, _)| id.to_string())
            .collect();
        let profiles = self.profile_names(&with_profile, &live).await;
        let burstable: Vec<String> = live
            .iter()
            .filter(|(_, f)| {
                f.instance
                    .instance_type()
                    .is_some_and(|t| is_burstable(t.as_str()))
            })
            .map(|(id, _)| id.to_string())
            .collect();
        let credits = self.credits(&burstable).await?;
        let spot_ids: Vec<String> = live
            .values()
            .filter_map(|f| f.instance.spot_instance_request_id())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        let spot = self.spot_requests(&spot_ids).await?;

        // Termination protection and user data are not in DescribeInstances: ask
        // only for instances whose prior lacks them (just created, or imported).
        let wanted: Vec<(&str, bool, bool)> = priors
            .iter()
            .filter_map(|p| {
                let id = p.str("id").filter(|id| live.contains_key(id))?;
                let protection = p.bool("disable_api_termination").is_none();
                let user_data = !p.contains_key("user_data");
                (protection || user_data).then_some((id, protection, user_data))
            })
            .collect();
        // Bounded: an import of hundreds of instances must not open hundreds of
        // connections at once. (Collected first: a lazy map inside the stream
        // trips the Send check of the async_trait future.)
        let asks: Vec<_> =
            (wanted.iter())
                .map(|&(id, p, u)| async move {
                    Ok::<_, ProviderError>((id, self.extra(id, p, u).await?))
                })
                .collect();
        let extras: HashMap<&str, Extra> = futures::stream::iter(asks)
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;

        Ok(priors
            .iter()
            .map(|prior| {
                let id = prior.str("id")?;
                let found = live.get(id)?;
                let view = View {
                    volumes: &volumes,
                    keys: &keys,
                    credits: &credits,
                    spot: &spot,
                    region: &self.region,
                };
                let extra = extras.get(id);
                let written = Extra {
                    protection: prior
                        .bool("disable_api_termination")
                        .or(extra.and_then(|e| e.protection)),
                    user_data: match prior.get("user_data") {
                        Some(v) => v.clone(),
                        None => extra.map(|e| e.user_data.clone()).unwrap_or_default(),
                    },
                };
                Some(view.to_state(found, prior, profiles.get(id).cloned(), written))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = prior
            .str("id")
            .ok_or_else(|| ProviderError::new("aws_instance has no id in state"))?;

        // Instance type, EBS optimisation and user data can only change while stopped.
        let stopped_changes = StoppedChanges {
            instance_type: known_change(prior, planned, "instance_type"),
            ebs_optimized: known_change(prior, planned, "ebs_optimized"),
            user_data: known_change(prior, planned, "user_data"),
        };
        if stopped_changes.any() {
            stop_instance(&self.client, id).await?;
            let modified = self.modify_stopped(id, planned, &stopped_changes).await;
            // Start again even when the change was refused, so it is not left stopped.
            let started = self.start(id).await;
            modified?;
            started?;
        }

        if set_changed(prior, planned, "vpc_security_group_ids") {
            self.client
                .modify_instance_attribute()
                .instance_id(id)
                .set_groups(Some(planned.strings("vpc_security_group_ids")))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if let Some(on) = known_bool(planned, "disable_api_termination")
            .filter(|_| known_change(prior, planned, "disable_api_termination"))
        {
            self.client
                .modify_instance_attribute()
                .instance_id(id)
                .disable_api_termination(AttributeBooleanValue::builder().value(on).build())
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if let Some(on) =
            known_bool(planned, "monitoring").filter(|_| known_change(prior, planned, "monitoring"))
        {
            if on {
                self.client
                    .monitor_instances()
                    .instance_ids(id)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            } else {
                self.client
                    .unmonitor_instances()
                    .instance_ids(id)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        if known_change(prior, planned, "iam_instance_profile") {
            self.set_profile(id, known_str(planned, "iam_instance_profile"))
                .await?;
        }
        let credits = |o: &Object| {
            o.block("credit_specification")
                .and_then(|c| known_str(c, "cpu_credits"))
                .map(str::to_string)
        };
        if let Some(new) = credits(planned).filter(|new| Some(new) != credits(prior).as_ref()) {
            self.client
                .modify_instance_credit_specification()
                .instance_credit_specifications(
                    InstanceCreditSpecificationRequest::builder()
                        .instance_id(id)
                        .cpu_credits(new)
                        .build(),
                )
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if let Some(options) = merged_metadata(prior, planned) {
            let mut req = self
                .client
                .modify_instance_metadata_options()
                .instance_id(id)
                .set_http_endpoint(
                    options
                        .str("http_endpoint")
                        .map(InstanceMetadataEndpointState::from),
                );
            // Send every field: moto resets the ones left out (AWS keeps them).
            if options.str("http_endpoint") != Some("disabled") {
                req = req
                    .set_http_tokens(options.str("http_tokens").map(HttpTokensState::from))
                    .set_http_put_response_hop_limit(known_i32(
                        &options,
                        "http_put_response_hop_limit",
                    ))
                    .set_instance_metadata_tags(
                        options
                            .str("instance_metadata_tags")
                            .map(InstanceMetadataTagsState::from),
                    );
            }
            req.send().await.map_err(sdk_error)?;
        }
        if let (Some(old), Some(new)) = (
            prior.block("root_block_device"),
            known_block(planned, "root_block_device"),
        ) {
            self.update_root(id, old, new).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        if manages_volume_tags(planned) {
            let (old, new) = (volume_tags(prior), volume_tags(planned));
            let blocks = ["root_block_device", "ebs_block_device"].map(|b| prior.list(b));
            let volumes = blocks
                .iter()
                .flat_map(|l| l.iter())
                .filter_map(|b| b.get("volume_id").as_str());
            for volume in volumes {
                update_tags(&self.client, volume, &old, &new).await?;
            }
        }

        let mut basis = partial_state(planned, id);
        if planned
            .get("disable_api_termination")
            .is_some_and(Value::is_unknown)
        {
            basis.insert("disable_api_termination".into(), Value::Null);
        }
        self.read_back(&basis).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(id) = prior.str("id") else {
            return Ok(());
        };
        let call = self.client.terminate_instances().instance_ids(id);
        if none_if_gone(call.send().await.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        wait_until(
            &format!("EC2 instance {id} to terminate"),
            Pace::backoff(DELETE_TIMEOUT),
            || async {
                let found = find_one::<Found>(&self.client, id).await?;
                Ok(match found {
                    None => Some(()),
                    Some(f)
                        if f.instance.state().and_then(|s| s.name())
                            == Some(&InstanceStateName::Terminated) =>
                    {
                        Some(())
                    }
                    Some(_) => None,
                })
            },
        )
        .await
    }

    fn data_loss(&self, prior: &Object) -> Vec<VolumeLoss> {
        let mut lost = Vec::new();
        let mut push = |block: &Value, role: String| {
            let Some(b) = block.as_object() else { return };
            if b.bool("delete_on_termination") != Some(true) {
                return;
            }
            if let Some(volume_id) = b.str("volume_id") {
                lost.push(VolumeLoss {
                    volume_id: volume_id.to_string(),
                    size_gib: b.i64("volume_size"),
                    role,
                });
            }
        };
        for block in prior.list("root_block_device") {
            push(block, "root_block_device".to_string());
        }
        for block in prior.list("ebs_block_device") {
            let device = block.get("device_name").as_str().unwrap_or("?");
            push(block, format!("ebs_block_device {device}"));
        }
        lost
    }

    fn review_change(&self, prior: &Object, planned: &Object) -> ChangeReview {
        let replace_user_data = planned.bool("user_data_replace_on_change") == Some(true)
            && known_change(prior, planned, "user_data");
        let shrink = match (
            prior.block("root_block_device"),
            known_block(planned, "root_block_device"),
        ) {
            (Some(old), Some(new)) => refuse_shrink(
                old,
                new,
                "volume_size",
                vec!["root_block_device", "volume_size"],
            ),
            _ => None,
        };
        ChangeReview {
            replace: if replace_user_data {
                vec!["user_data"]
            } else {
                Vec::new()
            },
            refused: shrink.into_iter().collect(),
            ..ChangeReview::default()
        }
    }

    async fn assess_data_loss(
        &self,
        prior: &Object,
        ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        current_volume_losses(self, prior, ctx).await
    }

    async fn snapshot(&self, volumes: &[VolumeLoss], meta: &Meta) -> Result<Vec<VolumeSnapshot>> {
        snapshot_volumes(&self.client, volumes, meta).await
    }
}

/// The changes an instance must be stopped for.
struct StoppedChanges {
    instance_type: bool,
    ebs_optimized: bool,
    user_data: bool,
}

impl StoppedChanges {
    fn any(&self) -> bool {
        self.instance_type || self.ebs_optimized || self.user_data
    }
}

impl Instance {
    async fn read_back(&self, basis: &Object) -> Result<Object> {
        let id = basis.str("id").unwrap_or_default().to_string();
        read_single(self, basis)
            .await?
            .ok_or_else(|| ProviderError::new(format!("EC2 instance {id} disappeared")))
    }

    /// The AMI's root device name and root volume size.
    async fn image_root(&self, ami: &str) -> Result<(String, Option<i32>)> {
        let out = self
            .client
            .describe_images()
            .image_ids(ami)
            .send()
            .await
            .map_err(sdk_error)?;
        let image = out.images().first().ok_or_else(|| {
            ProviderError::with_code("InvalidAMIID.NotFound", format!("AMI {ami} not found"))
        })?;
        let name = image
            .root_device_name()
            .ok_or_else(|| ProviderError::new(format!("AMI {ami} has no root device name")))?;
        let size = image
            .block_device_mappings()
            .iter()
            .find(|m| m.device_name() == Some(name))
            .and_then(|m| m.ebs())
            .and_then(|e| e.volume_size());
        Ok((name.to_string(), size))
    }

    /// CPU credits ("standard" / "unlimited") by instance id.
    async fn credits(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let out = self
                .client
                .describe_instance_credit_specifications()
                .set_instance_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(sdk_error)?;
            for spec in out.instance_credit_specifications() {
                if let (Some(id), Some(credits)) = (spec.instance_id(), spec.cpu_credits()) {
                    found.insert(id.to_string(), credits.to_string());
                }
            }
        }
        Ok(found)
    }

    /// Spot requests by id (for the spot options of spot instances).
    async fn spot_requests(&self, ids: &[String]) -> Result<HashMap<String, SpotInstanceRequest>> {
        let client = &self.client;
        let requests: Vec<SpotInstanceRequest> =
            describe_by_filter("spot-instance-request-id", ids, |f| async move {
                all_items!(client.describe_spot_instance_requests().filters(f))
            })
            .await?;
        Ok(requests
            .into_iter()
            .filter_map(|r| Some((r.spot_instance_request_id()?.to_string(), r)))
            .collect())
    }

    /// The attributes DescribeInstances leaves out, one call each, only as asked.
    async fn extra(&self, id: &str, protection: bool, user_data: bool) -> Result<Extra> {
        let mut extra = Extra::default();
        if protection {
            let out = self
                .describe_attribute(id, InstanceAttributeName::DisableApiTermination)
                .await?;
            extra.protection = out.disable_api_termination().and_then(|v| v.value());
        }
        if user_data {
            let out = self
                .describe_attribute(id, InstanceAttributeName::UserData)
                .await?;
            // Binary (non UTF-8) user data cannot be held in this string attribute.
            extra.user_data = out
                .user_data()
                .and_then(|v| v.value())
                .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .filter(|s| !s.is_empty())
                .map(Value::String)
                .unwrap_or_default();
        }
        Ok(extra)
    }

    async fn describe_attribute(
        &self,
        id: &str,
        attribute: InstanceAttributeName,
    ) -> Result<aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput>
    {
        self.client
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(attribute)
            .send()
            .await
            .map_err(sdk_error)
    }

    /// Instance profile names by instance id. DescribeInstances can lag behind a
    /// replaced association (moto never updates it), so the associations are the
    /// source; the instance's own view is the fallback.
    async fn profile_names(
        &self,
        ids: &[String],
        live: &HashMap<&str, &Found>,
    ) -> HashMap<String, String> {
        let mut names: HashMap<String, String> = live
            .iter()
            .filter_map(|(id, f)| {
                let arn = f.instance.iam_instance_profile()?.arn()?;
                Some((id.to_string(), profile_name(arn)))
            })
            .collect();
        if let Ok(assocs) = self.associations(ids).await {
            for (instance, (_, arn)) in assocs {
                names.insert(instance, profile_name(&arn));
            }
        }
        names
    }

    /// Current associations (id, profile ARN) by instance id.
    async fn associations(&self, ids: &[String]) -> Result<HashMap<String, (String, String)>> {
        let client = &self.client;
        let states = &["associating".to_string(), "associated".to_string()];
        let associations: Vec<IamInstanceProfileAssociation> =
            describe_by_filter("instance-id", ids, |f| async move {
                all_items!(client
                    .describe_iam_instance_profile_associations()
                    .filters(f)
                    .filters(filter("state", states)))
            })
            .await?;
        let mut found = HashMap::new();
        for a in &associations {
            if let (Some(instance), Some(assoc), Some(arn)) = (
                a.instance_id(),
                a.association_id(),
                a.iam_instance_profile().and_then(|p| p.arn()),
            ) {
                found.insert(instance.to_string(), (assoc.to_string(), arn.to_string()));
            }
        }
        Ok(found)
    }

    async fn set_profile(&self, id: &str, name: Option<&str>) -> Result<()> {
        let name = name.filter(|n| !n.is_empty());
        let current = self.associations(&[id.to_string()]).await?.remove(id);
        let spec = |n: &str| IamInstanceProfileSpecification::builder().name(n).build();
        match (current, name) {
            (Some((assoc, _)), Some(n)) => {
                self.client
                    .replace_iam_instance_profile_association()
                    .association_id(assoc)
                    .iam_instance_profile(spec(n))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            (None, Some(n)) => {
                self.client
                    .associate_iam_instance_profile()
                    .instance_id(id)
                    .iam_instance_profile(spec(n))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            (Some((assoc, _)), None) => {
                self.client
                    .disassociate_iam_instance_profile()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            (None, None) => {}
        }
        Ok(())
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.client
            .start_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(sdk_error)?;
        wait_instance(
            &self.client,
            id,
            &[InstanceStateName::Running],
            &[InstanceStateName::Pending, InstanceStateName::Stopped],
            UPDATE_TIMEOUT,
        )
        .await?;
        Ok(())
    }

    async fn modify_stopped(
        &self,
        id: &str,
        planned: &Object,
        changes: &StoppedChanges,
    ) -> Result<()> {
        if changes.user_data {
            // The SDK base64-encodes the blob on the wire, as AWS expects.
            let data = planned.str("user_data").unwrap_or_default();
            self.client
                .modify_instance_attribute()
                .instance_id(id)
                .user_data(
                    SecureBlobAttributeValue::builder()
                        .value(aws_sdk_ec2::primitives::Blob::new(data.as_bytes()))
                        .build(),
                )
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if changes.instance_type {
            if let Some(t) = known_str(planned, "instance_type") {
                self.client
                    .modify_instance_attribute()
                    .instance_id(id)
                    .instance_type(AttributeValue::builder().value(t).build())
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        if changes.ebs_optimized {
            if let Some(on) = known_bool(planned, "ebs_optimized") {
                self.client
                    .modify_instance_attribute()
                    .instance_id(id)
                    .ebs_optimized(AttributeBooleanValue::builder().value(on).build())
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        Ok(())
    }

    async fn update_root(&self, id: &str, old: &Object, new: &Object) -> Result<()> {
        let volume_id = old.str("volume_id");
        if let Some(volume_id) = volume_id {
            if modify_volume(
                &self.client,
                volume_id,
                old,
                new,
                "volume_size",
                "volume_type",
            )
            .await?
            {
                wait_volume_modified(&self.client, volume_id, UPDATE_TIMEOUT).await?;
            }
        }
        if let (Some(on), Some(device)) = (
            known_bool(new, "delete_on_termination")
                .filter(|_| known_change(old, new, "delete_on_termination")),
            old.str("device_name"),
        ) {
            self.client
                .modify_instance_attribute()
                .instance_id(id)
                .block_device_mappings(
                    InstanceBlockDeviceMappingSpecification::builder()
                        .device_name(device)
                        .ebs(
                            EbsInstanceBlockDeviceSpecification::builder()
                                .delete_on_termination(on)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }
}

/// An instance as DescribeInstances reports it, with its reservation's owner.
pub(super) struct Found {
    pub instance: Ec2Instance,
    pub owner: Option<String>,
}

/// DescribeInstances lists reservations; each instance keeps its reservation's
/// owner. moto pages at 100 reservations even for an id filter.
#[async_trait]
impl Described for Found {
    const NOUN: &'static str = "EC2 instance";
    const ID_FILTER: &'static str = "instance-id";

    fn id(&self) -> Option<&str> {
        self.instance.instance_id()
    }

    async fn describe(
        client: &aws_sdk_ec2::Client,
        filters: Vec<aws_sdk_ec2::types::Filter>,
    ) -> Result<Vec<Found>> {
        let reservations: Vec<Reservation> =
            all_items!(client.describe_instances().set_filters(Some(filters)))?;
        let found = reservations.iter().flat_map(|reservation| {
            reservation.instances().iter().map(|instance| Found {
                instance: instance.clone(),
                owner: reservation.owner_id().map(str::to_string),
            })
        });
        Ok(found.collect())
    }
}

/// Stops an instance and waits until it is stopped.
pub(super) async fn stop_instance(client: &aws_sdk_ec2::Client, id: &str) -> Result<()> {
    client
        .stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(sdk_error)?;
    wait_instance(
        client,
        id,
        &[InstanceStateName::Stopped],
        &[
            InstanceStateName::Pending,
            InstanceStateName::Running,
            InstanceStateName::Stopping,
        ],
        UPDATE_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// Waits until an instance is in one of `targets`; `pending` states keep waiting,
/// any other state (or a vanished instance) is an error.
pub(super) async fn wait_instance(
    client: &aws_sdk_ec2::Client,
    id: &str,
    targets: &[InstanceStateName],
    pending: &[InstanceStateName],
    timeout: Duration,
) -> Result<Ec2Instance> {
    let wanted: Vec<&str> = targets.iter().map(|s| s.as_str()).collect();
    let what = format!("EC2 instance {id} to be {}", wanted.join(" or "));
    let start = std::time::Instant::now();
    wait_until(&what, Pace::backoff(timeout), || async {
        let Some(f) = find_one::<Found>(client, id).await? else {
            // Just launched instances can take a moment to be described.
            if start.elapsed() < NOT_FOUND_GRACE {
                return Ok(None);
            }
            return Err(ProviderError::with_code(
                "InvalidInstanceID.NotFound",
                format!("EC2 instance {id} not found"),
            ));
        };
        let state = f.instance.state().and_then(|s| s.name()).cloned();
        match state {
            Some(s) if targets.contains(&s) => Ok(Some(f.instance)),
            Some(s) if pending.contains(&s) => Ok(None),
            other => {
                let reason = f
                    .instance
                    .state_reason()
                    .and_then(|r| r.message())
                    .unwrap_or("no reason given");
                Err(ProviderError::new(format!(
                    "EC2 instance {id} is {} instead of {}: {reason}",
                    other.as_ref().map(|s| s.as_str()).unwrap_or("unknown"),
                    wanted.join(" or ")
                )))
            }
        }
    })
    .await
}

fn is_gone(instance: &Ec2Instance) -> bool {
    matches!(
        instance.state().and_then(|s| s.name()),
        Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
    )
}

/// "arn:aws:iam::123456789012:instance-profile/path/name" -> "name".
fn profile_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// The object of a Single block if it is configured (not Unknown, not absent).
fn known_block<'a>(o: &'a Object, key: &str) -> Option<&'a Object> {
    o.block(key)
}

fn known_blocks<'a>(o: &'a Object, key: &str) -> Vec<&'a Object> {
    o.list(key).iter().filter_map(Value::as_object).collect()
}

fn set_changed(prior: &Object, planned: &Object, key: &str) -> bool {
    match planned.get(key) {
        None | Some(Value::Unknown) => false,
        Some(_) => {
            let sorted = |o: &Object| o.strings(key).into_iter().collect::<BTreeSet<_>>();
            sorted(prior) != sorted(planned)
        }
    }
}

fn root_mapping(root: &Object, device: &str, ami_size: Option<i32>) -> BlockDeviceMapping {
    // moto insists on a size; the AMI's own root size is what AWS would use anyway.
    let ebs = volume_spec(root)
        .delete_on_termination(known_bool(root, "delete_on_termination").unwrap_or(true))
        .set_volume_size(known_i32(root, "volume_size").or(ami_size));
    BlockDeviceMapping::builder()
        .device_name(device)
        .ebs(ebs.build())
        .build()
}

fn ebs_mapping(block: &Object) -> BlockDeviceMapping {
    let ebs = volume_spec(block)
        .delete_on_termination(known_bool(block, "delete_on_termination").unwrap_or(true))
        .set_volume_size(known_i32(block, "volume_size"))
        .set_snapshot_id(known_str(block, "snapshot_id").map(str::to_string));
    BlockDeviceMapping::builder()
        .set_device_name(known_str(block, "device_name").map(str::to_string))
        .ebs(ebs.build())
        .build()
}

fn volume_spec(block: &Object) -> aws_sdk_ec2::types::builders::EbsBlockDeviceBuilder {
    EbsBlockDevice::builder()
        .set_volume_type(known_str(block, "volume_type").map(VolumeType::from))
        .set_iops(known_i32(block, "iops").filter(|n| *n > 0))
        .set_throughput(known_i32(block, "throughput").filter(|n| *n > 0))
        // A key implies encryption; the API refuses KmsKeyId without Encrypted.
        .set_encrypted(
            known_bool(block, "encrypted").or(known_str(block, "kms_key_id").map(|_| true)),
        )
        .set_kms_key_id(known_str(block, "kms_key_id").map(str::to_string))
}

/// The v5 `network_interface` blocks, only when configured: every interface the
/// instance has, by device index.
fn network_interfaces(i: &Ec2Instance, prior: &Object) -> Value {
    if prior.list("network_interface").is_empty() {
        return Value::List(Vec::new());
    }
    let mut nics: Vec<(i32, Value)> = i
        .network_interfaces()
        .iter()
        .filter_map(|n| {
            let a = n.attachment()?;
            let index = a.device_index()?;
            Some((
                index,
                Value::Object(crate::object! {
                    "delete_on_termination" => a.delete_on_termination().unwrap_or(false),
                    "device_index" => index,
                    "network_card_index" => a.network_card_index().unwrap_or(0),
                    "network_interface_id" => n.network_interface_id(),
                }),
            ))
        })
        .collect();
    nics.sort_by_key(|(index, _)| *index);
    Value::List(nics.into_iter().map(|(_, v)| v).collect())
}

/// Two spot prices that name the same amount ("0.0031" and "0.003100").
fn same_price(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The CPU options to launch with: the block, else provider v4's top-level pair.
fn cpu_request(planned: &Object) -> Option<CpuOptionsRequest> {
    let block = known_block(planned, "cpu_options");
    let cores = block
        .and_then(|b| known_i32(b, "core_count"))
        .or(known_i32(planned, "cpu_core_count"));
    let threads = block
        .and_then(|b| known_i32(b, "threads_per_core"))
        .or(known_i32(planned, "cpu_threads_per_core"));
    let sev = block.and_then(|b| known_str(b, "amd_sev_snp"));
    if cores.is_none() && threads.is_none() && sev.is_none() {
        return None;
    }
    Some(
        CpuOptionsRequest::builder()
            .set_core_count(cores)
            .set_threads_per_core(threads)
            .set_amd_sev_snp(sev.map(AmdSevSnpSpecification::from))
            .build(),
    )
}

fn market_request(market: &Object) -> Result<InstanceMarketOptionsRequest> {
    let spot = match known_block(market, "spot_options") {
        Some(o) => {
            let valid_until = match known_str(o, "valid_until") {
                Some(t) => Some(
                    DateTime::from_str(t, DateTimeFormat::DateTime).map_err(|e| {
                        ProviderError::new(format!(
                            "spot_options.valid_until {t:?} is not an RFC 3339 time: {e}"
                        ))
                    })?,
                ),
                None => None,
            };
            Some(
                SpotMarketOptions::builder()
                    .set_max_price(known_str(o, "max_price").map(str::to_string))
                    .set_spot_instance_type(
                        known_str(o, "spot_instance_type").map(SpotInstanceType::from),
                    )
                    .set_instance_interruption_behavior(
                        known_str(o, "instance_interruption_behavior")
                            .map(InstanceInterruptionBehavior::from),
                    )
                    .set_valid_until(valid_until)
                    .build(),
            )
        }
        None => None,
    };
    Ok(InstanceMarketOptionsRequest::builder()
        .set_market_type(known_str(market, "market_type").map(MarketType::from))
        .set_spot_options(spot)
        .build())
}

/// The existing interfaces to launch with: `primary_network_interface` as device
/// 0, and the v5 `network_interface` blocks as they say.
fn existing_interfaces(planned: &Object) -> Vec<InstanceNetworkInterfaceSpecification> {
    let mut specs = Vec::new();
    if let Some(id) = known_block(planned, "primary_network_interface")
        .and_then(|p| known_str(p, "network_interface_id"))
    {
        specs.push(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .network_interface_id(id)
                .build(),
        );
    }
    for nic in known_blocks(planned, "network_interface") {
        specs.push(
            InstanceNetworkInterfaceSpecification::builder()
                .set_device_index(known_i32(nic, "device_index"))
                .set_network_interface_id(
                    known_str(nic, "network_interface_id").map(str::to_string),
                )
                .set_delete_on_termination(known_bool(nic, "delete_on_termination"))
                .set_network_card_index(known_i32(nic, "network_card_index").filter(|n| *n > 0))
                .build(),
        );
    }
    specs
}

/// T instances earn and spend CPU credits; only theirs have a credit specification.
fn is_burstable(instance_type: &str) -> bool {
    ["t2.", "t3.", "t3a.", "t4g."]
        .iter()
        .any(|family| instance_type.starts_with(family))
}

/// A block's prior value when AWS does not report it (moto: CPU options, spot
/// options), else none.
fn prior_list(prior: &Object, key: &str) -> Value {
    match prior.get(key) {
        Some(v @ Value::List(_)) => v.clone(),
        _ => Value::List(Vec::new()),
    }
}

fn metadata_request(options: &Object) -> InstanceMetadataOptionsRequest {
    InstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            known_str(options, "http_endpoint").map(InstanceMetadataEndpointState::from),
        )
        .set_http_tokens(known_str(options, "http_tokens").map(HttpTokensState::from))
        .set_http_put_response_hop_limit(known_i32(options, "http_put_response_hop_limit"))
        .set_instance_metadata_tags(
            known_str(options, "instance_metadata_tags").map(InstanceMetadataTagsState::from),
        )
        .build()
}

/// The metadata options to send when the planned block changes any of them: the
/// planned values, with the prior ones where the plan leaves a field unknown.
fn merged_metadata(prior: &Object, planned: &Object) -> Option<Object> {
    let new = known_block(planned, "metadata_options")?;
    let empty = Object::new();
    let old = prior.block("metadata_options").unwrap_or(&empty);
    if !METADATA_FIELDS.iter().any(|f| known_change(old, new, f)) {
        return None;
    }
    Some(
        METADATA_FIELDS
            .iter()
            .map(|f| {
                let v = match new.get(*f) {
                    Some(v) if !v.is_unknown() && !v.is_null() => v.clone(),
                    _ => old.get(*f).cloned().unwrap_or_default(),
                };
                (f.to_string(), v)
            })
            .collect(),
    )
}

/// What only DescribeInstanceAttribute reports, or what was applied.
#[derive(Default)]
struct Extra {
    protection: Option<bool>,
    user_data: Value,
}

fn manages_volume_tags(local: &Object) -> bool {
    matches!(local.get("volume_tags"), Some(Value::Object(_)))
}

/// `volume_tags` as an object whose `tags` the tag helpers read.
fn volume_tags(local: &Object) -> Object {
    match local.get("volume_tags") {
        Some(tags @ Value::Object(_)) => crate::object! {"tags" => tags.clone()},
        _ => Object::new(),
    }
}

/// What a read has gathered besides the instances themselves.
struct View<'a> {
    volumes: &'a HashMap<String, Volume>,
    keys: &'a HashMap<String, String>,
    /// CPU credits of the burstable instances, by instance id.
    credits: &'a HashMap<String, String>,
    /// Spot requests by their id.
    spot: &'a HashMap<String, SpotInstanceRequest>,
    region: &'a str,
}

impl View<'_> {
    fn to_state(
        &self,
        found: &Found,
        prior: &Object,
        profile: Option<String>,
        written: Extra,
    ) -> Object {
        let i = &found.instance;
        let id = i.instance_id().unwrap_or_default();
        let owner = found.owner.as_deref().unwrap_or_default();
        let primary_nic = i
            .network_interfaces()
            .iter()
            .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0));
        // moto lists groups only on the interface when none were given at launch.
        let mut groups: Vec<String> = i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect();
        if groups.is_empty() {
            if let Some(nic) = primary_nic {
                groups = nic
                    .groups()
                    .iter()
                    .filter_map(|g| g.group_id().map(str::to_string))
                    .collect();
            }
        }
        groups.sort();
        groups.dedup();
        let public_ip = i.public_ip_address().filter(|s| !s.is_empty());
        let has_public = primary_nic
            .and_then(|n| n.association())
            .and_then(|a| a.public_ip())
            .or(public_ip)
            .is_some();
        let monitoring = matches!(
            i.monitoring().and_then(|m| m.state()),
            Some(MonitoringState::Enabled | MonitoringState::Pending)
        );
        let metadata: Vec<Value> = i
            .metadata_options()
            .map(|m| {
                Value::Object(crate::object! {
                    "http_endpoint" => m.http_endpoint().map(|v| v.as_str()),
                    "http_tokens" => m.http_tokens().map(|v| v.as_str()),
                    "http_put_response_hop_limit" => m.http_put_response_hop_limit(),
                    "instance_metadata_tags" => m.instance_metadata_tags().map(|v| v.as_str()),
                })
            })
            .into_iter()
            .collect();
        let (root, ebs) = self.blocks(i, prior);
        // Read only when configured: else the volumes' tags are not this resource's.
        let volume_tags = match manages_volume_tags(prior) {
            true => root
                .as_ref()
                .and_then(|r| r.str("volume_id"))
                .and_then(|v| self.volumes.get(v))
                .map_or(Value::Null, |v| state_tags(v.tags())),
            false => Value::Null,
        };

        let cpu = self.cpu_options(i);
        let lifecycle = i.instance_lifecycle().map(|l| l.as_str().to_string());
        let market = match lifecycle.as_deref() {
            Some(kind @ ("spot" | "capacity-block")) => {
                Value::List(vec![Value::Object(crate::object! {
                    "market_type" => kind,
                    "spot_options" => self.spot_options(i, prior),
                })])
            }
            _ => Value::List(Vec::new()),
        };
        let credits = match self.credits.get(id) {
            Some(c) => Value::List(vec![Value::Object(
                crate::object! {"cpu_credits" => c.as_str()},
            )]),
            None => prior_list(prior, "credit_specification"),
        };

        crate::object! {
            "id" => id,
            "arn" => ec2_arn(self.region, owner, &format!("instance/{id}")),
            "ami" => i.image_id(),
            "instance_type" => i.instance_type().map(|t| t.as_str()),
            "availability_zone" => i.placement().and_then(|p| p.availability_zone()),
            "tenancy" => i.placement().and_then(|p| p.tenancy()).map(|t| t.as_str()),
            // moto never reports the group: then the one it was launched with.
            "host_resource_group_arn" => i
                .placement()
                .and_then(|p| p.host_resource_group_arn())
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .or_else(|| prior.str("host_resource_group_arn").map(str::to_string)),
            "subnet_id" => i.subnet_id().filter(|s| !s.is_empty()),
            "vpc_security_group_ids" => groups,
            "associate_public_ip_address" => has_public,
            "iam_instance_profile" => profile,
            "key_name" => i.key_name().filter(|s| !s.is_empty()),
            "user_data" => written.user_data,
            "user_data_replace_on_change" => prior.bool("user_data_replace_on_change").unwrap_or(false),
            "monitoring" => monitoring,
            "ebs_optimized" => i.ebs_optimized(),
            "disable_api_termination" => written.protection,
            "tags" => tags::user_tags(i.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
            "volume_tags" => volume_tags,
            "instance_state" => i.state().and_then(|s| s.name()).map(|s| s.as_str()),
            "private_ip" => i.private_ip_address().filter(|s| !s.is_empty()),
            "public_ip" => public_ip,
            "private_dns" => i.private_dns_name().filter(|s| !s.is_empty()),
            "public_dns" => i.public_dns_name().filter(|s| !s.is_empty()),
            "primary_network_interface_id" => primary_nic.and_then(|n| n.network_interface_id()),
            "cpu_core_count" => cpu.as_ref().map_or_else(|| prior.get("cpu_core_count").cloned().unwrap_or_default(), |c| c.get("core_count").clone()),
            "cpu_threads_per_core" => cpu.as_ref().map_or_else(|| prior.get("cpu_threads_per_core").cloned().unwrap_or_default(), |c| c.get("threads_per_core").clone()),
            "instance_lifecycle" => lifecycle,
            "spot_instance_request_id" => i.spot_instance_request_id().filter(|r| !r.is_empty()),
            "credit_specification" => credits,
            "cpu_options" => cpu.map_or_else(|| prior_list(prior, "cpu_options"), |c| Value::List(vec![c])),
            "instance_market_options" => market,
            "primary_network_interface" => Value::List(primary_nic.map(|n| Value::Object(crate::object! {
                "network_interface_id" => n.network_interface_id(),
                "delete_on_termination" => n.attachment().and_then(|a| a.delete_on_termination()),
            })).into_iter().collect()),
            "network_interface" => network_interfaces(i, prior),
            "metadata_options" => Value::List(metadata),
            "root_block_device" => Value::List(root.into_iter().map(Value::Object).collect()),
            "ebs_block_device" => Value::List(ebs.into_iter().map(Value::Object).collect()),
        }
    }

    /// The CPU options AWS reports (moto reports none: the caller keeps the prior's).
    fn cpu_options(&self, i: &Ec2Instance) -> Option<Value> {
        let cpu = i.cpu_options().filter(|c| c.core_count().is_some())?;
        Some(Value::Object(crate::object! {
            "amd_sev_snp" => cpu.amd_sev_snp().map(|v| v.as_str()),
            "core_count" => cpu.core_count(),
            "threads_per_core" => cpu.threads_per_core(),
        }))
    }

    /// The spot options of the instance's spot request; without one (moto) the
    /// prior's. A price AWS spells otherwise ("0.003100") keeps the configured text.
    fn spot_options(&self, i: &Ec2Instance, prior: &Object) -> Value {
        let before = prior
            .block("instance_market_options")
            .map(|m| prior_list(m, "spot_options"))
            .unwrap_or(Value::List(Vec::new()));
        let Some(request) = i.spot_instance_request_id().and_then(|r| self.spot.get(r)) else {
            return before;
        };
        let old_price = before
            .as_list()
            .and_then(|l| l.first())
            .and_then(|b| b.get("max_price").as_str().map(str::to_string));
        let price = match (request.spot_price(), old_price) {
            (Some(new), Some(old)) if same_price(new, &old) => Some(old),
            (new, _) => new.map(str::to_string),
        };
        Value::List(vec![Value::Object(crate::object! {
            "instance_interruption_behavior" => request.instance_interruption_behavior().map(|b| b.as_str()),
            "max_price" => price,
            "spot_instance_type" => request.r#type().map(|t| t.as_str()),
            "valid_until" => request
                .valid_until()
                .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
        })])
    }

    /// The root block and the other EBS blocks. The root is the mapping named by
    /// RootDeviceName; when none matches (moto launches without mappings on
    /// /dev/sda1 but reports /dev/xvda) the first mapping is the root.
    fn blocks(&self, i: &Ec2Instance, prior: &Object) -> (Option<Object>, Vec<Object>) {
        let mappings: Vec<&InstanceBlockDeviceMapping> = i
            .block_device_mappings()
            .iter()
            .filter(|m| m.ebs().is_some())
            .collect();
        let root_idx = i
            .root_device_name()
            .and_then(|name| mappings.iter().position(|m| m.device_name() == Some(name)))
            .or(if mappings.is_empty() { None } else { Some(0) });
        let root =
            root_idx.map(|idx| self.block(mappings[idx], false, prior.block("root_block_device")));

        // When the prior names its EBS devices, report only those: a volume attached
        // later by aws_volume_attachment is not a launch-time device of this instance.
        let known: BTreeSet<&str> = prior
            .list("ebs_block_device")
            .iter()
            .filter_map(|b| b.get("device_name").as_str())
            .collect();
        let mut ebs: Vec<Object> = mappings
            .iter()
            .enumerate()
            .filter(|(idx, _)| Some(*idx) != root_idx)
            .filter(|(_, m)| known.is_empty() || m.device_name().is_some_and(|d| known.contains(d)))
            .map(|(_, m)| {
                let before = prior
                    .list("ebs_block_device")
                    .iter()
                    .filter_map(Value::as_object)
                    .find(|b| {
                        b.str("device_name").is_some() && b.str("device_name") == m.device_name()
                    });
                self.block(m, true, before)
            })
            .collect();
        ebs.sort_by(|a, b| a.str("device_name").cmp(&b.str("device_name")));
        (root, ebs)
    }

    fn block(
        &self,
        mapping: &InstanceBlockDeviceMapping,
        with_snapshot: bool,
        prior: Option<&Object>,
    ) -> Object {
        let ebs = mapping.ebs();
        let volume_id = ebs.and_then(|e| e.volume_id());
        let volume = volume_id.and_then(|id| self.volumes.get(id));
        let kms = state_key(
            volume.and_then(|v| v.kms_key_id()),
            prior.and_then(|p| p.str("kms_key_id")),
            self.keys,
        );
        let mut block = crate::object! {
            "device_name" => mapping.device_name(),
            "volume_id" => volume_id,
            "delete_on_termination" => ebs.and_then(|e| e.delete_on_termination()),
            "volume_size" => volume.and_then(|v| v.size()),
            "volume_type" => volume.and_then(|v| v.volume_type()).map(|t| t.as_str()),
            "iops" => volume.and_then(|v| v.iops()),
            "throughput" => volume.and_then(|v| v.throughput()),
            "encrypted" => volume.and_then(|v| v.encrypted()),
            "kms_key_id" => kms,
        };
        if with_snapshot {
            block.insert(
                "snapshot_id".into(),
                volume
                    .and_then(|v| v.snapshot_id())
                    .filter(|s| !s.is_empty())
                    .into(),
            );
        }
        block
    }
}
