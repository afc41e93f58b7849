//! State in S3, shared by several operators.
//!
//! - Every write is conditional: `If-Match` with the ETag recon read (or
//!   `If-None-Match: *` for a new state), so a writer whose lock was broken can
//!   never replace a newer state: S3 answers 412 and the write is refused.
//! - The lock is `<key>.lock`, created with `If-None-Match: *` (exactly one
//!   winner) and deleted with `If-Match` on its own ETag (only ever our own).
//! - Every object carries a SHA-256 of its bytes in `x-amz-meta-recon-sha256`,
//!   checked on every read; serial and lineage ride along for `state history`.
//! - SSE-KMS with `kms_key_id`; client-side envelope encryption (see
//!   `envelope`) with `recon { encryption { kms_key_id } }`.
//! - An apply's writes after its first are journal entries, one small object
//!   per write: `<key>.journal/<document serial>/<serial>`, created with
//!   `If-None-Match: *` while the lock is held, checksummed and encrypted like
//!   the document. Reading is the document, then the entries filed under its
//!   serial, in order. A whole write (the apply's end, push, mv, rm) replaces
//!   the document and then deletes the entries: entries filed under an older
//!   document are never read, so a crash between the two loses nothing.
//!   Unlike a document write, an entry cannot be made conditional on the
//!   document's ETag (S3 has no multi-object condition): a writer whose lock
//!   was broken could still file an entry under a document that another writer
//!   is replacing; the lock is what prevents it.

use super::store::{
    KeyService, ObjectStore, Put, PutCondition, ServerSide, StoreError, StoredObject,
};
use super::{check_replace, envelope, journal, Backend, LockInfo, State, StateError, StateVersion};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const META_SHA256: &str = "recon-sha256";
const META_SERIAL: &str = "recon-serial";
const META_LINEAGE: &str = "recon-lineage";

/// Where and how the state is stored.
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// The default environment's key; environment NAME uses `env/NAME/<key>`.
    pub key: String,
    pub env: Option<String>,
    /// SSE-KMS with this key.
    pub kms_key_id: Option<String>,
    /// SSE-S3 (AES256) when no kms_key_id is set.
    pub encrypt: bool,
    /// Client-side envelope encryption under this KMS key.
    pub client_kms_key_id: Option<String>,
    /// Where pending states that could not be written are saved.
    pub recovery_dir: PathBuf,
}

impl S3Settings {
    /// The encryption S3 applies to every object recon writes.
    fn server_side(&self) -> ServerSide {
        match (&self.kms_key_id, self.encrypt) {
            (Some(k), _) => ServerSide::Kms(k.clone()),
            (None, true) => ServerSide::Aes256,
            (None, false) => ServerSide::None,
        }
    }
}

pub struct S3Backend {
    s3: Arc<dyn ObjectStore>,
    kms: Arc<dyn KeyService>,
    settings: S3Settings,
    server_side: ServerSide,
    key: String,
    /// What this process last read or wrote, so a write can be made
    /// conditional on exactly that object.
    seen: Mutex<Option<Seen>>,
    /// The data key this run's journal entries are sealed under.
    journal_key: tokio::sync::OnceCell<envelope::DataKey>,
    opened: envelope::OpenedKeys,
}

#[derive(Clone, Debug)]
struct Seen {
    lineage: String,
    /// The state's serial: the document's, or its last journal entry's.
    serial: u64,
    /// The document's ETag and serial (its journal is filed under it).
    etag: String,
    document: u64,
    /// Journal entries this process filed under the document.
    entries: usize,
}

/// Entries filed under one document before an append writes the whole state
/// instead: a reader after a crash fetches at most this many objects.
const MAX_JOURNAL_ENTRIES: usize = 1000;

/// An object as stored.
struct Raw {
    bytes: Vec<u8>,
    etag: Option<String>,
    checksum: Option<String>,
}

impl From<StoredObject> for Raw {
    fn from(mut o: StoredObject) -> Raw {
        Raw {
            checksum: o.metadata.remove(META_SHA256),
            bytes: o.bytes,
            etag: o.etag,
        }
    }
}

