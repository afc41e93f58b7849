//! A moto server per test: a free port on 127.0.0.1, killed when the test ends.
#![allow(dead_code)]
pub mod inventory;

use recon::plan::diff::{path_to_string, plan_object, DiffOptions, Planned};
use recon::provider::{Attribute, Meta, ResourceType, Schema};
use recon::value::{Object, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    pub port: u16,
    child: Child,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Moto {
    pub fn start() -> Moto {
        let root = repo_root();
        assert!(
            root.join(".venv/bin/moto_server").exists(),
            "moto is not installed: run scripts/setup-moto (scripts/test does it for you)"
        );
        // One launcher for tests and the demo (it sets moto's options and patches).
        let server = root.join("scripts/moto-server");
        // Tests start servers at once; retry if another took the port.
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&server)
                .arg(port.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto_server");
            let mut moto = Moto {
                endpoint: format!("http://127.0.0.1:{port}"),
                port,
                child,
            };
            if moto.wait_ready(Duration::from_secs(30)) {
                return moto;
            }
        }
        panic!("moto_server did not start on 127.0.0.1");
    }

    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if http(self.port, "GET", "/moto-api/").is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Environment for the recon binary and SDK clients pointed at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        aws_env(&self.endpoint)
    }

    /// An SDK configuration for this server, built without touching process env.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint)
    }

    pub fn reset(&self) {
        http(self.port, "POST", "/moto-api/reset").expect("reset moto");
    }

    /// A `recon` command with this server's environment, run in `dir`.
    pub fn recon(&self, dir: &Path) -> Command {
        recon_at(&self.endpoint, dir)
    }

    /// Runs `recon <args> -C <stack>` in `cwd` against this server, to the end.
    pub fn run(&self, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
        Run::of(self.recon(cwd).args(args).arg("-C").arg(stack))
    }

    /// `plan --detailed-exitcode` on a stack with changes to make: exit 2 and the
    /// `summary` line ("Plan: 2 to add, 0 to change, 0 to destroy.").
    pub fn expect_plan(&self, cwd: &Path, stack: &Path, summary: &str) -> Run {
        let plan = self.run(cwd, stack, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains(summary), "{}", plan.all());
        plan
    }

    /// `plan --detailed-exitcode` on a stack that matches AWS: exit 0, "No changes.".
    pub fn expect_no_changes(&self, cwd: &Path, stack: &Path) -> Run {
        let plan = self.run(cwd, stack, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(plan.stdout.contains("No changes."), "{}", plan.all());
        plan
    }

    /// `destroy --auto-approve`, asserting that it succeeded.
    pub fn destroy(&self, cwd: &Path, stack: &Path) -> Run {
        ok(self.run(cwd, stack, &["destroy", "--auto-approve"]))
    }
}

/// Environment for the recon binary and SDK clients pointed at `endpoint`.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
    ]
}

/// An SDK configuration for `endpoint`, built without touching process env.
pub fn sdk_config_for(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build()
}

