//! Views of an apply: its progress (the engine's hooks), its errors, its
//! summary and outputs, for people (Terraform's lines) or as JSON lines
//! (Terraform's `-json` machine-readable UI). Everything an apply prints goes
//! through one of these.

use super::Palette;
use crate::addr::{InstanceAddr, InstanceKey};
use crate::apply::progress::{words, Hook, Observer};
use crate::apply::{ApplyError, JobKind};
use crate::plan::{Action, Plan};
use serde_json::{json, Value as Json};
use std::io::Write;
use std::sync::Mutex;

/// How serious a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// What an apply or a destroy says besides its progress.
pub trait ApplyView: Observer {
    /// This view as the engine's observer of progress.
    fn observer(&self) -> &dyn Observer;
    /// The plan about to be applied (the human view has shown it already).
    fn planned(&self, plan: &Plan);
    /// Every failure, once each; a setup failure (endpoint, credentials) once.
    fn errors(&self, errors: &[ApplyError]);
    /// A line that is not about one resource: warnings, what an interrupted or
    /// failed apply leaves behind.
    fn message(&self, level: Level, text: &str);
    /// "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."
    fn change_summary(&self, destroy: bool, added: usize, changed: usize, destroyed: usize);
    /// The stack's outputs: (name, sensitive, value).
    fn outputs(&self, outputs: &[(String, bool, Json)]);
}

/// Hides every secret (values of sensitive variables) in `text`.
fn mask(secrets: &[String], text: &str) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), "(sensitive value)");
    }
    out
}

/// Writes a line; a closed pipe or a full disk loses the line, never the apply.
fn line(to: &mut dyn Write, text: &str) {
    let _ = writeln!(to, "{text}");
    let _ = to.flush();
}

/// Terraform's lines, on stdout; errors on stderr.
pub struct Human {
    palette: Palette,
    /// `--debug`: each error is followed by its whole chain.
    debug: bool,
    secrets: Vec<String>,
}

impl Human {
    pub fn new(color: bool, debug: bool, secrets: Vec<String>) -> Human {
        Human {
            palette: Palette::new(color),
            debug,
            secrets,
        }
    }

    fn out(&self, text: &str) {
        line(&mut std::io::stdout().lock(), text);
    }

    fn err(&self, text: &str) {
        line(&mut std::io::stderr().lock(), &mask(&self.secrets, text));
    }

    fn resource_line(&self, addr: &InstanceAddr, text: &str) {
        self.out(&format!("{}: {text}", self.palette.bold(&addr.to_string())));
    }
}

/// The resource a hook is about, and what Terraform's line says of it.
fn hook_text(hook: &Hook<'_>) -> (InstanceAddr, String) {
    match hook {
        Hook::Start { addr, kind } => ((*addr).clone(), words(*kind).0.to_string()),
        Hook::Progress {
            addr,
            text,
            elapsed,
            ..
        } => (
            (*addr).clone(),
            format!("{text} [{}s elapsed]", elapsed.as_secs()),
        ),
        Hook::Note { addr, text } => ((*addr).clone(), text.to_string()),
        Hook::Complete {
            addr,
            kind,
            elapsed,
            id,
        } => {
            let id = id.map(|id| format!(" [id={id}]")).unwrap_or_default();
            let done = words(*kind).2;
            (
                (*addr).clone(),
                format!("{done} after {}s{id}", elapsed.as_secs()),
            )
        }
        Hook::Errored { addr, kind, .. } => (
            (*addr).clone(),
            format!("{} failed (see the error below)", words(*kind).3),
        ),
    }
}

impl Observer for Human {
    fn hook(&self, hook: &Hook<'_>) {
        let (addr, text) = hook_text(hook);
        let text = match hook {
            Hook::Errored { .. } => self.palette.red(&text),
            _ => text,
        };
        self.resource_line(&addr, &text);
    }
}

impl ApplyView for Human {
    fn observer(&self) -> &dyn Observer {
        self
    }

    fn planned(&self, _plan: &Plan) {}

    fn errors(&self, errors: &[ApplyError]) {
        let mut setup_said = false;
        for e in errors {
            if e.is_setup() {
                if setup_said {
                    continue;
                }
                setup_said = true;
            }
            self.err(&format!("{} {e}", self.palette.bold_red("Error:")));
            if let Some(hint) = e.hint() {
                self.err(&format!("  Hint: {hint}"));
            }
            if let Some(detail) = e.detail().filter(|_| self.debug) {
                self.err(&format!("  Caused by: {detail}"));
            }
        }
    }

    fn message(&self, level: Level, text: &str) {
        match level {
            Level::Info => self.out(text),
            Level::Warn | Level::Error => self.err(text),
        }
    }

