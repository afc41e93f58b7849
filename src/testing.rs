//! An in-memory provider for engine unit tests: a few resource types whose schemas
//! mimic the AWS ones in miniature, objects kept in a map, and a log of every call
//! so tests can check what the engine did and in which order.
//!
//! Compiled for tests only: it can never be used to run a stack.

use crate::provider::{
    Attribute, BlockType, Created, DataLoss, DataSource, Default, ErrorKind, LossContext, Meta,
    Nesting, Provider, ProviderError, ProviderResult, ResourceType, Result, Schema, Type,
    VolumeLoss, VolumeSnapshot, ID, TAGS,
};
use crate::value::{Object, ObjectExt, Value};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub static KEY: Schema = Schema {
    type_name: "mem_key",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional("description", Type::String),
        Attribute::optional("key_usage", Type::String)
            .default(Default::Str("ENCRYPT_DECRYPT"))
            .force_new(),
        TAGS,
    ],
    blocks: &[],
};

pub static INSTANCE: Schema = Schema {
    type_name: "mem_instance",
    attributes: &[
        ID,
        Attribute::required("ami", Type::String).force_new(),
        Attribute::required("instance_type", Type::String),
        Attribute::optional("kms_key_id", Type::String),
        TAGS,
    ],
    blocks: &[BlockType::new(
        "root_block_device",
        Nesting::Single,
        &[
            Attribute::computed("volume_id", Type::String),
            Attribute::optional_computed("volume_size", Type::Number),
            Attribute::optional("delete_on_termination", Type::Bool).default(Default::Bool(true)),
        ],
    )
    .computed_when_absent()],
};

pub static VOLUME: Schema = Schema {
    type_name: "mem_volume",
    attributes: &[
        ID,
        Attribute::required("availability_zone", Type::String).force_new(),
        Attribute::required("size", Type::Number),
        TAGS,
    ],
    blocks: &[],
};

pub static AMI: Schema = Schema {
    type_name: "mem_ami",
    attributes: &[
        Attribute::required("name", Type::String),
        ID,
        Attribute::computed("architecture", Type::String),
    ],
    blocks: &[],
};

/// One call the engine made to the provider.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// `id` is None when the create failed.
    Create {
        address: String,
        id: Option<String>,
        input: Object,
    },
    /// One batched read of `type_name` for these ids.
    Read {
        type_name: String,
        ids: Vec<String>,
    },
    Update {
        address: String,
        id: String,
        input: Object,
    },
    Delete {
        address: String,
        id: String,
    },
    ReadData {
        type_name: String,
        input: Object,
    },
    Snapshot {
        address: String,
        volume_ids: Vec<String>,
    },
}

impl Call {
    /// `create mem_key.k`, `read mem_instance [i-2, i-3]`, ...: for order assertions.
    pub fn short(&self) -> String {
        match self {
            Call::Create { address, .. } => format!("create {address}"),
            Call::Read { type_name, ids } => format!("read {type_name} [{}]", ids.join(", ")),
            Call::Update { address, .. } => format!("update {address}"),
            Call::Delete { address, .. } => format!("delete {address}"),
            Call::ReadData { type_name, .. } => format!("read data.{type_name}"),
            Call::Snapshot {
                address,
                volume_ids,
            } => {
                format!("snapshot {address} [{}]", volume_ids.join(", "))
            }
        }
    }
}