/// The pinned Checkov, installed by scripts/setup-checkov once per test run:
/// tests that need it run at once in one process, and two installs into one
/// venv at the same time would clash.
pub fn checkov() -> PathBuf {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let installed = *INSTALLED.get_or_init(|| {
        Command::new(repo_root().join("scripts/setup-checkov"))
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        installed,
        "installing Checkov failed (scripts/setup-checkov)"
    );
    repo_root().join(".venv-checkov/bin/checkov")
}

/// A `recon` command with the environment of `endpoint`, run in `dir`.
pub fn recon_at(endpoint: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recon"));
    cmd.current_dir(dir).env("NO_COLOR", "1");
    for (k, v) in aws_env(endpoint) {
        cmd.env(k, v);
    }
    cmd
}

/// A stack directory `<cwd>/<name>` (so the stack is called `name`) whose
/// main.hcl is `src`.
pub fn write_stack(cwd: &Path, name: &str, src: &str) -> PathBuf {
    let stack = cwd.join(name);
    std::fs::create_dir_all(&stack).unwrap();
    std::fs::write(stack.join("main.hcl"), src).unwrap();
    stack
}

/// The local state of the stack `<cwd>/<name>` (as [`write_stack`] makes it),
/// kept in the stack directory: `<cwd>/<name>/state/<name>.json`.
pub fn local_state(cwd: &Path, name: &str) -> serde_json::Value {
    let path = cwd.join(name).join("state").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// One resource instance's record in a state document.
pub fn state_resource(state: &serde_json::Value, address: &str) -> serde_json::Value {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in state"))
        .clone()
}

/// A `recon` command run in `cwd` for commands that need no AWS (`check`, a plan
/// that stops before its first call): nothing listens at its endpoint, so any
/// AWS call fails at once. Its credentials are dummies: recon checks that
/// credentials exist before planning, as Terraform's provider does.
pub fn recon_offline(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recon"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "offline")
        .env("AWS_SECRET_ACCESS_KEY", "offline")
        .env_remove("AWS_SESSION_TOKEN")
        // A region, so that what a test expects is not the missing-region error.
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    cmd
}

/// How one run of the recon binary ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to the end.
    pub fn of(cmd: &mut Command) -> Run {
        let out = cmd.output().expect("run recon");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    /// Both outputs, for assertion messages.
    pub fn all(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }

    /// stdout as JSON (`--format json`/`sarif`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

/// `run`, asserting that it succeeded (its output in the message when not).
pub fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{}", run.all());
    run
}

/// Starts `cmd` with no stdin and its stdout and stderr piped to the test.
pub fn spawn_piped(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn recon")
}

/// A command that runs the recon binary (arguments to follow) on a
/// pseudo-terminal, as an operator at a prompt runs it, through a small Python
/// script written into `scratch`: our stdin goes to the terminal, its output to
/// our stdout, and the first line is `PID <recon's pid>`.
pub fn on_terminal(scratch: &Path) -> Command {
    let script = scratch.join("term.py");
    std::fs::write(&script, PTY_PY).unwrap();
    let mut cmd = Command::new(repo_root().join(".venv/bin/python3"));
    cmd.arg(&script).arg(env!("CARGO_BIN_EXE_recon"));
    cmd
}

/// Runs argv[1..] on a pseudo-terminal, copying our stdin to it and its output to
/// our stdout; says the child's pid first.
const PTY_PY: &str = r#"
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
os.write(1, ("PID %d\n" % pid).encode())
stdin_open = True
while True:
    r, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            break
        os.write(1, data)
    if stdin_open and 0 in r:
        data = os.read(0, 4096)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"#;

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tests/moto/faultproxy.py between the SDK and a moto server: forwards every
/// request and injects the faults its rules name (throttle, error500,
/// drop_response, reset_before, delay; see the script's docstring for the rule
/// format). Killed when the test ends; it also exits when the test process dies
/// (it watches its stdin).
pub struct FaultProxy {
    pub endpoint: String,
    pub port: u16,
    child: Child,
}

/// What a fault proxy forwards to: a port on 127.0.0.1, an endpoint URL
/// `http://127.0.0.1:PORT`, or a [`Moto`].
pub trait ProxyUpstream {
    fn upstream_port(&self) -> u16;
}

impl ProxyUpstream for u16 {
    fn upstream_port(&self) -> u16 {
        *self
    }
}

impl ProxyUpstream for &Moto {
    fn upstream_port(&self) -> u16 {
        self.port
    }
}

impl ProxyUpstream for &str {
    fn upstream_port(&self) -> u16 {
        self.trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in upstream endpoint {self:?}"))
    }
}

impl ProxyUpstream for &String {
    fn upstream_port(&self) -> u16 {
        self.as_str().upstream_port()
    }
}

impl FaultProxy {
    /// Starts a proxy on a free port in front of `upstream` and waits until it listens.
    pub fn start(upstream: impl ProxyUpstream) -> FaultProxy {
        let script = repo_root().join("tests/moto/faultproxy.py");
        let mut child = Command::new(repo_root().join(".venv/bin/python3"))
            .arg(&script)
            .args(["--listen-port", "0", "--upstream-port"])
            .arg(upstream.upstream_port().to_string())
            .arg("--exit-on-stdin-eof")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/moto/faultproxy.py");
        // "ready <port>" once it listens; read on a thread so that a proxy that
        // never says it cannot hang the test.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let port = line
            .strip_prefix("ready ")
            .and_then(|p| p.trim().parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "faultproxy did not start (said {line:?}); try: .venv/bin/python3 {} --listen-port 0 --upstream-port PORT",
                script.display()
            );
        };
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            child,
        }
    }

    /// `http://127.0.0.1:PORT`, the endpoint to give the SDK instead of moto's.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Replaces the rules: a JSON list of rules, or `{"rules": [...], "seed": N}`.
    /// Panics with the proxy's reason when it refuses them.
    pub fn set_rules(&self, rules: serde_json::Value) {
        let (status, body) = self.control("POST", "rules", &rules.to_string());
        assert_eq!(status, 200, "faultproxy refused the rules {rules}: {body}");
    }

    /// No rules (everything passes) and an empty log.
    pub fn clear(&self) {
        self.clear_rules();
        self.clear_log();
    }

    pub fn clear_rules(&self) {
        let (status, body) = self.control("DELETE", "rules", "");
        assert_eq!(status, 200, "{body}");
    }

    pub fn clear_log(&self) {
        let (status, body) = self.control("DELETE", "log", "");
        assert_eq!(status, 200, "{body}");
    }

    /// Every request seen since the log was last cleared, in order:
    /// `{"seq", "service", "operation", "method", "path", "fault", "rule", "status", "conn"}`.
    pub fn log(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.control("GET", "log", "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("faultproxy log is JSON")
    }

    /// The log entries of one operation (`"CreateVpc"`, `"PUT /bucket"`).
    pub fn calls(&self, operation: &str) -> Vec<serde_json::Value> {
        self.log()
            .into_iter()
            .filter(|e| e["operation"] == operation)
            .collect()
    }

    /// The rules with their counters (`matched`, `injected`).
    pub fn rules(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.control("GET", "rules", "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("faultproxy rules are JSON")
    }

    /// Environment for the recon binary and SDK clients pointed at the proxy.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        aws_env(&self.endpoint)
    }

    /// An SDK configuration pointed at the proxy.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint)
    }

    /// A `recon` command pointed at the proxy, run in `dir`.
    pub fn recon(&self, dir: &Path) -> Command {
        recon_at(&self.endpoint, dir)
    }

    /// Runs `recon <args> -C <stack>` in `cwd` through the proxy, to the end.
    pub fn run(&self, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
        Run::of(self.recon(cwd).args(args).arg("-C").arg(stack))
    }

    /// One request to the control API (`/__fault__/<what>`): status and body.
    fn control(&self, method: &str, what: &str, body: &str) -> (u16, String) {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("connect to faultproxy");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{method} /__fault__/{what} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("write to faultproxy");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read from faultproxy");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad answer from faultproxy: {response:?}"));
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, body.to_string())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free port")
}

