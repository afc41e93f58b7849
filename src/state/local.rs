//! State in a local file: the default backend, nothing to set up.
//!
//! Whole writes are atomic (temp file in the same directory, fsync, rename);
//! an apply's writes after its first append one line each to `<path>.journal`
//! (fsynced), which the next whole write folds into the document. As in
//! Terraform, `<path>.backup` keeps the state as it was before this run first
//! replaced it, so it undoes the whole run. A file that exists but cannot be
//! read is never treated as empty and never overwritten.
//!
//! The lock is `<path>.lock`, linked into place only if no such file exists, so
//! that exactly one process takes it. Environments live at
//! `<dir>/env/<NAME>/<file>` next to the default `<dir>/<file>`.

use super::journal::{self, Delta};
use super::{check_replace_current, Backend, LockInfo, State, StateError};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct LocalBackend {
    path: PathBuf,
    /// The default environment's file, when this one is an environment's.
    base: PathBuf,
    /// The document this backend last read or wrote, checked.
    known: Arc<Mutex<Option<Known>>>,
    /// Whether this run has written `<path>.backup` yet.
    backed_up: Arc<AtomicBool>,
}

/// What this backend last read or wrote: the files' identities and the lineage
/// and serial they hold. A write that finds the same files (same inode, length
/// and modification time) knows what they say without reading them: an apply
/// writes after every resource, and reading the state each time made a large
/// apply quadratic. Any other files are read and checked in full.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    doc: FileId,
    /// Bytes of journal this backend wrote or read after the document.
    journal_len: u64,
    lineage: String,
    serial: u64,
}

/// Enough of a file's metadata to tell that it was replaced or changed.
#[derive(Debug, Clone, PartialEq)]
struct FileId {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> FileId {
        FileId {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            ino: std::os::unix::fs::MetadataExt::ino(meta),
        }
    }
}

/// The journal is folded into the document once it is larger than this and
/// than the document: a rewrite then costs no more than the appends before it.
/// Large enough that a create of a few thousand resources folds nothing before
/// its end (each fold rewrites the whole document); replaying 8 MiB of journal
/// takes a few tens of milliseconds.
const JOURNAL_MIN_BOUND: u64 = 8 << 20;

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        let path = path.into();
        LocalBackend {
            base: path.clone(),
            path,
            known: Arc::default(),
            backed_up: Arc::default(),
        }
    }

    /// The state of environment `env` (None or "default": `base` itself), kept at
    /// `<dir of base>/env/<env>/<file name of base>`.
    pub fn for_env(base: impl Into<PathBuf>, env: Option<&str>) -> LocalBackend {
        let base = base.into();
        let path = match env.filter(|e| *e != "default") {
            Some(env) => {
                let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
                let name = base
                    .file_name()
                    .map(OsString::from)
                    .unwrap_or_else(|| "state.json".into());
                dir.join("env").join(env).join(name)
            }
            None => base.clone(),
        };
        LocalBackend {
            path,
            base,
            known: Arc::default(),
            backed_up: Arc::default(),
        }
    }

    /// Whether `path` holds a readable state of lineage `lineage`.
    pub fn holds(path: &Path, lineage: &str) -> bool {
        LocalBackend::new(path)
            .read()
            .ok()
            .flatten()
            .is_some_and(|s| s.lineage == lineage)
    }

    /// The lock file: `<path>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(".lock");
        PathBuf::from(name)
    }

    fn read_lock(&self) -> Result<Option<LockInfo>, StateError> {
        let path = self.lock_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| StateError::Invalid {
                location: path.display().to_string(),
                detail: format!("lock file is not a recon lock ({e}); remove it by hand if no recon is running"),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_err("read the lock of", e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous version is kept: `<path>.backup`.
    pub fn backup_path(&self) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(".backup");
        PathBuf::from(name)
    }

    /// The journal of changes since the document was written: `<path>.journal`.
    pub fn journal_path(&self) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(".journal");
        PathBuf::from(name)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn metadata(
        &self,
        path: &Path,
        what: &'static str,
    ) -> Result<Option<fs::Metadata>, StateError> {
        match fs::metadata(path) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_err(what, e)),
        }
    }

    fn read_journal(&self) -> Result<Vec<u8>, StateError> {
        match fs::read(self.journal_path()) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.io_err("read the journal of", e)),
        }
    }

    fn io_err(&self, action: &'static str, source: io::Error) -> StateError {
        StateError::Io {
            location: self.location(),
            action,
            source,
        }
    }

    /// The raw bytes on disk, None if there is no file.
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_err("read", e)),
        }
    }

    /// Writes `bytes` to `dest` atomically: readers see the old file or the new
    /// one, never a torn write. The temp file is created 0600 (state holds secrets).
    fn write_atomic(&self, dir: &Path, dest: &Path, bytes: &[u8]) -> Result<(), StateError> {
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| self.io_err("create a temporary file for", e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io_err("write", e))?;
        super::stats::wrote(bytes.len());
        tmp.persist(dest)
            .map_err(|e| self.io_err("replace", e.error))?;
        Ok(())
    }
}

