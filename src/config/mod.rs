//! Loading a stack directory: every `.hcl` / `.tf` file parsed with spans kept, then
//! sorted into variables, locals, resources, data sources, outputs and the backend.
//! `module` blocks with local sources are loaded too (each child a [`Stack`] of its
//! own); [`modules::expand`] flattens them into one stack of module instances once
//! the variables are known.

pub mod body;
pub mod cidr;
pub mod eval;
pub mod functions;
pub mod instances;
pub mod limits;
pub mod modules;
pub mod providers;
pub mod refs;
pub mod tolerant;
pub mod types;
pub mod vars;

use crate::addr::{Mode, ResourceAddr};
use crate::diag::{display_path, Diag, Diags, SourceFile, Span};
use crate::value::{Object, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use types::TypeConstraint;

/// An expression together with the file it was written in.
#[derive(Clone, Debug)]
pub struct Expr {
    pub file: Arc<SourceFile>,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> Span {
        Span::new(&self.file, self.expr.span())
    }
}

/// A block body together with its file, evaluated later against a schema.
#[derive(Clone, Debug)]
pub struct BodyIn {
    pub file: Arc<SourceFile>,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub ty: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: String,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    /// Attribute names whose changes are ignored; `all` ignores every attribute.
    pub ignore_changes: Vec<String>,
    pub ignore_all_changes: bool,
}

/// A `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct ResourceBlock {
    pub addr: ResourceAddr,
    pub body: BodyIn,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// Explicit dependencies, with where each is written.
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub lifecycle: Lifecycle,
    /// `provider = aws.ALIAS`: the alias of the provider configuration it uses
    /// (None: the default one).
    pub provider: Option<String>,
    /// The block header, where errors about the block as a whole point.
    pub span: Span,
    /// The whole block's bytes in its file, comments inside it included: where
    /// reports place it and where its waivers are read.
    pub extent: std::ops::Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub sensitive: bool,
    pub description: Option<String>,
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub span: Span,
}

/// `import { to = aws_instance.sync, id = "i-0abc" }`: adopt an existing object.
#[derive(Clone, Debug)]
pub struct ImportBlock {
    pub to: crate::addr::InstanceAddr,
    pub id: Expr,
    pub span: Span,
}

/// A `module` block.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    /// The literal `source`: `./modules/web`, a registry address, a git URL, ...
    pub source: String,
    pub source_span: Span,
    /// The module's input variables: every argument that is not a meta-argument.
    pub arguments: IndexMap<String, Expr>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// `depends_on`: what every block of the module waits for.
    pub depends_on: Vec<(ResourceAddr, Span)>,
    /// `providers = { aws = aws.west, aws.east = aws }`: the module's provider
    /// configuration (None: its default one) → the caller's.
    pub providers: Vec<(Option<String>, Option<String>, Span)>,
    /// The module's own configuration, loaded from a local source (plan, apply;
    /// `recon check` loads modules itself).
    pub child: Option<Arc<Stack>>,
    /// The block header.
    pub span: Span,
}

