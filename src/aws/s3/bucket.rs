//! aws_s3_bucket: an S3 bucket, its tags, and emptying it on delete when asked to.

use super::bucket_server_side_encryption_configuration::{self as sse, Encryption};
use super::bucket_versioning::Versioning;
use super::config::BucketSetting;
use super::shared::{has_code, retry_new_bucket, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::aws::shared::UNIQUE_SUFFIX_LEN;
use crate::aws::sts::region::partition_of;
use crate::provider::{BlockType, DataLoss, Default, LossContext, Nesting};
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    Tag, Tagging,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("bucket", Type::String).force_new(),
        Attribute::optional_computed("bucket_prefix", Type::String).force_new(),
        // Read only at delete time, from state: set it (and apply) before destroying.
        Attribute::optional("force_destroy", Type::Bool).default(Default::Bool(false)),
        Attribute::computed("bucket_domain_name", Type::String),
        Attribute::computed("bucket_regional_domain_name", Type::String),
        Attribute::computed("hosted_zone_id", Type::String),
        Attribute::computed("region", Type::String),
        TAGS,
        // AWS provider v3's inline settings (see `Inline`): a canned ACL.
        Attribute::optional("acl", Type::String),
    ],
    blocks: &[
        BlockType::new(
            VERSIONING,
            Nesting::Single,
            &[
                Attribute::optional("enabled", Type::Bool).default(Default::Bool(false)),
                Attribute::optional("mfa_delete", Type::Bool).default(Default::Bool(false)),
            ],
        ),
        BlockType::new(SSE, Nesting::Single, &[]).with_blocks(&[sse::rule_block(Nesting::Single)]),
    ],
};

const VERSIONING: &str = "versioning";
const SSE: &str = "server_side_encryption_configuration";
/// The canned ACLs CreateBucket and PutBucketAcl take.
const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
];

/// Prefix of generated names when neither `bucket` nor `bucket_prefix` is set.
const DEFAULT_PREFIX: &str = "recon-";
const STATE_TIMEOUT: Duration = Duration::from_secs(120);
/// How many times a force_destroy delete empties the bucket again when objects keep
/// arriving while it is being emptied.
const EMPTY_ATTEMPTS: usize = 5;

/// Route 53 hosted zone ids of the S3 website endpoints, per region.
const HOSTED_ZONE_IDS: &[(&str, &str)] = &[
    ("af-south-1", "Z83WF9RJE8B12"),
    ("ap-east-1", "ZNB98KWMFR0R6"),
    ("ap-northeast-1", "Z2M4EHUR26P7ZW"),
    ("ap-northeast-2", "Z3W03O7B5YMIYP"),
    ("ap-northeast-3", "Z2YQB5RD63NC85"),
    ("ap-south-1", "Z11RGJOFQNVJUP"),
    ("ap-south-2", "Z02976202B4EZMXIPMXF7"),
    ("ap-southeast-1", "Z3O0J2DXBE1FTB"),
    ("ap-southeast-2", "Z1WCIGYICN2BYD"),
    ("ap-southeast-3", "Z01846753K324LI26A3VV"),
    ("ap-southeast-4", "Z0312387243XT5FE14WFO"),
    ("ap-southeast-5", "Z08660063OXLMA7F1FJHU"),
    ("ca-central-1", "Z1QDHH18159H29"),
    ("ca-west-1", "Z03565811Z33SLEZTHOUL"),
    ("cn-north-1", "Z5CN8UMXT92WN"),
    ("cn-northwest-1", "Z282HJ1KT0DH03"),
    ("eu-central-1", "Z21DNDUVLTQW6Q"),
    ("eu-central-2", "Z030506016YDQGETNASS"),
    ("eu-north-1", "Z3BAZG2TWCNX0D"),
    ("eu-south-1", "Z30OZKI7KPW7MI"),
    ("eu-south-2", "Z0081959F7139GRJC19J"),
    ("eu-west-1", "Z1BKCTXD74EZPE"),
    ("eu-west-2", "Z3GKZC51ZF0DB4"),
    ("eu-west-3", "Z3R1K369G5AVDG"),
    ("il-central-1", "Z09640613K4A3MN55U7GU"),
    ("me-central-1", "Z06143092I8HRXZRUZROF"),
    ("me-south-1", "Z1MPMWCPA7YB62"),
    ("sa-east-1", "Z7KQH4QJS55SO"),
    ("us-east-1", "Z3AQBSTGFYJSTF"),
    ("us-east-2", "Z2O1EMRO9K5GLX"),
    ("us-gov-east-1", "Z2NIFVYYW2VKV1"),
    ("us-gov-west-1", "Z31GFT0UA1I2HV"),
    ("us-west-1", "Z2F56UZL2M1ACD"),
    ("us-west-2", "Z3BJ6K6RIION7M"),
];