// The inherent read and write are synchronous (file work needs nothing more);
// the Backend impl below wraps them.
impl LocalBackend {
    /// The document, then its journal.
    pub fn read(&self) -> Result<Option<State>, StateError> {
        let Some(meta) = self.metadata(&self.path, "read")? else {
            return Ok(None);
        };
        let Some(bytes) = self.read_bytes()? else {
            return Ok(None);
        };
        let mut state = State::from_json_at(&bytes, &self.location())?;
        let journal = self.read_journal()?;
        journal::replay(&mut state, &journal, &self.location())?;
        self.remember(FileId::of(&meta), journal.len() as u64, &state);
        Ok(Some(state))
    }

    fn remember(&self, doc: FileId, journal_len: u64, state: &State) {
        *self.known.lock().unwrap() = Some(Known {
            doc,
            journal_len,
            lineage: state.lineage.clone(),
            serial: state.serial,
        });
    }

    /// (lineage, serial) of the state on disk now; read and checked in full
    /// unless the files are the very ones this backend last saw.
    fn current(&self) -> Result<Option<(String, u64)>, StateError> {
        let Some(meta) = self.metadata(&self.path, "read")? else {
            return Ok(None);
        };
        let journal_len = self
            .metadata(&self.journal_path(), "read the journal of")?
            .map_or(0, |m| m.len());
        let doc = FileId::of(&meta);
        if let Some(known) = self
            .known
            .lock()
            .unwrap()
            .as_ref()
            .filter(|k| k.doc == doc && k.journal_len == journal_len)
        {
            return Ok(Some((known.lineage.clone(), known.serial)));
        }
        Ok(self.read()?.map(|state| (state.lineage, state.serial)))
    }

