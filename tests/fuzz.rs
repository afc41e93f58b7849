//! A mutation fuzzer over the example stack (stacks/) and the policies
//! (policies/): each mutant is run through the offline pipeline in-process —
//! read as bytes (UTF-8 check), parse, graph, validate, `check` with the
//! baseline policies, or policy loading plus a check with the mutated policy —
//! and every diagnostic is rendered. A panic anywhere fails the run with the
//! mutant saved; an allocation above 1 GiB aborts with the mutant printed.
//!
//! The test suite runs a bounded number (`FUZZ_MUTANTS`, default 100, about
//! a few seconds in a debug build); `scripts/fuzz N` runs N of them in release.
//! Deterministic: `FUZZ_SEED` picks the sequence.
//!
//! A test binary of its own, not a module of tests/it: its allocator guard and
//! its silenced panic hook would apply to every test in that process.

use recon::aws::{AwsProvider, Clients};
use recon::config::vars::VarInputs;
use recon::config::Stack;
use recon::diag::{utf8_text, Diag};
use recon::policy::check::{lenient_vars, Loaded};
use recon::policy::Origin;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Aborts on a single allocation above this, printing the mutant being run.
const MAX_ALLOCATION: usize = 1 << 30;

static CURRENT: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static CURRENT_LEN: AtomicUsize = AtomicUsize::new(0);

struct Guarded;

unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            too_big(layout.size());
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            too_big(new_size);
        }
        System.realloc(ptr, layout, new_size)
    }
}

/// Writes the mutant that asked for `size` bytes to stderr (without allocating) and aborts.
fn too_big(size: usize) -> ! {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "fuzz: an allocation of {size} bytes; the mutant:");
    let (ptr, len) = (
        CURRENT.load(Ordering::SeqCst),
        CURRENT_LEN.load(Ordering::SeqCst),
    );
    if !ptr.is_null() {
        // SAFETY: the bytes stay alive while the mutant runs (see `run_one`).
        let _ = err.write_all(unsafe { std::slice::from_raw_parts(ptr, len) });
    }
    std::process::abort()
}

#[global_allocator]
static ALLOC: Guarded = Guarded;

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that have broken parsers and evaluators before, and HCL punctuation.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "}",
    "\n",
    "=",
    ",",
    ".",
    "*",
    "...",
    "=>",
    "?",
    ":",
    "!",
    "-",
    "<<EOF\n",
    "\nEOF\n",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "null",
    "true",
    "1e23",
    "100000000000000000000000",
    "-1",
    "0.5",
    "1e308",
    "NaN",
    "count = 100000000000000000000000\n",
    "for_each = toset([\"a\", \"b\"])\n",
    "format(\"%.99999999999d\", 1)",
    "format(\"%99999d\", 1)",
    "indent(99999999999, \"a\\nb\")",
    "jsondecode(\"[[[[[[[[[[\")",
    "range(1e20)",
    "file(\"/dev/zero\")",
    "var.",
    "local.",
    "each.key",
    "count.index",
    "self.",
    "aws_vpc.",
    "[*]",
    "[0]",
    "[\"k\"]",
    "try(",
    "can(",
    "lookup(",
    "templatefile(\"x\", {})",
    "for x in ",
    " if ",
    "\u{0}",
    "\u{feff}",
    "é",
    "\u{202e}",
    "\u{ff}",
    "resource \"aws_vpc\" \"f\" {\n",
    "variable \"v\" {\n",
    "dynamic \"x\" {\n",
    "lifecycle {\n",
    "depends_on = [",
    "condition = ",
    "resource_types = [\"aws_vpc\"]\n",
];

#[derive(Clone)]
struct Seed {
    path: PathBuf,
    text: Vec<u8>,
    /// A policy file (else a stack file).
    policy: bool,
}

fn seeds(root: &Path) -> Vec<Seed> {
    let mut out = Vec::new();
    for (dir, policy) in [(root.join("policies"), true)].into_iter().chain(
        std::fs::read_dir(root.join("stacks"))
            .unwrap()
            .map(|e| (e.unwrap().path(), false)),
    ) {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hcl" || e == "tf"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read(&path).unwrap();
            out.push(Seed { path, text, policy });
        }
    }
    out
}

/// One to four mutations of `text`: byte flips, insertions, deletions,
/// duplications, tokens, long runs, splices from another file.
fn mutate(rng: &mut Rng, text: &[u8], others: &[Seed]) -> Vec<u8> {
    let mut t = text.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(t.len() + 1);
        match rng.below(9) {
            0 if !t.is_empty() => {
                let i = rng.below(t.len());
                t[i] ^= 1 << rng.below(8);
            }
            1 => t.insert(at, rng.next() as u8),
            2 if !t.is_empty() => {
                let end = (at + rng.below(64)).min(t.len());
                t.drain(at.min(end)..end);
            }
            3 if !t.is_empty() => {
                let start = rng.below(t.len());
                let end = (start + rng.below(256)).min(t.len());
                let piece = t[start..end].to_vec();
                t.splice(at..at, piece);
            }
            4 | 5 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes().to_vec();
                t.splice(at..at, tok);
            }
            6 => {
                // A long run: deep nesting, a long token or a long line.
                let tok = ["[", "(", "{", "x", "a {\n", "-", "!", "\"", "${"][rng.below(9)];
                let n = [10, 70, 200, 5_000, 70_000][rng.below(5)];
                t.splice(at..at, tok.repeat(n).into_bytes());
            }
            7 if !others.is_empty() => {
                let other = &others[rng.below(others.len())].text;
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + rng.below(512)).min(other.len());
                    t.splice(at..at, other[start..end].iter().copied());
                }
            }
            _ => {
                let end = (at + rng.below(16)).min(t.len());
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes().to_vec();
                t.splice(at..end, tok);
            }
        }
    }
    t
}