impl S3Backend {
    /// The state in `s3` (whose bucket is `settings.bucket`), with data keys
    /// from `kms` for client-side encryption.
    pub fn new(
        s3: Arc<dyn ObjectStore>,
        kms: Arc<dyn KeyService>,
        settings: S3Settings,
    ) -> S3Backend {
        let key = env_key(&settings.key, settings.env.as_deref());
        S3Backend {
            s3,
            kms,
            server_side: settings.server_side(),
            settings,
            key,
            seen: Mutex::new(None),
            journal_key: tokio::sync::OnceCell::new(),
            opened: envelope::OpenedKeys::default(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.settings.bucket
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    fn location(&self) -> String {
        format!("s3://{}/{}", self.settings.bucket, self.key)
    }

    /// Where every journal entry of this state lives.
    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.key)
    }

    /// The journal of the document with serial `document`; zero-padded so that
    /// listing order is serial order.
    fn journal_of(&self, document: u64) -> String {
        format!("{}{document:020}/", self.journal_prefix())
    }

    fn remote(&self, action: &'static str, message: String) -> StateError {
        StateError::Remote {
            location: self.location(),
            action,
            message,
        }
    }

    /// The object at `key` (a version of it), None when there is none.
    async fn get_raw(&self, key: &str, version: Option<&str>) -> Result<Option<Raw>, StateError> {
        let found = self.s3.get(key, version).await;
        Ok(found
            .map_err(|e| self.remote("read", e.to_string()))?
            .map(Raw::from))
    }

    /// Checks the checksum, decrypts if needed, parses.
    async fn decode(&self, raw: &Raw, location: &str) -> Result<State, StateError> {
        State::from_json_at(&self.unseal(raw, location).await?, location)
    }

    /// The plaintext of an object recon wrote, its checksum checked.
    async fn unseal(&self, raw: &Raw, location: &str) -> Result<Vec<u8>, StateError> {
        let found = super::sha256_hex(&raw.bytes);
        match &raw.checksum {
            Some(want) if *want == found => {}
            Some(want) => {
                return Err(StateError::Checksum {
                    location: location.to_string(),
                    detail: format!("SHA-256 {found}, but {want} was recorded when it was written"),
                })
            }
            None => {
                return Err(StateError::Checksum {
                    location: location.to_string(),
                    detail: format!("no {META_SHA256} metadata: it was not written by recon"),
                })
            }
        }
        if envelope::is_sealed(&raw.bytes) {
            envelope::open_cached(&*self.kms, &raw.bytes, location, &self.opened).await
        } else {
            Ok(raw.bytes.clone())
        }
    }

    /// Remembers a document just read or written (`document` is its serial;
    /// `state` may be further on, through the journal).
    fn remember(&self, state: &State, etag: Option<&str>, document: u64) {
        *self.seen.lock().unwrap() = etag.map(|etag| Seen {
            lineage: state.lineage.clone(),
            serial: state.serial,
            etag: etag.to_string(),
            document,
            entries: 0,
        });
    }

    /// The state now: the document and its journal, with the document's ETag
    /// and serial.
    async fn current(&self) -> Result<Option<(State, Option<String>, u64)>, StateError> {
        let Some(raw) = self.get_raw(&self.key, None).await? else {
            return Ok(None);
        };
        let location = self.location();
        let mut state = self.decode(&raw, &location).await?;
        let document = state.serial;
        let mut entries = self.list(&self.journal_of(document)).await?;
        entries.sort();
        let mut journal = Vec::new();
        for key in entries {
            let at = format!("s3://{}/{key}", self.settings.bucket);
            // Gone since the listing: a whole write folded it in; read it all again.
            let Some(raw) = self.get_raw(&key, None).await? else {
                return Box::pin(self.current()).await;
            };
            journal.extend(self.unseal(&raw, &at).await?);
        }
        journal::replay(&mut state, &journal, &location)?;
        Ok(Some((state, raw.etag, document)))
    }

    /// Deletes every journal entry: called after a whole write, which holds them all.
    async fn drop_journal(&self) -> Result<(), StateError> {
        let keys = self.list(&self.journal_prefix()).await?;
        self.s3
            .delete_all(&keys)
            .await
            .map_err(|e| self.remote("delete the journal of", e.to_string()))
    }

    /// The document as stored: plaintext JSON, or its encrypted envelope.
    async fn encode(&self, state: &State) -> Result<Vec<u8>, StateError> {
        let text = state.to_json_pretty().into_bytes();
        match &self.settings.client_kms_key_id {
            Some(key) => envelope::seal(&*self.kms, key, &text, &self.location()).await,
            None => Ok(text),
        }
    }

    /// Writes `body` at `key` under `condition`, with the settings' encryption.
    async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        metadata: Vec<(&'static str, String)>,
        condition: PutCondition,
    ) -> Result<Option<String>, StoreError> {
        self.s3
            .put(Put {
                key,
                body,
                metadata,
                condition,
                encryption: &self.server_side,
            })
            .await
    }

    async fn read_lock(&self) -> Result<Option<(LockInfo, Option<String>)>, StateError> {
        let lock_key = self.lock_key();
        let Some(raw) = self.get_raw(&lock_key, None).await? else {
            return Ok(None);
        };
        let info = serde_json::from_slice(&raw.bytes).map_err(|e| StateError::Invalid {
            location: format!("s3://{}/{lock_key}", self.settings.bucket),
            detail: format!("the lock object is not a recon lock ({e}); delete it by hand if no recon is running"),
        })?;
        Ok(Some((info, raw.etag)))
    }

    async fn versioning_enabled(&self) -> Result<bool, StateError> {
        self.s3
            .versioning_enabled()
            .await
            .map_err(|e| self.remote("read the versioning of the bucket of", e.to_string()))
    }

    /// Keys of the objects under `prefix`, following continuation tokens.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        self.s3
            .list(prefix)
            .await
            .map_err(|e| self.remote("list objects beside", e.to_string()))
    }
}