    /// Keeps the state as it was before this run first replaced it in
    /// `.backup`, so that it undoes the whole run.
    fn back_up_once(&self, dir: &Path) -> Result<(), StateError> {
        if self.backed_up.load(Ordering::SeqCst) {
            return Ok(());
        }
        // The first replacement backs up; creating the state backs up nothing.
        if let Some(before) = self.read()? {
            self.write_atomic(dir, &self.backup_path(), before.to_json_pretty().as_bytes())?;
            self.backed_up.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Replaces the whole document (and folds the journal into it).
    pub fn write(&self, state: &State, expected: Option<(&str, u64)>) -> Result<(), StateError> {
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(|e| self.io_err("create the directory for", e))?;
        // What is there is checked first: an unreadable or newer-format state is
        // an error here too, so it is never replaced.
        let current = self.current()?;
        check_replace_current(
            &self.location(),
            current.as_ref().map(|(l, s)| (l.as_str(), *s)),
            state,
            expected,
        )?;
        self.back_up_once(&dir)?;
        let text = state.to_json_pretty().into_bytes();
        self.write_atomic(&dir, &self.path, &text)?;
        // The document holds every entry now; one left by a crash here is older
        // than the document and skipped when read.
        match fs::remove_file(self.journal_path()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.io_err("remove the journal of", e)),
        }
        sync_dir(&dir);
        let meta = self
            .metadata(&self.path, "read")?
            .ok_or_else(|| self.io_err("read", io::ErrorKind::NotFound.into()))?;
        self.remember(FileId::of(&meta), 0, state);
        Ok(())
    }

    /// Appends one change to the journal, durable (fsynced) when it returns; a
    /// journal grown past the document is folded into it instead.
    pub fn append(
        &self,
        state: &State,
        delta: &Delta,
        expected: (&str, u64),
    ) -> Result<(), StateError> {
        let current = self.current()?;
        check_replace_current(
            &self.location(),
            current.as_ref().map(|(l, s)| (l.as_str(), *s)),
            state,
            Some(expected),
        )?;
        let known = self
            .known
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| StateError::Missing {
                location: self.location(),
                expected: expected.1,
            })?;
        let line = delta.to_line();
        if known.journal_len + line.len() as u64 > JOURNAL_MIN_BOUND.max(known.doc.len) {
            return self.write(state, Some(expected));
        }
        let dir = self.dir();
        self.back_up_once(&dir)?;
        let mut file = fs::OpenOptions::new();
        file.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        let mut file = file
            .open(self.journal_path())
            .map_err(|e| self.io_err("open the journal of", e))?;
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| self.io_err("append to the journal of", e))?;
        super::stats::wrote(line.len());
        if known.journal_len == 0 {
            sync_dir(&dir);
        }
        self.remember(known.doc, known.journal_len + line.len() as u64, state);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Backend for LocalBackend {
    fn describe(&self) -> String {
        format!("local state file {}", self.location())
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        LocalBackend::read(self)
    }

    async fn write(&self, state: &State, expected: Option<(&str, u64)>) -> Result<(), StateError> {
        LocalBackend::write(self, state, expected)
    }

    async fn append(
        &self,
        state: &State,
        delta: &Delta,
        expected: (&str, u64),
    ) -> Result<(), StateError> {
        LocalBackend::append(self, state, delta, expected)
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        let lock = self.lock_path();
        let dir = match lock.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| self.io_err("create the directory for", e))?;
        // Write the whole lock under a temporary name, then link it into place:
        // the link fails if the lock exists, and a reader never sees half a lock.
        let mut tmp = tempfile::Builder::new()
            .prefix(".lock.")
            .tempfile_in(&dir)
            .map_err(|e| self.io_err("create a temporary file for the lock of", e))?;
        let json = serde_json::to_vec_pretty(info).unwrap_or_default();
        tmp.write_all(&json)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io_err("write the lock of", e))?;
        loop {
            match fs::hard_link(tmp.path(), &lock) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match self.read_lock()? {
                    Some(holder) => {
                        return Err(StateError::Locked {
                            location: self.location(),
                            holder: Box::new(holder),
                        })
                    }
                    // Released between our attempt and the read: try again.
                    None => continue,
                },
                Err(e) => return Err(self.io_err("lock", e)),
            }
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        match self.read_lock()? {
            None => Err(StateError::NotLocked {
                location: self.location(),
            }),
            Some(holder) if holder.id != id => Err(StateError::LockMismatch {
                location: self.location(),
                wanted: id.to_string(),
                holder: Box::new(holder),
            }),
            Some(_) => fs::remove_file(self.lock_path()).map_err(|e| self.io_err("unlock", e)),
        }
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        self.read_lock()
    }

    fn recovery_path(&self, stamp: &str) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".recovery-{stamp}"));
        PathBuf::from(name)
    }

    async fn environments(&self) -> Result<Vec<String>, StateError> {
        let mut envs = Vec::new();
        if self.base.exists() {
            envs.push("default".to_string());
        }
        let dir = self
            .base
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("env");
        let Some(file) = self.base.file_name() else {
            return Ok(envs);
        };
        if let Ok(entries) = fs::read_dir(&dir) {
            let mut found: Vec<String> = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join(file).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            found.sort();
            envs.extend(found);
        }
        Ok(envs)
    }
}