#[derive(Default)]
struct Shared {
    /// Every object that exists, by id.
    store: Arc<Mutex<BTreeMap<String, Object>>>,
    next_id: AtomicU64,
    calls: Mutex<Vec<Call>>,
    /// id → address given at create, so deletes can be logged by address.
    addresses: Mutex<BTreeMap<String, String>>,
    /// Addresses whose next creates fail; `true` when the failure leaves a partial object.
    fail_create: Mutex<BTreeMap<String, bool>>,
    /// Ids whose deletes fail.
    fail_delete: Mutex<std::collections::BTreeSet<String>>,
    /// Addresses whose snapshots fail.
    fail_snapshot: Mutex<std::collections::BTreeSet<String>>,
    /// Ids whose reads are refused (as AWS does without permission).
    fail_read: Mutex<std::collections::BTreeSet<String>>,
    /// Addresses whose next creates make the object but lose the answer.
    lose_answer: Mutex<std::collections::BTreeSet<String>>,
    /// Addresses whose next N creates are throttled (refused, nothing made).
    throttle_create: Mutex<BTreeMap<String, u32>>,
    /// id → the token of the create that made it (the `recon:token` tag).
    tokens: Mutex<BTreeMap<String, String>>,
}

impl Shared {
    fn next(&self, prefix: &str) -> String {
        format!(
            "{prefix}-{}",
            self.next_id.fetch_add(1, Ordering::SeqCst) + 1
        )
    }
    fn log(&self, call: Call) {
        self.calls.lock().unwrap().push(call);
    }
    fn address_of(&self, id: &str) -> String {
        self.addresses
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .unwrap_or_else(|| "?".into())
    }
}

/// A provider whose AWS is a map in memory.
#[derive(Clone, Default)]
pub struct MemoryProvider {
    shared: Arc<Shared>,
}

impl MemoryProvider {
    pub fn new() -> MemoryProvider {
        MemoryProvider::default()
    }

    /// The store itself, for changes behind the engine's back.
    pub fn store(&self) -> Arc<Mutex<BTreeMap<String, Object>>> {
        self.shared.store.clone()
    }

    pub fn object(&self, id: &str) -> Option<Object> {
        self.shared.store.lock().unwrap().get(id).cloned()
    }

    pub fn ids(&self) -> Vec<String> {
        self.shared.store.lock().unwrap().keys().cloned().collect()
    }

    /// Changes an attribute of an existing object, as someone in the console would.
    pub fn set_behind_back(&self, id: &str, attr: &str, value: impl Into<Value>) {
        let mut store = self.shared.store.lock().unwrap();
        let obj = store
            .get_mut(id)
            .unwrap_or_else(|| panic!("no object {id}"));
        obj.insert(attr.to_string(), value.into());
    }

    pub fn delete_behind_back(&self, id: &str) {
        assert!(
            self.shared.store.lock().unwrap().remove(id).is_some(),
            "no object {id}"
        );
    }

    /// Makes every create of `address` fail until [`MemoryProvider::clear_failures`].
    pub fn fail_create(&self, address: &str) {
        self.shared
            .fail_create
            .lock()
            .unwrap()
            .insert(address.to_string(), false);
    }

    /// Like `fail_create`, but the object is half made: it exists and the error says so.
    pub fn fail_create_partially(&self, address: &str) {
        self.shared
            .fail_create
            .lock()
            .unwrap()
            .insert(address.to_string(), true);
    }

    /// Makes every delete of the object `id` fail until [`MemoryProvider::clear_failures`].
    pub fn fail_delete(&self, id: &str) {
        self.shared
            .fail_delete
            .lock()
            .unwrap()
            .insert(id.to_string());
    }

    /// Makes every snapshot of `address`'s volumes fail until [`MemoryProvider::clear_failures`].
    pub fn fail_snapshot(&self, address: &str) {
        self.shared
            .fail_snapshot
            .lock()
            .unwrap()
            .insert(address.to_string());
    }

    /// Makes every read of the object `id` fail until [`MemoryProvider::clear_failures`].
    pub fn fail_read(&self, id: &str) {
        self.shared.fail_read.lock().unwrap().insert(id.to_string());
    }

    /// Makes every create of `address` make its object and then lose the
    /// answer (a dropped connection), until [`MemoryProvider::clear_failures`].
    pub fn lose_create_answer(&self, address: &str) {
        self.shared
            .lose_answer
            .lock()
            .unwrap()
            .insert(address.to_string());
    }

