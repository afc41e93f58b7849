//! Which backend a command uses (`recon { backend ... }`, `--backend-config`,
//! `--env`), and the state lock every command that may write state takes.

use super::{CliError, Ctx};
use crate::config::Stack;
use crate::diag::{did_you_mean, Diag};
use crate::state::lock::{self, LockInfo};
use crate::state::s3::{S3Backend, S3Settings};
use crate::state::{Backend, LocalBackend, State, StateError};
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
                let base = match string("path")? {
                    // Relative paths are relative to the stack, as the block sits in its files.
                    Some(path) => {
                        let path = PathBuf::from(path);
                        if path.is_absolute() {
                            path
                        } else {
                            stack.dir.join(path)
                        }
                    }
                    None => PathBuf::from("state").join(format!("{}.json", stack.name)),
                };
                Ok(Arc::new(LocalBackend::for_env(
                    base,
                    self.backend.env.as_deref(),
                )))
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
                let sdk = self.aws_config().await;
                let mut s3 = aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(sdk.endpoint_url().is_some());
                let mut kms = aws_sdk_kms::config::Builder::from(sdk);
                if let Some(r) = region {
                    s3 = s3.region(aws_config::Region::new(r.clone()));
                    kms = kms.region(aws_config::Region::new(r));
                }
                let settings = S3Settings {
                    bucket,
                    key,
                    env: self.backend.env.clone(),
                    kms_key_id: string("kms_key_id")?,
                    encrypt,
                    client_kms_key_id: encryption_key,
                    recovery_dir: PathBuf::from("state").join("recovery"),
                };
                Ok(Arc::new(S3Backend::new(
                    aws_sdk_s3::Client::from_conf(s3.build()),
                    aws_sdk_kms::Client::from_conf(kms.build()),
                    settings,
                )))
            }
        }
    }

    /// The state as it is now, without locking (for commands that only read).
    pub async fn read_state(&self, backend: &dyn Backend) -> Result<(State, bool), CliError> {
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
        if !self.backend.lock || self.held.lock().await.is_some() {
            return self.read_state(&**backend).await;
        }
        self.lock(backend).await?;
        let result = self.read_state(&**backend).await;
        if matches!(self.backend.operation, "plan" | "show") {
            self.release_lock().await;
        }
        result
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
            eprintln!(
                "Waiting up to {} for the state lock on {}: held by {} for {} since {} (lock ID {})...",
                lock::human_duration(timeout.as_secs()),
                backend.describe(),
                holder.who,
                holder.operation,
                holder.created,
                holder.id
            );
        };
        match lock::acquire(&**backend, &info, timeout, waiting).await {
            Ok(()) => {
                *held = Some(Held {
                    backend: backend.clone(),
                    id: info.id,
                });
                Ok(())
            }
            Err(StateError::Locked { location, holder }) => {
                Err(CliError::Failed(self.locked_message(&location, &holder)))
            }
            Err(e) => Err(CliError::Failed(format!("cannot take the state lock: {e}"))),
        }
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
        match held.backend.unlock(&held.id).await {
            Ok(()) => {}
            Err(StateError::NotLocked { location }) => eprintln!(
                "Warning: the state lock {} on {location} was already gone when recon released it: someone force-unlocked it while this command held it.",
                held.id
            ),
            Err(StateError::LockMismatch { location, holder, .. }) => eprintln!(
                "Warning: the state lock on {location} is no longer this command's (it is now {}, held by {} for {}); it was left alone.",
                holder.id, holder.who, holder.operation
            ),
            Err(e) => eprintln!(
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
