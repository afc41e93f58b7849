//! Which backend a command uses (`recon { backend ... }`, `--backend-config`,
//! `--env`), and the state lock every command that may write state takes.

use super::{CliError, Ctx};
use crate::aws;
use crate::config::Stack;
use crate::diag::{did_you_mean, Diag};
use crate::state::lock::{self, LockInfo};
use crate::state::s3::{env_key, S3Settings};
use crate::state::{Backend, LocalBackend, OtherStack, StackIdentity, State, StateError};
use crate::value::Value;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug, Clone, Default)]
pub struct BackendArgs {
    /// The environment: state key env/NAME/<key> (local: state/env/NAME/<stack>.json),
    /// and NAME.tfvars from the stack directory when present.
    #[arg(long, global = true, env = "RECON_ENV", value_name = "NAME")]
    pub env: Option<String>,
    /// Override a backend setting, e.g. bucket=my-state (repeatable).
    #[arg(long = "backend-config", global = true, value_name = "KEY=VALUE")]
    pub backend_config: Vec<String>,
    /// Take the state lock (default true); --lock=false only if you know no one else writes.
    #[arg(long, global = true, value_name = "BOOL", num_args = 0..=1, default_value = "true", default_missing_value = "true", action = clap::ArgAction::Set)]
    pub lock: bool,
    /// How long to wait for a held lock, e.g. 60s or 5m (default: fail at once).
    #[arg(
        long = "lock-timeout",
        global = true,
        value_name = "DURATION",
        default_value = "0s"
    )]
    pub lock_timeout: String,
}

/// The parsed options, kept in Ctx.
#[derive(Debug, Clone)]
pub struct BackendOpts {
    pub env: Option<String>,
    pub overrides: Vec<(String, String)>,
    pub lock: bool,
    pub lock_timeout: Duration,
    /// `-C DIR` as given, to print commands the operator can paste.
    stack_flag: Option<PathBuf>,
    /// The lock's operation name (apply, plan, state rm, ...).
    pub operation: &'static str,
}

/// A lock this process holds, released when the command ends.
pub struct Held {
    backend: Arc<dyn Backend>,
    id: String,
    /// False while the lock is being taken: a command stopped then (a remote
    /// lock's request in flight) may have taken it, so its release is tried.
    taken: bool,
}

const LOCAL_SETTINGS: &[&str] = &["path"];
const S3_SETTINGS: &[&str] = &["bucket", "key", "region", "kms_key_id", "encrypt"];
const ENCRYPTION_SETTINGS: &[&str] = &["kms_key_id"];

impl BackendArgs {
    pub fn resolve(
        &self,
        stack_flag: Option<PathBuf>,
        operation: &'static str,
    ) -> Result<BackendOpts, CliError> {
        let env = match self.env.as_deref().map(str::trim) {
            None | Some("") | Some("default") => None,
            Some(name) => {
                let valid = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                    && name.starts_with(|c: char| c.is_ascii_alphanumeric());
                if !valid {
                    return Err(CliError::Failed(format!(
                        "environment name \"{name}\" is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit"
                    )));
                }
                Some(name.to_string())
            }
        };
        let mut overrides = Vec::new();
        for pair in &self.backend_config {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(CliError::Failed(format!(
                    "--backend-config {pair}: expected KEY=VALUE, e.g. bucket=my-state"
                )));
            };
            overrides.push((k.trim().to_string(), v.to_string()));
        }
        let lock_timeout = lock::parse_duration(&self.lock_timeout)
            .map_err(|e| CliError::Failed(format!("--lock-timeout {e}")))?;
        Ok(BackendOpts {
            env,
            overrides,
            lock: self.lock,
            lock_timeout,
            stack_flag,
            operation,
        })
    }
}

impl BackendOpts {
    /// `<env>.tfvars` in the stack directory, when an environment is selected and it exists.
    pub fn env_tfvars(&self, stack_dir: &Path) -> Option<PathBuf> {
        let path = stack_dir.join(format!("{}.tfvars", self.env.as_deref()?));
        path.is_file().then_some(path)
    }

    pub fn env_name(&self) -> &str {
        self.env.as_deref().unwrap_or("default")
    }

