//! The contract between the engine and every resource type: a schema the generic
//! diff engine reads, plus create / read / update / delete.
//!
//! Nothing here names an AWS SDK type: the engine and its unit tests stay free of them.

use crate::value::{Object, Value};
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The type of an attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// A JSON document held as a string (policies); compared by meaning, not text.
    Json,
    List(&'static Type),
    /// Compared without regard to order.
    Set(&'static Type),
    Map(&'static Type),
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String | Type::Json => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Set by the provider only; configuring it is an error.
    Computed,
    /// May be configured; when it is not, the provider's value is kept.
    OptionalComputed,
}

/// A default literal, usable in `const` schema tables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Default {
    pub fn value(self) -> Value {
        match self {
            Default::Bool(b) => Value::Bool(b),
            Default::Int(n) => Value::Number(n as f64),
            Default::Str(s) => Value::String(s.to_string()),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: Type,
    pub presence: Presence,
    /// A change to this attribute cannot be made in place: the resource is replaced.
    pub force_new: bool,
    pub sensitive: bool,
    pub default: Option<Default>,
    /// Each string in the value (a string or a collection of strings) is a
    /// network CIDR: validated where configured, canonical where policies read it.
    pub cidr: bool,
    /// The values the argument may take beyond its type.
    pub allowed: Allowed,
}

/// The values an argument may take beyond its type (Terraform's validation
/// functions): `recon validate` and `recon plan` refuse any other where it is
/// written, before anything is applied. Unknown values are left to AWS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Allowed {
    Any,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A whole number from the first to the second, both included.
    WholeIn(i64, i64),
    /// One of these whole numbers.
    WholeOneOf(&'static [i64]),
}

impl Allowed {
    /// What is wrong with a known value this does not take: a message and a help line.
    pub fn refuses(self, value: &Value) -> Option<(String, String)> {
        let whole = |n: f64| (n.fract() == 0.0).then_some(n as i64);
        let listed = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
        let (wanted, got) = match (self, value) {
            (Allowed::OneOf(values), Value::String(s)) if !values.contains(&s.as_str()) => {
                let quoted = &mut values.iter().map(|v| format!("\"{v}\""));
                (format!("one of {}", listed(quoted)), format!("\"{s}\""))
            }
            (Allowed::WholeIn(low, high), Value::Number(n))
                if whole(*n).is_none_or(|n| n < low || n > high) =>
            {
                (
                    format!("a whole number from {low} to {high}"),
                    n.to_string(),
                )
            }
            (Allowed::WholeOneOf(values), Value::Number(n))
                if whole(*n).is_none_or(|n| !values.contains(&n)) =>
            {
                let numbers = &mut values.iter().map(i64::to_string);
                (format!("one of {}", listed(numbers)), n.to_string())
            }
            _ => return None,
        };
        Some((
            format!("must be {wanted}, got {got}"),
            format!("write {wanted}"),
        ))
    }
}

impl Attribute {
    const fn new(name: &'static str, ty: Type, presence: Presence) -> Self {
        Attribute {
            name,
            ty,
            presence,
            force_new: false,
            sensitive: false,
            default: None,
            cidr: false,
            allowed: Allowed::Any,
        }
    }
    pub const fn required(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Required)
    }
    pub const fn optional(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Optional)
    }
    pub const fn computed(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Computed)
    }
    pub const fn optional_computed(name: &'static str, ty: Type) -> Self {
        Self::new(name, ty, Presence::OptionalComputed)
    }
    pub const fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub const fn default(mut self, value: Default) -> Self {
        self.default = Some(value);
        self
    }
    pub const fn cidr(mut self) -> Self {
        self.cidr = true;
        self
    }
    pub const fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.allowed = Allowed::OneOf(values);
        self
    }
    pub const fn whole_in(mut self, low: i64, high: i64) -> Self {
        self.allowed = Allowed::WholeIn(low, high);
        self
    }
    pub const fn whole_one_of(mut self, values: &'static [i64]) -> Self {
        self.allowed = Allowed::WholeOneOf(values);
        self
    }
    pub fn is_configurable(&self) -> bool {
        self.presence != Presence::Computed
    }
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; held in state as a list of zero or one object (as Terraform does).
    Single,
    List,
    /// Compared without regard to order.
    Set,
}