impl ModuleCall {
    /// A path relative to the calling stack (`./x`, `../x`): how Terraform tells a
    /// local module from one it downloads.
    pub fn is_local(&self) -> bool {
        ["./", "../", ".\\", "..\\"]
            .iter()
            .any(|p| self.source.starts_with(p))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackendConfig {
    /// "local" or "s3".
    pub kind: String,
    pub settings: Object,
    pub span: Span,
}

/// `recon { usage "aws_instance.sync" { hours_per_month = 12 } }`: how a
/// resource (all its instances) or one instance is used, for the plan's cost.
#[derive(Clone, Debug)]
pub struct UsageDecl {
    /// The address as written: a resource or one instance of it.
    pub address: String,
    pub body: BodyIn,
    pub span: Span,
}

/// A parsed stack directory.
#[derive(Clone, Debug)]
pub struct Stack {
    pub dir: PathBuf,
    /// The directory's name: names the default state file and tags resources.
    pub name: String,
    pub files: Vec<Arc<SourceFile>>,
    pub backend: Option<BackendConfig>,
    /// `recon { encryption { kms_key_id = ... } }`: literal settings, kind "encryption".
    pub encryption: Option<BackendConfig>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub resources: IndexMap<ResourceAddr, ResourceBlock>,
    pub outputs: IndexMap<String, Output>,
    pub imports: Vec<ImportBlock>,
    /// `module` blocks, by name.
    pub modules: IndexMap<String, ModuleCall>,
    /// `moved` blocks, in the order written.
    pub moved: Vec<modules::Moved>,
    /// `removed` blocks, in the order written.
    pub removed: Vec<modules::Removed>,
    /// After [`modules::expand`]: every module instance, by path, whose resources
    /// are in `resources` with that path; empty before.
    pub instances: std::collections::BTreeMap<crate::addr::ModulePath, modules::ModuleInstance>,
    /// `usage` blocks of the recon block, in the order written.
    pub usage: Vec<UsageDecl>,
    /// `provider "aws" { ... }` blocks, in the order written.
    pub providers: Vec<providers::ProviderBlock>,
    /// Settings of `terraform { ... }` blocks recon reads nothing from, with where
    /// each is written: each is a warning.
    pub terraform_ignored: Vec<(String, Span)>,
}

impl Stack {
    /// Warnings about what the stack writes and recon does not honour.
    pub fn warnings(&self) -> Vec<Diag> {
        let mut out = providers::unhonoured(self);
        for child in self.modules.values().filter_map(|c| c.child.as_ref()) {
            out.extend(child.warnings());
        }
        for (name, span) in &self.terraform_ignored {
            out.push(
                Diag::at(
                    span,
                    format!("terraform block: recon does not honour \"{name}\"; it is ignored"),
                    "ignored",
                )
                .with_help("recon reads backend \"s3\" / \"local\", required_version and required_providers from a terraform block; it locks S3 state with a conditional-write lock object beside the state, never a DynamoDB table"),
            );
        }
        out
    }
}

impl Stack {
    /// Loads every `.hcl` and `.tf` file of `dir` (not recursively), in name order.
    /// A `module` block is an error: only `recon check` follows modules.
    pub fn load(dir: &Path) -> Result<Stack, Diags> {
        let mut stack = Stack::parse(dir, read_sources(dir)?, false)?;
        modules::load_children(&mut stack, None)?;
        Ok(stack)
    }

    /// What `recon check` reads of `dir`: `module` blocks are recorded, a file that
    /// does not parse is left out (in [`Tolerant::parse_errors`]) and the other
    /// mistakes a plan refuses leave out only what they concern, with a note. Only
    /// a directory that cannot be read is an error.
    pub fn load_tolerant(dir: &Path) -> Result<Tolerant, Diags> {
        let mut loader = Loader::new(dir, LoadMode::Tolerant);
        for (path, text) in read_sources(dir)? {
            loader.file(path, text);
        }
        loader.finish();
        Ok(Tolerant {
            stack: loader.stack,
            parse_errors: loader.parse_errors,
            mistakes: loader.errors,
            repairs: loader.repairs,
        })
    }

    /// Builds a stack from file contents (a saved plan replays its own copy):
    /// the files of its modules are taken from `sources` too.
    pub fn from_sources(dir: &Path, sources: Vec<(PathBuf, String)>) -> Result<Stack, Diags> {
        let dir_abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let (own, others): (Vec<_>, Vec<_>) = sources.into_iter().partition(|(path, _)| {
            let parent = path.parent().unwrap_or(Path::new(""));
            parent.as_os_str().is_empty()
                || parent == dir
                || parent.canonicalize().is_ok_and(|p| p == dir_abs)
        });
        let mut stack = Stack::parse(dir, own, false)?;
        modules::load_children(&mut stack, Some(&others))?;
        Ok(stack)
    }

    /// A child module's own files, as a module (no backend, no provider blocks).
    fn parse_module(dir: &Path, sources: Vec<(PathBuf, String)>) -> Result<Stack, Diags> {
        Stack::parse_as(dir, sources, LoadMode::Strict, true)
    }

    /// The configuration of module instance `path` (the root stack for the root).
    pub fn config_at(&self, path: &crate::addr::ModulePath) -> &Stack {
        match self.instances.get(path) {
            Some(instance) => &instance.config,
            None => self,
        }
    }

    /// [`Stack::from_sources`] with `module` blocks recorded.
    pub fn from_sources_with_modules(
        dir: &Path,
        sources: Vec<(PathBuf, String)>,
    ) -> Result<Stack, Diags> {
        Stack::parse(dir, sources, true)
    }

    fn parse(dir: &Path, sources: Vec<(PathBuf, String)>, modules: bool) -> Result<Stack, Diags> {
        let mode = if modules {
            LoadMode::WithModules
        } else {
            LoadMode::Strict
        };
        Stack::parse_as(dir, sources, mode, false)
    }

    fn parse_as(
        dir: &Path,
        sources: Vec<(PathBuf, String)>,
        mode: LoadMode,
        is_module: bool,
    ) -> Result<Stack, Diags> {
        let mut loader = Loader::new(dir, mode);
        loader.is_module = is_module;
        for (path, text) in sources {
            loader.file(path, text);
        }
        loader.finish();
        if loader.errors.is_empty() {
            Ok(loader.stack)
        } else {
            Err(Diags(loader.errors))
        }
    }

    /// The text of every file, its modules' files too.
    pub fn source_texts(&self) -> Vec<(PathBuf, String)> {
        let mut out: Vec<(PathBuf, String)> = self
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.to_string()))
            .collect();
        for call in self.modules.values() {
            for (path, text) in call.child.iter().flat_map(|c| c.source_texts()) {
                if !out.iter().any(|(p, _)| *p == path) {
                    out.push((path, text));
                }
            }
        }
        out
    }
}

/// The `.hcl` and `.tf` files of a stack directory with their text, in name order.
pub(crate) fn read_sources(dir: &Path) -> Result<Vec<(PathBuf, String)>, Diags> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            Diag::plain(format!(
                "cannot read stack directory {}: {e}",
                dir.display()
            ))
            .with_help("pass the stack directory with --stack DIR (or -C DIR)")
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("hcl") | Some("tf")
                )
                // Terraform's test files are not configuration.
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".tftest.hcl"))
        })
        .collect();
    paths.sort();
    if let Some(json) = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".tf.json"))
        })
    {
        return Err(Diag::plain(format!(
            "{}: Terraform JSON configuration (.tf.json) is not supported by recon",
            display_path(&json)
        ))
        .with_help("write the configuration in HCL (.tf or .hcl); recon does not skip a file it cannot read")
        .into());
    }
    if paths.is_empty() {
        return Err(Diag::plain(format!(
            "no stack files (*.hcl or *.tf) in {}",
            display_path(dir)
        ))
        .with_help("run recon in a stack directory or pass --stack DIR")
        .into());
    }
    let mut sources = Vec::new();
    for path in paths {
        let text = crate::diag::read_text(&path, "")?;
        sources.push((path, text));
    }
    Ok(sources)
}

pub(crate) fn parse_error(file: &Arc<SourceFile>, e: &hcl_edit::parser::Error) -> Diag {
    let offset = e.location().offset();
    let span = Span::new(file, Some(offset..offset + 1));
    let message = e
        .message()
        .lines()
        .next()
        .unwrap_or("syntax error")
        .to_string();
    Diag::at(&span, format!("malformed HCL: {message}"), "here")
        .with_help("fix the syntax; stack files use Terraform's HCL syntax")
}