pub struct S3Bucket {
    client: aws_sdk_s3::Client,
    /// For the create call alone: never retried by the SDK (see `Clients::once`).
    once: aws_sdk_s3::Client,
    region: String,
    /// The calls of the standalone versioning and encryption types, reused for
    /// the inline blocks.
    versioning: Versioning,
    encryption: Encryption,
}

impl S3Bucket {
    pub fn new(clients: &Clients) -> Self {
        S3Bucket {
            client: clients.s3.clone(),
            once: clients.once().s3.clone(),
            region: clients.region.clone(),
            versioning: Versioning::new(clients),
            encryption: Encryption::new(clients),
        }
    }
}

#[async_trait]
impl ResourceType for S3Bucket {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = bucket_name(planned, meta)?;
        check_inline(planned)?;
        let what = format!("bucket \"{name}\"");
        // In us-east-1 CreateBucket succeeds on a bucket we already own: look first,
        // so that only one an earlier attempt of this create made is adopted.
        let code = "BucketAlreadyOwnedByYou";
        if let Some(adopted) =
            look_before_create(self, code, || what.clone(), planned, meta).await?
        {
            return Ok(adopted);
        }
        let mut request = self
            .once
            .create_bucket()
            .bucket(&name)
            .set_acl(planned.str("acl").map(BucketCannedAcl::from));
        // us-east-1 is the default location and must not be named.
        if self.region != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                    .build(),
            );
        }
        match request.send().await.map_err(sdk_error) {
            Ok(_) => {}
            Err(e) if has_code(&e, &["BucketAlreadyOwnedByYou"]) => {
                return claim(self, e, &what, planned, meta).await
            }
            // Names are global: another account's bucket cannot be imported either.
            Err(e) if has_code(&e, &["BucketAlreadyExists"]) => {
                return Err(ProviderError::with_code(
                    "BucketAlreadyExists",
                    format!(
                        "{what} already exists in another AWS account and recon did not create it \
                         for {}; bucket names are global, so choose another name",
                        meta.address
                    ),
                )
                .with_kind(ErrorKind::Conflict))
            }
            Err(e) => return Err(e),
        }

        let mut partial = planned.clone();
        partial.retain(|_, v| !v.is_unknown());
        partial.insert("id".into(), Value::from(name.as_str()));
        partial.insert("bucket".into(), Value::from(name.as_str()));

        let steps = async {
            let wanted = tags::with_recon_tags(planned, meta);
            retry_new_bucket(|| put_tags(&self.client, &name, &wanted)).await?;
            wait_bucket_exists(&self.client, &name).await?;
            self.put_inline(&name, None, planned).await?;
            self.read_one(&name, planned).await
        };
        created(steps.await, partial, format_args!("bucket \"{name}\""))
    }

    /// The bucket of the name the create asks for. CreateBucket cannot tag, so a
    /// create whose answer was lost (or that was killed before PutBucketTagging)
    /// leaves a bucket without recon's tags: ours when its name was generated from
    /// this create's token (it is tagged now); under a configured name it cannot be
    /// told from a bucket made by hand, so it is not ours and the user is told to
    /// `recon import` it.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let configured = planned.str("bucket").filter(|s| !s.is_empty());
        if !name_is_known(configured, meta) {
            return Ok(Created::Unknowable);
        }
        let name = bucket_name(planned, meta)?;
        match find_bucket(&self.client, &name).await {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(Created::Absent),
            // Another account's bucket.
            Err(e) if has_code(&e, &[FORBIDDEN, "AccessDenied"]) => {
                return Ok(Created::NotOurs { id: name })
            }
            Err(e) => return Err(e),
        }
        let found = match list_tags(&self.client, &name).await {
            Ok(found) => found,
            Err(e) if has_code(&e, &[NO_SUCH_BUCKET]) => return Ok(Created::Absent),
            Err(e) => return Err(e),
        };
        let pairs = || found.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let untagged = !pairs().any(|(k, _)| k.starts_with("recon:"));
        // CreateBucket cannot tag: a crash before the tags went on leaves the
        // bucket bare. Bare and made after this create began, it is this create's.
        if untagged && (configured.is_none() || made_since(&self.client, &name, meta).await?) {
            put_tags(&self.client, &name, &tags::with_recon_tags(planned, meta)).await?;
        } else if !tags::made_for(pairs(), meta) {
            return Ok(Created::NotOurs { id: name });
        }
        Ok(Created::found_or_absent(
            self.read_one(&name, planned).await?,
        ))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_key(priors, super::shared::bucket_of, |name, prior| {
            self.read_one(name, prior)
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = super::shared::required_bucket(prior, SCHEMA.type_name)?;
        let (removed, set) = tags::tag_changes(prior, planned);
        if !removed.is_empty() || !set.is_empty() {
            // S3 replaces the whole tag set at once.
            put_tags(&self.client, name, &tags::with_recon_tags(planned, meta)).await?;
        }
        check_inline(planned)?;
        self.put_inline(name, Some(prior), planned).await?;
        // force_destroy lives in state only.
        self.read_one(name, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("bucket \"{name}\" disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = super::shared::bucket_of(prior) else {
            return Ok(());
        };
        let force = prior.bool("force_destroy").unwrap_or(false);
        let mut attempts = 0;
        loop {
            match self
                .client
                .delete_bucket()
                .bucket(name)
                .send()
                .await
                .map_err(sdk_error)
            {
                Ok(_) => break,
                Err(err) if has_code(&err, &[NO_SUCH_BUCKET]) => return Ok(()),
                Err(err) if has_code(&err, &["BucketNotEmpty"]) => {
                    if !force {
                        return Err(ProviderError::with_code(
                            "BucketNotEmpty",
                            format!(
                                "bucket \"{name}\" is not empty, so it was not deleted: set force_destroy = true on it and apply \
                                 (recon then deletes every object and version with the bucket), or empty it yourself"
                            ),
                        ));
                    }
                    attempts += 1;
                    if attempts > EMPTY_ATTEMPTS {
                        return Err(ProviderError::with_code(
                            "BucketNotEmpty",
                            format!("bucket \"{name}\" is still not empty after emptying it {EMPTY_ATTEMPTS} times: something keeps writing to it"),
                        ));
                    }
                    empty_bucket(&self.client, name).await?;
                }
                Err(err) => return Err(err),
            }
        }
        wait_bucket_gone(&self.client, name).await
    }

    fn import_stub(&self, id: &str) -> Object {
        crate::object! { "id" => id, "bucket" => id, "force_destroy" => false }
    }

    /// With force_destroy the delete empties the bucket first: its objects are the
    /// loss. Without it a bucket holding objects is never deleted, so nothing is.
    async fn assess_data_loss(
        &self,
        prior: &Object,
        _ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        let Some(name) = super::shared::bucket_of(prior) else {
            return Ok(Vec::new());
        };
        if prior.bool("force_destroy") != Some(true) {
            return Ok(Vec::new());
        }
        let (count, older_versions, bytes) = match object_totals(&self.client, name).await {
            Ok(totals) => totals,
            Err(err) if has_code(&err, &[NO_SUCH_BUCKET]) => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        Ok(if count + older_versions == 0 {
            Vec::new()
        } else {
            vec![DataLoss::Objects {
                bucket: name.to_string(),
                count,
                older_versions,
                bytes,
            }]
        })
    }
}

/// What a bucket holds: current objects, noncurrent versions (a versioned bucket
/// keeps every overwritten or deleted object), and the bytes of all of them.
/// ListObjectVersions has no SDK paginator: it pages by key and version markers.
async fn object_totals(client: &aws_sdk_s3::Client, name: &str) -> Result<(u64, u64, u64)> {
    let (mut current, mut older, mut bytes) = (0u64, 0u64, 0u64);
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let page = client
            .list_object_versions()
            .bucket(name)
            .set_key_marker(key_marker)
            .set_version_id_marker(version_marker)
            .send()
            .await
            .map_err(sdk_error)?;
        for version in page.versions() {
            if version.is_latest() == Some(false) {
                older += 1;
            } else {
                current += 1;
            }
            bytes += version
                .size()
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0);
        }
        if page.is_truncated() != Some(true) {
            return Ok((current, older, bytes));
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
        if key_marker.is_none() {
            return Ok((current, older, bytes));
        }
    }
}

impl S3Bucket {
    /// Reads one bucket in full; None when it does not exist.
    async fn read_one(&self, name: &str, prior: &Object) -> Result<Option<Object>> {
        let Some(region) = find_bucket(&self.client, name).await? else {
            return Ok(None);
        };
        let region = match region {
            Some(r) => r,
            None => match bucket_location(&self.client, name).await {
                Ok(r) => r,
                Err(err) if has_code(&err, &[NO_SUCH_BUCKET]) => return Ok(None),
                Err(err) => return Err(err),
            },
        };
        let bucket_tags = match list_tags(&self.client, name).await {
            Ok(t) => t,
            Err(err) if has_code(&err, &[NO_SUCH_BUCKET]) => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut state = to_state(name, &region, bucket_tags, prior);
        match self.read_inline(name, prior).await {
            Ok(inline) => state.extend(inline),
            Err(err) if has_code(&err, &[NO_SUCH_BUCKET]) => return Ok(None),
            Err(err) => return Err(err),
        }
        Ok(Some(state))
    }

    /// Sends the inline settings (`acl`, `versioning`, `server_side_encryption_configuration`)
    /// that differ from `prior` (None on create, where CreateBucket set the ACL).
    /// A block taken out of the configuration is left as it is in AWS and no longer
    /// managed, as Terraform's Optional+Computed blocks are: the way to move to the
    /// standalone types without a gap.
    async fn put_inline(&self, name: &str, prior: Option<&Object>, planned: &Object) -> Result<()> {
        let acl = planned.str("acl");
        if let (Some(acl), Some(prior)) = (acl, prior) {
            if prior.str("acl") != Some(acl) {
                self.client
                    .put_bucket_acl()
                    .bucket(name)
                    .acl(BucketCannedAcl::from(acl))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        let was = |block: &str| prior.and_then(|p| p.block(block)).cloned();
        if let Some(versioning) = planned.block(VERSIONING) {
            let enabled = versioning.bool("enabled") == Some(true);
            let before = was(VERSIONING).and_then(|v| v.bool("enabled")) == Some(true);
            // A bucket never versioned stays so when the block says enabled = false.
            if enabled != before {
                let status = if enabled { "Enabled" } else { "Suspended" };
                let wanted = crate::object! {
                    "versioning_configuration" => vec![Value::Object(crate::object! {"status" => status})],
                };
                self.versioning.put(name, &wanted).await?;
            }
        }
        if let Some(encryption) = planned.block(SSE) {
            if was(SSE).as_ref() != Some(encryption) {
                let wanted = rules_of(encryption);
                retry_new_bucket(|| self.encryption.put(name, &wanted)).await?;
            }
        }
        Ok(())
    }

    /// The inline settings as AWS has them, for those `prior` manages; the others
    /// are null or empty.
    async fn read_inline(&self, name: &str, prior: &Object) -> Result<Object> {
        let acl = match prior.str("acl") {
            None => None,
            // An ACL of grants no canned ACL makes is reported as configured.
            Some(configured) => Some(
                bucket_canned_acl(&self.client, name)
                    .await?
                    .unwrap_or(configured)
                    .to_string(),
            ),
        };
        let mut versioning = Vec::new();
        if prior.block(VERSIONING).is_some() {
            let got = self.versioning.get(name, &Object::new()).await?;
            let Some(got) = got else {
                return Err(ProviderError::with_code(NO_SUCH_BUCKET, "bucket gone"));
            };
            let config = got.block("versioning_configuration");
            let said = |key: &str| config.and_then(|c| c.str(key)) == Some("Enabled");
            versioning.push(Value::Object(crate::object! {
                "enabled" => said("status"),
                "mfa_delete" => said("mfa_delete"),
            }));
        }
        let mut encryption = Vec::new();
        if let Some(managed) = prior.block(SSE) {
            if let Some(got) = self.encryption.get(name, &rules_of(managed)).await? {
                encryption.push(Value::Object(rules_of(&got)));
            }
        }
        Ok(crate::object! {
            "acl" => acl,
            VERSIONING => versioning,
            SSE => encryption,
        })
    }
}

/// The canned ACL that bucket `name`'s grants amount to; None when they are not
/// one of those the grants tell apart.
pub(super) async fn bucket_canned_acl(
    client: &aws_sdk_s3::Client,
    name: &str,
) -> Result<Option<&'static str>> {
    let out = client
        .get_bucket_acl()
        .bucket(name)
        .send()
        .await
        .map_err(sdk_error)?;
    let owner = out.owner().and_then(|o| o.id());
    let grants = out.grants().iter().filter_map(|g| {
        let grantee = g.grantee()?;
        Some((grantee.uri(), grantee.id(), g.permission()?.as_str()))
    });
    Ok(canned_acl(owner, grants))
}

/// Whether `acl` is a canned ACL S3 takes.
pub(super) fn check_acl(type_name: &str, acl: &str) -> Result<()> {
    if CANNED_ACLS.contains(&acl) {
        return Ok(());
    }
    Err(ProviderError::new(format!(
        "{type_name}: acl must be a canned ACL, one of {}; got \"{acl}\"",
        CANNED_ACLS.join(", ")
    )))
}

/// What the inline settings say, checked before anything is made.
fn check_inline(planned: &Object) -> Result<()> {
    if let Some(acl) = planned.str("acl") {
        check_acl(SCHEMA.type_name, acl)?;
    }
    if planned.block(VERSIONING).and_then(|v| v.bool("mfa_delete")) == Some(true) {
        return Err(ProviderError::new(
            "aws_s3_bucket: versioning.mfa_delete = true needs the MFA device's code with every \
             change: use aws_s3_bucket_versioning with mfa instead",
        ));
    }
    if let Some(encryption) = planned.block(SSE) {
        sse::expand(&rules_of(encryption))?;
    }
    Ok(())
}

/// The `rule` list alone: the inline encryption block as the standalone type
/// takes and gives it, and back.
fn rules_of(encryption: &Object) -> Object {
    crate::object! {"rule" => encryption.list("rule").to_vec()}
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// The canned ACL a bucket's grants (grantee URI, grantee id, permission) amount
/// to, beside the owner's FULL_CONTROL that every canned ACL gives. None for
/// grants no canned ACL makes, or canned ACLs that look alike on a bucket.
fn canned_acl<'a>(
    owner: Option<&str>,
    grants: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, &'a str)>,
) -> Option<&'static str> {
    let mut owner_full = false;
    let mut others = Vec::new();
    for (uri, id, permission) in grants {
        match (uri, id) {
            (None, Some(id)) if Some(id) == owner && permission == "FULL_CONTROL" => {
                owner_full = true
            }
            (Some(uri), None) => others.push((uri, permission)),
            _ => return None,
        }
    }
    if !owner_full {
        return None;
    }
    others.sort_unstable();
    Some(match others.as_slice() {
        [] => "private",
        [(ALL_USERS, "READ")] => "public-read",
        [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")] => "public-read-write",
        [(AUTHENTICATED_USERS, "READ")] => "authenticated-read",
        [(LOG_DELIVERY, "READ_ACP"), (LOG_DELIVERY, "WRITE")] => "log-delivery-write",
        _ => return None,
    })
}

/// The name to create: `bucket`, or `bucket_prefix` (default "recon-") plus a unique
/// suffix (the same for every attempt of one create). Checked against S3's naming
/// rules before anything is called.
fn bucket_name(planned: &Object, meta: &Meta) -> Result<String> {
    let bucket = planned.str("bucket").filter(|s| !s.is_empty());
    let prefix = planned.str("bucket_prefix").filter(|s| !s.is_empty());
    let name = match (bucket, prefix) {
        (Some(_), Some(_)) => {
            return Err(ProviderError::new(
                "aws_s3_bucket: \"bucket\" and \"bucket_prefix\" cannot both be set",
            ))
        }
        (Some(b), None) => b.to_string(),
        (None, Some(p)) => {
            if p.len() > 63 - UNIQUE_SUFFIX_LEN {
                return Err(ProviderError::new(format!(
                    "aws_s3_bucket: bucket_prefix \"{p}\" is longer than {} characters",
                    63 - UNIQUE_SUFFIX_LEN
                )));
            }
            format!("{p}{}", unique_suffix(meta))
        }
        (None, None) => format!("{DEFAULT_PREFIX}{}", unique_suffix(meta)),
    };
    check_name(&name)?;
    Ok(name)
}

/// S3's rules for general purpose bucket names.
fn check_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(ProviderError::new(format!(
            "aws_s3_bucket: \"{name}\" is not a valid bucket name: {why}"
        )))
    };
    if !(3..=63).contains(&name.len()) {
        return bad("it must be 3 to 63 characters long");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return bad("only lowercase letters, digits, hyphens and dots are allowed");
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return bad("it must begin and end with a letter or digit");
    }
    if name.contains("..") {
        return bad("it must not contain two adjacent dots");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return bad("it must not look like an IP address");
    }
    Ok(())
}

/// HeadBucket: None when the bucket does not exist, else the region S3 reports
/// for it (None when it reports none).
async fn find_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<Option<Option<String>>> {
    match client.head_bucket().bucket(name).send().await {
        Ok(out) => Ok(Some(out.bucket_region().map(str::to_string))),
        Err(err) => {
            if err.as_service_error().is_some_and(|e| e.is_not_found()) {
                return Ok(None);
            }
            // A HEAD answer has no body to carry a code: 403 says whose bucket it is.
            let forbidden = err
                .raw_response()
                .is_some_and(|r| r.status().as_u16() == 403);
            let mut err = sdk_error(err);
            if forbidden && err.code.is_none() {
                err.code = Some(FORBIDDEN.to_string());
            }
            if has_code(&err, &[NO_SUCH_BUCKET, "NotFound"]) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Clocks differ: a bucket made up to this long before the create began
/// still counts as made after it.
const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(300);

/// Whether bucket `name` of this account was made after `meta`'s create began.
async fn made_since(client: &aws_sdk_s3::Client, name: &str, meta: &Meta) -> Result<bool> {
    let Some(began) = meta.began else {
        return Ok(false);
    };
    let since = began
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_sub(CLOCK_SKEW.as_secs());
    let mut pages = client.list_buckets().prefix(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk_error)?;
        if let Some(bucket) = page.buckets().iter().find(|b| b.name() == Some(name)) {
            return Ok(bucket
                .creation_date()
                .is_some_and(|d| d.secs() >= since as i64));
        }
    }
    Ok(false)
}

/// The code `find_bucket` gives a 403 (a bucket of another account, or no right to it).
const FORBIDDEN: &str = "Forbidden";

/// GetBucketLocation, mapped to a region name (no constraint means us-east-1).
async fn bucket_location(client: &aws_sdk_s3::Client, name: &str) -> Result<String> {
    let out = client
        .get_bucket_location()
        .bucket(name)
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    })
}

async fn list_tags(client: &aws_sdk_s3::Client, name: &str) -> Result<Vec<(String, String)>> {
    match client.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(err) => {
            let err = sdk_error(err);
            if has_code(&err, &["NoSuchTagSet"]) {
                Ok(Vec::new())
            } else {
                Err(err)
            }
        }
    }
}