/// Makes the renames durable. Best effort: the data is already synced, and not
/// every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::InstanceAddr;
    use crate::object;
    use crate::state::ResourceState;

    fn sample() -> State {
        let mut state = State::new();
        let addr: InstanceAddr = "aws_vpc.main".parse().unwrap();
        state.upsert(
            ResourceState::from_object(&addr, &object! {"id" => "vpc-1"}, &[], false).unwrap(),
        );
        state
    }

    fn next(state: &State) -> State {
        let mut s = state.clone();
        s.bump_serial();
        s
    }

    #[test]
    fn missing_file_reads_as_none_and_write_creates_directories() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("state/nested/default.json"));
        assert!(backend.read().unwrap().is_none());

        let state = next(&sample());
        backend.write(&state, None).unwrap();
        assert_eq!(backend.read().unwrap().unwrap(), state);
        // First write: nothing to back up.
        assert!(!backend.backup_path().exists());
        assert!(backend.describe().contains("default.json"));
    }

    #[test]
    fn the_backup_is_the_state_from_before_the_runs_first_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.json");
        let first = next(&sample());
        LocalBackend::new(&path).write(&first, None).unwrap();
        let first_bytes = fs::read(&path).unwrap();

        // One run (one backend) writing several times backs up once, at its first write.
        let backend = LocalBackend::new(&path);
        let second = next(&first);
        backend
            .write(&second, Some((&first.lineage, first.serial)))
            .unwrap();
        assert_eq!(fs::read(backend.backup_path()).unwrap(), first_bytes);
        let third = next(&second);
        backend
            .write(&third, Some((&second.lineage, second.serial)))
            .unwrap();
        assert_eq!(fs::read(backend.backup_path()).unwrap(), first_bytes);
        assert_eq!(backend.read().unwrap().unwrap(), third);
        let third_bytes = fs::read(&path).unwrap();

        // The next run backs up what the last one left.
        let later = LocalBackend::new(&path);
        later
            .write(&next(&third), Some((&third.lineage, third.serial)))
            .unwrap();
        assert_eq!(fs::read(later.backup_path()).unwrap(), third_bytes);

        // No temp files are left behind.
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn corrupt_file_is_an_error_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.json");
        for bytes in [&b"{\"version\": 1, \"seri"[..], b"", b"{\"version\": 9}"] {
            fs::write(&path, bytes).unwrap();
            let backend = LocalBackend::new(&path);
            let err = backend.read().unwrap_err();
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{err}"
            );

            let err = backend.write(&next(&sample()), None).unwrap_err();
            assert!(
                matches!(
                    err,
                    StateError::Invalid { .. } | StateError::UnsupportedVersion { .. }
                ),
                "{err}"
            );
            assert_eq!(fs::read(&path).unwrap(), bytes, "file was modified");
            assert!(!backend.backup_path().exists());
        }
    }

    #[test]
    fn stale_serial_and_other_lineage_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("default.json"));
        let base = next(&sample());
        backend.write(&base, None).unwrap();
        let ours = base.clone();

        // Someone else writes serial 2 meanwhile.
        let theirs = next(&base);
        backend
            .write(&theirs, Some((&base.lineage, base.serial)))
            .unwrap();
        let on_disk = fs::read(backend.path()).unwrap();

        // We still think serial 1 is current.
        let err = backend
            .write(&next(&ours), Some((&ours.lineage, ours.serial)))
            .unwrap_err();
        assert!(
            matches!(
                err,
                StateError::StaleSerial {
                    found: 2,
                    expected: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("run plan again"), "{err}");

        // A state from another stack.
        let mut other = State::new();
        other.serial = 5;
        let err = backend
            .write(&other, Some((&other.lineage, 2)))
            .unwrap_err();
        assert!(matches!(err, StateError::LineageMismatch { .. }), "{err}");

        // Right expectation, but the new state carries another lineage.
        let err = backend
            .write(&other, Some((&theirs.lineage, theirs.serial)))
            .unwrap_err();
        assert!(matches!(err, StateError::LineageMismatch { .. }), "{err}");

        // Right expectation, serial not increased.
        let err = backend
            .write(&theirs, Some((&theirs.lineage, theirs.serial)))
            .unwrap_err();
        assert!(
            matches!(err, StateError::SerialNotIncreased { .. }),
            "{err}"
        );

        // Expecting no state where one exists.
        let err = backend.write(&next(&theirs), None).unwrap_err();
        assert!(matches!(err, StateError::AlreadyExists { .. }), "{err}");

        assert_eq!(fs::read(backend.path()).unwrap(), on_disk);
    }

    #[test]
    fn each_write_checks_what_is_on_disk_now_even_right_after_its_own() {
        // A write skips parsing only the exact bytes this backend last saw;
        // whatever another writer (or an editor) left is checked in full.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.json");
        let ours = LocalBackend::new(&path);
        let first = next(&sample());
        ours.write(&first, None).unwrap();
        let second = next(&first);
        ours.write(&second, Some((&first.lineage, first.serial)))
            .unwrap();
        let err = ours
            .write(&next(&second), Some((&first.lineage, first.serial)))
            .unwrap_err();
        assert!(
            matches!(
                err,
                StateError::StaleSerial {
                    found: 2,
                    expected: 1,
                    ..
                }
            ),
            "{err}"
        );

        // Another process moves the state on.
        let second_bytes = fs::read(&path).unwrap();
        let theirs = LocalBackend::new(&path);
        let mut moved = theirs.read().unwrap().unwrap();
        moved.bump_serial();
        theirs
            .write(&moved, Some((&second.lineage, second.serial)))
            .unwrap();
        let err = ours
            .write(&next(&second), Some((&second.lineage, second.serial)))
            .unwrap_err();
        assert!(
            matches!(
                err,
                StateError::StaleSerial {
                    found: 3,
                    expected: 2,
                    ..
                }
            ),
            "{err}"
        );

        // Damaged by hand, serial and lineage intact: refused, left as it is.
        let good = fs::read(&path).unwrap();
        let damaged = String::from_utf8(good.clone())
            .unwrap()
            .replace("\"aws_vpc.main\"", "\"aws_vpc.other\"");
        assert_ne!(damaged.as_bytes(), good);
        fs::write(&path, &damaged).unwrap();
        let err = ours
            .write(&next(&moved), Some((&moved.lineage, moved.serial)))
            .unwrap_err();
        assert!(matches!(err, StateError::Invalid { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), damaged.as_bytes());

        // Put back, it is the current state again.
        fs::write(&path, &good).unwrap();
        let last = next(&moved);
        ours.write(&last, Some((&moved.lineage, moved.serial)))
            .unwrap();
        assert_eq!(LocalBackend::new(&path).read().unwrap().unwrap(), last);
        // The backup is the other run's (what it replaced); ours backed up only once.
        assert_eq!(fs::read(ours.backup_path()).unwrap(), second_bytes);
    }

    #[test]
    fn one_lock_at_a_time_and_only_its_owner_unlocks() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("state/default.json"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let b: &dyn Backend = &backend;
            assert_eq!(b.lock_info().await.unwrap(), None);
            let mine = LockInfo::new("apply", &b.describe());
            b.lock(&mine).await.unwrap();
            let theirs = LockInfo::new("destroy", &b.describe());
            match b.lock(&theirs).await.unwrap_err() {
                StateError::Locked { holder, .. } => assert_eq!(*holder, mine),
                other => panic!("{other}"),
            }
            let err = b.unlock(&theirs.id).await.unwrap_err();
            assert!(matches!(err, StateError::LockMismatch { .. }), "{err}");
            assert_eq!(b.lock_info().await.unwrap(), Some(mine.clone()));
            b.unlock(&mine.id).await.unwrap();
            assert!(matches!(
                b.unlock(&mine.id).await.unwrap_err(),
                StateError::NotLocked { .. }
            ));
            b.lock(&theirs).await.unwrap();
        });
        // Only the lock file is left, no temporary files.
        let names: Vec<String> = fs::read_dir(dir.path().join("state"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["default.json.lock"]);
    }

    #[test]
    fn environments_sit_beside_the_default_state() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("state/web.json");
        let prod = LocalBackend::for_env(&base, Some("prod"));
        assert_eq!(prod.path(), dir.path().join("state/env/prod/web.json"));
        assert_eq!(LocalBackend::for_env(&base, Some("default")).path(), base);
        prod.write(&next(&sample()), None).unwrap();
        LocalBackend::for_env(&base, Some("dev"))
            .write(&next(&sample()), None)
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(
            rt.block_on(Backend::environments(&prod)).unwrap(),
            ["dev", "prod"]
        );
        LocalBackend::new(&base)
            .write(&next(&sample()), None)
            .unwrap();
        assert_eq!(
            rt.block_on(Backend::environments(&prod)).unwrap(),
            ["default", "dev", "prod"]
        );
    }

    #[test]
    fn expecting_a_state_that_is_gone_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("default.json"));
        let state = next(&sample());
        let err = backend
            .write(&state, Some((&state.lineage, 0)))
            .unwrap_err();
        assert!(matches!(err, StateError::Missing { .. }), "{err}");
        assert!(!backend.path().exists());
    }

    #[test]
    fn appended_changes_are_read_back_and_folded_into_the_document_by_a_write() {
        use crate::state::journal::{Delta, Written};
        use std::collections::BTreeSet;
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("s.json"));
        let mut state = next(&sample());
        backend.write(&state, None).unwrap();
        let written = Written::of(&state);
        let doc = std::fs::read(backend.path()).unwrap();
        let addr: InstanceAddr = "aws_subnet.a".parse().unwrap();
        let expected = (state.lineage.clone(), state.serial);
        state.upsert(
            ResourceState::from_object(&addr, &object! {"id" => "subnet-1"}, &[], false).unwrap(),
        );
        state.bump_serial();
        backend
            .append(
                &state,
                &Delta::of(&state, &BTreeSet::from([addr.clone()]), &written),
                (&expected.0, expected.1),
            )
            .unwrap();
        assert_eq!(
            std::fs::read(backend.path()).unwrap(),
            doc,
            "an append leaves the document alone"
        );
        assert_eq!(
            LocalBackend::new(backend.path()).read().unwrap().unwrap(),
            state,
            "another reader sees document + journal"
        );
        // A stale expectation is refused, as for a whole write.
        let mut stale = state.clone();
        stale.bump_serial();
        assert!(backend
            .append(
                &stale,
                &Delta::of(&stale, &BTreeSet::new(), &written),
                (&expected.0, expected.1)
            )
            .unwrap_err()
            .is_conflict());
        let before = state.serial;
        state.bump_serial();
        backend
            .write(&state, Some((&state.lineage.clone(), before)))
            .unwrap();
        assert!(
            !backend.journal_path().exists(),
            "a whole write folds the journal in"
        );
        assert_eq!(
            LocalBackend::new(backend.path()).read().unwrap().unwrap(),
            state
        );
        // The backup is the state before this run's first write, journal included.
        let backup = State::from_json(&std::fs::read(backend.backup_path()).unwrap()).unwrap();
        assert_eq!(backup.serial, expected.1);
    }

    /// A journal that outgrows its bound (and the document) is folded into the
    /// document by the append that would pass it.
    #[test]
    fn a_journal_past_its_bound_is_folded_into_the_document() {
        use crate::state::journal::{Delta, Written};
        use std::collections::BTreeSet;
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("s.json"));
        let mut state = next(&sample());
        backend.write(&state, None).unwrap();
        let big = "x".repeat(1 << 20);
        let mut folded_at = None;
        for i in 0..10 {
            let written = Written::of(&state);
            let expected = (state.lineage.clone(), state.serial);
            let addr: InstanceAddr = format!("aws_subnet.s{i}").parse().unwrap();
            let attrs = object! {"id" => format!("subnet-{i}"), "note" => big.clone()};
            state.upsert(ResourceState::from_object(&addr, &attrs, &[], false).unwrap());
            state.bump_serial();
            let delta = Delta::of(&state, &BTreeSet::from([addr]), &written);
            backend
                .append(&state, &delta, (&expected.0, expected.1))
                .unwrap();
            let journal = std::fs::metadata(backend.journal_path()).map_or(0, |m| m.len());
            assert!(journal <= JOURNAL_MIN_BOUND, "journal of {journal} bytes");
            if journal == 0 && folded_at.is_none() {
                folded_at = Some(i);
            }
        }
        // Each line is a little over 1 MiB: the eighth would pass 8 MiB.
        assert_eq!(folded_at, Some(7));
        assert_eq!(
            LocalBackend::new(backend.path()).read().unwrap().unwrap(),
            state
        );
    }
}
