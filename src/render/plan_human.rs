//! Terraform's human plan format: the layout, symbols and wording a Terraform user
//! reads every day, plus recon's data-loss and prevent_destroy sections.
//!
//! Two steps, as in Terraform's `jsonformat`: first a diff tree (`Node`) is built
//! from before/after and the schema, then it is rendered with indentation.

use super::Palette;
use crate::addr::{InstanceAddr, InstanceKey, Mode};
use crate::plan::diff::{same, same_block_item, AttrPath, Step};
use crate::plan::moved::StateEdit;
use crate::plan::{Action, Drift, OutputChange, Plan, Reason, ResourceChange};
use crate::provider::{Attribute, BlockType, DataLoss, Nesting, Schema, Type};
use crate::value::{format_number, Object, Value};
use std::collections::BTreeSet;

/// Renders a plan as Terraform does; no escape codes at all unless `color`.
pub fn render(
    plan: &Plan,
    schema_of: &dyn Fn(&str) -> Option<&'static Schema>,
    color: bool,
) -> String {
    let r = Renderer {
        p: Palette::new(color),
    };
    let mut out = String::new();

    // Deleting a data source only forgets it: Terraform does not show it either.
    let mut changes: Vec<&ResourceChange> = plan
        .actionable()
        .filter(|c| !(c.addr.resource.mode == Mode::Data && c.action == Action::Delete))
        .collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    let outputs = r.outputs(&plan.outputs);
    let has_drift = !plan.drift.is_empty();

    if has_drift {
        out.push_str(&r.drift_section(plan, schema_of));
    }
    let edits = r.state_edits(plan);
    if changes.is_empty() && outputs.is_none() && edits.is_empty() {
        if has_drift {
            out.push_str(&r.rule());
        }
        out.push_str(&r.no_changes(plan.destroy, has_drift));
    } else if has_drift {
        out.push_str(&r.rule());
    }

    if !edits.is_empty() {
        out.push_str("\nrecon will change these addresses in the state (nothing in AWS):\n\n");
        out.push_str(&edits);
        if changes.is_empty() {
            out.push_str(&format!(
                "\n{} 0 to add, 0 to change, 0 to destroy.\n",
                r.p.bold("Plan:")
            ));
        }
    }
    if !changes.is_empty() {
        out.push_str(&r.legend(&changes));
        out.push_str("\nrecon will perform the following actions:\n");
        for change in &changes {
            out.push('\n');
            out.push_str(&r.change(change, schema_of(&change.addr.resource.type_name)));
            out.push('\n');
        }
        let (add, update, destroy) = plan.counts();
        let imports = match plan.imports() {
            0 => String::new(),
            n => format!("{n} to import, "),
        };
        out.push_str(&format!(
            "\n{} {imports}{add} to add, {update} to change, {destroy} to destroy.\n",
            r.p.bold("Plan:")
        ));
    }

    if let Some(text) = outputs {
        out.push_str(&format!("\n{}\n{text}\n", r.p.bold("Changes to Outputs:")));
        if changes.is_empty() {
            out.push_str(
                "\nYou can apply this plan to save these new output values to the recon state,\n\
                 without changing any real infrastructure.\n",
            );
        }
    }

    out.push_str(&r.data_loss(plan));
    out.push_str(&r.prevented(plan));
    out.trim_start_matches('\n').to_string()
}

// ---------------------------------------------------------------------------
// The diff tree

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    NoOp,
    Create,
    Update,
    Delete,
}

#[derive(Debug)]
struct Node {
    act: Act,
    /// Shows `# forces replacement` after this value.
    replace: bool,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// Strings, numbers, bools and null.
    Prim {
        before: Value,
        after: Value,
    },
    /// A value whose shape changes (string to list in a policy): the old value as
    /// deleted, then the new one as created.
    TypeChange(Box<Node>, Box<Node>),
    /// Known after apply; the prior value (as a delete) when there is one.
    Unknown(Option<Box<Node>>),
    Sensitive,
    /// A string holding a JSON document, shown as `jsonencode(...)`.
    Json(Box<Node>),
    /// A multi-line string, shown as a heredoc with a line diff.
    Lines(Vec<(Act, String)>),
    /// Keys as shown: quoted for maps, bare identifiers for objects.
    Map {
        entries: Vec<(String, Node)>,
        object: bool,
    },
    /// `context`: ordered lists show the unchanged neighbours of a change.
    List {
        elements: Vec<Node>,
        context: bool,
    },
    /// A resource or a nested block; `blocks` holds one entry per block element.
    Block {
        attrs: Vec<(String, Node)>,
        blocks: Vec<(String, Node)>,
    },
}

impl Node {
    fn new(act: Act, body: Body) -> Node {
        Node {
            act,
            replace: false,
            body,
        }
    }
}

static NULL: Value = Value::Null;

fn field<'a>(obj: Option<&'a Object>, key: &str) -> &'a Value {
    obj.and_then(|o| o.get(key)).unwrap_or(&NULL)
}

/// The action of a container from whether it exists on each side and its children.
fn whole_act(before: bool, after: bool, children: impl IntoIterator<Item = Act>) -> Act {
    match (before, after) {
        (false, true) => Act::Create,
        (true, false) => Act::Delete,
        _ if children.into_iter().any(|a| a != Act::NoOp) => Act::Update,
        _ => Act::NoOp,
    }
}

fn equal(ty: Option<Type>, a: &Value, b: &Value) -> bool {
    match ty {
        Some(t) => same(&t, a, b),
        None => a == b && a.is_wholly_known(),
    }
}