    /// Throttles the next `times` creates of `address`: refused, nothing made.
    pub fn throttle_create(&self, address: &str, times: u32) {
        self.shared
            .throttle_create
            .lock()
            .unwrap()
            .insert(address.to_string(), times);
    }

    pub fn clear_failures(&self) {
        self.shared.lose_answer.lock().unwrap().clear();
        self.shared.throttle_create.lock().unwrap().clear();
        self.shared.fail_create.lock().unwrap().clear();
        self.shared.fail_delete.lock().unwrap().clear();
        self.shared.fail_snapshot.lock().unwrap().clear();
        self.shared.fail_read.lock().unwrap().clear();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// Calls as short strings, without refresh reads.
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .iter()
            .filter(|c| !matches!(c, Call::Read { .. } | Call::ReadData { .. }))
            .map(Call::short)
            .collect()
    }

    pub fn clear_calls(&self) {
        self.shared.calls.lock().unwrap().clear();
    }

    fn rtype(&self, schema: &'static Schema) -> Arc<dyn ResourceType> {
        Arc::new(MemResource {
            schema,
            shared: self.shared.clone(),
        })
    }
}

impl Provider for MemoryProvider {
    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        [&KEY, &INSTANCE, &VOLUME]
            .into_iter()
            .find(|s| s.type_name == type_name)
            .map(|s| self.rtype(s))
    }

    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSource>> {
        (type_name == AMI.type_name).then(|| {
            Arc::new(MemAmi {
                shared: self.shared.clone(),
            }) as Arc<dyn DataSource>
        })
    }

    fn resource_schemas(&self) -> Vec<&'static Schema> {
        vec![&KEY, &INSTANCE, &VOLUME]
    }

    fn data_source_schemas(&self) -> Vec<&'static Schema> {
        vec![&AMI]
    }
}

struct MemResource {
    schema: &'static Schema,
    shared: Arc<Shared>,
}

/// The engine promises every argument is known by the time it reaches the provider.
fn check_known(schema: &Schema, planned: &Object) -> ProviderResult<()> {
    let unknown = |attrs: &[Attribute], obj: &Object| {
        attrs
            .iter()
            .filter(|a| !a.is_computed())
            .find(|a| obj.get(a.name).is_some_and(|v| !v.is_wholly_known()))
            .map(|a| a.name)
    };
    let mut bad = unknown(schema.attributes, planned);
    for block in schema.blocks {
        if let Some(Value::List(items)) = planned.get(block.name) {
            for item in items.iter().filter_map(Value::as_object) {
                bad = bad.or_else(|| unknown(block.attributes, item));
            }
        }
    }
    match bad {
        Some(name) => Err(ProviderError::new(format!(
            "{}: \"{name}\" reached the provider unknown",
            schema.type_name
        ))),
        None => Ok(()),
    }
}

impl MemResource {
    /// Fills what the "cloud" computes.
    fn complete(&self, obj: &mut Object, id: &str) {
        obj.insert("id".into(), Value::from(id));
        match self.schema.type_name {
            "mem_key" => {
                obj.insert("arn".into(), Value::from(format!("arn:mem:kms:key/{id}")));
            }
            "mem_instance" => {
                let mut root = match obj.get("root_block_device") {
                    Some(Value::List(items)) => items
                        .first()
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                    _ => Object::new(),
                };
                if root.str("volume_id").is_none() {
                    root.insert("volume_id".into(), Value::from(self.shared.next("vol")));
                }
                if root.get("volume_size").and_then(Value::as_f64).is_none() {
                    root.insert("volume_size".into(), Value::from(8));
                }
                if root.bool("delete_on_termination").is_none() {
                    root.insert("delete_on_termination".into(), Value::Bool(true));
                }
                obj.insert(
                    "root_block_device".into(),
                    Value::List(vec![Value::Object(root)]),
                );
            }
            _ => {}
        }
    }
}