/// A stack as far as `recon check` could read it ([`Stack::load_tolerant`]).
#[derive(Debug)]
pub struct Tolerant {
    pub stack: Stack,
    /// Files that could not be parsed, one error each: nothing of them is checked.
    pub parse_errors: Vec<Diag>,
    /// Errors a plan would stop at; what each concerns was left out.
    pub mistakes: Vec<Diag>,
    /// Spellings Terraform refuses that were read anyway, as Checkov reads them.
    pub repairs: Vec<Diag>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadMode {
    /// plan, apply, validate: every mistake is an error, `module` blocks too.
    Strict,
    /// Records `module` blocks (unit tests of what `recon check` reads).
    WithModules,
    /// `recon check`: modules recorded, repairs tried, mistakes kept as notes.
    Tolerant,
}

struct Loader {
    stack: Stack,
    /// Errors, or in [`LoadMode::Tolerant`] notes: the loader leaves out what a
    /// mistake concerns and goes on either way.
    errors: Vec<Diag>,
    parse_errors: Vec<Diag>,
    repairs: Vec<Diag>,
    mode: LoadMode,
    /// Reading a child module: provider configurations come from the caller.
    is_module: bool,
}

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "output",
    "import",
    "recon",
    "terraform",
    "provider",
    "module",
    "moved",
    "removed",
];

impl Loader {
    fn new(dir: &Path, mode: LoadMode) -> Loader {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("stack")
            .to_string();
        Loader {
            stack: Stack {
                dir,
                name,
                files: Vec::new(),
                backend: None,
                encryption: None,
                variables: IndexMap::new(),
                locals: IndexMap::new(),
                resources: IndexMap::new(),
                outputs: IndexMap::new(),
                imports: Vec::new(),
                modules: IndexMap::new(),
                moved: Vec::new(),
                removed: Vec::new(),
                instances: Default::default(),
                usage: Vec::new(),
                providers: Vec::new(),
                terraform_ignored: Vec::new(),
            },
            errors: Vec::new(),
            parse_errors: Vec::new(),
            repairs: Vec::new(),
            mode,
            is_module: false,
        }
    }

    fn file(&mut self, path: PathBuf, text: String) {
        let file = Arc::new(SourceFile {
            name: display_path(&path),
            path,
            text: Arc::new(text),
        });
        self.stack.files.push(file.clone());
        if self.mode != LoadMode::Tolerant {
            match hcl_edit::parser::parse_body(&file.text) {
                Ok(body) => self.body(&file, body),
                Err(e) => self.errors.push(parse_error(&file, &e)),
            }
            return;
        }
        match tolerant::parse(&file.text) {
            Ok((body, repairs)) => {
                for r in repairs {
                    let span = Span::new(&file, Some(r.offset..r.offset + 1));
                    self.repairs.push(Diag::at(&span, r.message, "here"));
                }
                self.body(&file, body);
            }
            Err(e) => self.parse_errors.push(parse_error(&file, &e)),
        }
    }

    fn body(&mut self, file: &Arc<SourceFile>, body: Body) {
        for structure in body {
            match structure {
                Structure::Attribute(attr) => {
                    let span = Span::new(file, attr.key.span());
                    self.errors.push(
                        Diag::at(&span, format!("unexpected argument \"{}\" at top level", attr.key.as_str()), "not allowed here")
                            .with_help("the top level of a stack holds only blocks: resource, data, variable, locals, output, recon"),
                    );
                }
                Structure::Block(block) => self.block(file, block),
            }
        }
    }

    fn block(&mut self, file: &Arc<SourceFile>, block: Block) {
        let span = Span::new(file, block.ident.span());
        let kind = block.ident.as_str().to_string();
        if self.is_module
            && matches!(
                kind.as_str(),
                "provider" | "import" | "recon" | "moved" | "removed"
            )
        {
            let help = match kind.as_str() {
                "provider" => "a module uses its caller's provider configurations: declare them in the root stack and pass an alias with providers = { aws = aws.ALIAS }",
                _ => "write it in the root stack, with the module's address (module.NAME.TYPE.NAME)",
            };
            self.errors.push(
                Diag::at(
                    &span,
                    format!("a {kind} block is not allowed in a module"),
                    "in a module",
                )
                .with_help(help),
            );
            return;
        }
        match kind.as_str() {
            "resource" | "data" => self.resource(file, block, &span),
            "variable" => self.variable(file, block, &span),
            "locals" => {
                for structure in block.body {
                    match structure {
                        Structure::Attribute(attr) => {
                            let name = attr.key.as_str().to_string();
                            let key_span = Span::new(file, attr.key.span());
                            if let Some(prev) = self.stack.locals.get(&name) {
                                self.duplicate("local value", &name, &key_span, &prev.expr.span());
                                continue;
                            }
                            let expr = Expr {
                                file: file.clone(),
                                expr: attr.value,
                            };
                            self.stack.locals.insert(name.clone(), Local { name, expr });
                        }
                        Structure::Block(b) => self.errors.push(Diag::at(
                            &Span::new(file, b.ident.span()),
                            "blocks are not allowed in locals",
                            "not allowed here",
                        )),
                    }
                }
            }
            "output" => self.output(file, block, &span),
            "import" => self.import(file, block, &span),
            "module" => self.module(file, block, &span),
            "moved" => {
                if let Some(m) = modules::Moved::read(file, &block, &span, &mut self.errors) {
                    self.stack.moved.push(m);
                }
            }
            "removed" => {
                if let Some(r) = modules::Removed::read(file, &block, &span, &mut self.errors) {
                    self.stack.removed.push(r);
                }
            }
            "recon" => self.recon(file, block),
            "terraform" => self.terraform(file, block),
            "provider" => self.provider(file, block, &span),
            other => {
                let mut d = Diag::at(
                    &span,
                    format!("unsupported block type \"{other}\""),
                    "not supported",
                );
                d = match crate::diag::did_you_mean(other, TOP_LEVEL_BLOCKS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                    None => d.with_help(
                        "top-level blocks are resource, data, variable, locals, output and recon",
                    ),
                };
                self.errors.push(d);
            }
        }
    }