/// The metadata of a state object: its checksum, serial and lineage.
fn stamp(checksum: String, serial: u64, lineage: &str) -> Vec<(&'static str, String)> {
    vec![
        (META_SHA256, checksum),
        (META_SERIAL, serial.to_string()),
        (META_LINEAGE, lineage.to_string()),
    ]
}

/// `env/<NAME>/<key>` for an environment, `<key>` for the default one.
pub fn env_key(key: &str, env: Option<&str>) -> String {
    match env.filter(|e| *e != "default") {
        Some(env) => format!("env/{env}/{key}"),
        None => key.to_string(),
    }
}

#[async_trait::async_trait]
impl Backend for S3Backend {
    fn describe(&self) -> String {
        self.location()
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        let Some((state, etag, document)) = self.current().await? else {
            *self.seen.lock().unwrap() = None;
            return Ok(None);
        };
        self.remember(&state, etag.as_deref(), document);
        Ok(Some(state))
    }

    async fn write(&self, state: &State, expected: Option<(&str, u64)>) -> Result<(), StateError> {
        let location = self.location();
        // The object this write may replace: the one we saw, or (when we saw
        // another) whatever is there now, checked against the same rules as
        // local state.
        let etag = match expected {
            None => None,
            Some((lineage, serial)) => {
                let seen = self.seen.lock().unwrap().clone();
                match seen.filter(|s| s.lineage == lineage && s.serial == serial) {
                    Some(seen) => {
                        if state.lineage != lineage {
                            return Err(StateError::LineageMismatch {
                                location,
                                found: lineage.to_string(),
                                expected: state.lineage.clone(),
                            });
                        }
                        if state.serial <= serial {
                            return Err(StateError::SerialNotIncreased {
                                location,
                                new: state.serial,
                                current: serial,
                            });
                        }
                        Some(seen.etag)
                    }
                    None => {
                        let current = self.current().await?;
                        check_replace(&location, current.as_ref().map(|c| &c.0), state, expected)?;
                        match current.and_then(|c| c.1) {
                            Some(etag) => Some(etag),
                            None => return Err(self.remote("write", "S3 returned no ETag for the current state; cannot write conditionally".into())),
                        }
                    }
                }
            }
        };
        let body = self.encode(state).await?;
        let checksum = super::sha256_hex(&body);
        super::stats::wrote(body.len());
        let condition = match &etag {
            Some(etag) => PutCondition::IfMatch(etag.clone()),
            None => PutCondition::IfAbsent,
        };
        let sent = self
            .put(
                &self.key,
                body,
                stamp(checksum.clone(), state.serial, &state.lineage),
                condition,
            )
            .await;
        let written = match sent {
            Ok(new_etag) => {
                self.remember(state, new_etag.as_deref(), state.serial);
                Ok(())
            }
            Err(e) if e.precondition_failed() => {
                // Someone else wrote first, or an earlier attempt of this very
                // request landed and its answer was lost: tell them apart.
                let now = self.get_raw(&self.key, None).await?;
                if let Some(raw) = &now {
                    if raw.checksum.as_deref() == Some(checksum.as_str()) {
                        self.remember(state, raw.etag.as_deref(), state.serial);
                        return self.after_whole_write().await;
                    }
                }
                *self.seen.lock().unwrap() = None;
                let detail = match &now {
                    None => "the state there was deleted".to_string(),
                    Some(raw) => match self.decode(raw, &location).await {
                        Ok(cur) if etag.is_none() => {
                            return Err(StateError::AlreadyExists { location, lineage: cur.lineage, serial: cur.serial });
                        }
                        Ok(cur) => format!(
                            "S3 refused the conditional write with 412 Precondition Failed; the state there is now serial {} of lineage {}, this apply expected serial {}",
                            cur.serial,
                            cur.lineage,
                            expected.map(|e| e.1).unwrap_or(0)
                        ),
                        Err(err) => format!("S3 refused the conditional write with 412 Precondition Failed; the state there now: {err}"),
                    },
                };
                Err(StateError::Conflict { location, detail })
            }
            Err(e) => Err(self.remote("write", e.to_string())),
        };
        written?;
        self.after_whole_write().await
    }