    /// A recon command line that targets the same state, for messages.
    pub fn command(&self, rest: &str) -> String {
        let mut cmd = String::from("recon");
        if let Some(dir) = &self.stack_flag {
            cmd.push_str(&format!(" -C {}", quote(&dir.display().to_string())));
        }
        if let Some(env) = &self.env {
            cmd.push_str(&format!(" --env {}", quote(env)));
        }
        for (k, v) in &self.overrides {
            cmd.push_str(&format!(" --backend-config {}", quote(&format!("{k}={v}"))));
        }
        cmd.push(' ');
        cmd.push_str(rest);
        cmd
    }
}

/// Where the state of `stack` is kept without a backend block: `state/<name>.json`
/// in the stack directory, wherever recon runs from (as Terraform keeps
/// terraform.tfstate in the configuration's directory).
pub fn default_local_state(stack: &Stack) -> PathBuf {
    stack.dir.join("state").join(format!("{}.json", stack.name))
}

/// `path` made absolute, with symbolic links and `..` resolved as far as it exists.
fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path,
        }
    }
}

/// Quotes for a POSIX shell when needed.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

impl Ctx {
    /// The stack's backend for the selected environment, with --backend-config applied.
    pub async fn backend(&self, stack: &Stack) -> Result<Arc<dyn Backend>, CliError> {
        let kind = stack
            .backend
            .as_ref()
            .map(|b| b.kind.as_str())
            .unwrap_or("local");
        let mut settings = stack
            .backend
            .as_ref()
            .map(|b| b.settings.clone())
            .unwrap_or_default();
        let allowed = match kind {
            "local" => LOCAL_SETTINGS,
            "s3" => S3_SETTINGS,
            other => {
                let b = stack
                    .backend
                    .as_ref()
                    .expect("a kind other than local comes from a block");
                return Err(Diag::at(&b.span, format!("backend \"{other}\" is not supported by this recon"), "unsupported backend")
                    .with_help("use backend \"s3\" { bucket = ..., key = ... } or backend \"local\" { path = ... }")
                    .into());
            }
        };
        for (k, v) in &self.backend.overrides {
            let value = match v.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(v.clone()),
            };
            settings.insert(k.clone(), value);
        }
        for key in settings.keys() {
            if !allowed.contains(&key.as_str()) {
                let hint = did_you_mean(key, allowed.iter().copied())
                    .map(|s| format!("did you mean \"{s}\"? "))
                    .unwrap_or_default();
                let msg = format!("backend \"{kind}\" has no setting \"{key}\"");
                let help = format!("{hint}its settings are: {}", allowed.join(", "));
                let from_flag = self.backend.overrides.iter().any(|(k, _)| k == key);
                return Err(match (&stack.backend, from_flag) {
                    (Some(b), false) => Diag::at(&b.span, msg, "unknown setting")
                        .with_help(help)
                        .into(),
                    _ => CliError::Failed(format!("--backend-config: {msg}; {help}")),
                });
            }
        }
        let string = |key: &str| -> Result<Option<String>, CliError> {
            match settings.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
                Some(other) => Err(CliError::Failed(format!(
                    "backend \"{kind}\": \"{key}\" must be a non-empty string, not {other}"
                ))),
            }
        };
        let encryption_key = match &stack.encryption {
            None => None,
            Some(enc) => {
                if let Some(key) = enc
                    .settings
                    .keys()
                    .find(|k| !ENCRYPTION_SETTINGS.contains(&k.as_str()))
                {
                    return Err(Diag::at(
                        &enc.span,
                        format!("encryption has no setting \"{key}\""),
                        "unknown setting",
                    )
                    .with_help(
                        "the encryption block holds kms_key_id = \"<KMS key id, ARN or alias>\"",
                    )
                    .into());
                }
                match enc.settings.get("kms_key_id") {
                    Some(Value::String(k)) if !k.trim().is_empty() => Some(k.clone()),
                    _ => return Err(Diag::at(&enc.span, "encryption needs kms_key_id", "no key")
                        .with_help(
                            "write kms_key_id = \"alias/recon-state\" (a KMS key id, ARN or alias)",
                        )
                        .into()),
                }
            }
        };
        match kind {
            "local" => {
                if let Some(enc) = &stack.encryption {
                    return Err(Diag::at(&enc.span, "client-side encryption needs the s3 backend", "local state is not encrypted")
                        .with_help("configure recon { backend \"s3\" { ... } }, or remove the encryption block")
                        .into());
                }
                // Relative to the stack, like the block that sets it, and like the default.
                let configured = string("path")?.map(|path| stack.dir.join(path));
                let backend = LocalBackend::for_env(
                    configured
                        .clone()
                        .unwrap_or_else(|| default_local_state(stack)),
                    self.backend.env.as_deref(),
                );
                if configured.is_none() {
                    self.refuse_stray_state(stack, backend.path())?;
                }
                self.bind(StackIdentity::new(
                    absolute(backend.path()).display().to_string(),
                    &stack.name,
                    self.backend.env_name(),
                ));
                Ok(Arc::new(backend))
            }
            _ => {
                let Some(bucket) = string("bucket")? else {
                    return Err(CliError::Failed(
                        "backend \"s3\" needs a bucket: set bucket = \"...\" in the block or pass --backend-config bucket=NAME".into(),
                    ));
                };
                let key = string("key")?.unwrap_or_else(|| format!("{}.json", stack.name));
                if key.ends_with('/') || key.starts_with('/') {
                    return Err(CliError::Failed(format!("backend \"s3\": key \"{key}\" must name an object, not start or end with '/'")));
                }
                let encrypt = match settings.get("encrypt") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(other) => {
                        return Err(CliError::Failed(format!(
                            "backend \"s3\": \"encrypt\" must be true or false, not {other}"
                        )))
                    }
                };
                let region = string("region")?;
                let clients = aws::Clients::in_region(self.aws_config().await, region);
                let settings = S3Settings {
                    bucket,
                    key,
                    env: self.backend.env.clone(),
                    kms_key_id: string("kms_key_id")?,
                    encrypt,
                    client_kms_key_id: encryption_key,
                    recovery_dir: stack.dir.join("state").join("recovery"),
                };
                let location = format!(
                    "s3://{}/{}",
                    settings.bucket,
                    env_key(&settings.key, settings.env.as_deref())
                );
                self.bind(StackIdentity::new(
                    location,
                    &stack.name,
                    self.backend.env_name(),
                ));
                Ok(Arc::new(aws::state_store::s3_backend(&clients, settings)))
            }
        }
    }

    /// Records the identity of the stack whose backend this command uses.
    fn bind(&self, identity: StackIdentity) {
        *self.identity.lock().unwrap() = Some(identity);
    }

    /// The identity of the stack whose backend this command uses, once known.
    pub fn stack_identity(&self) -> Option<StackIdentity> {
        self.identity.lock().unwrap().clone()
    }

    /// The state as it is now, without locking (for commands that only read),
    /// bound to this command's stack: a new or old state records it, another
    /// stack's is refused.
    pub async fn read_state(&self, backend: &dyn Backend) -> Result<(State, bool), CliError> {
        let (mut state, exists) = self.read_state_as_found(backend).await?;
        self.bind_state(&mut state, &backend.describe())
            .map_err(|e| self.other_stack(&e))?;
        Ok((state, exists))
    }

    /// Binds `state`, found at `location`, to this command's stack (see
    /// [`State::bind`]). A local state still at its recorded place was copied
    /// from there, not moved.
    pub fn bind_state(&self, state: &mut State, location: &str) -> Result<(), OtherStack> {
        let Some(running) = self.stack_identity() else {
            return Ok(());
        };
        let lineage = state.lineage.clone();
        state.bind(&running, location, |old| {
            !LocalBackend::holds(Path::new(old), &lineage)
        })
    }

    /// The state as it is now, whichever stack it was recorded for.
    pub async fn read_state_as_found(
        &self,
        backend: &dyn Backend,
    ) -> Result<(State, bool), CliError> {
        match backend.read().await {
            Ok(Some(state)) => Ok((state, true)),
            Ok(None) => Ok((State::new(), false)),
            Err(e) => Err(CliError::Failed(e.to_string())),
        }
    }

    /// Reads the state under the lock. `plan` and `show` hold the lock only while
    /// they read; every other command keeps it until it ends (see `run`).
    pub async fn read_state_locked(
        &self,
        backend: &Arc<dyn Backend>,
    ) -> Result<(State, bool), CliError> {
        self.read_locked(backend, true).await
    }

    /// [`Ctx::read_state_locked`] whichever stack the state was recorded for
    /// (`state push --force` replaces it anyway).
    pub async fn read_state_locked_as_found(
        &self,
        backend: &Arc<dyn Backend>,
    ) -> Result<(State, bool), CliError> {
        self.read_locked(backend, false).await
    }

    async fn read_locked(
        &self,
        backend: &Arc<dyn Backend>,
        bind: bool,
    ) -> Result<(State, bool), CliError> {
        let read = || async {
            if bind {
                self.read_state(&**backend).await
            } else {
                self.read_state_as_found(&**backend).await
            }
        };
        if !self.backend.lock || self.held.lock().await.is_some() {
            return read().await;
        }
        self.lock(backend).await?;
        let result = read().await;
        if matches!(self.backend.operation, "plan" | "show") {
            self.release_lock().await;
        }
        result
    }

    /// Why a state of another stack is refused, and the two ways out.
    pub fn other_stack(&self, err: &OtherStack) -> CliError {
        let own_state = if err.running.key.starts_with("s3://") {
            "set another key in its backend \"s3\" block, or with --backend-config key=..."
                .to_string()
        } else {
            format!(
                "move {} (and its .backup) away, and the next apply starts a new one",
                err.running.key
            )
        };
        CliError::Failed(format!(
            "{err}.\n\
             Two stacks must not share a state: each would plan to destroy what the other created. This happens when a stack \
             directory is copied with its state/ directory, or when two stacks' backend settings name the same state.\n  \
             - If this is a stack of its own, give it a state of its own: {own_state}.\n  \
             - If this state really is this stack's now, take it over:\n      {} > state.json\n      {}",
            self.backend.command("state pull"),
            self.backend.command("state push --force state.json")
        ))
    }

    /// With the default local state, refuses to start a new state when one for
    /// this stack may sit elsewhere: under the directory recon runs from (where
    /// recon kept local state before), or beside it under another name (the
    /// stack's directory was renamed). Planning from nothing would create
    /// everything a second time.
    fn refuse_stray_state(&self, stack: &Stack, path: &Path) -> Result<(), CliError> {
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = format!("{}.json", stack.name);
        let legacy =
            LocalBackend::for_env(Path::new("state").join(&name), self.backend.env.as_deref())
                .path()
                .to_path_buf();
        if legacy.is_file() && absolute(&legacy) != absolute(path) {
            return Err(CliError::Failed(format!(
                "there is no state at {}, but there is {} under the directory recon runs from, where recon kept local state before \
                 it kept it in the stack directory. Move it into the directory of the stack it belongs to (this one, unless \
                 another stack is also named {}), then run recon again:\n  mkdir -p {} && mv {}* {}/",
                path.display(),
                legacy.display(),
                stack.name,
                quote(&dir.display().to_string()),
                quote(&legacy.display().to_string()),
                quote(&dir.display().to_string())
            )));
        }
        let other = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"));
        if let Some(other) = other {
            return Err(CliError::Failed(format!(
                "there is no state at {}, but {} holds {}: the state of this stack before its directory was renamed? \
                 If so, rename it (and its .backup):\n  mv {} {}\nIf not, move it out of {}.",
                path.display(),
                dir.display(),
                other.file_name().unwrap_or_default().to_string_lossy(),
                quote(&other.display().to_string()),
                quote(&path.display().to_string()),
                dir.display()
            )));
        }
        Ok(())
    }

    /// Takes the lock for this command (waiting up to --lock-timeout) and keeps
    /// it until the command ends. Does nothing with --lock=false.
    pub async fn lock(&self, backend: &Arc<dyn Backend>) -> Result<(), CliError> {
        if !self.backend.lock {
            return Ok(());
        }
        let mut held = self.held.lock().await;
        if held.is_some() {
            return Ok(());
        }
        let info = LockInfo::new(self.backend.operation, &backend.describe());
        let timeout = self.backend.lock_timeout;
        let waiting = |holder: &LockInfo| {
            errln!(
                "Waiting up to {} for the state lock on {}: held by {} for {} since {} (lock ID {})...",
                lock::human_duration(timeout.as_secs()),
                backend.describe(),
                holder.who,
                holder.operation,
                holder.created,
                holder.id
            );
        };
        *held = Some(Held {
            backend: backend.clone(),
            id: info.id.clone(),
            taken: false,
        });
        if let Err(e) = lock::acquire(&**backend, &info, timeout, waiting).await {
            *held = None;
            return Err(match e {
                StateError::Locked { location, holder } => {
                    CliError::Failed(self.locked_message(&location, &holder))
                }
                e => CliError::Failed(format!("cannot take the state lock: {e}")),
            });
        }
        if let Some(h) = held.as_mut() {
            h.taken = true;
        }
        Ok(())
    }

    /// The id of the lock this command holds, if any.
    pub async fn held_lock_id(&self) -> Option<String> {
        self.held.lock().await.as_ref().map(|h| h.id.clone())
    }

    /// Releases the lock this command took, if any; problems are warnings.
    pub async fn release_lock(&self) {
        let Some(held) = self.held.lock().await.take() else {
            return;
        };
        if !held.taken {
            // Most likely never taken: only a lock that is there is removed, quietly.
            let _ = held.backend.unlock(&held.id).await;
            return;
        }
        match held.backend.unlock(&held.id).await {
            Ok(()) => {}
            Err(StateError::NotLocked { location }) => errln!(
                "Warning: the state lock {} on {location} was already gone when recon released it: someone force-unlocked it while this command held it.",
                held.id
            ),
            Err(StateError::LockMismatch { location, holder, .. }) => errln!(
                "Warning: the state lock on {location} is no longer this command's (it is now {}, held by {} for {}); it was left alone.",
                holder.id, holder.who, holder.operation
            ),
            Err(e) => errln!(
                "Error: releasing the state lock failed: {e}\nIf no recon is running, remove it with:\n  {}",
                self.backend.command(&format!("force-unlock {}", held.id))
            ),
        }
    }

    /// Who holds the lock, for what, since when, and how to break it.
    pub fn locked_message(&self, location: &str, holder: &LockInfo) -> String {
        let age = holder.age().map(|a| format!(" ({a})")).unwrap_or_default();
        let wait_hint = if self.backend.lock_timeout.is_zero() {
            "wait for it to finish, or pass --lock-timeout 5m to wait for the lock"
        } else {
            "it did not finish within --lock-timeout; wait longer or try again later"
        };
        format!(
            "the state at {location} is locked, so recon did not start {}.\n\
             \n  Lock ID:    {}\n  Held by:    {}\n  Operation:  {}\n  Since:      {}{age}\n  recon:      {}\n\n\
             Another recon is probably still working on this state: {wait_hint}.\n\
             If you are sure no recon is using it (for example the process was killed), break the lock with:\n  {}",
            self.backend.operation,
            holder.id,
            holder.who,
            holder.operation,
            holder.created,
            holder.version,
            self.backend.command(&format!("force-unlock {}", holder.id))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_to_paste_keep_the_target() {
        let args = BackendArgs {
            env: Some("prod".into()),
            backend_config: vec!["bucket=my state".into()],
            lock: true,
            lock_timeout: "1m".into(),
        };
        let opts = args
            .resolve(Some(PathBuf::from("stacks/web")), "apply")
            .unwrap();
        assert_eq!(opts.lock_timeout, Duration::from_secs(60));
        assert_eq!(
            opts.command("force-unlock abc"),
            "recon -C stacks/web --env prod --backend-config 'bucket=my state' force-unlock abc"
        );
        let bad = BackendArgs {
            env: Some("../x".into()),
            ..args.clone()
        };
        assert!(bad.resolve(None, "apply").is_err());
        let default = BackendArgs {
            env: Some("default".into()),
            ..args
        };
        assert_eq!(default.resolve(None, "apply").unwrap().env, None);
    }
}