#[async_trait]
impl ResourceType for MemResource {
    fn schema(&self) -> &'static Schema {
        self.schema
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let fail = self
            .shared
            .fail_create
            .lock()
            .unwrap()
            .get(&meta.address)
            .copied();
        let logged = |id: Option<String>| Call::Create {
            address: meta.address.clone(),
            id,
            input: planned.clone(),
        };
        if let Err(e) = check_known(self.schema, planned) {
            self.shared.log(logged(None));
            return Err(e);
        }
        if let Some(left) = self
            .shared
            .throttle_create
            .lock()
            .unwrap()
            .get_mut(&meta.address)
            .filter(|n| **n > 0)
        {
            *left -= 1;
            self.shared.log(logged(None));
            return Err(ProviderError::with_code("Throttling", "Rate exceeded")
                .with_kind(ErrorKind::Throttled));
        }
        let prefix = match self.schema.type_name {
            "mem_key" => "key",
            "mem_instance" => "i",
            _ => "vol",
        };
        let id = match fail {
            Some(false) => {
                self.shared.log(logged(None));
                return Err(ProviderError::with_code(
                    "InjectedFailure",
                    format!("creating {} failed on purpose", meta.address),
                ));
            }
            _ => self.shared.next(prefix),
        };
        let mut obj = planned.clone();
        self.complete(&mut obj, &id);
        self.shared
            .store
            .lock()
            .unwrap()
            .insert(id.clone(), obj.clone());
        self.shared
            .addresses
            .lock()
            .unwrap()
            .insert(id.clone(), meta.address.clone());
        if let Some(token) = &meta.token {
            self.shared
                .tokens
                .lock()
                .unwrap()
                .insert(id.clone(), token.clone());
        }
        self.shared.log(logged(Some(id.clone())));
        if self
            .shared
            .lose_answer
            .lock()
            .unwrap()
            .contains(&meta.address)
        {
            return Err(ProviderError::new("connection reset: the answer was lost")
                .with_kind(ErrorKind::Transient));
        }
        if fail == Some(true) {
            return Err(ProviderError::with_code(
                "InjectedFailure",
                format!("{id} never became ready"),
            )
            .with_partial(obj));
        }
        Ok(obj)
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(token) = &meta.token else {
            return Ok(Created::Unknowable);
        };
        let id = self
            .shared
            .tokens
            .lock()
            .unwrap()
            .iter()
            .find(|(_, t)| *t == token)
            .map(|(id, _)| id.clone());
        Ok(
            match id.and_then(|id| self.shared.store.lock().unwrap().get(&id).cloned()) {
                Some(obj) => Created::Found(obj),
                None => Created::Absent,
            },
        )
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids: Vec<String> = priors
            .iter()
            .map(|p| p.str("id").unwrap_or_default().to_string())
            .collect();
        self.shared.log(Call::Read {
            type_name: self.schema.type_name.into(),
            ids: ids.clone(),
        });
        if let Some(id) = ids
            .iter()
            .find(|id| self.shared.fail_read.lock().unwrap().contains(*id))
        {
            return Err(ProviderError::with_code(
                "UnauthorizedOperation",
                format!("not allowed to read {id}"),
            ));
        }
        let store = self.shared.store.lock().unwrap();
        Ok(ids.iter().map(|id| store.get(id).cloned()).collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let id = prior
            .str("id")
            .ok_or_else(|| ProviderError::new("update without an id"))?
            .to_string();
        self.shared.log(Call::Update {
            address: meta.address.clone(),
            id: id.clone(),
            input: planned.clone(),
        });
        check_known(self.schema, planned)?;
        if planned.str("id") != Some(id.as_str()) {
            return Err(ProviderError::new(format!(
                "update of {id} planned with id {:?}",
                planned.get("id")
            )));
        }
        let mut store = self.shared.store.lock().unwrap();
        let current = store
            .get_mut(&id)
            .ok_or_else(|| ProviderError::with_code("NotFound", format!("{id} does not exist")))?;
        let mut next = planned.clone();
        // The root volume keeps its id; only its size changes in place.
        if let (Some(old), Some(new)) = (
            current.block("root_block_device"),
            planned.block("root_block_device"),
        ) {
            let mut root = old.clone();
            if let Some(size) = new.get("volume_size").filter(|v| v.as_f64().is_some()) {
                root.insert("volume_size".into(), size.clone());
            }
            if let Some(d) = new
                .get("delete_on_termination")
                .filter(|v| v.as_bool().is_some())
            {
                root.insert("delete_on_termination".into(), d.clone());
            }
            next.insert(
                "root_block_device".into(),
                Value::List(vec![Value::Object(root)]),
            );
        }
        *current = next.clone();
        Ok(next)
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = prior.str("id").unwrap_or_default().to_string();
        self.shared.log(Call::Delete {
            address: self.shared.address_of(&id),
            id: id.clone(),
        });
        if self.shared.fail_delete.lock().unwrap().contains(&id) {
            return Err(ProviderError::with_code(
                "DependencyViolation",
                format!("{id} is still in use"),
            ));
        }
        // Gone already is fine, as with the AWS resources.
        self.shared.store.lock().unwrap().remove(&id);
        Ok(())
    }