    fn labels(&mut self, block: &Block, span: &Span, want: &[&str]) -> Option<Vec<String>> {
        let labels: Vec<String> = block
            .labels
            .iter()
            .map(|l| l.as_str().to_string())
            .collect();
        if labels.len() != want.len() {
            self.errors.push(
                Diag::at(
                    span,
                    format!(
                        "a {} block needs {} label(s): {}",
                        block.ident.as_str(),
                        want.len(),
                        want.join(", ")
                    ),
                    "labels missing or extra",
                )
                .with_help(format!(
                    "write it as {} {} {{ ... }}",
                    block.ident.as_str(),
                    want.iter()
                        .map(|w| format!("\"{w}\""))
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
            );
            return None;
        }
        Some(labels)
    }

    fn duplicate(&mut self, what: &str, name: &str, span: &Span, previous: &Span) {
        let message = match self.mode {
            // As Checkov does: the first block is read, this one is left out.
            LoadMode::Tolerant => format!(
                "duplicate {what} \"{name}\": not read (the first, at {}, is)",
                previous.location()
            ),
            _ => format!("duplicate {what} \"{name}\""),
        };
        let d = Diag::at(span, message, "declared again here");
        self.errors.push(match self.mode {
            LoadMode::Tolerant => d,
            _ => d.with_help(format!(
                "it is already declared at {}; names must be unique",
                previous.location()
            )),
        });
    }

    fn resource(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let Some(labels) = self.labels(&block, span, &["TYPE", "NAME"]) else {
            return;
        };
        let addr = if block.ident.as_str() == "data" {
            ResourceAddr::data(&labels[0], &labels[1])
        } else {
            ResourceAddr::managed(&labels[0], &labels[1])
        };
        if let Some(prev) = self.stack.resources.get(&addr) {
            let prev = prev.span.clone();
            self.duplicate("resource", &addr.to_string(), span, &prev);
            return;
        }
        let extent = block.span().unwrap_or(0..0);
        let mut count = None;
        let mut for_each = None;
        let mut depends_on = Vec::new();
        let mut lifecycle = Lifecycle::default();
        let mut provider = None;
        let mut rest = Body::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) if attr.key.as_str() == "count" => {
                    count = Some(Expr {
                        file: file.clone(),
                        expr: attr.value,
                    })
                }
                Structure::Attribute(attr) if attr.key.as_str() == "for_each" => {
                    for_each = Some(Expr {
                        file: file.clone(),
                        expr: attr.value,
                    })
                }
                Structure::Attribute(attr) if attr.key.as_str() == "depends_on" => {
                    depends_on = self.depends_on(file, &attr);
                }
                // Terraform's provider meta-argument: `aws` or `aws.ALIAS`.
                Structure::Attribute(attr) if attr.key.as_str() == "provider" => {
                    provider = self.provider_ref(file, &attr);
                }
                Structure::Block(b)
                    if b.ident.as_str() == "lifecycle" && addr.mode == Mode::Managed =>
                {
                    lifecycle = self.lifecycle(file, b);
                }
                other => rest.push(other),
            }
        }
        if count.is_some() && for_each.is_some() {
            self.errors.push(
                Diag::at(span, format!("{addr} sets both count and for_each"), "here")
                    .with_help("use either count or for_each, not both"),
            );
        }
        let block = ResourceBlock {
            addr: addr.clone(),
            body: BodyIn {
                file: file.clone(),
                body: rest,
            },
            count,
            for_each,
            depends_on,
            lifecycle,
            provider,
            span: span.clone(),
            extent,
        };
        self.stack.resources.insert(addr, block);
    }

    /// `depends_on = [aws_kms_key.ebs, data.aws_ami.x]`: static references only.
    fn depends_on(
        &mut self,
        file: &Arc<SourceFile>,
        attr: &Attribute,
    ) -> Vec<(ResourceAddr, Span)> {
        let mut out = Vec::new();
        let Some(items) = attr.value.as_array() else {
            self.errors.push(Diag::at(
                &Span::new(file, attr.value.span()),
                "depends_on must be a list of resource references",
                "expected [type.name, ...]",
            ));
            return out;
        };
        for item in items.iter() {
            let item_span = Span::new(file, item.span());
            if let [(refs::Ref::Module(name, _), _)] = refs::references(item).as_slice() {
                // Waiting for a module changes nothing in a static check.
                if self.mode == LoadMode::Strict {
                    let path =
                        crate::addr::ModulePath::root().child(name, crate::addr::InstanceKey::None);
                    out.push((
                        crate::addr::InstanceAddr::whole_module(path).resource,
                        item_span,
                    ));
                }
                continue;
            }
            match refs::static_resource_ref(item) {
                Some(addr) => out.push((addr, item_span)),
                None => self.errors.push(
                    Diag::at(
                        &item_span,
                        "invalid depends_on entry",
                        "not a resource reference",
                    )
                    .with_help("write a reference such as aws_kms_key.ebs, data.aws_ami.al2023 or module.NAME"),
                ),
            }
        }
        out
    }

    fn lifecycle(&mut self, file: &Arc<SourceFile>, block: Block) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for structure in block.body {
            let Structure::Attribute(attr) = structure else {
                continue;
            };
            let span = Span::new(file, attr.value.span());
            match attr.key.as_str() {
                "prevent_destroy" => lifecycle.prevent_destroy = self.literal_bool(&attr, &span),
                "create_before_destroy" => {
                    lifecycle.create_before_destroy = self.literal_bool(&attr, &span)
                }
                "ignore_changes" => {
                    if let Some(Expression::Variable(v)) = Some(&attr.value) {
                        if v.as_str() == "all" {
                            lifecycle.ignore_all_changes = true;
                            continue;
                        }
                    }
                    match attr.value.as_array() {
                        Some(items) => {
                            for item in items.iter() {
                                match refs::attribute_path_name(item) {
                                    Some(name) => lifecycle.ignore_changes.push(name),
                                    None => self.errors.push(Diag::at(
                                        &Span::new(file, item.span()),
                                        "invalid ignore_changes entry",
                                        "expected an attribute name",
                                    )),
                                }
                            }
                        }
                        None => self.errors.push(Diag::at(
                            &span,
                            "ignore_changes must be a list of attribute names or all",
                            "here",
                        )),
                    }
                }
                "replace_triggered_by" | "precondition" | "postcondition" => {}
                other => {
                    let key_span = Span::new(file, attr.key.span());
                    let names = ["prevent_destroy", "create_before_destroy", "ignore_changes"];
                    let mut d = Diag::at(
                        &key_span,
                        format!("unsupported lifecycle argument \"{other}\""),
                        "not expected here",
                    );
                    if let Some(s) = crate::diag::did_you_mean(other, names) {
                        d = d.with_help(format!("did you mean \"{s}\"?"));
                    }
                    self.errors.push(d);
                }
            }
        }
        lifecycle
    }

    fn literal_bool(&mut self, attr: &Attribute, span: &Span) -> bool {
        match attr.value.as_bool() {
            Some(b) => b,
            None => {
                self.errors.push(
                    Diag::at(
                        span,
                        format!("{} must be a literal true or false", attr.key.as_str()),
                        "not a literal bool",
                    )
                    .with_help("lifecycle settings are read before anything is evaluated"),
                );
                false
            }
        }
    }

    fn variable(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let Some(labels) = self.labels(&block, span, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        if let Some(prev) = self.stack.variables.get(&name) {
            let prev = prev.span.clone();
            self.duplicate("variable", &name, span, &prev);
            return;
        }
        let mut var = Variable {
            name: name.clone(),
            ty: TypeConstraint::Any,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
            span: span.clone(),
        };
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => {
                    let vspan = Span::new(file, attr.value.span());
                    match attr.key.as_str() {
                        "type" => match TypeConstraint::parse(&attr.value) {
                            Ok(t) => var.ty = t,
                            Err(msg) => self.errors.push(Diag::at(&vspan, format!("invalid type for variable \"{name}\": {msg}"), "here")
                                .with_help("types are string, number, bool, any, list(T), set(T), map(T), object({...}) or tuple([...])")),
                        },
                        "default" => var.default = Some(Expr { file: file.clone(), expr: attr.value }),
                        "description" => var.description = attr.value.as_str().map(str::to_string),
                        "sensitive" => var.sensitive = self.literal_bool(&attr, &vspan),
                        "nullable" => var.nullable = self.literal_bool(&attr, &vspan),
                        other => self.errors.push(Diag::at(
                            &Span::new(file, attr.key.span()),
                            format!("unsupported argument \"{other}\" in variable"),
                            "not expected here",
                        ).with_help("a variable takes type, default, description, sensitive, nullable and validation blocks")),
                    }
                }
                Structure::Block(b) if b.ident.as_str() == "validation" => {
                    let bspan = Span::new(file, b.ident.span());
                    let condition = b.body.get_attribute("condition").map(|a| Expr {
                        file: file.clone(),
                        expr: a.value.clone(),
                    });
                    let message = b
                        .body
                        .get_attribute("error_message")
                        .and_then(|a| a.value.as_str().map(str::to_string));
                    match (condition, message) {
                        (Some(condition), Some(error_message)) => {
                            var.validations.push(Validation {
                                condition,
                                error_message,
                            })
                        }
                        _ => self.errors.push(Diag::at(
                            &bspan,
                            "a validation block needs condition and a literal error_message",
                            "here",
                        )),
                    }
                }
                Structure::Block(b) => self.errors.push(Diag::at(
                    &Span::new(file, b.ident.span()),
                    format!("unsupported block \"{}\" in variable", b.ident.as_str()),
                    "not expected here",
                )),
            }
        }
        self.stack.variables.insert(name, var);
    }

    fn output(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let Some(labels) = self.labels(&block, span, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        if let Some(prev) = self.stack.outputs.get(&name) {
            let prev = prev.span.clone();
            self.duplicate("output", &name, span, &prev);
            return;
        }
        let mut value = None;
        let mut sensitive = false;
        let mut description = None;
        let mut depends_on = Vec::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => {
                    let vspan = Span::new(file, attr.value.span());
                    match attr.key.as_str() {
                        "value" => {
                            value = Some(Expr {
                                file: file.clone(),
                                expr: attr.value,
                            })
                        }
                        "sensitive" => sensitive = self.literal_bool(&attr, &vspan),
                        "description" => description = attr.value.as_str().map(str::to_string),
                        "depends_on" => depends_on = self.depends_on(file, &attr),
                        other => self.errors.push(
                            Diag::at(
                                &Span::new(file, attr.key.span()),
                                format!("unsupported argument \"{other}\" in output"),
                                "not expected here",
                            )
                            .with_help(
                                "an output takes value, sensitive, description and depends_on",
                            ),
                        ),
                    }
                }
                Structure::Block(b) => self.errors.push(Diag::at(
                    &Span::new(file, b.ident.span()),
                    format!("unsupported block \"{}\" in output", b.ident.as_str()),
                    "not expected here",
                )),
            }
        }
        match value {
            Some(value) => {
                self.stack.outputs.insert(
                    name.clone(),
                    Output {
                        name,
                        value,
                        sensitive,
                        description,
                        depends_on,
                        span: span.clone(),
                    },
                );
            }
            None => self.errors.push(
                Diag::at(
                    span,
                    format!("output \"{name}\" has no value"),
                    "value missing",
                )
                .with_help("add value = <expression>"),
            ),
        }
    }

    /// `module "web" { source = "./modules/web" ... }`: its child configuration is
    /// loaded afterwards ([`modules::load_children`]).
    fn module(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let Some(labels) = self.labels(&block, span, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        if let Some(prev) = self.stack.modules.get(&name) {
            let prev = prev.span.clone();
            self.duplicate("module", &name, span, &prev);
            return;
        }
        let mut source = None;
        let mut count = None;
        let mut for_each = None;
        let mut arguments = IndexMap::new();
        let mut depends_on = Vec::new();
        let mut providers = Vec::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) if attr.key.as_str() == "depends_on" => {
                    depends_on = self.depends_on(file, &attr);
                }
                Structure::Attribute(attr) if attr.key.as_str() == "providers" && self.mode == LoadMode::Strict => {
                    providers = self.module_providers(file, &attr);
                }
                Structure::Attribute(attr) => {
                    let vspan = Span::new(file, attr.value.span());
                    let expr = Expr { file: file.clone(), expr: attr.value };
                    match attr.key.as_str() {
                        "source" => match literal(&expr.expr) {
                            Some(Value::String(s)) => source = Some((s, vspan)),
                            _ => self.errors.push(
                                Diag::at(&vspan, "a module source must be a literal string", "not a literal")
                                    .with_help("write source = \"./modules/NAME\" (Terraform reads it before anything is evaluated)"),
                            ),
                        },
                        "count" => count = Some(expr),
                        "for_each" => for_each = Some(expr),
                        // Meta-arguments that do not change what a static check sees.
                        "version" | "providers" | "depends_on" => {}
                        other => {
                            arguments.insert(other.to_string(), expr);
                        }
                    }
                }
                Structure::Block(b) => self.errors.push(Diag::at(
                    &Span::new(file, b.ident.span()),
                    format!("unsupported block \"{}\" in module", b.ident.as_str()),
                    "not expected here",
                ).with_help("a module block takes source, version, count, for_each, depends_on, providers and the module's variables as arguments")),
            }
        }
        if count.is_some() && for_each.is_some() {
            self.errors.push(
                Diag::at(
                    span,
                    format!("module.{name} sets both count and for_each"),
                    "here",
                )
                .with_help("use either count or for_each, not both"),
            );
        }
        let Some((source, source_span)) = source else {
            self.errors.push(
                Diag::at(
                    span,
                    format!("module \"{name}\" has no source"),
                    "source missing",
                )
                .with_help("add source = \"./modules/NAME\""),
            );
            return;
        };
        let call = ModuleCall {
            name: name.clone(),
            source,
            source_span,
            arguments,
            count,
            for_each,
            depends_on,
            providers,
            child: None,
            span: span.clone(),
        };
        self.stack.modules.insert(name, call);
    }

    /// `providers = { aws = aws.west }`: which of the caller's provider
    /// configurations each of the module's uses.
    fn module_providers(
        &mut self,
        file: &Arc<SourceFile>,
        attr: &Attribute,
    ) -> Vec<(Option<String>, Option<String>, Span)> {
        let mut out = Vec::new();
        let Expression::Object(obj) = &attr.value else {
            self.errors.push(
                Diag::at(
                    &Span::new(file, attr.value.span()),
                    "providers must be a map",
                    "expected { aws = aws.ALIAS }",
                )
                .with_help(
                    "write providers = { aws = aws.west } (the module's provider = the caller's)",
                ),
            );
            return out;
        };
        for (key, value) in obj.iter() {
            let key_text = match key {
                hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                hcl_edit::expr::ObjectKey::Expression(e) => e.to_string().trim().to_string(),
            };
            let span = Span::new(file, value.expr().span());
            let parse = |text: &str| match text.trim().split_once('.') {
                None if text.trim() == "aws" => Some(None),
                Some(("aws", alias)) if !alias.is_empty() => Some(Some(alias.to_string())),
                _ => None,
            };
            match (parse(&key_text), parse(&value.expr().to_string())) {
                (Some(inner), Some(outer)) => out.push((inner, outer, span)),
                _ => self.errors.push(
                    Diag::at(
                        &span,
                        "invalid providers entry",
                        "expected aws or aws.ALIAS on both sides",
                    )
                    .with_help("recon manages AWS: write providers = { aws = aws.ALIAS }"),
                ),
            }
        }
        out
    }

    /// `provider "aws" { alias = "west" ... }`: recorded, evaluated once
    /// variables are known (see [`providers::evaluate`]).
    fn provider(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let Some(labels) = self.labels(&block, span, &["NAME"]) else {
            return;
        };
        let name = labels[0].clone();
        if name != "aws" {
            self.errors.push(
                Diag::at(
                    span,
                    format!("provider \"{name}\" is not supported"),
                    "unsupported provider",
                )
                .with_help("recon manages AWS: only provider \"aws\" blocks are read"),
            );
            return;
        }
        let alias = match block.body.get_attribute("alias") {
            None => None,
            Some(a) => match literal(&a.value) {
                Some(Value::String(s)) if !s.is_empty() => Some(s),
                _ => {
                    self.errors.push(Diag::at(
                        &Span::new(file, a.value.span()),
                        "a provider alias must be a literal string",
                        "not a literal string",
                    ));
                    return;
                }
            },
        };
        let candidate = providers::ProviderBlock {
            name,
            alias,
            body: BodyIn {
                file: file.clone(),
                body: block.body,
            },
            span: span.clone(),
        };
        if let Some(prev) = self
            .stack
            .providers
            .iter()
            .find(|p| p.key() == candidate.key())
        {
            let prev = prev.span.clone();
            self.duplicate("provider configuration", &candidate.key(), span, &prev);
            return;
        }
        self.stack.providers.push(candidate);
    }

    /// `provider = aws` or `provider = aws.west` in a resource or data block.
    fn provider_ref(&mut self, file: &Arc<SourceFile>, attr: &Attribute) -> Option<String> {
        let span = Span::new(file, attr.value.span());
        let text = attr.value.to_string();
        let text = text.trim();
        match text.split_once('.') {
            None if text == "aws" => None,
            Some(("aws", alias))
                if !alias.is_empty()
                    && alias
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                Some(alias.to_string())
            }
            _ => {
                self.errors.push(
                    Diag::at(&span, "invalid provider reference", "expected aws or aws.ALIAS")
                        .with_help("write provider = aws.ALIAS, naming a provider \"aws\" block with that alias"),
                );
                None
            }
        }
    }

    /// `terraform { backend "s3" { ... } required_version = ... }`: the backend is
    /// read as recon's; version constraints are accepted; anything else is a warning.
    fn terraform(&mut self, file: &Arc<SourceFile>, block: Block) {
        for structure in block.body {
            match structure {
                Structure::Block(b) if b.ident.as_str() == "backend" => {
                    let span = Span::new(file, b.ident.span());
                    let Some(labels) = self.labels(&b, &span, &["KIND"]) else {
                        continue;
                    };
                    let kind = labels[0].clone();
                    if kind != "s3" && kind != "local" {
                        self.errors.push(
                            Diag::at(&span, format!("backend \"{kind}\" is not supported"), "unsupported backend")
                                .with_help("recon keeps state in backend \"s3\" (bucket, key, region, kms_key_id, encrypt) or \"local\" (path)"),
                        );
                        continue;
                    }
                    let help = "the backend is read before variables exist; use --backend-config to vary it";
                    let mut settings = self.literal_settings(file, b.body, "backend", help);
                    // Terraform's S3 backend locks with DynamoDB (or a lock file);
                    // recon always locks with a conditional write beside the state.
                    for gone in ["dynamodb_table", "use_lockfile"] {
                        if settings.remove(gone).is_some() {
                            self.stack
                                .terraform_ignored
                                .push((format!("backend.{gone}"), span.clone()));
                        }
                    }
                    if let Some(prev) = &self.stack.backend {
                        let prev = prev.span.clone();
                        self.duplicate("backend", &kind, &span, &prev);
                        continue;
                    }
                    self.stack.backend = Some(BackendConfig {
                        kind,
                        settings,
                        span,
                    });
                }
                Structure::Attribute(a) if a.key.as_str() == "required_version" => {}
                Structure::Block(b) if b.ident.as_str() == "required_providers" => {}
                other => {
                    let (name, span) = match &other {
                        Structure::Attribute(a) => (a.key.as_str().to_string(), a.key.span()),
                        Structure::Block(b) => (b.ident.as_str().to_string(), b.ident.span()),
                    };
                    self.stack
                        .terraform_ignored
                        .push((name, Span::new(file, span)));
                }
            }
        }
    }

    /// Checks made once every file is read: each `provider = aws.ALIAS` names a
    /// provider block.
    fn finish(&mut self) {
        // A module's aliases are the caller's, checked when it is expanded.
        if self.is_module {
            return;
        }
        let known: Vec<String> = self
            .stack
            .providers
            .iter()
            .filter_map(|p| p.alias.clone())
            .collect();
        let mut errors = Vec::new();
        for block in self.stack.resources.values() {
            if let Some(alias) = &block.provider {
                if !known.contains(alias) {
                    let d = Diag::at(
                        &block.span,
                        format!("{}: provider aws.{alias} is not configured", block.addr),
                        "here",
                    );
                    errors.push(
                        match crate::diag::did_you_mean(alias, known.iter().map(String::as_str)) {
                            Some(s) => d.with_help(format!("did you mean aws.{s}?")),
                            None => d.with_help(format!(
                                "add provider \"aws\" {{ alias = \"{alias}\" ... }}"
                            )),
                        },
                    );
                }
            }
        }
        self.errors.extend(errors);
    }

    fn import(&mut self, file: &Arc<SourceFile>, block: Block, span: &Span) {
        let to = block.body.get_attribute("to");
        let id = block.body.get_attribute("id");
        let (Some(to), Some(id)) = (to, id) else {
            self.errors.push(
                Diag::at(
                    span,
                    "an import block needs `to` and `id`",
                    "incomplete import block",
                )
                .with_help("write import { to = aws_instance.sync, id = \"i-0abc...\" }"),
            );
            return;
        };
        // `module.NAME[KEY].TYPE.NAME` is read as the address it is written as.
        let in_module = || {
            let text = to.value.to_string();
            text.trim()
                .starts_with("module.")
                .then(|| text.trim().parse::<crate::addr::InstanceAddr>().ok())
                .flatten()
                .filter(|a| !a.resource.is_module_only())
        };
        let Some(target) = refs::static_instance_ref(&to.value).or_else(in_module) else {
            self.errors.push(
                Diag::at(
                    &Span::new(file, to.value.span()),
                    "import `to` must name a resource instance",
                    "not a resource address",
                )
                .with_help("write to = TYPE.NAME, TYPE.NAME[0] or TYPE.NAME[\"key\"]"),
            );
            return;
        };
        if let Some(prev) = self.stack.imports.iter().find(|i| i.to == target) {
            let prev = prev.span.clone();
            self.duplicate("import of", &target.to_string(), span, &prev);
            return;
        }
        self.stack.imports.push(ImportBlock {
            to: target,
            id: Expr {
                file: file.clone(),
                expr: id.value.clone(),
            },
            span: span.clone(),
        });
    }

    /// `name = literal` pairs of a settings block read before any evaluation.
    fn literal_settings(
        &mut self,
        file: &Arc<SourceFile>,
        body: Body,
        what: &str,
        help: &str,
    ) -> Object {
        let mut settings = Object::new();
        for inner in body {
            let Structure::Attribute(attr) = inner else {
                continue;
            };
            match literal(&attr.value) {
                Some(v) => {
                    settings.insert(attr.key.as_str().to_string(), v);
                }
                None => self.errors.push(
                    Diag::at(
                        &Span::new(file, attr.value.span()),
                        format!("{what} settings must be literal values"),
                        "not a literal",
                    )
                    .with_help(help),
                ),
            }
        }
        settings
    }

    /// `recon { backend "local" { path = "..." } }`: literal settings only.
    fn recon(&mut self, file: &Arc<SourceFile>, block: Block) {
        for structure in block.body {
            match structure {
                Structure::Block(b) if b.ident.as_str() == "backend" => {
                    let span = Span::new(file, b.ident.span());
                    let Some(labels) = self.labels(&b, &span, &["KIND"]) else {
                        continue;
                    };
                    let help = "the backend is read before variables exist; use --backend-config to vary it";
                    let settings = self.literal_settings(file, b.body, "backend", help);
                    if let Some(prev) = &self.stack.backend {
                        let prev = prev.span.clone();
                        self.duplicate("backend", &labels[0], &span, &prev);
                        continue;
                    }
                    self.stack.backend = Some(BackendConfig {
                        kind: labels[0].clone(),
                        settings,
                        span,
                    });
                }
                Structure::Block(b) if b.ident.as_str() == "encryption" => {
                    let span = Span::new(file, b.ident.span());
                    let settings = self.literal_settings(
                        file,
                        b.body,
                        "encryption",
                        "they are read before variables exist",
                    );
                    self.stack.encryption = Some(BackendConfig {
                        kind: "encryption".into(),
                        settings,
                        span,
                    });
                }
                Structure::Block(b) if b.ident.as_str() == "usage" => {
                    let span = Span::new(file, b.ident.span());
                    let Some(labels) = self.labels(&b, &span, &["ADDRESS"]) else {
                        continue;
                    };
                    self.stack.usage.push(UsageDecl {
                        address: labels[0].clone(),
                        body: BodyIn {
                            file: file.clone(),
                            body: b.body,
                        },
                        span,
                    });
                }
                other => {
                    let span = match &other {
                        Structure::Attribute(a) => Span::new(file, a.key.span()),
                        Structure::Block(b) => Span::new(file, b.ident.span()),
                    };
                    self.errors.push(
                        Diag::at(&span, "unsupported setting in the recon block", "not expected here")
                            .with_help("the recon block holds backend \"local\" { path = ... }, backend \"s3\" { ... }, encryption { ... } and usage \"ADDRESS\" { ... }"),
                    );
                }
            }
        }
    }
}