    async fn append(
        &self,
        state: &State,
        delta: &journal::Delta,
        expected: (&str, u64),
    ) -> Result<(), StateError> {
        let seen = self.seen.lock().unwrap().clone();
        // Only on top of a document this process read or wrote; otherwise whole.
        let Some(seen) = seen.filter(|s| {
            s.lineage == expected.0 && s.serial == expected.1 && s.entries < MAX_JOURNAL_ENTRIES
        }) else {
            return self.write(state, Some(expected)).await;
        };
        if delta.serial <= seen.serial || delta.lineage != seen.lineage {
            return Err(StateError::SerialNotIncreased {
                location: self.location(),
                new: delta.serial,
                current: seen.serial,
            });
        }
        let key = format!("{}{:020}", self.journal_of(seen.document), delta.serial);
        let at = format!("s3://{}/{key}", self.settings.bucket);
        let line = delta.to_line();
        let body = match &self.settings.client_kms_key_id {
            Some(id) => {
                let data_key = self
                    .journal_key
                    .get_or_try_init(|| envelope::data_key(&*self.kms, id, &at))
                    .await?;
                envelope::seal_under(data_key, &line, &at)?
            }
            None => line,
        };
        let checksum = super::sha256_hex(&body);
        super::stats::wrote(body.len());
        let metadata = stamp(checksum.clone(), delta.serial, &delta.lineage);
        let sent = self.put(&key, body, metadata, PutCondition::IfAbsent).await;
        match sent {
            Ok(_) => {}
            Err(e) if e.precondition_failed() => {
                // Our own earlier attempt, whose answer was lost, or another writer.
                let ours = self
                    .get_raw(&key, None)
                    .await?
                    .is_some_and(|raw| raw.checksum.as_deref() == Some(checksum.as_str()));
                if !ours {
                    return Err(StateError::Conflict {
                        location: self.location(),
                        detail: format!("journal entry {at} was written by another writer (was the lock broken?)"),
                    });
                }
            }
            Err(e) => return Err(self.remote("write a journal entry of", e.to_string())),
        }
        if let Some(seen) = self.seen.lock().unwrap().as_mut() {
            seen.serial = delta.serial;
            seen.entries += 1;
        }
        Ok(())
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        let body = serde_json::to_vec_pretty(info).unwrap_or_default();
        for _ in 0..5 {
            let sent = self
                .put(
                    &self.lock_key(),
                    body.clone(),
                    Vec::new(),
                    PutCondition::IfAbsent,
                )
                .await;
            match sent {
                Ok(_) => return Ok(()),
                Err(e) if e.precondition_failed() => {
                    match self.read_lock().await? {
                        Some((holder, _)) => {
                            return Err(StateError::Locked {
                                location: self.location(),
                                holder: Box::new(holder),
                            })
                        }
                        // Released in between: try again at once.
                        None => continue,
                    }
                }
                Err(e) => return Err(self.remote("lock", e.to_string())),
            }
        }
        Err(self.remote(
            "lock",
            "the lock object kept appearing and disappearing; try again".into(),
        ))
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        let Some((holder, etag)) = self.read_lock().await? else {
            return Err(StateError::NotLocked {
                location: self.location(),
            });
        };
        if holder.id != id {
            return Err(StateError::LockMismatch {
                location: self.location(),
                wanted: id.to_string(),
                holder: Box::new(holder),
            });
        }
        // Conditional on the ETag we just read: a lock taken by someone else
        // in between is left alone.
        match self.s3.delete(&self.lock_key(), etag.as_deref()).await {
            Ok(_) => Ok(()),
            Err(e) if e.status == Some(404) => Err(StateError::NotLocked {
                location: self.location(),
            }),
            Err(e) if e.status == Some(412) => match self.read_lock().await? {
                Some((holder, _)) => Err(StateError::LockMismatch {
                    location: self.location(),
                    wanted: id.to_string(),
                    holder: Box::new(holder),
                }),
                None => Err(StateError::NotLocked {
                    location: self.location(),
                }),
            },
            Err(e) => Err(self.remote("unlock", e.to_string())),
        }
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.read_lock().await?.map(|(info, _)| info))
    }

    fn recovery_path(&self, stamp: &str) -> PathBuf {
        let name = format!(
            "{}-{}-{stamp}.json",
            self.settings.bucket,
            self.key.replace('/', "_")
        );
        self.settings.recovery_dir.join(name)
    }

    async fn environments(&self) -> Result<Vec<String>, StateError> {
        let mut envs = Vec::new();
        let base = &self.settings.key;
        if self.s3.exists(base).await {
            envs.push("default".to_string());
        }
        let suffix = format!("/{base}");
        let mut found: Vec<String> = self
            .list("env/")
            .await?
            .into_iter()
            .filter_map(|k| {
                k.strip_prefix("env/")
                    .and_then(|rest| rest.strip_suffix(&suffix))
                    .map(str::to_string)
            })
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .collect();
        found.sort();
        found.dedup();
        envs.extend(found);
        Ok(envs)
    }

    /// What `recon init` reports: the bucket is reachable, versioning, the state.
    async fn check(&self) -> Result<Vec<String>, StateError> {
        self.s3
            .check_bucket()
            .await
            .map_err(|e| match e.status {
                Some(404) => self.remote(
                    "reach the bucket of",
                    format!("bucket {} does not exist; create it first (recon does not create its own state bucket)", self.settings.bucket),
                ),
                Some(403) => self.remote(
                    "reach the bucket of",
                    format!("access to bucket {} is denied for these credentials", self.settings.bucket),
                ),
                _ => self.remote("reach the bucket of", e.to_string()),
            })?;
        let mut notes = vec![format!("Bucket {} is reachable.", self.settings.bucket)];
        match self.versioning_enabled().await {
            Ok(true) => notes.push("Versioning is enabled: `recon state history` lists earlier versions.".into()),
            Ok(false) => notes.push(
                "Versioning is not enabled on the bucket: enable it so that every earlier state is kept.".into(),
            ),
            Err(e) => notes.push(format!("Could not read the bucket's versioning: {e}")),
        }
        if let Some(k) = &self.settings.kms_key_id {
            notes.push(format!("Objects are written with SSE-KMS under {k}."));
        }
        if let Some(k) = &self.settings.client_kms_key_id {
            notes.push(format!(
                "State is encrypted client-side (AES-256-GCM) under a data key from KMS key {k}."
            ));
        }
        Ok(notes)
    }

    async fn versions(&self) -> Result<Vec<StateVersion>, StateError> {
        if !self.versioning_enabled().await? {
            return Err(StateError::Unsupported {
                location: self.location(),
                what: "state history",
                help: "the bucket does not have versioning enabled; enable it (PutBucketVersioning Status=Enabled) so that S3 keeps every version recon writes",
            });
        }
        let mut out: Vec<StateVersion> = self
            .s3
            .versions(&self.key)
            .await
            .map_err(|e| self.remote("list the versions of", e.to_string()))?
            .into_iter()
            .map(|v| StateVersion {
                serial: v.metadata.get(META_SERIAL).and_then(|s| s.parse().ok()),
                lineage: v.metadata.get(META_LINEAGE).cloned(),
                id: v.id,
                modified: v.modified,
                size: v.size,
                latest: v.latest,
            })
            .collect();
        out.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.latest.cmp(&a.latest)));
        Ok(out)
    }

    async fn read_version(&self, id: &str) -> Result<State, StateError> {
        let location = format!("{} (version {id})", self.location());
        match self.get_raw(&self.key, Some(id)).await? {
            Some(raw) => self.decode(&raw, &location).await,
            None => Err(self.remote(
                "read a version of",
                format!("there is no version {id}; `recon state history` lists them"),
            )),
        }
    }
}

impl S3Backend {
    /// A whole write holds everything the journal held: drop it. A failure
    /// here loses nothing (entries under an older document are never read).
    async fn after_whole_write(&self) -> Result<(), StateError> {
        let _ = self.drop_journal().await;
        Ok(())
    }
}