    async fn snapshot(&self, volumes: &[VolumeLoss], meta: &Meta) -> Result<Vec<VolumeSnapshot>> {
        self.shared.log(Call::Snapshot {
            address: meta.address.clone(),
            volume_ids: volumes.iter().map(|v| v.volume_id.clone()).collect(),
        });
        if self
            .shared
            .fail_snapshot
            .lock()
            .unwrap()
            .contains(&meta.address)
        {
            return Err(ProviderError::with_code(
                "SnapshotLimitExceeded",
                "too many snapshots",
            ));
        }
        let mut taken = Vec::new();
        for v in volumes {
            let id = self.shared.next("snap");
            self.shared.store.lock().unwrap().insert(
                id.clone(),
                crate::object! {"id" => id.as_str(), "volume_id" => v.volume_id.as_str()},
            );
            taken.push(VolumeSnapshot {
                volume_id: v.volume_id.clone(),
                snapshot_id: id,
            });
        }
        Ok(taken)
    }

    async fn assess_data_loss(
        &self,
        prior: &Object,
        ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        crate::provider::current_volume_losses(self, prior, ctx).await
    }

    fn data_loss(&self, prior: &Object) -> Vec<VolumeLoss> {
        match self.schema.type_name {
            "mem_volume" => prior
                .str("id")
                .map(|id| VolumeLoss {
                    volume_id: id.to_string(),
                    size_gib: prior.i64("size"),
                    role: "volume".into(),
                })
                .into_iter()
                .collect(),
            "mem_instance" => prior
                .list("root_block_device")
                .iter()
                .filter_map(Value::as_object)
                .filter(|b| b.bool("delete_on_termination") == Some(true))
                .filter_map(|b| {
                    Some(VolumeLoss {
                        volume_id: b.str("volume_id")?.to_string(),
                        size_gib: b.i64("volume_size"),
                        role: "root_block_device".into(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// `data "mem_ami"`: finds an image by name.
struct MemAmi {
    shared: Arc<Shared>,
}

#[async_trait]
impl DataSource for MemAmi {
    fn schema(&self) -> &'static Schema {
        &AMI
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        self.shared.log(Call::ReadData {
            type_name: AMI.type_name.into(),
            input: config.clone(),
        });
        let name = config
            .str("name")
            .ok_or_else(|| ProviderError::new("mem_ami: name is unknown"))?;
        if name == "missing" {
            return Err(ProviderError::new("no image matches name \"missing\""));
        }
        let mut out = config.clone();
        out.insert("id".into(), Value::from(format!("ami-{name}")));
        out.insert("architecture".into(), Value::from("x86_64"));
        Ok(out)
    }
}

#[cfg(test)]
mod engine;