/// A nested block type such as `root_block_device` or `ingress`.
#[derive(Clone, Copy, Debug)]
pub struct BlockType {
    pub name: &'static str,
    pub nesting: Nesting,
    pub attributes: &'static [Attribute],
    /// When the block is absent from configuration, keep what the provider reports
    /// (Terraform's Optional+Computed blocks, e.g. `root_block_device`).
    pub computed_when_absent: bool,
    pub force_new: bool,
    /// Blocks nested inside each element (e.g. a `rule`'s
    /// `apply_server_side_encryption_by_default`), held the same way: lists of objects.
    pub blocks: &'static [BlockType],
    /// Also accepted as an argument holding a list of objects
    /// (`ingress = [{ ... }]`): Terraform's "attributes as blocks".
    pub attribute_syntax: bool,
}

impl BlockType {
    pub const fn new(
        name: &'static str,
        nesting: Nesting,
        attributes: &'static [Attribute],
    ) -> Self {
        BlockType {
            name,
            nesting,
            attributes,
            computed_when_absent: false,
            force_new: false,
            blocks: &[],
            attribute_syntax: false,
        }
    }
    pub const fn with_blocks(mut self, blocks: &'static [BlockType]) -> Self {
        self.blocks = blocks;
        self
    }
    pub const fn computed_when_absent(mut self) -> Self {
        self.computed_when_absent = true;
        self
    }
    pub const fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub const fn attribute_syntax(mut self) -> Self {
        self.attribute_syntax = true;
        self
    }
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn block(&self, name: &str) -> Option<&'static BlockType> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// The schema of a resource or data source type: data the generic engine reads.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    pub type_name: &'static str,
    pub attributes: &'static [Attribute],
    pub blocks: &'static [BlockType],
}

impl Schema {
    /// The first argument of `config`, nested blocks included, whose value its
    /// attribute does not allow ([`Allowed`]), as "path: what is wrong"; unknown
    /// values pass.
    pub fn refused(&self, config: &Object) -> Option<String> {
        refused_in(self.attributes, self.blocks, config)
    }

    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn block(&self, name: &str) -> Option<&'static BlockType> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// Who is asking: lets providers tag what they create with its stack and address.
#[derive(Clone, Debug)]
pub struct Meta {
    pub stack: String,
    pub address: String,
    /// Unique to one intended create (a pending operation in state). Every object a
    /// create makes carries it where the service allows (a `recon:token` tag, EC2's
    /// `ClientToken`), so that an interrupted create can be found again.
    pub token: Option<String>,
    /// When the create with `token` began: an object that cannot carry the token
    /// from its creation on (an S3 bucket, tagged only after) is recognised by
    /// being made after it.
    pub began: Option<std::time::SystemTime>,
}

impl Meta {
    pub fn new(stack: impl Into<String>, address: impl Into<String>) -> Meta {
        Meta {
            stack: stack.into(),
            address: address.into(),
            token: None,
            began: None,
        }
    }
}

/// What kind of failure a provider error is: decides whether a call may be
/// tried again, and whether a create may have happened although it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// The service refused the request before doing anything (rate limits):
    /// trying again is safe, even for a create.
    Throttled,
    /// The outcome is unknown: a timeout, a dropped connection, a 5xx. A create
    /// may have happened; it must be looked for before it is tried again.
    Transient,
    NotFound,
    /// The object exists already, or another change is in progress on it.
    Conflict,
    /// Something it depends on (or that depends on it) is in the way.
    Dependency,
    /// The endpoint could not be reached (connection refused, DNS, connect
    /// timeout): no request was sent, so nothing happened and waiting will not help.
    Unreachable,
    /// AWS credentials are missing, invalid or expired: every call fails alike.
    Credentials,
    #[default]
    Other,
}