fn prim_act(ty: Option<Type>, before: &Value, after: &Value) -> Act {
    match (before.is_null(), after.is_null()) {
        (true, true) => Act::NoOp,
        (true, false) => Act::Create,
        (false, true) => Act::Delete,
        _ if equal(ty, before, after) => Act::NoOp,
        _ => Act::Update,
    }
}

/// Empty strings and collections read as unset, as the diff engine compares them.
fn blank_to_null(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::List(items) if items.is_empty() => Value::Null,
        Value::Object(map) if map.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// Parses a string as a JSON object or array (policies), for the `jsonencode` view.
fn json_doc(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(s)
        .ok()
        .map(|j| Value::from_json(&j))
}

fn objects(v: Option<&Value>) -> Vec<&Object> {
    match v {
        Some(Value::List(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn child(path: &[Step], step: Step) -> AttrPath {
    let mut p = path.to_vec();
    p.push(step);
    p
}

struct Differ<'a> {
    replace_paths: &'a [AttrPath],
    /// Top-level attributes and blocks whose values come from sensitive variables.
    sensitive: &'a [String],
}

impl Differ<'_> {
    /// Marked sensitive: a top-level name, or anything inside a marked block.
    fn marked(&self, path: &[Step], name: &str) -> bool {
        let top = match path.first() {
            Some(Step::Attr(block)) => block.as_str(),
            _ => name,
        };
        self.sensitive.iter().any(|s| s == top)
    }

    fn replaces(&self, path: &[Step]) -> bool {
        self.replace_paths.iter().any(|p| p.as_slice() == path)
    }

    fn resource(
        &self,
        schema: Option<&Schema>,
        before: Option<&Object>,
        after: Option<&Object>,
    ) -> Node {
        match schema {
            Some(s) => self.object(s.attributes, s.blocks, before, after, &[]),
            None => {
                // Unknown type: every key is an attribute of no declared type.
                let keys: BTreeSet<&String> = before
                    .into_iter()
                    .chain(after)
                    .flat_map(|o| o.keys())
                    .collect();
                let mut attrs = Vec::new();
                for key in keys {
                    let path = [Step::Attr(key.clone())];
                    if let Some(mut n) =
                        self.attribute(None, false, field(before, key), field(after, key))
                    {
                        n.replace = self.replaces(&path);
                        attrs.push((key.clone(), n));
                    }
                }
                let act = whole_act(
                    before.is_some(),
                    after.is_some(),
                    attrs.iter().map(|a| a.1.act),
                );
                Node::new(
                    act,
                    Body::Block {
                        attrs,
                        blocks: Vec::new(),
                    },
                )
            }
        }
    }

    fn object(
        &self,
        attributes: &[Attribute],
        block_types: &[BlockType],
        before: Option<&Object>,
        after: Option<&Object>,
        path: &[Step],
    ) -> Node {
        let mut attrs = Vec::new();
        for attr in attributes {
            let p = child(path, Step::Attr(attr.name.to_string()));
            let b = field(before, attr.name);
            let a = field(after, attr.name);
            let sensitive = attr.sensitive || self.marked(path, attr.name);
            if let Some(mut n) = self.attribute(Some(attr.ty), sensitive, b, a) {
                n.replace = self.replaces(&p);
                attrs.push((attr.name.to_string(), n));
            }
        }
        let mut blocks = Vec::new();
        for bt in block_types {
            let b = before.map(|o| field(Some(o), bt.name));
            let a = after.map(|o| field(Some(o), bt.name));
            self.blocks(bt, b, a, path, &mut blocks);
        }
        attrs.sort_by(|x, y| x.0.cmp(&y.0));
        blocks.sort_by(|x, y| x.0.cmp(&y.0));
        let children = attrs.iter().chain(&blocks).map(|c| c.1.act);
        let act = whole_act(before.is_some(), after.is_some(), children);
        Node::new(act, Body::Block { attrs, blocks })
    }

    /// The elements of one block type. `before` is None when the resource is being
    /// created, `after` None when it is being deleted.
    fn blocks(
        &self,
        bt: &BlockType,
        before: Option<&Value>,
        after: Option<&Value>,
        path: &[Step],
        out: &mut Vec<(String, Node)>,
    ) {
        let group = child(path, Step::Attr(bt.name.to_string()));
        let group_replace = self.replaces(&group);
        let element = |i: usize, b: Option<&Object>, a: Option<&Object>| {
            let p = child(&group, Step::Index(i));
            let mut n = self.object(bt.attributes, bt.blocks, b, a, &p);
            n.replace = group_replace || self.replaces(&p);
            (bt.name.to_string(), n)
        };
        let before_items = objects(before);
        if after.is_some_and(Value::is_unknown) {
            // A computed block not known yet: every attribute is known after apply,
            // as Terraform shows aws_instance's root_block_device.
            let unknown: Object = bt
                .attributes
                .iter()
                .map(|a| (a.name.to_string(), Value::Unknown))
                .collect();
            if before_items.is_empty() {
                out.push(element(0, None, Some(&unknown)));
            }
            for (i, b) in before_items.iter().enumerate() {
                out.push(element(i, Some(b), Some(&unknown)));
            }
            return;
        }
        let after_items = objects(after);
        if bt.nesting == Nesting::Set {
            let same_item = |x: &Object, y: &Object| same_block_item(bt, x, y);
            let mut used = vec![false; after_items.len()];
            for (i, b) in before_items.iter().enumerate() {
                match (0..after_items.len()).find(|&j| !used[j] && same_item(b, after_items[j])) {
                    Some(j) => {
                        used[j] = true;
                        out.push(element(j, Some(b), Some(after_items[j])));
                    }
                    None => out.push(element(i, Some(b), None)),
                }
            }
            for (j, a) in after_items.iter().enumerate() {
                if !used[j] {
                    out.push(element(j, None, Some(a)));
                }
            }
        } else {
            for i in 0..before_items.len().max(after_items.len()) {
                out.push(element(
                    i,
                    before_items.get(i).copied(),
                    after_items.get(i).copied(),
                ));
            }
        }
    }

    /// None when the attribute is unset on both sides (Terraform leaves those out).
    fn attribute(
        &self,
        ty: Option<Type>,
        sensitive: bool,
        before: &Value,
        after: &Value,
    ) -> Option<Node> {
        let before = blank_to_null(before);
        let after = blank_to_null(after);
        if before.is_null() && after.is_null() {
            return None;
        }
        if sensitive {
            return Some(Node::new(prim_act(ty, &before, &after), Body::Sensitive));
        }
        Some(value(ty, &before, &after))
    }
}

/// The diff of one value; `ty` is None inside JSON documents and outputs.
fn value(ty: Option<Type>, before: &Value, after: &Value) -> Node {
    if after.is_unknown() {
        let prior =
            (!before.is_null() && !before.is_unknown()).then(|| Box::new(value(ty, before, &NULL)));
        let act = if prior.is_some() {
            Act::Update
        } else {
            Act::Create
        };
        return Node::new(act, Body::Unknown(prior));
    }
    let before = if before.is_unknown() { &NULL } else { before };
    let is = |v: &Value, f: fn(&Value) -> bool| v.is_null() || f(v);
    let strings = is(before, |v| v.as_str().is_some()) && is(after, |v| v.as_str().is_some());
    let lists = is(before, |v| v.as_list().is_some()) && is(after, |v| v.as_list().is_some());
    let objects = is(before, |v| v.as_object().is_some()) && is(after, |v| v.as_object().is_some());
    let collection = |v: &Value| matches!(v, Value::List(_) | Value::Object(_));
    match ty {
        Some(Type::String | Type::Json) if strings => string_node(ty, before, after),
        Some(Type::List(inner)) if lists => list_node(Some(*inner), before, after),
        Some(Type::Set(inner)) if lists => set_node(Some(*inner), before, after),
        Some(Type::Map(inner)) if objects => map_node(Some(*inner), before, after, false),
        Some(Type::Number | Type::Bool) => Node::new(
            prim_act(ty, before, after),
            Body::Prim {
                before: before.clone(),
                after: after.clone(),
            },
        ),
        // No declared type, or a value that does not fit its type: go by the value.
        _ if strings => string_node(None, before, after),
        _ if lists => list_node(None, before, after),
        _ if objects => map_node(None, before, after, true),
        _ if collection(before) || collection(after) => Node::new(
            Act::Update,
            Body::TypeChange(
                Box::new(value(None, before, &NULL)),
                Box::new(value(None, &NULL, after)),
            ),
        ),
        _ => Node::new(
            prim_act(None, before, after),
            Body::Prim {
                before: before.clone(),
                after: after.clone(),
            },
        ),
    }
}

fn string_node(ty: Option<Type>, before: &Value, after: &Value) -> Node {
    let act = prim_act(ty, before, after);
    let (bs, as_) = (before.as_str(), after.as_str());
    let (bj, aj) = (bs.and_then(json_doc), as_.and_then(json_doc));
    if (bj.is_some() || aj.is_some())
        && (bs.is_none() || bj.is_some())
        && (as_.is_none() || aj.is_some())
    {
        let inner = value(
            None,
            bj.as_ref().unwrap_or(&NULL),
            aj.as_ref().unwrap_or(&NULL),
        );
        return Node::new(act, Body::Json(Box::new(inner)));
    }
    let multiline = |s: Option<&str>| s.is_some_and(|s| s.contains('\n'));
    if multiline(bs) || multiline(as_) {
        // A heredoc ends each line with a newline already: trim, as Terraform does.
        let split = |s: Option<&str>| {
            s.map(|s| s.trim().split('\n').map(str::to_string).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let lines = match act {
            Act::Create | Act::NoOp => split(as_).into_iter().map(|l| (Act::NoOp, l)).collect(),
            Act::Delete => split(bs).into_iter().map(|l| (Act::NoOp, l)).collect(),
            Act::Update => {
                let (b, a) = (split(bs), split(as_));
                let mut lines = Vec::new();
                process_slice(
                    &b,
                    &a,
                    |x, y| x == y,
                    |_| false,
                    |i, j| {
                        lines.push(match (i, j) {
                            (Some(i), Some(_)) => (Act::NoOp, b[i].clone()),
                            (Some(i), None) => (Act::Delete, b[i].clone()),
                            (None, Some(j)) => (Act::Create, a[j].clone()),
                            (None, None) => unreachable!(),
                        })
                    },
                );
                lines
            }
        };
        return Node::new(act, Body::Lines(lines));
    }
    Node::new(
        act,
        Body::Prim {
            before: before.clone(),
            after: after.clone(),
        },
    )
}

fn list_node(inner: Option<Type>, before: &Value, after: &Value) -> Node {
    let b = before.as_list().unwrap_or(&[]);
    let a = after.as_list().unwrap_or(&[]);
    let mut elements = Vec::new();
    process_slice(
        b,
        a,
        |x, y| x == y && x.is_wholly_known(),
        |v| v.as_object().is_some(),
        |i, j| {
            let x = i.map(|i| &b[i]).unwrap_or(&NULL);
            let y = j.map(|j| &a[j]).unwrap_or(&NULL);
            elements.push(value(inner, x, y));
        },
    );
    let act = whole_act(
        !before.is_null(),
        !after.is_null(),
        elements.iter().map(|e| e.act),
    );
    Node::new(
        act,
        Body::List {
            elements,
            context: true,
        },
    )
}

fn set_node(inner: Option<Type>, before: &Value, after: &Value) -> Node {
    let b = before.as_list().unwrap_or(&[]);
    let a = after.as_list().unwrap_or(&[]);
    let mut used = vec![false; a.len()];
    let mut keyed: Vec<(String, Node)> = Vec::new();
    let key = |v: &Value| {
        if v.is_wholly_known() {
            v.to_json().to_string()
        } else {
            "\u{10FFFF}".to_string()
        }
    };
    for x in b {
        match (0..a.len()).find(|&j| !used[j] && equal(inner, x, &a[j])) {
            Some(j) => {
                used[j] = true;
                keyed.push((key(&a[j]), value(inner, x, &a[j])));
            }
            None => keyed.push((key(x), value(inner, x, &NULL))),
        }
    }
    for (j, y) in a.iter().enumerate() {
        if !used[j] {
            keyed.push((key(y), value(inner, &NULL, y)));
        }
    }
    // Sets have no order: show them sorted, as Terraform's string sets are.
    keyed.sort_by(|x, y| x.0.cmp(&y.0));
    let elements: Vec<Node> = keyed.into_iter().map(|k| k.1).collect();
    let act = whole_act(
        !before.is_null(),
        !after.is_null(),
        elements.iter().map(|e| e.act),
    );
    Node::new(
        act,
        Body::List {
            elements,
            context: false,
        },
    )
}

fn map_node(inner: Option<Type>, before: &Value, after: &Value, object: bool) -> Node {
    let b = before.as_object();
    let a = after.as_object();
    let keys: BTreeSet<&String> = b.into_iter().chain(a).flat_map(|o| o.keys()).collect();
    let mut entries = Vec::new();
    for key in keys {
        let (x, y) = (field(b, key), field(a, key));
        if x.is_null() && y.is_null() {
            continue;
        }
        let shown = if object {
            attribute_name(key)
        } else {
            quote(key)
        };
        entries.push((shown, value(inner, x, y)));
    }
    let act = whole_act(
        !before.is_null(),
        !after.is_null(),
        entries.iter().map(|e| e.1.act),
    );
    Node::new(act, Body::Map { entries, object })
}

/// Walks two sequences along their longest common subsequence, calling `visit` with
/// (before index, after index): both for a kept element, one for a removed or added
/// one. Removed and added objects at the same place pair up as one update, as
/// Terraform's list diff does.
fn process_slice<T>(
    before: &[T],
    after: &[T],
    eq: impl Fn(&T, &T) -> bool,
    is_object: impl Fn(&T) -> bool,
    mut visit: impl FnMut(Option<usize>, Option<usize>),
) {
    let (n, m) = (before.len(), after.len());
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if eq(&before[i], &after[j]) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let mut common = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if eq(&before[i], &after[j]) {
            common.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    let (mut bi, mut ai) = (0, 0);
    for (ci, cj) in common.into_iter().chain(std::iter::once((n, m))) {
        while bi < ci {
            if ai < cj && is_object(&before[bi]) && is_object(&after[ai]) {
                visit(Some(bi), Some(ai));
                ai += 1;
            } else {
                visit(Some(bi), None);
            }
            bi += 1;
        }
        while ai < cj {
            visit(None, Some(ai));
            ai += 1;
        }
        if ci < n && cj < m {
            visit(Some(ci), Some(cj));
            bi = ci + 1;
            ai = cj + 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Rendering the tree

/// Attributes Terraform always shows, even unchanged, so a reader knows which
/// object a change is about.
fn is_important(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A name as HCL can write it: bare when it is an identifier, quoted otherwise.
fn attribute_name(name: &str) -> String {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid {
        name.to_string()
    } else {
        quote(name)
    }
}

fn ind(n: usize) -> String {
    "    ".repeat(n)
}

fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

#[derive(Clone, Copy, Default)]
struct Opts {
    /// Show unchanged children instead of counting them as hidden.
    show_unchanged: bool,
    /// Leave out `-> null` (inside lists, and below something already deleted).
    no_null_suffix: bool,
}

struct Renderer {
    p: Palette,
}

impl Renderer {
    /// `moved` / `removed` edits, one line each, as Terraform words them.
    fn state_edits(&self, plan: &Plan) -> String {
        let mut out = String::new();
        for edit in &plan.state_edits {
            let line = match edit {
                StateEdit::Moved { from, to } => format!("# {from} has moved to {to}"),
                StateEdit::Forgotten(addr) => format!(
                    "# {addr} will no longer be managed by recon (removed from the state; the object is not destroyed)"
                ),
            };
            out.push_str(&format!("  {}\n", self.p.bold(&line)));
        }
        out
    }

    /// The three-column action symbol of a nested line.
    fn sym(&self, act: Act) -> String {
        match act {
            Act::NoOp => "   ".to_string(),
            Act::Create => format!("  {}", self.p.green("+")),
            Act::Update => format!("  {}", self.p.yellow("~")),
            Act::Delete => format!("  {}", self.p.red("-")),
        }
    }

    /// The three-column action symbol of a resource.
    fn top_sym(&self, action: Action) -> String {
        match action {
            Action::NoOp => "   ".to_string(),
            Action::Create => format!("  {}", self.p.green("+")),
            Action::Update => format!("  {}", self.p.yellow("~")),
            Action::Delete => format!("  {}", self.p.red("-")),
            Action::Read => format!(" {}", self.p.cyan("<=")),
            Action::Replace {
                create_before_destroy: false,
            } => {
                format!("{}/{}", self.p.red("-"), self.p.green("+"))
            }
            Action::Replace {
                create_before_destroy: true,
            } => {
                format!("{}/{}", self.p.green("+"), self.p.red("-"))
            }
        }
    }

    fn null_suffix(&self, act: Act, o: Opts) -> String {
        if act == Act::Delete && !o.no_null_suffix {
            format!(" {}", self.p.dim("-> null"))
        } else {
            String::new()
        }
    }

    fn forces(&self, replace: bool) -> String {
        if replace {
            format!(" {}", self.p.red("# forces replacement"))
        } else {
            String::new()
        }
    }

    fn hidden(&self, keyword: &str, count: usize) -> String {
        let plural = if count == 1 { "" } else { "s" };
        self.p
            .dim(&format!("# ({count} unchanged {keyword}{plural} hidden)"))
    }

    fn prim(&self, v: &Value) -> String {
        match v {
            Value::Null => self.p.dim("null"),
            Value::String(s) => quote(s),
            Value::Number(n) => format_number(*n),
            Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        }
    }

    fn node(&self, n: &Node, indent: usize, o: Opts) -> String {
        let fr = self.forces(n.replace);
        match &n.body {
            Body::Prim { before, after } => match n.act {
                Act::Create => format!("{}{fr}", self.prim(after)),
                Act::Delete => format!("{}{}{fr}", self.prim(before), self.null_suffix(n.act, o)),
                Act::NoOp => format!("{}{fr}", self.prim(before)),
                Act::Update => format!(
                    "{} {} {}{fr}",
                    self.prim(before),
                    self.p.yellow("->"),
                    self.prim(after)
                ),
            },
            Body::TypeChange(old, new) => {
                let side = Opts {
                    no_null_suffix: true,
                    ..o
                };
                format!(
                    "{} {} {}{fr}",
                    self.node(old, indent, side),
                    self.p.yellow("->"),
                    self.node(new, indent, side)
                )
            }
            Body::Unknown(None) => format!("(known after apply){fr}"),
            Body::Unknown(Some(prior)) => {
                let prior_opts = Opts {
                    no_null_suffix: true,
                    ..o
                };
                format!(
                    "{} -> (known after apply){fr}",
                    self.node(prior, indent, prior_opts)
                )
            }
            Body::Sensitive => format!("(sensitive value){}{fr}", self.null_suffix(n.act, o)),
            Body::Json(inner) => self.json(n, inner, indent, o),
            Body::Lines(lines) => {
                let body: Vec<String> = lines
                    .iter()
                    .map(|(act, line)| {
                        format!("{}{} {line}", ind(indent + 1), self.sym(*act))
                            .trim_end()
                            .to_string()
                    })
                    .collect();
                format!(
                    "<<-EOT{fr}\n{}\n{}{} EOT{}",
                    body.join("\n"),
                    ind(indent),
                    self.sym(Act::NoOp),
                    self.null_suffix(n.act, o)
                )
            }
            Body::Map { entries, object } => self.map(n, entries, *object, indent, o),
            Body::List { elements, context } => self.list(n, elements, *context, indent, o),
            Body::Block { attrs, blocks } => self.block(n, attrs, blocks, indent, o),
        }
    }

    fn json(&self, n: &Node, inner: &Node, indent: usize, o: Opts) -> String {
        // Text that changed but means the same: say so instead of showing nothing.
        let whitespace_only = n.act == Act::Update && inner.act == Act::NoOp;
        let (note, fr) = if whitespace_only {
            let note = if n.replace {
                " # whitespace changes force replacement"
            } else {
                " # whitespace changes"
            };
            (note.to_string(), String::new())
        } else {
            (String::new(), self.forces(n.replace))
        };
        // `-> null` goes after the closing parenthesis, not inside the document.
        let inner_opts = Opts {
            show_unchanged: o.show_unchanged || whitespace_only,
            no_null_suffix: true,
        };
        let text = self.node(inner, indent + 1, inner_opts);
        let null = self.null_suffix(n.act, o);
        // The `+`/`-` of a created or deleted document is on the attribute line already.
        let act = if whitespace_only || matches!(n.act, Act::Create | Act::Delete) {
            Act::NoOp
        } else {
            n.act
        };
        if text.contains('\n') {
            format!(
                "jsonencode({note}\n{}{} {text}{fr}\n{}){null}",
                ind(indent + 1),
                self.sym(act),
                ind(indent + 1)
            )
        } else {
            format!("jsonencode({text}){null}{note}{fr}")
        }
    }

    fn map(
        &self,
        n: &Node,
        entries: &[(String, Node)],
        object: bool,
        indent: usize,
        o: Opts,
    ) -> String {
        let fr = self.forces(n.replace);
        let null = self.null_suffix(n.act, o);
        if entries.is_empty() {
            return format!("{{}}{null}{fr}");
        }
        let width = entries
            .iter()
            .map(|e| e.0.chars().count())
            .max()
            .unwrap_or(0);
        let child = Opts {
            no_null_suffix: object || n.act == Act::Delete,
            ..o
        };
        let mut s = format!("{{{fr}\n");
        let mut hidden = 0;
        for (key, e) in entries {
            let important = object && is_important(key);
            if e.act == Act::NoOp && !o.show_unchanged && !important {
                hidden += 1;
                continue;
            }
            let eo = Opts {
                show_unchanged: child.show_unchanged || important,
                ..child
            };
            s.push_str(&format!(
                "{}{} {} = {}\n",
                ind(indent + 1),
                self.sym(e.act),
                pad(key, width),
                self.node(e, indent + 1, eo)
            ));
        }
        if hidden > 0 {
            let keyword = if object { "attribute" } else { "element" };
            s.push_str(&format!(
                "{}{} {}\n",
                ind(indent + 1),
                self.sym(Act::NoOp),
                self.hidden(keyword, hidden)
            ));
        }
        s.push_str(&format!("{}{} }}{null}", ind(indent), self.sym(Act::NoOp)));
        s
    }

    fn list(&self, n: &Node, elements: &[Node], context: bool, indent: usize, o: Opts) -> String {
        let fr = self.forces(n.replace);
        let null = self.null_suffix(n.act, o);
        if elements.is_empty() {
            return format!("[]{null}{fr}");
        }
        let element_opts = Opts {
            no_null_suffix: true,
            ..o
        };
        let unchanged_opts = Opts {
            show_unchanged: true,
            ..o
        };
        let line = |e: &Node, opts: Opts| {
            format!(
                "{}{} {},\n",
                ind(indent + 1),
                self.sym(e.act),
                self.node(e, indent + 1, opts)
            )
        };
        let hidden_line = |count: usize| {
            format!(
                "{}{} {}\n",
                ind(indent + 1),
                self.sym(Act::NoOp),
                self.hidden("element", count)
            )
        };
        let mut s = format!("[{fr}\n");
        let mut skipped: Vec<&Node> = Vec::new();
        let mut show_next = false;
        for e in elements {
            if e.act == Act::NoOp && !show_next && !o.show_unchanged {
                skipped.push(e);
                continue;
            }
            show_next = false;
            let mut opts = element_opts;
            if context {
                // Show the unchanged neighbour on each side of a change, so the
                // reader can tell where in the list it is.
                if skipped.len() > 1 {
                    s.push_str(&hidden_line(skipped.len() - 1));
                }
                if let Some(last) = skipped.last() {
                    s.push_str(&line(last, unchanged_opts));
                }
                skipped.clear();
                if e.act == Act::NoOp {
                    opts = unchanged_opts;
                } else {
                    show_next = true;
                }
            }
            s.push_str(&line(e, opts));
        }
        if !skipped.is_empty() {
            s.push_str(&hidden_line(skipped.len()));
        }
        s.push_str(&format!("{}{} ]{null}", ind(indent), self.sym(Act::NoOp)));
        s
    }

    fn block(
        &self,
        n: &Node,
        attrs: &[(String, Node)],
        blocks: &[(String, Node)],
        indent: usize,
        o: Opts,
    ) -> String {
        let fr = self.forces(n.replace);
        if attrs.is_empty() && blocks.is_empty() {
            return format!("{{}}{fr}");
        }
        let width = attrs.iter().map(|a| a.0.chars().count()).max().unwrap_or(0);
        let mut s = format!("{{{fr}\n");
        let mut hidden = 0;
        for (name, a) in attrs {
            let important = is_important(name);
            if a.act == Act::NoOp && !o.show_unchanged && !important {
                hidden += 1;
                continue;
            }
            let ao = Opts {
                show_unchanged: o.show_unchanged || important,
                ..o
            };
            s.push_str(&format!(
                "{}{} {} = {}\n",
                ind(indent + 1),
                self.sym(a.act),
                pad(name, width),
                self.node(a, indent + 1, ao)
            ));
        }
        if hidden > 0 {
            s.push_str(&format!(
                "{}{} {}\n",
                ind(indent + 1),
                self.sym(Act::NoOp),
                self.hidden("attribute", hidden)
            ));
        }
        let mut hidden_blocks = 0;
        let mut group: Option<&str> = None;
        for (name, b) in blocks {
            if b.act == Act::NoOp && !o.show_unchanged {
                hidden_blocks += 1;
                continue;
            }
            // A blank line between the attributes and each group of blocks.
            if group != Some(name.as_str()) {
                if !attrs.is_empty() {
                    s.push('\n');
                }
                group = Some(name);
            }
            s.push_str(&format!(
                "{}{} {name} {}\n",
                ind(indent + 1),
                self.sym(b.act),
                self.node(b, indent + 1, o)
            ));
        }
        if hidden_blocks > 0 {
            s.push_str(&format!(
                "\n{}{} {}\n",
                ind(indent + 1),
                self.sym(Act::NoOp),
                self.hidden("block", hidden_blocks)
            ));
        }
        s.push_str(&format!("{}{} }}", ind(indent), self.sym(Act::NoOp)));
        s
    }

    // -----------------------------------------------------------------------
    // Plan sections

    fn header(addr: &InstanceAddr) -> String {
        let mode = match addr.resource.mode {
            Mode::Managed => "resource",
            Mode::Data => "data",
        };
        format!(
            "{mode} {} {}",
            quote(&addr.resource.type_name),
            quote(&addr.resource.name)
        )
    }

    fn comment(&self, c: &ResourceChange) -> String {
        let addr = match &c.deposed {
            Some(id) => self
                .p
                .bold(&format!("  # {} (deposed object {id})", c.addr)),
            None => self.p.bold(&format!("  # {}", c.addr)),
        };
        let resource = format!("{}.{}", c.addr.resource.type_name, c.addr.resource.name);
        let mut s = match c.action {
            Action::Create => format!("{addr} will be created"),
            Action::Read => format!("{addr} will be read during apply"),
            Action::Update => format!("{addr} will be updated in-place"),
            Action::Replace { .. } if c.reason == Reason::Tainted => {
                format!(
                    "{addr} is tainted, so must be {}",
                    self.p.bold_red("replaced")
                )
            }
            Action::Replace { .. } if c.reason == Reason::ReplaceByRequest => {
                format!(
                    "{addr} will be {}, as requested",
                    self.p.bold_red("replaced")
                )
            }
            Action::Replace { .. } => format!("{addr} must be {}", self.p.bold_red("replaced")),
            Action::Delete => format!("{addr} will be {}", self.p.bold_red("destroyed")),
            Action::NoOp if c.importing.is_some() => format!("{addr} will be imported"),
            Action::NoOp => format!("{addr} has no changes"),
        };
        if let (Some(id), false) = (&c.importing, c.action == Action::NoOp) {
            s.push_str(&format!("\n  # (imported from {})", quote(id)));
        }
        let key = match &c.addr.key {
            InstanceKey::Int(i) => i.to_string(),
            InstanceKey::Str(k) => quote(k),
            InstanceKey::None => String::new(),
        };
        let why = match (&c.reason, c.action) {
            (Reason::NoResourceConfig, _) => {
                format!("(because {resource} is not in configuration)")
            }
            (Reason::CountIndex, _) => format!("(because index [{key}] is out of range for count)"),
            (Reason::EachKey, _) => format!("(because key [{key}] is not in for_each map)"),
            (Reason::DeletedOutside, _) => {
                format!("(because {} was deleted outside recon)", c.addr)
            }
            (Reason::ConfigUnknown, _) => "(config refers to values not yet known)".to_string(),
            _ => String::new(),
        };
        if !why.is_empty() {
            s.push_str(&format!("\n  # {why}"));
        }
        s.push('\n');
        s
    }

    fn change(&self, c: &ResourceChange, schema: Option<&Schema>) -> String {
        let sensitive = c.sensitive_either();
        let differ = Differ {
            replace_paths: &c.replace_paths,
            sensitive: &sensitive,
        };
        let node = differ.resource(schema, c.before.as_ref(), c.after.as_ref());
        format!(
            "{}{} {} {}",
            self.comment(c),
            self.top_sym(c.action),
            Self::header(&c.addr),
            self.node(&node, 0, Opts::default())
        )
    }

    fn drift(&self, d: &Drift, schema: Option<&Schema>) -> String {
        let differ = Differ {
            replace_paths: &[],
            sensitive: &d.sensitive,
        };
        let (comment, action, mut node) = match &d.after {
            Some(after) => {
                // Only what the planner found changed: the rest may differ in
                // spelling only (JSON layout, set order).
                let mut shown = d.before.clone();
                for key in &d.changed {
                    match after.get(key) {
                        Some(v) => shown.insert(key.clone(), v.clone()),
                        None => shown.remove(key),
                    };
                }
                let node = differ.resource(schema, Some(&d.before), Some(&shown));
                ("has changed", Action::Update, node)
            }
            None => {
                let node = differ.resource(schema, Some(&d.before), None);
                ("has been deleted", Action::Delete, node)
            }
        };
        if d.after.is_none() {
            // A deleted object is named by its identifying attributes only.
            if let Body::Block { attrs, blocks } = &mut node.body {
                attrs.retain(|a| is_important(&a.0));
                blocks.clear();
            }
        }
        format!(
            "{} {comment}\n{} {} {}",
            self.p.bold(&format!("  # {}", d.addr)),
            self.top_sym(action),
            Self::header(&d.addr),
            self.node(&node, 0, Opts::default())
        )
    }

    fn drift_section(
        &self,
        plan: &Plan,
        schema_of: &dyn Fn(&str) -> Option<&'static Schema>,
    ) -> String {
        let mut drift: Vec<&Drift> = plan.drift.iter().collect();
        drift.sort_by(|a, b| a.addr.cmp(&b.addr));
        let mut s = format!(
            "\n{}\n\n\
             recon detected the following changes made outside of recon since the last\n\
             \"recon apply\" which may have affected this plan:\n",
            self.p.bold(&format!(
                "{} Objects have changed outside of recon",
                self.p.cyan("Note:")
            ))
        );
        for d in drift {
            s.push('\n');
            s.push_str(&self.drift(d, schema_of(&d.addr.resource.type_name)));
            s.push('\n');
        }
        s.push_str(
            "\nUnless you have made equivalent changes to your configuration, or ignored the\n\
             relevant attributes using ignore_changes, the following plan may include\n\
             actions to undo or respond to these changes.\n",
        );
        s
    }

    fn rule(&self) -> String {
        format!("\n{}\n", self.p.dim(&"─".repeat(77)))
    }

    fn no_changes(&self, destroy: bool, drift: bool) -> String {
        let no_changes = self.p.green("No changes.");
        if destroy {
            return format!(
                "\n{}\n\n\
                 Either you have not created any objects yet or the existing objects were\n\
                 already deleted outside of recon.\n",
                self.p
                    .bold(&format!("{no_changes} No objects need to be destroyed."))
            );
        }
        let tail = if drift {
            "Your configuration already matches the changes detected above, so no changes\n\
             to real infrastructure are needed.\n"
        } else {
            "recon has compared your real infrastructure against your configuration and\n\
             found no differences, so no changes are needed.\n"
        };
        format!(
            "\n{}\n\n{tail}",
            self.p.bold(&format!(
                "{no_changes} Your infrastructure matches the configuration."
            ))
        )
    }

    fn legend(&self, changes: &[&ResourceChange]) -> String {
        let mut s = String::from(
            "\nrecon used the selected providers to generate the following execution\n\
             plan. Resource actions are indicated with the following symbols:\n",
        );
        let rows = [
            (Action::Create, "create"),
            (Action::Update, "update in-place"),
            (Action::Delete, "destroy"),
            (
                Action::Replace {
                    create_before_destroy: false,
                },
                "destroy and then create replacement",
            ),
            (
                Action::Replace {
                    create_before_destroy: true,
                },
                "create replacement and then destroy",
            ),
            (Action::Read, "read (data resources)"),
        ];
        for (action, text) in rows {
            if changes.iter().any(|c| c.action == action) {
                s.push_str(&format!("{} {text}\n", self.top_sym(action)));
            }
        }
        s
    }

    fn outputs(&self, outputs: &[OutputChange]) -> Option<String> {
        let mut sorted: Vec<&OutputChange> = outputs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let width = sorted
            .iter()
            .map(|o| attribute_name(&o.name).chars().count())
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        for o in sorted {
            let before = o.before.clone().unwrap_or_default();
            let after = o.after.clone().unwrap_or_default();
            let node = if o.sensitive {
                Node::new(prim_act(None, &before, &after), Body::Sensitive)
            } else {
                value(None, &before, &after)
            };
            if node.act == Act::NoOp {
                continue;
            }
            lines.push(format!(
                "{} {} = {}",
                self.sym(node.act),
                pad(&attribute_name(&o.name), width),
                self.node(&node, 0, Opts::default())
            ));
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    fn data_loss(&self, plan: &Plan) -> String {
        let mut losses = plan.data_loss();
        if losses.is_empty() {
            return String::new();
        }
        losses.sort_by(|a, b| a.0.cmp(b.0));
        let mut s = format!(
            "\n{}\n",
            self.p.bold_red("Data loss: these changes destroy data:")
        );
        let mut allow: Vec<String> = Vec::new();
        for (addr, loss) in &losses {
            let action = plan
                .change(addr)
                .map(|c| c.action)
                .unwrap_or(Action::Delete);
            let line = format!("  {addr} ({}): {}", action_phrase(action), loss_text(loss));
            s.push_str(&self.p.red(&line));
            s.push('\n');
            let flag = format!("--allow-data-loss {}", shell_word(&addr.to_string()));
            if !allow.contains(&flag) {
                allow.push(flag);
            }
        }
        let command = if plan.destroy {
            "recon destroy"
        } else {
            "recon apply"
        };
        let closing = format!(
            "{command} refuses this unless each is allowed: {}",
            allow.join(" ")
        );
        s.push_str(&format!("\n{}\n", self.p.red(&closing)));
        if losses.iter().any(|(_, l)| l.volume().is_some()) {
            s.push_str("Add --snapshot-data-loss to snapshot those volumes first: nothing is destroyed until every snapshot is complete.\n");
        }
        if losses.iter().any(|(_, l)| l.volume().is_none()) {
            s.push_str("--snapshot-data-loss copies EBS volumes only: bucket objects and data under a deleted KMS key are lost without a copy, so back them up first.\n");
        }
        s
    }

    fn prevented(&self, plan: &Plan) -> String {
        if plan.prevented.is_empty() {
            return String::new();
        }
        let mut addrs: Vec<&InstanceAddr> = plan.prevented.iter().collect();
        addrs.sort();
        let mut s = format!(
            "\n{}\n",
            self.p
                .bold_red("lifecycle.prevent_destroy forbids destroying:")
        );
        for addr in addrs {
            let phrase = plan
                .change(addr)
                .map(|c| format!(" ({})", action_phrase(c.action)))
                .unwrap_or_default();
            s.push_str(&self.p.red(&format!("  {addr}{phrase}")));
            s.push('\n');
        }
        s.push_str(
            "\nThis plan cannot be applied. Change the configuration so that these objects\n\
             are kept, or remove prevent_destroy from their lifecycle blocks.\n",
        );
        s
    }
}

/// One data loss in words: what is destroyed, and how much.
fn loss_text(loss: &DataLoss) -> String {
    match loss {
        DataLoss::Volume(v) => {
            let size = v.size_gib.map(|g| format!("{g} GiB, ")).unwrap_or_default();
            format!("{} ({size}{})", v.volume_id, v.role)
        }
        DataLoss::Objects {
            bucket,
            count,
            older_versions,
            bytes,
        } => {
            let older = match older_versions {
                0 => String::new(),
                n => format!(" and {n} older version(s)"),
            };
            format!(
                "{count} object(s){older}, {} in bucket {bucket} (force_destroy deletes them)",
                human_bytes(*bytes)
            )
        }
        DataLoss::Encrypted(e) => {
            let managed = e
                .address
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            format!(
                "encrypts {} {}{managed}: unreadable once the key is deleted",
                e.what, e.id
            )
        }
    }
}

/// Bytes in binary units, as `aws s3 ls --human-readable` shows them.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

fn action_phrase(action: Action) -> &'static str {
    match action {
        Action::Replace { .. } => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Update => "will be updated in-place",
        Action::Create => "will be created",
        Action::Read => "will be read during apply",
        Action::NoOp => "no changes",
    }
}

/// Quotes an address for a POSIX shell when it holds brackets or quotes.
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
