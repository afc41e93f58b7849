//! The expression evaluator. Works on hcl-edit's syntax tree so that every error
//! points at the exact place; propagates Unknown ("known after apply") instead of
//! inventing placeholder values.

use super::functions::{self, FnContext};
use super::{Expr, Stack};
use crate::addr::{InstanceKey, ModulePath, ResourceAddr};
use crate::diag::{did_you_mean, Diag, SourceFile, Span};
use crate::value::{format_number, Object, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Names and functions a caller adds to the language (policies add `resources`,
/// `resource`, `referrers(...)`, ...). Looked up before the built-in ones.
pub trait Extension {
    /// The value of root name `name`, given the attribute that follows it (if any);
    /// returns the value and how many attribute steps it used (0 or 1).
    fn root(&self, name: &str, next: Option<&str>) -> Option<(Value, usize)>;
    /// True when `name` is one of the roots [`Extension::root`] answers.
    fn claims(&self, name: &str) -> bool;
    /// Calls function `name`; None when it is not one of the extension's.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
}

/// Each resource block's value as references read it: an object, a list (count)
/// or a map (for_each). A plan keeps them in a map; a policy check lends the
/// views it already holds instead of copying them.
pub trait BlockValues {
    fn block(&self, addr: &ResourceAddr) -> Option<&Value>;
}

impl BlockValues for BTreeMap<ResourceAddr, Value> {
    fn block(&self, addr: &ResourceAddr) -> Option<&Value> {
        self.get(addr)
    }
}

/// The names an expression can see.
pub struct Scope<'a> {
    pub stack: &'a Stack,
    /// The root stack's variables (a module's come from its call's arguments).
    pub vars: &'a Object,
    /// The module instance whose names this scope sees (the root by default).
    pub module: ModulePath,
    /// Each resource block's value.
    pub resources: &'a dyn BlockValues,
    pub count_index: Option<i64>,
    pub each: Option<(Value, Value)>,
    /// `self` in policies.
    pub self_value: Option<&'a Value>,
    pub extension: Option<&'a dyn Extension>,
    /// Names bound around an expression, such as a `dynamic` block's iterator.
    bindings: Vec<(String, Value)>,
    /// Set when an evaluation reads a sensitive variable (directly or via locals);
    /// shared with child scopes so that callers can mark what they evaluated.
    sensitive_read: std::rc::Rc<std::cell::Cell<bool>>,
    sensitive_locals: RefCell<std::collections::BTreeSet<String>>,
    locals: RefCell<BTreeMap<String, Value>>,
    active_locals: RefCell<Vec<String>>,
    /// Variables of the module instance, once evaluated, and whether each is sensitive.
    module_vars: RefCell<BTreeMap<String, (Value, bool)>>,
}

type EvalResult = Result<Value, Diag>;

impl<'a> Scope<'a> {
    pub fn new(stack: &'a Stack, vars: &'a Object, resources: &'a dyn BlockValues) -> Self {
        Scope {
            stack,
            vars,
            module: ModulePath::root(),
            resources,
            count_index: None,
            each: None,
            self_value: None,
            extension: None,
            bindings: Vec::new(),
            sensitive_read: Default::default(),
            sensitive_locals: Default::default(),
            locals: RefCell::new(BTreeMap::new()),
            active_locals: RefCell::new(Vec::new()),
            module_vars: RefCell::new(BTreeMap::new()),
        }
    }

    /// The names of module instance `module` (its variables, locals, resources and
    /// calls), with the same values of blocks.
    pub fn in_module(&self, module: &ModulePath) -> Scope<'a> {
        let mut scope = Scope::new(self.stack, self.vars, self.resources);
        scope.module = module.clone();
        scope.extension = self.extension;
        scope.self_value = self.self_value;
        scope.sensitive_read = self.sensitive_read.clone();
        scope
    }

    /// The configuration this scope's names are declared in.
    pub fn config(&self) -> &'a Stack {
        self.stack.config_at(&self.module)
    }

    /// The same names, for one instance of a `count` / `for_each` block.
    pub fn for_instance(
        &self,
        count_index: Option<i64>,
        each: Option<(Value, Value)>,
    ) -> Scope<'a> {
        Scope {
            stack: self.stack,
            vars: self.vars,
            module: self.module.clone(),
            resources: self.resources,
            count_index,
            each,
            self_value: self.self_value,
            extension: self.extension,
            bindings: self.bindings.clone(),
            sensitive_read: self.sensitive_read.clone(),
            sensitive_locals: RefCell::new(self.sensitive_locals.borrow().clone()),
            locals: RefCell::new(self.locals.borrow().clone()),
            active_locals: RefCell::new(Vec::new()),
            module_vars: RefCell::new(self.module_vars.borrow().clone()),
        }
    }

    /// The same names plus `name` (a `dynamic` block's iterator).
    pub fn with_binding(&self, name: &str, value: Value) -> Scope<'a> {
        let mut scope = self.for_instance(self.count_index, self.each.clone());
        scope.bindings.push((name.to_string(), value));
        scope
    }

    /// Whether anything evaluated since the last call read a sensitive variable;
    /// clears the mark.
    pub fn take_sensitive(&self) -> bool {
        self.sensitive_read.replace(false)
    }

    /// Whether anything evaluated since the last [`Scope::take_sensitive`] read
    /// a sensitive variable; keeps the mark.
    pub fn read_sensitive(&self) -> bool {
        self.sensitive_read.get()
    }

    pub fn eval(&self, expr: &Expr) -> EvalResult {
        self.eval_in(&expr.file, &expr.expr)
    }

    pub fn eval_in(&self, file: &Arc<SourceFile>, expr: &Expression) -> EvalResult {
        Eval {
            scope: self,
            file,
            bindings: self.bindings.clone(),
            template_vars: None,
        }
        .expr(expr)
    }

    fn local(&self, name: &str, span: &Span) -> EvalResult {
        if let Some(v) = self.locals.borrow().get(name) {
            if self.sensitive_locals.borrow().contains(name) {
                self.sensitive_read.set(true);
            }
            return Ok(v.clone());
        }
        let config = self.config();
        let Some(local) = config.locals.get(name) else {
            return Err(undeclared(
                span,
                "local value",
                name,
                config.locals.keys().map(String::as_str),
            ));
        };
        if self.active_locals.borrow().iter().any(|n| n == name) {
            return Err(Diag::at(
                span,
                format!("local.{name} refers to itself"),
                "cycle",
            ));
        }
        self.active_locals.borrow_mut().push(name.to_string());
        // Locals see neither count nor each: evaluate in a plain scope.
        let plain = Scope::new(self.stack, self.vars, self.resources).in_module(&self.module);
        let value = plain.eval(&local.expr);
        self.active_locals.borrow_mut().pop();
        let value = value?;
        if plain.take_sensitive() {
            self.sensitive_locals.borrow_mut().insert(name.to_string());
            self.sensitive_read.set(true);
        }
        self.locals
            .borrow_mut()
            .insert(name.to_string(), value.clone());
        Ok(value)
    }

    /// A variable of this module instance: the call's argument, evaluated where
    /// the call is written (with the instance's `count.index` / `each`), else the
    /// default; converted to its type and validated.
    fn module_var(&self, name: &str, span: &Span) -> EvalResult {
        if let Some((value, sensitive)) = self.module_vars.borrow().get(name) {
            if *sensitive {
                self.sensitive_read.set(true);
            }
            return Ok(value.clone());
        }
        let Some(instance) = self.stack.instances.get(&self.module) else {
            return Err(Diag::at(
                span,
                format!("{} is not a module instance of this stack", self.module),
                "here",
            ));
        };
        let config = &instance.config;
        let Some(var) = config.variables.get(name) else {
            return Err(undeclared(
                span,
                "variable",
                name,
                config.variables.keys().map(String::as_str),
            ));
        };
        let mut sensitive = var.sensitive;
        let given = match instance.call.arguments.get(name) {
            Some(expr) => {
                let caller = Scope::new(self.stack, self.vars, self.resources)
                    .in_module(&self.module.parent())
                    .for_instance(instance.count_index, instance.each.clone());
                let value = caller.eval(expr)?;
                sensitive |= caller.take_sensitive();
                Some((value, expr.span()))
            }
            None => None,
        };
        let value = super::vars::module_variable(config, var, given).map_err(|d| {
            d.0.into_iter()
                .next()
                .unwrap_or_else(|| Diag::at(span, "invalid module variable", "here"))
        })?;
        if sensitive {
            self.sensitive_read.set(true);
        }
        self.module_vars
            .borrow_mut()
            .insert(name.to_string(), (value.clone(), sensitive));
        Ok(value)
    }

    /// `module.NAME`: the outputs of its instance(s), as an object, or a list
    /// (`count`) / map (`for_each`) of objects. With `output` named right after a
    /// call without instances keys, only that output is evaluated. Returns the
    /// value and how many traversal steps it used.
    fn module_value(
        &self,
        name: &str,
        output: Option<&str>,
        span: &Span,
    ) -> Result<(Value, usize), Diag> {
        let config = self.config();
        let Some(call) = config.modules.get(name) else {
            return Err(undeclared(
                span,
                "module",
                name,
                config.modules.keys().map(String::as_str),
            ));
        };
        // Modules not expanded (recon check evaluates them itself): unknown here.
        if call.child.is_none() || self.stack.instances.is_empty() {
            return Ok((Value::Unknown, 1));
        }
        let instances: Vec<(&InstanceKey, &ModulePath)> = self
            .stack
            .instances
            .keys()
            .filter(|p| p.parent() == self.module && p.last().is_some_and(|s| s.name == name))
            .filter_map(|p| p.last().map(|s| (&s.key, p)))
            .collect();
        let outputs = |path: &ModulePath, only: Option<&str>| -> EvalResult {
            let child = self.stack.config_at(path);
            let scope = Scope::new(self.stack, self.vars, self.resources).in_module(path);
            let mut out = Object::new();
            for (out_name, o) in &child.outputs {
                if only.is_some_and(|n| n != out_name) {
                    continue;
                }
                out.insert(out_name.clone(), scope.eval(&o.value)?);
                if o.sensitive || scope.take_sensitive() {
                    self.sensitive_read.set(true);
                }
            }
            if let Some(n) = only.filter(|n| !out.contains_key(*n)) {
                return Err(undeclared(
                    span,
                    "output",
                    n,
                    child.outputs.keys().map(String::as_str),
                )
                .with_help(format!(
                    "module.{name} declares outputs: {}",
                    child.outputs.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            Ok(Value::Object(out))
        };
        if call.count.is_none() && call.for_each.is_none() {
            let Some((_, path)) = instances.first() else {
                return Ok((Value::Unknown, 1));
            };
            return match output {
                Some(o) => {
                    let value = match outputs(path, Some(o))? {
                        Value::Object(mut map) => map.remove(o).unwrap_or(Value::Null),
                        other => other,
                    };
                    Ok((value, 2))
                }
                None => Ok((outputs(path, None)?, 1)),
            };
        }
        if call.count.is_some() {
            let mut list = Vec::new();
            for (_, path) in &instances {
                list.push(outputs(path, None)?);
            }
            return Ok((Value::List(list), 1));
        }
        let mut map = Object::new();
        for (key, path) in &instances {
            if let InstanceKey::Str(k) = key {
                map.insert(k.clone(), outputs(path, None)?);
            }
        }
        Ok((Value::Object(map), 1))
    }
}

fn undeclared<'n>(
    span: &Span,
    what: &str,
    name: &str,
    names: impl IntoIterator<Item = &'n str>,
) -> Diag {
    let d = Diag::at(
        span,
        format!("reference to undeclared {what} \"{name}\""),
        "not declared",
    );
    match did_you_mean(name, names) {
        Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
        None => d.with_help(format!("declare the {what} or fix the name")),
    }
}

struct Eval<'s, 'a> {
    scope: &'s Scope<'a>,
    file: &'s Arc<SourceFile>,
    /// Names bound by for-expressions and template directives, innermost last.
    bindings: Vec<(String, Value)>,
    /// In templatefile(): the only names visible.
    template_vars: Option<&'s Object>,
}

impl Eval<'_, '_> {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        Span::new(self.file, range)
    }

    fn err(&self, expr: &Expression, message: impl Into<String>) -> Diag {
        Diag::at(&self.span(expr.span()), message, "here")
    }

    /// `value`, or an error at `expr` when it is bigger than recon allows.
    fn bounded(&self, value: Value, expr: &Expression) -> EvalResult {
        super::limits::check_size(&value).map_err(|e| self.err(expr, e))?;
        Ok(value)
    }

    fn child(&self) -> Eval<'_, '_> {
        Eval {
            scope: self.scope,
            file: self.file,
            bindings: self.bindings.clone(),
            template_vars: self.template_vars,
        }
    }

    fn expr(&self, expr: &Expression) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => n
                .value()
                .as_f64()
                .map(Value::Number)
                .ok_or_else(|| self.err(expr, "number out of range")),
            Expression::String(s) => Ok(Value::String(s.value().to_string())),
            Expression::Array(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Result<_, _>>()?,
            )),
            Expression::Object(obj) => {
                let mut map = Object::new();
                for (key, value) in obj.iter() {
                    let key = match key {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => match self.expr(e)? {
                            Value::Unknown => return Ok(Value::Unknown),
                            v => v
                                .to_interpolated()
                                .ok_or_else(|| self.err(e, "an object key must be a string"))?,
                        },
                    };
                    map.insert(key, self.expr(value.expr())?);
                }
                Ok(Value::Object(map))
            }
            Expression::StringTemplate(t) => self.bounded(self.template(t)?, expr),
            Expression::HeredocTemplate(h) => self.bounded(self.template(&h.template)?, expr),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.variable(v.as_str(), expr),
            Expression::Conditional(c) => match self.expr(&c.cond_expr)? {
                Value::Bool(true) => self.expr(&c.true_expr),
                Value::Bool(false) => self.expr(&c.false_expr),
                Value::Unknown => Ok(Value::Unknown),
                other => Err(self.err(
                    &c.cond_expr,
                    format!("the condition must be a bool, got {}", other.type_name()),
                )),
            },
            Expression::FuncCall(call) => self.call(call, expr),
            Expression::Traversal(t) => self.traversal(t, expr),
            Expression::UnaryOp(op) => {
                let v = self.expr(&op.expr)?;
                match (op.operator.value(), v) {
                    (_, Value::Unknown) => Ok(Value::Unknown),
                    (UnaryOperator::Neg, Value::Number(n)) => Ok(Value::Number(-n)),
                    (UnaryOperator::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
                    (op, v) => Err(self.err(
                        expr,
                        format!("cannot apply {} to {}", op.as_str(), v.type_name()),
                    )),
                }
            }
            Expression::BinaryOp(op) => self.binary(op, expr),
            Expression::ForExpr(f) => self.for_expr(f, expr),
        }
    }

    fn variable(&self, name: &str, expr: &Expression) -> EvalResult {
        if let Some((_, v)) = self.bindings.iter().rev().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        if let Some(vars) = self.template_vars {
            return vars.get(name).cloned().ok_or_else(|| {
                self.err(
                    expr,
                    format!("templatefile: no variable \"{name}\" was passed to the template"),
                )
                .with_help("pass it in the second argument of templatefile")
            });
        }
        if name == "self" {
            if let Some(v) = self.scope.self_value {
                return Ok(v.clone());
            }
        }
        if let Some((v, _)) = self.scope.extension.and_then(|x| x.root(name, None)) {
            return Ok(v);
        }
        Err(self.err(expr, format!("invalid reference \"{name}\"")).with_help(
            "references look like var.NAME, local.NAME, TYPE.NAME.ATTRIBUTE or data.TYPE.NAME.ATTRIBUTE",
        ))
    }

    /// Resolves the root of a traversal, returning its value and how many operators it used.
    fn root(
        &self,
        t: &hcl_edit::expr::Traversal,
        expr: &Expression,
    ) -> Result<(Value, usize), Diag> {
        let Expression::Variable(root) = &t.expr else {
            return Ok((self.expr(&t.expr)?, 0));
        };
        let root = root.as_str();
        let bound = self.bindings.iter().any(|(n, _)| n == root) || self.template_vars.is_some();
        if bound || root == "self" {
            return Ok((self.variable(root, &t.expr)?, 0));
        }
        let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        };
        if let Some(found) = self.scope.extension.and_then(|x| x.root(root, attr(0))) {
            return Ok(found);
        }
        let span = self.span(expr.span());
        let scope = self.scope;
        let need = |what: &str| self.err(expr, format!("invalid reference: expected {what}"));
        match root {
            "var" if !scope.module.is_root() => {
                let name = attr(0).ok_or_else(|| need("var.NAME"))?;
                Ok((scope.module_var(name, &span)?, 1))
            }
            "var" => {
                let name = attr(0).ok_or_else(|| need("var.NAME"))?;
                match scope.vars.get(name) {
                    Some(v) => {
                        if scope
                            .stack
                            .variables
                            .get(name)
                            .is_some_and(|var| var.sensitive)
                        {
                            scope.sensitive_read.set(true);
                        }
                        Ok((v.clone(), 1))
                    }
                    None => Err(undeclared(
                        &span,
                        "variable",
                        name,
                        scope.stack.variables.keys().map(String::as_str),
                    )),
                }
            }
            "local" => {
                let name = attr(0).ok_or_else(|| need("local.NAME"))?;
                Ok((scope.local(name, &span)?, 1))
            }
            "count" => match (attr(0), scope.count_index) {
                (Some("index"), Some(i)) => Ok((Value::from(i), 1)),
                (Some("index"), None) => Err(self.err(
                    expr,
                    "count.index is only available in a block that sets count",
                )),
                _ => Err(need("count.index")),
            },
            "each" => match (attr(0), &scope.each) {
                (Some("key"), Some((k, _))) => Ok((k.clone(), 1)),
                (Some("value"), Some((_, v))) => Ok((v.clone(), 1)),
                (Some("key" | "value"), None) => Err(self.err(
                    expr,
                    "each.key and each.value are only available in a block that sets for_each",
                )),
                _ => Err(need("each.key or each.value")),
            },
            "path" => match attr(0) {
                Some("module") => Ok((Value::String(scope.config().dir.display().to_string()), 1)),
                Some("root") => Ok((Value::String(scope.stack.dir.display().to_string()), 1)),
                Some("cwd") => Ok((
                    Value::String(
                        std::env::current_dir()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                    ),
                    1,
                )),
                _ => Err(need("path.module, path.root or path.cwd")),
            },
            "module" => {
                let name = attr(0).ok_or_else(|| need("module.NAME"))?;
                scope.module_value(name, attr(1), &span)
            }
            "data" => {
                let (ty, name) = attr(0).zip(attr(1)).ok_or_else(|| need("data.TYPE.NAME"))?;
                self.resource(ResourceAddr::data(ty, name).in_module(&scope.module), &span)
                    .map(|v| (v, 2))
            }
            ty => {
                let name = attr(0).ok_or_else(|| need("TYPE.NAME"))?;
                self.resource(
                    ResourceAddr::managed(ty, name).in_module(&scope.module),
                    &span,
                )
                .map(|v| (v, 1))
            }
        }
    }

    fn resource(&self, addr: ResourceAddr, span: &Span) -> EvalResult {
        if let Some(v) = self.scope.resources.block(&addr) {
            return Ok(v.clone());
        }
        if self.scope.stack.resources.contains_key(&addr) {
            // Declared but not evaluated yet: only reachable when the caller evaluates
            // out of dependency order, so the value is simply not known.
            return Ok(Value::Unknown);
        }
        let names: Vec<String> = self
            .scope
            .stack
            .resources
            .keys()
            .filter(|a| a.module == addr.module)
            .map(ResourceAddr::local)
            .collect();
        Err(undeclared(
            span,
            "resource",
            &addr.local(),
            names.iter().map(String::as_str),
        ))
    }

    /// The root of a traversal and the attribute reads after it, followed by
    /// reference: `self.ingress` or `aws_vpc.main.id` copies the attribute, not
    /// the whole object it sits in. None when the root is not held by reference
    /// (locals, bound names, an extension's roots): [`Eval::root`] resolves it.
    fn borrowed_prefix(&self, t: &hcl_edit::expr::Traversal) -> Option<(&Value, usize)> {
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let root = root.as_str();
        if self.template_vars.is_some()
            || self.bindings.iter().any(|(n, _)| n == root)
            || self.scope.extension.is_some_and(|x| x.claims(root))
        {
            return None;
        }
        let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        };
        let (mut value, mut used) = match root {
            "self" => (self.scope.self_value?, 0),
            // A module's variables are evaluated on demand: the owned path.
            "var" if !self.scope.module.is_root() => return None,
            "var" => {
                let name = attr(0)?;
                let sensitive = self
                    .scope
                    .stack
                    .variables
                    .get(name)
                    .is_some_and(|v| v.sensitive);
                let value = self.scope.vars.get(name)?;
                if sensitive {
                    self.scope.sensitive_read.set(true);
                }
                (value, 1)
            }
            "local" | "count" | "each" | "path" | "module" | "data" => return None,
            ty => (
                self.scope
                    .resources
                    .block(&ResourceAddr::managed(ty, attr(0)?).in_module(&self.scope.module))?,
                1,
            ),
        };
        // A missing attribute stops here: the owned path reports it.
        while let (Some(name), Value::Object(map)) = (attr(used), value) {
            let Some(next) = map.get(name) else { break };
            value = next;
            used += 1;
        }
        Some((value, used))
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal, expr: &Expression) -> EvalResult {
        let (mut value, used) = match self.borrowed_prefix(t) {
            Some((value, used)) => (value.clone(), used),
            None => self.root(t, expr)?,
        };
        let ops: Vec<&TraversalOperator> =
            t.operators.iter().skip(used).map(|o| o.value()).collect();
        let mut i = 0;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    let items = match value {
                        Value::Unknown => return Ok(Value::Unknown),
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        single => vec![single],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_ops(item, rest, expr)?);
                    }
                    return Ok(Value::List(out));
                }
                _ => {
                    value = self.apply_ops(value, &ops[i..i + 1], expr)?;
                    i += 1;
                }
            }
        }
        Ok(value)
    }

    fn apply_ops(
        &self,
        mut value: Value,
        ops: &[&TraversalOperator],
        expr: &Expression,
    ) -> EvalResult {
        for op in ops {
            value = match (op, value) {
                (_, Value::Unknown) => return Ok(Value::Unknown),
                (TraversalOperator::GetAttr(name), Value::Object(mut map)) => match map.remove(name.as_str()) {
                    Some(v) => v,
                    None => {
                        let d = self.err(expr, format!("this object has no attribute \"{}\"", name.as_str()));
                        return Err(match did_you_mean(name.as_str(), map.keys().map(String::as_str)) {
                            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                            None => d,
                        });
                    }
                },
                (TraversalOperator::GetAttr(name), Value::Null) => {
                    return Err(self.err(expr, format!("cannot read attribute \"{}\" of a null value", name.as_str())))
                }
                (TraversalOperator::GetAttr(name), Value::List(_)) => {
                    return Err(self.err(expr, format!("cannot read attribute \"{}\" of a list", name.as_str()))
                        .with_help("this resource uses count or for_each: pick an instance first, e.g. [0], [\"key\"] or [*]"))
                }
                (TraversalOperator::Index(index), value) => self.index(value, self.expr(index)?, expr)?,
                (TraversalOperator::LegacyIndex(i), value) => self.index(value, Value::from(*i.value() as i64), expr)?,
                (TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_), v) => v,
                (_, v) => return Err(self.err(expr, format!("cannot read an attribute of {}", v.type_name()))),
            };
        }
        Ok(value)
    }

    fn index(&self, value: Value, key: Value, expr: &Expression) -> EvalResult {
        match (value, key) {
            (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
            (Value::List(items), key) => {
                let i = key
                    .as_i64()
                    .or_else(|| key.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| self.err(expr, "a list index must be a whole number"))?;
                let len = items.len();
                usize::try_from(i)
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                    .ok_or_else(|| {
                        self.err(
                            expr,
                            format!("index {i} is out of range for a list of {len} element(s)"),
                        )
                    })
            }
            (Value::Object(mut map), key) => {
                let k = key
                    .to_interpolated()
                    .ok_or_else(|| self.err(expr, "a map key must be a string"))?;
                map.remove(&k).ok_or_else(|| {
                    let d = self.err(expr, format!("no element with key {k:?}"));
                    match did_you_mean(&k, map.keys().map(String::as_str)) {
                        Some(s) => d.with_help(format!("did you mean {s:?}?")),
                        None => d,
                    }
                })
            }
            (v, _) => Err(self.err(expr, format!("cannot index into {}", v.type_name()))),
        }
    }

    fn template(&self, template: &Template) -> EvalResult {
        let mut out = String::new();
        let mut unknown = false;
        for element in template.iter() {
            match element {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => match self.expr(&i.expr)? {
                    Value::Unknown => unknown = true,
                    v => match v.to_interpolated() {
                        Some(s) => out.push_str(&s),
                        None => {
                            return Err(self
                                .err(
                                    &i.expr,
                                    format!("cannot interpolate a {} into a string", v.type_name()),
                                )
                                .with_help(
                                    "use jsonencode(...) or join(...) to turn it into a string",
                                ))
                        }
                    },
                },
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => match self.expr(&ifd.if_expr.cond_expr)? {
                        Value::Unknown => unknown = true,
                        Value::Bool(b) => {
                            let branch = if b {
                                Some(&ifd.if_expr.template)
                            } else {
                                ifd.else_expr.as_ref().map(|e| &e.template)
                            };
                            if let Some(branch) = branch {
                                match self.template(branch)? {
                                    Value::String(s) => out.push_str(&s),
                                    _ => unknown = true,
                                }
                            }
                        }
                        v => {
                            return Err(self.err(
                                &ifd.if_expr.cond_expr,
                                format!("the condition must be a bool, got {}", v.type_name()),
                            ))
                        }
                    },
                    Directive::For(ford) => {
                        let f = &ford.for_expr;
                        let collection = self.expr(&f.collection_expr)?;
                        let Some(pairs) = self.pairs(collection, &f.collection_expr)? else {
                            unknown = true;
                            continue;
                        };
                        for (k, v) in pairs {
                            let mut child = self.child();
                            if let Some(kv) = &f.key_var {
                                child.bindings.push((kv.as_str().to_string(), k));
                            }
                            child.bindings.push((f.value_var.as_str().to_string(), v));
                            match child.template(&f.template)? {
                                Value::String(s) => out.push_str(&s),
                                _ => unknown = true,
                            }
                        }
                    }
                },
            }
        }
        Ok(if unknown {
            Value::Unknown
        } else {
            Value::String(out)
        })
    }

    /// Key/value pairs of a collection for `for`; None when it is unknown.
    fn pairs(
        &self,
        collection: Value,
        expr: &Expression,
    ) -> Result<Option<Vec<(Value, Value)>>, Diag> {
        match collection {
            Value::Unknown => Ok(None),
            Value::List(items) => Ok(Some(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::from(i as i64), v))
                    .collect(),
            )),
            Value::Object(map) => Ok(Some(
                map.into_iter()
                    .map(|(k, v)| (Value::String(k), v))
                    .collect(),
            )),
            Value::Null => Err(self.err(expr, "cannot iterate over a null value")),
            v => Err(self.err(expr, format!("cannot iterate over a {}", v.type_name()))),
        }
    }

    fn for_expr(&self, f: &hcl_edit::expr::ForExpr, expr: &Expression) -> EvalResult {
        let collection = self.expr(&f.intro.collection_expr)?;
        let Some(pairs) = self.pairs(collection, &f.intro.collection_expr)? else {
            return Ok(Value::Unknown);
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            let mut child = self.child();
            if let Some(kv) = &f.intro.key_var {
                child.bindings.push((kv.as_str().to_string(), k));
            }
            child
                .bindings
                .push((f.intro.value_var.as_str().to_string(), v));
            if let Some(cond) = &f.cond {
                match child.expr(&cond.expr)? {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    Value::Unknown => return Ok(Value::Unknown),
                    other => {
                        return Err(self.err(
                            &cond.expr,
                            format!("the if condition must be a bool, got {}", other.type_name()),
                        ))
                    }
                }
            }
            let value = child.expr(&f.value_expr)?;
            match &f.key_expr {
                None => list.push(value),
                Some(key_expr) => {
                    let key = match child.expr(key_expr)? {
                        Value::Unknown => return Ok(Value::Unknown),
                        k => k.to_interpolated().ok_or_else(|| {
                            self.err(key_expr, "a for expression key must be a string")
                        })?,
                    };
                    let slot = map.entry(key.clone()).or_default();
                    if !f.grouping && !slot.is_empty() {
                        return Err(self
                            .err(expr, format!("duplicate key {key:?} in for expression"))
                            .with_help(
                                "add ... after the value to group values with the same key",
                            ));
                    }
                    slot.push(value);
                }
            }
        }
        Ok(match f.key_expr {
            None => Value::List(list),
            Some(_) => Value::Object(
                map.into_iter()
                    .map(|(k, mut vs)| {
                        let v = if f.grouping {
                            Value::List(vs)
                        } else {
                            vs.pop().unwrap_or_default()
                        };
                        (k, v)
                    })
                    .collect(),
            ),
        })
    }

    fn binary(&self, op: &hcl_edit::expr::BinaryOp, expr: &Expression) -> EvalResult {
        use BinaryOperator::*;
        let operator = *op.operator.value();
        let lhs = self.expr(&op.lhs_expr)?;
        // && and || short-circuit on a known deciding left side.
        match (operator, &lhs) {
            (And, Value::Bool(false)) => return Ok(Value::Bool(false)),
            (Or, Value::Bool(true)) => return Ok(Value::Bool(true)),
            _ => {}
        }
        let rhs = self.expr(&op.rhs_expr)?;
        if lhs.is_unknown() || rhs.is_unknown() {
            return Ok(Value::Unknown);
        }
        let type_err = || {
            self.err(
                expr,
                format!(
                    "cannot apply {} to {} and {}",
                    operator.as_str(),
                    lhs.type_name(),
                    rhs.type_name()
                ),
            )
        };
        match operator {
            Eq => Ok(Value::Bool(loosely_equal(&lhs, &rhs))),
            NotEq => Ok(Value::Bool(!loosely_equal(&lhs, &rhs))),
            And | Or => match (&lhs, &rhs) {
                (Value::Bool(_), Value::Bool(b)) => Ok(Value::Bool(*b)),
                _ => Err(type_err()),
            },
            _ => {
                let (a, b) = match (number(&lhs), number(&rhs)) {
                    (Some(a), Some(b)) => (a, b),
                    _ => return Err(type_err()),
                };
                Ok(match operator {
                    Plus => Value::Number(a + b),
                    Minus => Value::Number(a - b),
                    Mul => Value::Number(a * b),
                    Div if b == 0.0 => return Err(self.err(expr, "division by zero")),
                    Div => Value::Number(a / b),
                    Mod if b == 0.0 => return Err(self.err(expr, "modulo by zero")),
                    Mod => Value::Number(a % b),
                    Less => Value::Bool(a < b),
                    LessEq => Value::Bool(a <= b),
                    Greater => Value::Bool(a > b),
                    GreaterEq => Value::Bool(a >= b),
                    _ => return Err(type_err()),
                })
            }
        }
    }

    fn call(&self, call: &hcl_edit::expr::FuncCall, expr: &Expression) -> EvalResult {
        let name = call.name.name.as_str();
        let args: Vec<&Expression> = call.args.iter().collect();
        match name {
            "try" => {
                let mut last = None;
                for arg in &args {
                    match self.expr(arg) {
                        Ok(v) => return Ok(v),
                        Err(e) => last = Some(e),
                    }
                }
                return Err(
                    last.unwrap_or_else(|| self.err(expr, "try needs at least one argument"))
                );
            }
            "can" => {
                let [arg] = args.as_slice() else {
                    return Err(self.err(expr, "can takes exactly one argument"));
                };
                return Ok(match self.expr(arg) {
                    Ok(Value::Unknown) => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            "templatefile" => return self.templatefile(&args, expr),
            _ => {}
        }
        if let Some(ext) = self.scope.extension {
            let mut values = Vec::with_capacity(args.len());
            for arg in &args {
                values.push(self.expr(arg)?);
            }
            if let Some(result) = ext.call(name, &values) {
                return result.map_err(|msg| self.err(expr, msg));
            }
        }
        if !functions::is_known_function(name) {
            let d = self.err(expr, format!("call to unknown function \"{name}\""));
            return Err(
                match did_you_mean(
                    name,
                    functions::names().chain(["try", "can", "templatefile"]),
                ) {
                    Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                    None => d.with_help("see the README for the supported functions"),
                },
            );
        }
        let mut values = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let v = self.expr(arg)?;
            // `f(list...)` spreads the last argument.
            if i + 1 == args.len() && call.args.expand_final() {
                match v {
                    Value::List(items) => values.extend(items),
                    Value::Unknown => return Ok(Value::Unknown),
                    _ => return Err(self.err(arg, "only a list can be expanded with ...")),
                }
            } else {
                values.push(v);
            }
        }
        let ctx = FnContext {
            base_dir: &self.scope.stack.dir,
        };
        functions::call(name, values, &ctx).map_err(|msg| self.err(expr, msg))
    }

    fn templatefile(&self, args: &[&Expression], expr: &Expression) -> EvalResult {
        let [path_expr, vars_expr] = args else {
            return Err(self.err(expr, "templatefile takes a path and an object of variables"));
        };
        let path = match self.expr(path_expr)? {
            Value::String(p) => p,
            Value::Unknown => return Ok(Value::Unknown),
            v => {
                return Err(self.err(
                    path_expr,
                    format!(
                        "templatefile: the path must be a string, got {}",
                        v.type_name()
                    ),
                ))
            }
        };
        let vars = match self.expr(vars_expr)? {
            Value::Object(map) => map,
            Value::Unknown => return Ok(Value::Unknown),
            v => {
                return Err(self.err(
                    vars_expr,
                    format!(
                        "templatefile: variables must be an object, got {}",
                        v.type_name()
                    ),
                ))
            }
        };
        let full = self.scope.stack.dir.join(&path);
        let bytes = super::limits::read_bounded(&full).map_err(|e| {
            self.err(
                path_expr,
                format!("templatefile: cannot read {}: {e}", full.display()),
            )
        })?;
        let text = crate::diag::utf8_text(&full, path.clone(), bytes)?;
        let file = Arc::new(SourceFile {
            name: path.clone(),
            path: full,
            text: Arc::new(text),
        });
        let template = hcl_edit::parser::parse_template(&file.text).map_err(|e| {
            let at = e.location().offset();
            Diag::at(
                &Span::new(&file, Some(at..at + 1)),
                format!("malformed template: {}", e.message()),
                "here",
            )
        })?;
        Eval {
            scope: self.scope,
            file: &file,
            bindings: Vec::new(),
            template_vars: Some(&vars),
        }
        .template(&template)
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `==` as Terraform: no conversion between types except number/number.
fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => format_number(*x) == format_number(*y),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Stack;

    fn stack(src: &str) -> Stack {
        Stack::from_sources(
            std::path::Path::new("."),
            vec![("main.hcl".into(), src.to_string())],
        )
        .unwrap()
    }

    fn eval(src: &str, expr: &str) -> EvalResult {
        let stack = stack(src);
        let vars = crate::object! {"env" => "dev", "n" => 3};
        let mut resources = BTreeMap::new();
        resources.insert(
            ResourceAddr::managed("aws_kms_key", "k"),
            Value::Object(crate::object! {"arn" => Value::Unknown, "id" => "k-1"}),
        );
        let scope = Scope::new(&stack, &vars, &resources);
        let file = stack.files[0].clone();
        scope.eval_in(&file, &hcl_edit::parser::parse_expr(expr).unwrap())
    }

    #[test]
    fn evaluates_references_templates_and_operators() {
        let src = "locals {\n  name = \"app-${var.env}\"\n}\n";
        assert_eq!(eval(src, "local.name").unwrap(), Value::from("app-dev"));
        assert_eq!(eval(src, "var.n * 2 + 1").unwrap(), Value::Number(7.0));
        assert_eq!(
            eval(src, "var.n > 2 ? \"big\" : \"small\"").unwrap(),
            Value::from("big")
        );
        assert_eq!(
            eval(src, "{for i, v in [\"a\", \"b\"] : v => i}").unwrap(),
            Value::Object(crate::object! {"a" => 0, "b" => 1})
        );
        assert_eq!(
            eval(src, "[for s in [1, 2, 3] : s if s != 2]").unwrap(),
            Value::from(vec![1, 3])
        );
        assert_eq!(
            eval(src, "\"%{for x in [1,2]}${x},%{endfor}\"").unwrap(),
            Value::from("1,2,")
        );
    }

    #[test]
    fn unknown_propagates_and_never_becomes_text() {
        assert_eq!(
            eval("", "\"key: ${aws_kms_key.k.arn}\"").unwrap(),
            Value::Unknown
        );
        assert_eq!(eval("", "aws_kms_key.k.id").unwrap(), Value::from("k-1"));
        assert_eq!(
            eval("", "aws_kms_key.k.arn == \"x\" ? 1 : 2").unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn undeclared_references_suggest_the_nearest_name() {
        let err = eval("variable \"environment\" {}\n", "var.enviroment").unwrap_err();
        assert!(
            err.message.contains("undeclared variable \"enviroment\""),
            "{}",
            err.message
        );
        let err = eval("", "aws_kms_key.k.ard").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean \"arn\"?"));
    }

    #[test]
    fn module_outputs_are_unknown_and_undeclared_modules_an_error() {
        let src = "module \"web\" {\n  source = \"./web\"\n}\n";
        let stack = Stack::from_sources_with_modules(
            std::path::Path::new("."),
            vec![("main.tf".into(), src.to_string())],
        )
        .unwrap();
        let (vars, resources) = (Object::new(), BTreeMap::new());
        let scope = Scope::new(&stack, &vars, &resources);
        let eval =
            |e: &str| scope.eval_in(&stack.files[0], &hcl_edit::parser::parse_expr(e).unwrap());
        assert_eq!(eval("module.web.sg_id").unwrap(), Value::Unknown);
        assert_eq!(eval("module.web[0].sg_id").unwrap(), Value::Unknown);
        let err = eval("module.webs.sg_id").unwrap_err();
        assert!(
            err.message.contains("undeclared module \"webs\""),
            "{}",
            err.message
        );
        assert_eq!(err.help.as_deref(), Some("did you mean \"web\"?"));
    }

    #[test]
    fn try_and_can_swallow_errors() {
        assert_eq!(
            eval("", "try(var.missing, \"fallback\")").unwrap(),
            Value::from("fallback")
        );
        assert_eq!(eval("", "can(var.missing)").unwrap(), Value::Bool(false));
    }
}