impl ErrorKind {
    /// Worth another try of an idempotent call.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Throttled | ErrorKind::Transient)
    }

    /// A failure of the setup (endpoint, credentials), not of one resource:
    /// every call fails alike, so one line says it, without the resource.
    pub fn is_setup(self) -> bool {
        matches!(self, ErrorKind::Unreachable | ErrorKind::Credentials)
    }

    /// The kind's name in machine-readable output.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Throttled => "throttled",
            ErrorKind::Transient => "transient",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Dependency => "dependency",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Other => "other",
        }
    }
}

/// The result of looking for the object an interrupted create may have made.
#[derive(Clone, Debug)]
pub enum Created {
    /// Nothing was made: the create can be tried again.
    Absent,
    /// The object the create made, read in full.
    Found(Object),
    /// An object holds the name, but recon did not make it for this address.
    NotOurs { id: String },
    /// This type cannot be looked up by token or name.
    Unknowable,
}

impl Created {
    /// Found when a read of the object gave its state, else Absent.
    pub fn found_or_absent(state: Option<Object>) -> Created {
        match state {
            Some(state) => Created::Found(state),
            None => Created::Absent,
        }
    }

    /// For objects without tags, at a place that holds one (a route's
    /// destination, a statement id): what stands there is the lost create's when
    /// `same` says it is what the plan asks for, anyone's else (to import as
    /// `import_id`) otherwise.
    pub fn if_same(
        found: Option<Object>,
        same: impl FnOnce(&Object) -> bool,
        import_id: impl FnOnce() -> String,
    ) -> Created {
        match found {
            None => Created::Absent,
            Some(found) if same(&found) => Created::Found(found),
            Some(_) => Created::NotOurs { id: import_id() },
        }
    }
}

/// An EBS volume that a delete or replace would destroy.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeLoss {
    pub volume_id: String,
    pub size_gib: Option<i64>,
    /// Where the volume sits: "root_block_device", "ebs_block_device /dev/sdf", "volume".
    pub role: String,
}

/// What a delete or replace destroys, or leaves unreadable.
#[derive(Clone, Debug, PartialEq)]
pub enum DataLoss {
    /// An EBS volume deleted with the resource: `--snapshot-data-loss` can copy it first.
    Volume(VolumeLoss),
    /// The objects a `force_destroy` bucket deletes with itself: `count` current
    /// objects plus `older_versions` noncurrent ones; `bytes` covers them all.
    Objects {
        bucket: String,
        count: u64,
        older_versions: u64,
        bytes: u64,
    },
    /// Data encrypted under a KMS key being deleted: unreadable once the key is gone.
    Encrypted(Encrypted),
}

impl DataLoss {
    pub fn volume(&self) -> Option<&VolumeLoss> {
        match self {
            DataLoss::Volume(v) => Some(v),
            _ => None,
        }
    }

    /// The JSON name of this kind of loss.
    pub fn kind(&self) -> &'static str {
        match self {
            DataLoss::Volume(_) => "volume",
            DataLoss::Objects { .. } => "objects",
            DataLoss::Encrypted(_) => "encrypted",
        }
    }
}

/// Something a KMS key encrypts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Encrypted {
    /// "EBS volume", "EBS snapshot", "S3 bucket", "SQS queue".
    pub what: &'static str,
    pub id: String,
    /// The recon address that manages it, when state has one.
    pub address: Option<String>,
}

/// What a data-loss assessment may consult besides the object being destroyed.
pub struct LossContext<'a> {
    /// Whether the object was just read from AWS (false under `--refresh=false`:
    /// then state cannot be trusted for what is lost, read what matters).
    pub refreshed: bool,
    /// Every managed object in state, for what refers to the one destroyed.
    pub state: &'a [StateObject],
    /// Ids of the objects this plan destroys (volumes an instance takes with it
    /// too): their data is lost with them, not through what refers to them.
    pub destroyed: &'a BTreeSet<String>,
    /// Account-wide listings shared by every assessment of this plan.
    pub scans: &'a EncryptionScans,
}