    fn change_summary(&self, destroy: bool, added: usize, changed: usize, destroyed: usize) {
        self.out(&summary_text(destroy, added, changed, destroyed));
    }

    fn outputs(&self, outputs: &[(String, bool, Json)]) {
        if outputs.is_empty() {
            return;
        }
        self.out("\nOutputs:\n");
        for (name, sensitive, value) in outputs {
            if *sensitive {
                self.out(&format!("{name} = (sensitive value)"));
            } else {
                self.out(&format!(
                    "{name} = {}",
                    crate::value::Value::from_json(value)
                ));
            }
        }
    }
}

fn summary_text(destroy: bool, added: usize, changed: usize, destroyed: usize) -> String {
    if destroy {
        format!("Destroy complete! Resources: {destroyed} destroyed.")
    } else {
        format!(
            "Apply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed."
        )
    }
}

/// JSON lines on stdout, one message each, with Terraform's `-json` field
/// names (`@level`, `@message`, `@timestamp`, `type`, `hook`, `diagnostic`,
/// `changes`, `outputs`).
pub struct JsonLines {
    secrets: Vec<String>,
    debug: bool,
    /// Lines are written whole, one at a time, from parallel jobs.
    out: Mutex<Box<dyn Write + Send>>,
}

impl JsonLines {
    pub fn new(debug: bool, secrets: Vec<String>) -> JsonLines {
        JsonLines::to(Box::new(std::io::stdout()), debug, secrets)
    }

    pub fn to(out: Box<dyn Write + Send>, debug: bool, secrets: Vec<String>) -> JsonLines {
        let view = JsonLines {
            secrets,
            debug,
            out: Mutex::new(out),
        };
        view.emit(
            Level::Info,
            &format!("recon {}", env!("CARGO_PKG_VERSION")),
            "version",
            json!({"recon": env!("CARGO_PKG_VERSION"), "ui": "1.2"}),
        );
        view
    }

    /// One message: the common fields, then `fields` (an object).
    fn emit(&self, level: Level, message: &str, kind: &str, fields: Json) {
        let mut doc = json!({
            "@level": match level { Level::Info => "info", Level::Warn => "warn", Level::Error => "error" },
            "@message": mask(&self.secrets, message),
            "@module": "recon.ui",
            "@timestamp": crate::state::lock::rfc3339(std::time::SystemTime::now()),
            "type": kind,
        });
        if let (Some(doc), Json::Object(fields)) = (doc.as_object_mut(), fields) {
            doc.extend(fields);
        }
        let text = serde_json::to_string(&doc).unwrap_or_default();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        line(&mut *out, &text);
    }
}

/// Terraform's resource address object.
fn resource(addr: &InstanceAddr) -> Json {
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => json!(i),
        InstanceKey::Str(s) => json!(s),
    };
    json!({
        "addr": addr.to_string(),
        "module": "",
        "resource": addr.to_string(),
        "implied_provider": "aws",
        "resource_type": addr.resource.type_name,
        "resource_name": addr.resource.name,
        "resource_key": key,
    })
}

fn action(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Create => "create",
        JobKind::Update => "update",
        JobKind::Delete => "delete",
        JobKind::Read => "read",
    }
}

impl Observer for JsonLines {
    fn hook(&self, hook: &Hook<'_>) {
        let (addr, text) = hook_text(hook);
        let message = format!("{addr}: {text}");
        let (level, kind, fields) = match hook {
            Hook::Start { kind, .. } => (
                Level::Info,
                "apply_start",
                json!({"resource": resource(&addr), "action": action(*kind)}),
            ),
            Hook::Progress { kind, elapsed, .. } => (
                Level::Info,
                "apply_progress",
                json!({"resource": resource(&addr), "action": action(*kind), "elapsed_seconds": elapsed.as_secs()}),
            ),
            Hook::Note { .. } => (Level::Info, "log", json!({"resource": resource(&addr)})),
            Hook::Complete {
                kind, elapsed, id, ..
            } => {
                let mut hook = json!({"resource": resource(&addr), "action": action(*kind), "elapsed_seconds": elapsed.as_secs()});
                if let Some(id) = id {
                    hook["id_key"] = json!("id");
                    hook["id_value"] = json!(id);
                }
                (Level::Info, "apply_complete", hook)
            }
            Hook::Errored { kind, elapsed, .. } => (
                Level::Error,
                "apply_errored",
                json!({"resource": resource(&addr), "action": action(*kind), "elapsed_seconds": elapsed.as_secs()}),
            ),
        };
        self.emit(level, &message, kind, json!({ "hook": fields }));
    }
}

impl ApplyView for JsonLines {
    fn observer(&self) -> &dyn Observer {
        self
    }