/// A bare HTTP/1.0 request to 127.0.0.1; returns the body on a 2xx answer.
fn http(port: u16, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status_ok = response.split_whitespace().nth(1)?.starts_with('2');
    status_ok.then(|| response.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

/// A runtime for tests that call providers directly.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The `Meta` of a resource in the stack "test".
pub fn meta(address: &str) -> Meta {
    Meta::new("test", address)
}

/// A planned object for create, as the engine hands it over: configured values,
/// defaults for the rest, computed values unknown, absent computed blocks unknown.
pub fn planned(schema: &Schema, config: Object) -> Object {
    let mut out = Object::new();
    for a in schema.attributes {
        out.insert(a.name.into(), plan_attr(a, config.get(a.name)));
    }
    for b in schema.blocks {
        let value = match config.get(b.name) {
            Some(Value::List(items)) => Value::List(
                items
                    .iter()
                    .map(|item| {
                        let item = item.as_object().cloned().unwrap_or_default();
                        Value::Object(
                            b.attributes
                                .iter()
                                .map(|a| (a.name.to_string(), plan_attr(a, item.get(a.name))))
                                .collect(),
                        )
                    })
                    .collect(),
            ),
            _ if b.computed_when_absent => Value::Unknown,
            _ => Value::List(vec![]),
        };
        out.insert(b.name.into(), value);
    }
    out
}

/// One attribute planned for create: configured value, else default, else Unknown
/// when computed, else Null.
fn plan_attr(a: &Attribute, configured: Option<&Value>) -> Value {
    match configured {
        Some(v) => v.clone(),
        None => match a.default {
            Some(d) => d.value(),
            None if a.is_computed() => Value::Unknown,
            None => Value::Null,
        },
    }
}

/// Tags as AWS reports them, as sorted (key, value) pairs to compare.
pub fn sorted_pairs<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags.map(|(k, v)| (k.to_string(), v.to_string())).collect();
    pairs.sort();
    pairs
}

/// Why apply refuses to create `config` at `address`, in the order it asks:
/// the values the schema allows, the type's `check_config`, then the create.
pub async fn refusal(rt: &dyn ResourceType, config: &Object, address: &str) -> String {
    if let Some(refused) = rt.schema().refused(config) {
        return refused;
    }
    if let Err(e) = rt.check_config(config) {
        return e.message;
    }
    let planned = plan_new(rt.schema(), config);
    rt.create(&planned, &meta(address))
        .await
        .unwrap_err()
        .message
}

/// What the engine hands to create: `config` planned against no prior state.
pub fn plan_new(schema: &Schema, config: &Object) -> Object {
    plan_object(schema, config, None, &DiffOptions::default()).after
}

/// What the engine plans for `config` against existing state.
pub fn replan(schema: &Schema, config: &Object, prior: &Object) -> Planned {
    plan_object(schema, config, Some(prior), &DiffOptions::default())
}

/// The attribute paths a plan changes.
pub fn changed(p: &Planned) -> Vec<String> {
    p.changed.iter().map(path_to_string).collect()
}

/// The attribute paths that force replacement.
pub fn replaced(p: &Planned) -> Vec<String> {
    p.replace_paths.iter().map(path_to_string).collect()
}

/// A nested block of one object, as state and plans hold it.
pub fn block(obj: Object) -> Value {
    Value::List(vec![Value::Object(obj)])
}

/// A map of strings (`tags`, `environment.variables`) as a value.
pub fn string_map(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

/// The object a `find_created` answer says was found (panics on anything else).
pub fn found(answer: recon::provider::Created) -> Object {
    match answer {
        recon::provider::Created::Found(object) => object,
        other => panic!("expected Found, got {other:?}"),
    }
}

/// The id a `find_created` answer says holds the name (panics on anything else).
pub fn not_ours(answer: recon::provider::Created) -> String {
    match answer {
        recon::provider::Created::NotOurs { id } => id,
        other => panic!("expected NotOurs, got {other:?}"),
    }
}