/// What is encrypted under which KMS key, listed once per plan and region and
/// shared by the assessments of every key the plan deletes: one walk over the
/// account's volumes, snapshots, buckets and queues, not one per key.
#[derive(Default)]
pub struct EncryptionScans(std::sync::Mutex<HashMap<String, RegionScan>>);

/// One region's listing, made once by whichever assessment asks first.
type RegionScan = Arc<OnceCell<Arc<[KeyUse]>>>;

/// One thing encrypted under a KMS key, as AWS names the key there (id, ARN or
/// alias).
#[derive(Clone, Debug)]
pub struct KeyUse {
    pub what: &'static str,
    pub id: String,
    pub key: String,
}

impl EncryptionScans {
    /// The listing of `region`, made by `scan` the first time it is asked for.
    /// A failed scan is not kept: the next ask (a retry) scans again.
    pub async fn get_or_scan<F, Fut>(&self, region: &str, scan: F) -> ProviderResult<Arc<[KeyUse]>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ProviderResult<Vec<KeyUse>>>,
    {
        let cell = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(region.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| async { scan().await.map(Arc::from) })
            .await
            .cloned()
    }
}

/// A managed object in state, with its address.
pub struct StateObject {
    pub address: String,
    pub type_name: String,
    pub object: Object,
}

/// A type's judgement of an in-place change, beyond what its schema can say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeReview {
    /// Top-level attributes whose change forces replacement this time (one
    /// attribute may decide for another: `user_data_replace_on_change`).
    pub replace: Vec<&'static str>,
    /// Changes AWS cannot make at all.
    pub refused: Vec<RefusedChange>,
    /// Computed attributes the change gives a new value only AWS knows (a
    /// launch template's `latest_version` when its data changes): unknown in
    /// the plan, as Terraform's SetNewComputed.
    pub recomputed: Vec<&'static str>,
}

fn refused_in(attributes: &[Attribute], blocks: &[BlockType], config: &Object) -> Option<String> {
    let own = attributes.iter().find_map(|a| {
        let (message, _) = a.allowed.refuses(config.get(a.name)?)?;
        Some(format!("{}: {message}", a.name))
    });
    own.or_else(|| {
        blocks.iter().find_map(|b| {
            let items = config.get(b.name)?.as_list()?;
            let nested = items.iter().filter_map(Value::as_object);
            nested
                .filter_map(|item| refused_in(b.attributes, b.blocks, item))
                .next()
                .map(|refused| format!("{}.{refused}", b.name))
        })
    })
}

/// A change AWS refuses, such as shrinking an EBS volume.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedChange {
    /// Where it is written: attribute names through nested blocks,
    /// e.g. `["root_block_device", "volume_size"]`.
    pub path: Vec<&'static str>,
    pub message: String,
    /// What to do instead.
    pub help: String,
}

/// A snapshot taken of a volume before a change destroyed it.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeSnapshot {
    pub volume_id: String,
    pub snapshot_id: String,
}

/// An error from a provider, carrying the service's error code when there is one.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct ProviderError {
    pub code: Option<String>,
    pub message: String,
    /// What exists after a create that failed half way (e.g. launched but never
    /// reached `running`): the engine records it as tainted instead of losing it.
    pub partial: Option<Object>,
    pub kind: ErrorKind,
    /// What the SDK reported beyond code and message (boxed: errors stay small).
    pub reported: Option<Box<Reported>>,
}

