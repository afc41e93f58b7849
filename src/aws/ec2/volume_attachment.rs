//! aws_volume_attachment: attaches an EBS volume to an instance as a device.

use super::describe::find;
use super::instance::{stop_instance, wait_instance};
use super::shared::crc32;
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_ec2::types::{InstanceStateName, Volume, VolumeAttachmentState, VolumeState};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_volume_attachment",
    attributes: &[
        ID,
        Attribute::required("device_name", Type::String).force_new(),
        Attribute::required("instance_id", Type::String).force_new(),
        Attribute::required("volume_id", Type::String).force_new(),
        Attribute::optional("force_detach", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("skip_destroy", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("stop_instance_before_detaching", Type::Bool)
            .default(Default::Bool(false)),
    ],
    blocks: &[],
};

const ATTACH_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DETACH_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const INSTANCE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const FLAGS: [&str; 3] = [
    "force_detach",
    "skip_destroy",
    "stop_instance_before_detaching",
];

client_type!(VolumeAttachment: ec2);

#[async_trait]
impl ResourceType for VolumeAttachment {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let key = Key::from(planned)?;
        let found =
            find::<aws_sdk_ec2::types::Volume>(&self.client, std::slice::from_ref(&key.volume))
                .await?;
        let already = found.get(&key.volume).and_then(|v| key.attachment_state(v));
        if already.is_none() {
            // An instance still launching cannot take a volume yet.
            wait_instance(
                &self.client,
                &key.instance,
                &[InstanceStateName::Running, InstanceStateName::Stopped],
                &[InstanceStateName::Pending, InstanceStateName::Stopping],
                INSTANCE_TIMEOUT,
            )
            .await?;
            self.client
                .attach_volume()
                .device(&key.device)
                .instance_id(&key.instance)
                .volume_id(&key.volume)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        let state = to_state(planned, &key);
        self.wait_attachment(&key, true)
            .await
            .map_err(|e| e.with_partial(state.clone()))?;
        Ok(state)
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let keys: Vec<Option<Key>> = priors.iter().map(|p| Key::from(p).ok()).collect();
        let volume_ids: Vec<String> = keys.iter().flatten().map(|k| k.volume.clone()).collect();
        let volumes = find::<aws_sdk_ec2::types::Volume>(&self.client, &volume_ids).await?;
        Ok(priors
            .iter()
            .zip(&keys)
            .map(|(prior, key)| {
                let key = key.as_ref()?;
                let volume = volumes.get(&key.volume)?;
                key.attachment_state(volume)?;
                Some(to_state(prior, key))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        // Only the detach behaviour flags can change; they live in state alone.
        let key = Key::from(prior)?;
        Ok(to_state(planned, &key))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        if prior.bool("skip_destroy") == Some(true) {
            return Ok(());
        }
        let key = Key::from(prior)?;
        if prior.bool("stop_instance_before_detaching") == Some(true) {
            stop_instance(&self.client, &key.instance).await?;
        }
        // moto answers HTTP 500 when InstanceId is missing; AWS accepts both.
        let result = self
            .client
            .detach_volume()
            .device(&key.device)
            .instance_id(&key.instance)
            .volume_id(&key.volume)
            .force(prior.bool("force_detach") == Some(true))
            .send()
            .await;
        if let Err(e) = result {
            let e = sdk_error(e);
            let already_detached =
                e.code.as_deref() == Some("IncorrectState") && e.message.contains("available");
            if already_detached || is_not_found(&e) {
                return Ok(());
            }
            return Err(e);
        }
        self.wait_attachment(&key, false).await
    }

    fn import_stub(&self, id: &str) -> Object {
        // Terraform's import format: DEVICE_NAME:VOLUME_ID:INSTANCE_ID.
        let parts: Vec<&str> = id.split(':').collect();
        match parts[..] {
            [device, volume, instance]
                if !device.is_empty() && !volume.is_empty() && !instance.is_empty() =>
            {
                crate::object! {
                    "id" => attachment_id(device, instance, volume),
                    "device_name" => device,
                    "volume_id" => volume,
                    "instance_id" => instance,
                }
            }
            _ => crate::object! {"id" => id},
        }
    }
}

impl VolumeAttachment {
    /// Waits until the attachment is attached (`present`) or gone.
    async fn wait_attachment(&self, key: &Key, present: bool) -> Result<()> {
        let what = format!(
            "volume {} to be {} instance {} as {}",
            key.volume,
            if present {
                "attached to"
            } else {
                "detached from"
            },
            key.instance,
            key.device
        );
        let timeout = if present {
            ATTACH_TIMEOUT
        } else {
            DETACH_TIMEOUT
        };
        let ids = [key.volume.clone()];
        wait_until(&what, Pace::backoff(timeout), || async {
            let found = find::<aws_sdk_ec2::types::Volume>(&self.client, &ids).await?;
            let state = found.get(&key.volume).and_then(|v| key.attachment_state(v));
            Ok(match (present, state) {
                (true, Some(VolumeAttachmentState::Attached)) => Some(()),
                (false, None) => Some(()),
                _ => None,
            })
        })
        .await
    }
}

/// The three values that identify an attachment.
struct Key {
    device: String,
    instance: String,
    volume: String,
}

impl Key {
    fn from(o: &Object) -> Result<Key> {
        let get = |k: &str| {
            o.str(k).map(str::to_string).ok_or_else(|| {
                ProviderError::new(format!("aws_volume_attachment: {k} is not known"))
            })
        };
        Ok(Key {
            device: get("device_name")?,
            instance: get("instance_id")?,
            volume: get("volume_id")?,
        })
    }

    /// The state of this attachment on `volume`, if it exists and is not detached.
    fn attachment_state(&self, volume: &Volume) -> Option<VolumeAttachmentState> {
        if matches!(
            volume.state(),
            Some(VolumeState::Available | VolumeState::Deleted | VolumeState::Deleting)
        ) {
            return None;
        }
        volume
            .attachments()
            .iter()
            .find(|a| {
                a.device() == Some(self.device.as_str())
                    && a.instance_id() == Some(self.instance.as_str())
                    && a.state() != Some(&VolumeAttachmentState::Detached)
            })
            .map(|a| {
                a.state()
                    .cloned()
                    .unwrap_or(VolumeAttachmentState::Attached)
            })
    }
}

fn to_state(from: &Object, key: &Key) -> Object {
    let mut state = crate::object! {
        "id" => attachment_id(&key.device, &key.instance, &key.volume),
        "device_name" => key.device.as_str(),
        "instance_id" => key.instance.as_str(),
        "volume_id" => key.volume.as_str(),
    };
    for flag in FLAGS {
        state.insert(flag.into(), Value::Bool(from.bool(flag).unwrap_or(false)));
    }
    state
}

/// Terraform's id: "vai-" and the CRC-32 of "device-instance-volume-", so that
/// state moved from Terraform keeps the same id.
fn attachment_id(device: &str, instance: &str, volume: &str) -> String {
    format!(
        "vai-{}",
        crc32(format!("{device}-{instance}-{volume}-").as_bytes())
    )
}