async fn put_tags(
    client: &aws_sdk_s3::Client,
    name: &str,
    wanted: &BTreeMap<String, String>,
) -> Result<()> {
    let tag_set = wanted
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(format!("invalid S3 tag: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|e| ProviderError::new(format!("invalid S3 tags: {e}")))?;
    client
        .put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}

/// Deletes every object version and delete marker, a page (up to 1000) at a time,
/// until a listing comes back empty.
async fn empty_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<()> {
    loop {
        let page = client
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .map_err(sdk_error)?;
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        let ids = versions
            .chain(markers)
            .filter_map(|(key, version)| {
                ObjectIdentifier::builder()
                    .key(key?)
                    .set_version_id(version.map(str::to_string))
                    .build()
                    .ok()
            })
            .collect::<Vec<_>>();
        if ids.is_empty() {
            return Ok(());
        }
        // DeleteObjects takes at most 1000 keys.
        for chunk in ids.chunks(1000) {
            let delete = Delete::builder()
                .set_objects(Some(chunk.to_vec()))
                .quiet(true)
                .build()
                .map_err(|e| ProviderError::new(format!("invalid delete request: {e}")))?;
            let out = client
                .delete_objects()
                .bucket(name)
                .delete(delete)
                .bypass_governance_retention(true)
                .send()
                .await
                .map_err(sdk_error)?;
            if let Some(failed) = out.errors().first() {
                return Err(ProviderError::with_code(
                    failed.code().unwrap_or("DeleteObjectsFailed"),
                    format!(
                        "emptying bucket \"{name}\": {} object(s) could not be deleted, first \"{}\": {}",
                        out.errors().len(),
                        failed.key().unwrap_or_default(),
                        failed.message().unwrap_or("no message")
                    ),
                ));
            }
        }
    }
}

async fn wait_bucket_exists(client: &aws_sdk_s3::Client, name: &str) -> Result<()> {
    wait_bucket(client, name, true).await
}

async fn wait_bucket_gone(client: &aws_sdk_s3::Client, name: &str) -> Result<()> {
    wait_bucket(client, name, false).await
}

async fn wait_bucket(client: &aws_sdk_s3::Client, name: &str, exists: bool) -> Result<()> {
    let what = format!(
        "bucket \"{name}\" to {}",
        if exists { "exist" } else { "be deleted" }
    );
    wait_until(
        what,
        Pace::every(Duration::from_secs(2), STATE_TIMEOUT),
        || async { Ok((find_bucket(client, name).await?.is_some() == exists).then_some(())) },
    )
    .await
}

fn to_state(
    name: &str,
    region: &str,
    bucket_tags: Vec<(String, String)>,
    prior: &Object,
) -> Object {
    let partition = partition_of(region);
    let dns_suffix = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let hosted_zone = HOSTED_ZONE_IDS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, z)| *z);
    // Not reported by S3: kept from configuration / prior state.
    let bucket_prefix = prior.str("bucket_prefix").map(str::to_string);
    crate::object! {
        "id" => name,
        "arn" => format!("arn:{partition}:s3:::{name}"),
        "bucket" => name,
        "bucket_prefix" => bucket_prefix,
        "force_destroy" => prior.bool("force_destroy").unwrap_or(false),
        "bucket_domain_name" => format!("{name}.s3.{dns_suffix}"),
        "bucket_regional_domain_name" => format!("{name}.s3.{region}.{dns_suffix}"),
        "hosted_zone_id" => hosted_zone,
        "region" => region,
        "tags" => tags::user_tags(bucket_tags),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_map_back_to_canned_acls() {
        let owner = Some("abc");
        let full = (None, Some("abc"), "FULL_CONTROL");
        let acl = |extra: &[(&'static str, &'static str)]| {
            let grants =
                std::iter::once(full).chain(extra.iter().map(|&(uri, p)| (Some(uri), None, p)));
            canned_acl(owner, grants)
        };
        assert_eq!(acl(&[]), Some("private"));
        assert_eq!(acl(&[(ALL_USERS, "READ")]), Some("public-read"));
        assert_eq!(
            acl(&[(ALL_USERS, "WRITE"), (ALL_USERS, "READ")]),
            Some("public-read-write")
        );
        assert_eq!(
            acl(&[(AUTHENTICATED_USERS, "READ")]),
            Some("authenticated-read")
        );
        assert_eq!(
            acl(&[(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")]),
            Some("log-delivery-write")
        );
        assert_eq!(acl(&[(ALL_USERS, "FULL_CONTROL")]), None);
        // Another account's grant is no canned ACL; nor is an ACL without the owner.
        let other = [full, (None, Some("xyz"), "READ")];
        assert_eq!(canned_acl(owner, other.into_iter()), None);
        assert_eq!(canned_acl(owner, std::iter::empty()), None);
        // Checked before anything is made.
        assert!(check_inline(&crate::object! {"acl" => "public"}).is_err());
        assert!(check_inline(&crate::object! {"acl" => "log-delivery-write"}).is_ok());
    }

    #[test]
    fn names_follow_s3_rules() {
        assert!(check_name("my-bucket.logs-1").is_ok());
        for bad in [
            "ab",
            "My-Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "192.168.1.1",
            "under_score",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generated_names_are_unique_and_valid() {
        let planned = crate::object! { "bucket" => Value::Unknown, "bucket_prefix" => "backup-" };
        let meta = Meta::new("s", "aws_s3_bucket.b");
        let a = bucket_name(&planned, &meta).unwrap();
        let b = bucket_name(&planned, &meta).unwrap();
        assert!(
            a.starts_with("backup-") && a.len() == "backup-".len() + UNIQUE_SUFFIX_LEN,
            "{a}"
        );
        assert_ne!(a, b);
        let both = crate::object! { "bucket" => "x-bucket", "bucket_prefix" => "p-" };
        assert!(bucket_name(&both, &meta).is_err());
        let none = crate::object! { "bucket" => Value::Unknown, "bucket_prefix" => Value::Unknown };
        assert!(bucket_name(&none, &meta)
            .unwrap()
            .starts_with(DEFAULT_PREFIX));
        // With a token, every attempt of one create asks for the same name.
        let meta = Meta {
            token: Some("tok".into()),
            ..meta
        };
        assert_eq!(
            bucket_name(&planned, &meta).unwrap(),
            bucket_name(&planned, &meta).unwrap()
        );
    }
}