/// The request id AWS gave a failed call, and the SDK's whole error chain.
#[derive(Clone, Debug, Default)]
pub struct Reported {
    /// For AWS support.
    pub request_id: Option<String>,
    /// Shown with `--debug`.
    pub chain: String,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> Self {
        ProviderError {
            code: None,
            message: message.into(),
            partial: None,
            kind: ErrorKind::Other,
            reported: None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        self.reported.as_ref()?.request_id.as_deref()
    }

    /// The SDK's whole error chain, when it reported one.
    pub fn detail(&self) -> Option<&str> {
        self.reported.as_ref().map(|r| r.chain.as_str())
    }
    pub fn with_code(code: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError {
            code: Some(code.into()),
            ..Self::new(message)
        }
    }
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
    pub fn with_partial(mut self, partial: Object) -> Self {
        self.partial = Some(partial);
        self
    }
}

pub type ProviderResult<T> = std::result::Result<T, ProviderError>;

/// The same, for provider code that names it `Result` (an implementation of
/// [`ResourceType`] then writes each method on one line); a second parameter
/// gives std's `Result` back.
pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// How long a create call may still land at AWS after its client gave up on it
/// (a dropped connection, a killed process): nothing found sooner than this
/// after the call began is looked for again before the create counts as unmade.
pub const CREATE_SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// Looks for what a create made (see [`ResourceType::find_created`]); when
/// nothing is found before [`CREATE_SETTLE`] has passed since `began`, looks
/// once more after it, so that a call still in flight is not taken for none.
pub async fn find_settled(
    rt: &dyn ResourceType,
    planned: &Object,
    meta: &Meta,
    began: std::time::SystemTime,
) -> ProviderResult<Created> {
    let found = retry(|| rt.find_created(planned, meta)).await?;
    let settled = began + CREATE_SETTLE;
    match (found, settled.duration_since(std::time::SystemTime::now())) {
        (Created::Absent, Ok(wait)) => {
            tokio::time::sleep(wait).await;
            retry(|| rt.find_created(planned, meta)).await
        }
        (found, _) => Ok(found),
    }
}

/// Tries of an idempotent operation before its error stands.
const ATTEMPTS: u32 = 6;

/// Runs an idempotent operation (a read, an update, a delete) again after a
/// throttled or transient error, with exponential backoff and full jitter.
/// Never wrap a create in it: a create whose answer was lost must be looked
/// for, not made again.
pub async fn retry<T, F, Fut>(mut op: F) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ProviderResult<T>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Err(e) if e.kind.is_retryable() && attempt + 1 < ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The wait before try `attempt + 1`: up to 0.5 s · 2^attempt, at most 20 s,
/// drawn at random so that parallel retries spread out.
pub fn backoff(attempt: u32) -> std::time::Duration {
    let cap_ms = (500u64 << attempt.min(10)).min(20_000);
    let random = (uuid::Uuid::new_v4().as_u128() % 1_000) as u64;
    std::time::Duration::from_millis(cap_ms / 2 + cap_ms / 2 * random / 1_000)
}

/// One resource type: schema plus four verbs.
///
/// Objects passed in and out are flat attribute maps keyed by schema names; nested
/// blocks are lists of objects. `planned` objects given to create/update are wholly
/// known except for computed attributes, which are Unknown and must be filled in.
#[async_trait]
pub trait ResourceType: Send + Sync {
    fn schema(&self) -> &'static Schema;

    /// Creates the resource and returns its full state (including `id`).
    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object>;

    /// Reads many resources of this type at once. Returns one entry per input, in
    /// order: None when the resource no longer exists.
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>>;