/// The value of a literal expression (no references or calls).
pub fn literal(expr: &Expression) -> Option<Value> {
    Some(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => Value::Number(n.value().as_f64()?),
        Expression::String(s) => Value::String(s.value().to_string()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for element in t.iter() {
                match element {
                    hcl_edit::template::Element::Literal(l) => out.push_str(l.value()),
                    _ => return None,
                }
            }
            Value::String(out)
        }
        Expression::Array(items) => Value::List(items.iter().map(literal).collect::<Option<_>>()?),
        Expression::Object(obj) => {
            let mut map = Object::new();
            for (k, v) in obj.iter() {
                let key = match k {
                    hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(e) => literal(e)?.to_interpolated()?,
                };
                map.insert(key, literal(v.expr())?);
            }
            Value::Object(map)
        }
        Expression::Parenthesis(p) => literal(p.inner())?,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "module \"web\" {\n  source   = \"./modules/web\"\n  version  = \"1.0\"\n  for_each = toset([\"a\"])\n  vpc_id   = aws_vpc.main.id\n}\n\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n";

    fn sources() -> Vec<(PathBuf, String)> {
        vec![("main.tf".into(), SRC.to_string())]
    }

    #[test]
    fn module_blocks_are_recorded_for_check() {
        let stack = Stack::from_sources_with_modules(Path::new("."), sources()).unwrap();
        let web = &stack.modules["web"];
        assert_eq!(
            (web.source.as_str(), web.is_local()),
            ("./modules/web", true)
        );
        assert_eq!(web.arguments.keys().collect::<Vec<_>>(), ["vpc_id"]);
        assert!(web.for_each.is_some() && web.count.is_none());
        assert_eq!(web.span.location(), "main.tf:1:1");
        assert_eq!(web.source_span.location(), "main.tf:2:14");
        assert!(!stack.modules["vpc"].is_local());
    }

    #[test]
    fn the_engine_loads_only_local_module_sources_and_says_where() {
        let err = Stack::from_sources(Path::new("."), sources()).unwrap_err();
        let found: Vec<(String, String)> = err
            .0
            .iter()
            .map(|d| (d.message.clone(), d.location.clone().unwrap()))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].0.starts_with("module \"web\": cannot read"),
            "{found:?}"
        );
        assert_eq!(found[0].1, "main.tf:2:14");
        assert_eq!(
            found[1],
            (
                "module \"vpc\": source \"terraform-aws-modules/vpc/aws\" is not a local path; recon supports only local module sources".to_string(),
                "main.tf:9:12".to_string()
            )
        );
    }

    #[test]
    fn usage_blocks_of_the_recon_block_are_recorded_with_their_address() {
        let src = "recon {\n  usage \"aws_instance.sync\" {\n    hours_per_month = var.hours\n  }\n}\n\nrecon {\n  usage {\n  }\n}\n";
        let err =
            Stack::from_sources(Path::new("."), vec![("main.hcl".into(), src.into())]).unwrap_err();
        assert_eq!(err.0.len(), 1, "{:?}", err.0);
        assert!(
            err.0[0]
                .message
                .contains("usage block needs 1 label(s): ADDRESS"),
            "{}",
            err.0[0].message
        );
        let ok = src.split("\n\n").next().unwrap_or_default();
        let stack =
            Stack::from_sources(Path::new("."), vec![("main.hcl".into(), ok.into())]).unwrap();
        assert_eq!(stack.usage.len(), 1);
        assert_eq!(stack.usage[0].address, "aws_instance.sync");
        assert!(stack.usage[0]
            .body
            .body
            .get_attribute("hours_per_month")
            .is_some());
    }

    #[test]
    fn a_module_needs_a_literal_source() {
        let src =
            "module \"web\" {\n  source = var.path\n}\nmodule \"db\" {\n  engine = \"pg\"\n}\n";
        let err = Stack::from_sources_with_modules(
            Path::new("."),
            vec![("main.tf".into(), src.to_string())],
        )
        .unwrap_err();
        let messages: Vec<&str> = err.0.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "a module source must be a literal string",
                "module \"web\" has no source",
                "module \"db\" has no source"
            ]
        );
    }
}