fn render_all(diags: &[Diag]) {
    for d in diags {
        let text = d.render(false);
        assert!(text.len() < 100_000, "a diagnostic of {} bytes", text.len());
    }
}

/// The offline pipeline over one mutant: stack files of `stack_dir` with `path`
/// replaced by `bytes` (or the policy `path` replaced).
fn pipeline(stack_dir: &Path, stack_files: &[Seed], mutant: &Seed) {
    let provider = AwsProvider::new(&Clients::offline());
    let text = match utf8_text(
        &mutant.path,
        mutant.path.display().to_string(),
        mutant.text.clone(),
    ) {
        Ok(t) => t,
        Err(d) => return render_all(&[d]),
    };
    let mut policies: Vec<(PathBuf, String, Origin)> = recon::policy::baseline::FILES
        .iter()
        .map(|(n, t)| (PathBuf::from(n), t.to_string(), Origin::Baseline))
        .collect();
    let mut sources: Vec<(PathBuf, String)> = stack_files
        .iter()
        .map(|s| (s.path.clone(), String::from_utf8(s.text.clone()).unwrap()))
        .collect();
    if mutant.policy {
        policies.push((mutant.path.clone(), text, Origin::Stack));
    } else if let Some(s) = sources.iter_mut().find(|(p, _)| *p == mutant.path) {
        s.1 = text;
    }
    let policies = match recon::policy::load::from_sources(policies) {
        Ok(p) => p,
        Err(d) => return render_all(&d.0),
    };
    let stack = match Stack::from_sources(stack_dir, sources) {
        Ok(s) => s,
        Err(d) => return render_all(&d.0),
    };
    if let Err(d) = recon::graph::ConfigGraph::build(&stack) {
        render_all(&d.0);
    }
    if let Err(d) = recon::plan::planner::validate(&stack, &provider) {
        render_all(&d.0);
    }
    let loaded = Loaded::new(stack);
    let inputs = VarInputs {
        flags: Vec::new(),
        files: Vec::new(),
        env: Vec::new(),
    };
    let vars = match lenient_vars(&loaded.stack, &inputs) {
        Ok((v, _)) => v,
        Err(d) => return render_all(&d.0),
    };
    match recon::policy::check_stack(&loaded, &vars, &provider, &policies) {
        Ok(report) => {
            let _ =
                recon::policy::report::human::render(&report, recon::policy::Severity::High, false);
        }
        Err(d) => render_all(&d.0),
    }
}

/// Runs `n` mutants from `seed`; returns the number run, the panics found
/// (saved under `out`) and the slowest mutant's time.
fn fuzz(n: usize, seed: u64, out: &Path) -> (usize, Vec<String>, Duration) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let all = seeds(&root);
    let stack_dir = root.join("stacks/cron-btsync");
    let stack_files: Vec<Seed> = all
        .iter()
        .filter(|s| s.path.starts_with(&stack_dir))
        .cloned()
        .collect();
    let mut rng = Rng(seed);
    let mut panics = Vec::new();
    let mut slowest = Duration::ZERO;
    std::panic::set_hook(Box::new(|_| {}));
    for i in 0..n {
        let base = &all[rng.below(all.len())];
        let mutant = Seed {
            text: mutate(&mut rng, &base.text, &all),
            ..base.clone()
        };
        CURRENT.store(mutant.text.as_ptr() as *mut u8, Ordering::SeqCst);
        CURRENT_LEN.store(mutant.text.len(), Ordering::SeqCst);
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pipeline(&stack_dir, &stack_files, &mutant)
        }));
        slowest = slowest.max(start.elapsed());
        CURRENT.store(std::ptr::null_mut(), Ordering::SeqCst);
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            std::fs::create_dir_all(out).unwrap();
            let name = out.join(format!(
                "panic-{seed}-{i}-{}",
                mutant.path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&name, &mutant.text).unwrap();
            panics.push(format!("{}: {msg}", name.display()));
        }
    }
    let _ = std::panic::take_hook();
    (n, panics, slowest)
}

#[test]
fn mutants_of_the_example_stack_and_policies_never_panic() {
    let n: usize = std::env::var("FUZZ_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13);
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    let start = Instant::now();
    let (ran, panics, slowest) = fuzz(n, seed, &out);
    eprintln!(
        "fuzz: {ran} mutants (seed {seed}) in {:.1?}, slowest {slowest:.1?}, {} panic(s)",
        start.elapsed(),
        panics.len()
    );
    assert!(
        panics.is_empty(),
        "{} panic(s):\n{}",
        panics.len(),
        panics.join("\n")
    );
}