    /// Changes in place the attributes that differ and returns the new full state.
    /// By default a type changes nothing in place (every argument forces a new
    /// object, so only adopting a lost create calls this): the object is read back.
    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let _ = (planned, meta);
        read_single(self, prior).await?.ok_or_else(|| {
            ProviderError::new(format!("{} disappeared", self.schema().type_name))
                .with_kind(ErrorKind::NotFound)
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()>;

    /// Reviews an update of `prior` to `planned` (planned values may be Unknown).
    fn review_change(&self, _prior: &Object, _planned: &Object) -> ChangeReview {
        ChangeReview::default()
    }

    /// The volumes that deleting this resource would destroy, as `prior` records them.
    fn data_loss(&self, _prior: &Object) -> Vec<VolumeLoss> {
        Vec::new()
    }

    /// Everything deleting `prior` destroys or leaves unreadable, for the data-loss
    /// guard. By default the volumes [`ResourceType::data_loss`] finds in `prior`;
    /// a type whose loss state cannot tell (objects in a bucket, what a key
    /// encrypts, volumes changed outside recon when not refreshed) reads AWS.
    async fn assess_data_loss(
        &self,
        prior: &Object,
        _ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        Ok(volume_losses(self.data_loss(prior)))
    }

    /// Snapshots `volumes` (from [`ResourceType::data_loss`]) and waits until every
    /// snapshot is complete, so that destroying them loses no data.
    async fn snapshot(&self, volumes: &[VolumeLoss], meta: &Meta) -> Result<Vec<VolumeSnapshot>> {
        let _ = (volumes, meta);
        Err(ProviderError::new(format!(
            "{} cannot snapshot its volumes",
            self.schema().type_name
        )))
    }

    /// Looks for what a create with `planned` and `meta` (its token) made, when
    /// its outcome is unknown (a lost answer, a killed process): by the
    /// `recon:token` tag, or by the unique name the planned object asks for.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> Result<Created> {
        Ok(Created::Unknowable)
    }

    /// Refuses a configuration whose arguments do not go together (what one
    /// argument allows alone is in its schema, [`Allowed`]): `recon plan` says so
    /// at the resource, and apply checks again once every value is known.
    fn check_config(&self, _config: &Object) -> Result<()> {
        Ok(())
    }

    /// The configuration as this type reads it: a setting the provider treats as
    /// unset (Terraform's DiffSuppressFunc, e.g. `iops = 0` on a gp2 volume) is
    /// removed before the diff, so that it never plans a change AWS cannot make.
    fn normalise_config(&self, config: Object) -> Object {
        config
    }

    /// Builds the minimal prior object from which `read` can find an existing
    /// resource by its id (for `recon import`).
    fn import_stub(&self, id: &str) -> Object {
        let mut stub = Object::new();
        stub.insert("id".into(), Value::String(id.to_string()));
        stub
    }
}

/// What `rt.read` finds for `prior` alone.
pub async fn read_single(
    rt: &(impl ResourceType + ?Sized),
    prior: &Object,
) -> ProviderResult<Option<Object>> {
    Ok(rt.read(std::slice::from_ref(prior)).await?.pop().flatten())
}

pub fn volume_losses(volumes: Vec<VolumeLoss>) -> Vec<DataLoss> {
    volumes.into_iter().map(DataLoss::Volume).collect()
}

/// The volumes deleting `prior` destroys as AWS has them now: unrefreshed state
/// may be stale (delete-on-termination switched on outside recon), so the object
/// is read again first. Nothing is lost when it is already gone.
pub async fn current_volume_losses(
    rt: &(impl ResourceType + ?Sized),
    prior: &Object,
    ctx: &LossContext<'_>,
) -> ProviderResult<Vec<DataLoss>> {
    if ctx.refreshed {
        return Ok(volume_losses(rt.data_loss(prior)));
    }
    let now = rt.read(std::slice::from_ref(prior)).await?.pop().flatten();
    Ok(now
        .map(|o| volume_losses(rt.data_loss(&o)))
        .unwrap_or_default())
}

/// A data source: read-only, evaluated at plan time when its arguments are known.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn schema(&self) -> &'static Schema;
    async fn read(&self, config: &Object) -> ProviderResult<Object>;
}

/// Everything a stack can use: resource types and data sources by type name.
pub trait Provider: Send + Sync {
    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>>;
    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSource>>;
    /// The resource type as provider configuration `alias` serves it (None: the
    /// default configuration; `provider = aws.ALIAS` chooses another region,
    /// account or default tags).
    fn resource_in(&self, alias: Option<&str>, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        let _ = alias;
        self.resource(type_name)
    }
    /// The data source as provider configuration `alias` serves it.
    fn data_source_in(&self, alias: Option<&str>, type_name: &str) -> Option<Arc<dyn DataSource>> {
        let _ = alias;
        self.data_source(type_name)
    }
    /// Schemas known without any network access (for validate and check).
    fn resource_schemas(&self) -> Vec<&'static Schema>;
    fn data_source_schemas(&self) -> Vec<&'static Schema>;
}

/// Attribute every resource state carries.
pub const ID: Attribute = Attribute::computed("id", Type::String);
/// `tags` as every taggable type declares it.
pub const TAGS: Attribute = Attribute::optional("tags", Type::Map(&Type::String));