    fn planned(&self, plan: &Plan) {
        for c in plan.actionable() {
            let act = match c.action {
                Action::NoOp => "no-op",
                Action::Create => "create",
                Action::Update => "update",
                Action::Delete => "delete",
                Action::Read => "read",
                Action::Replace { .. } => "replace",
            };
            self.emit(
                Level::Info,
                &format!("{}: Plan to {act}", c.addr),
                "planned_change",
                json!({"change": {"resource": resource(&c.addr), "action": act}}),
            );
        }
        let (add, change, remove) = plan.counts();
        self.emit(
            Level::Info,
            &format!("Plan: {add} to add, {change} to change, {remove} to destroy."),
            "change_summary",
            json!({"changes": {"add": add, "change": change, "import": plan.imports(), "remove": remove, "operation": "plan"}}),
        );
    }

    fn errors(&self, errors: &[ApplyError]) {
        for e in errors {
            let summary = e.to_string();
            let mut diagnostic = json!({
                "severity": "error",
                "summary": mask(&self.secrets, &summary),
                "detail": mask(&self.secrets, e.hint().unwrap_or_default()),
                "action": e.step.name(),
            });
            if let Some(addr) = &e.addr {
                diagnostic["address"] = json!(addr.to_string());
            }
            let extra = [
                ("declared_at", e.declared_at.as_deref()),
                ("error_kind", e.kind().map(|k| k.name())),
                ("code", e.code()),
                ("message", Some(e.message())),
                ("request_id", e.request_id()),
                ("chain", e.detail().filter(|_| self.debug)),
            ];
            for (name, value) in extra {
                if let Some(v) = value {
                    diagnostic[name] = json!(mask(&self.secrets, v));
                }
            }
            self.emit(
                Level::Error,
                &format!("Error: {summary}"),
                "diagnostic",
                json!({ "diagnostic": diagnostic }),
            );
        }
    }

    fn message(&self, level: Level, text: &str) {
        self.emit(level, text, "log", json!({}));
    }

    fn change_summary(&self, destroy: bool, added: usize, changed: usize, destroyed: usize) {
        self.emit(
            Level::Info,
            &summary_text(destroy, added, changed, destroyed),
            "change_summary",
            json!({"changes": {"add": added, "change": changed, "import": 0, "remove": destroyed, "operation": if destroy { "destroy" } else { "apply" }}}),
        );
    }

    fn outputs(&self, outputs: &[(String, bool, Json)]) {
        let map: serde_json::Map<String, Json> = outputs
            .iter()
            .map(|(name, sensitive, value)| {
                let mut o = json!({ "sensitive": sensitive });
                if !sensitive {
                    o["value"] = value.clone();
                }
                (name.clone(), o)
            })
            .collect();
        self.emit(
            Level::Info,
            &format!("Outputs: {}", outputs.len()),
            "outputs",
            json!({ "outputs": map }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Step;
    use crate::provider::{ErrorKind, ProviderError};
    use std::sync::Arc;

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(buf: &Buffer) -> Vec<Json> {
        String::from_utf8(buf.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn json_lines_carry_terraforms_fields_and_mask_secrets() {
        let buf = Buffer::default();
        let view = JsonLines::to(Box::new(buf.clone()), false, vec!["hunter2".into()]);
        let addr: InstanceAddr = "aws_instance.web[\"a\"]".parse().unwrap();
        view.hook(&Hook::Start {
            addr: &addr,
            kind: JobKind::Create,
        });
        let mut aws = ProviderError::with_code("InvalidParameterValue", "bad user data hunter2")
            .with_kind(ErrorKind::Other);
        aws.reported = Some(Box::new(crate::provider::Reported {
            request_id: Some("req-1".into()),
            chain: String::new(),
        }));
        view.errors(&[ApplyError {
            addr: Some(addr.clone()),
            declared_at: Some("main.tf:3".into()),
            ..ApplyError::new(Step::Create, aws)
        }]);
        let got = lines(&buf);
        assert_eq!(got[0]["type"], "version");
        assert_eq!(got[1]["type"], "apply_start");
        assert_eq!(
            got[1]["hook"]["resource"]["addr"],
            "aws_instance.web[\"a\"]"
        );
        assert_eq!(got[1]["hook"]["resource"]["resource_key"], "a");
        assert_eq!(got[1]["hook"]["action"], "create");
        let d = &got[2]["diagnostic"];
        assert_eq!(got[2]["type"], "diagnostic");
        assert_eq!(got[2]["@level"], "error");
        assert_eq!(d["address"], "aws_instance.web[\"a\"]");
        assert_eq!(d["code"], "InvalidParameterValue");
        assert_eq!(d["request_id"], "req-1");
        assert_eq!(d["declared_at"], "main.tf:3");
        let all = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(!all.contains("hunter2"), "{all}");
    }
}
