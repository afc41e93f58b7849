//! A resource or data block's body against its schema: static checks (unknown or
//! missing arguments, misplaced blocks) and evaluation into an attribute object.

use super::eval::Scope;
use super::types::TypeConstraint;
use super::BodyIn;
use crate::diag::{did_you_mean, Diag, SourceFile, Span};
use crate::provider::{Allowed, Attribute, BlockType, Nesting, Presence, Schema, Type};
use crate::value::{Object, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use std::sync::Arc;

/// Checks a body against a schema without evaluating anything.
pub fn check(schema: &Schema, body: &BodyIn, what: &str, header: &Span) -> Vec<Diag> {
    let mut errors = Vec::new();
    check_level(
        &body.file,
        &body.body,
        schema.attributes,
        schema.blocks,
        what,
        header,
        &mut errors,
    );
    errors
}

fn check_level(
    file: &Arc<SourceFile>,
    body: &Body,
    attributes: &[Attribute],
    blocks: &[BlockType],
    what: &str,
    header: &Span,
    errors: &mut Vec<Diag>,
) {
    let names = || {
        attributes
            .iter()
            .filter(|a| a.is_configurable())
            .map(|a| a.name)
            .chain(blocks.iter().map(|b| b.name))
    };
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key = attr.key.as_str();
                let span = Span::new(file, attr.key.span());
                match attributes.iter().find(|a| a.name == key) {
                    Some(a) if a.presence == Presence::Computed => errors.push(
                        Diag::at(
                            &span,
                            format!("{what}: \"{key}\" cannot be set"),
                            "computed by AWS",
                        )
                        .with_help(format!(
                            "\"{key}\" is known after apply; remove it and refer to it instead"
                        )),
                    ),
                    Some(_) => {}
                    None if blocks.iter().any(|b| b.name == key && b.attribute_syntax) => {}
                    None if blocks.iter().any(|b| b.name == key) => errors.push(
                        Diag::at(
                            &span,
                            format!("{what}: \"{key}\" is a block, not an argument"),
                            "written as an argument",
                        )
                        .with_help(format!("write it as a block: {key} {{ ... }}")),
                    ),
                    None => errors.push(unknown(&span, what, "argument", key, names())),
                }
            }
            Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                let span = Span::new(file, block.ident.span());
                let label = dynamic_label(block).unwrap_or("");
                let Some(bt) = blocks.iter().find(|b| b.name == label) else {
                    let names = blocks.iter().map(|b| b.name);
                    errors.push(unknown(&span, what, "dynamic block type", label, names));
                    continue;
                };
                match (block.body.get_attribute("for_each"), block.body.get_blocks("content").next(), dynamic_iterator(block)) {
                    (Some(_), Some(content), Some(_)) => {
                        check_level(file, &content.body, bt.attributes, bt.blocks, &format!("{what}.{label}"), &span, errors)
                    }
                    _ => errors.push(
                        Diag::at(&span, format!("{what}: dynamic \"{label}\" needs for_each and a content block"), "incomplete dynamic block")
                            .with_help(format!("write dynamic \"{label}\" {{ for_each = ...  content {{ ... }} }}; iterator = NAME is optional")),
                    ),
                }
            }
            Structure::Block(block) => {
                let key = block.ident.as_str();
                let span = Span::new(file, block.ident.span());
                match blocks.iter().find(|b| b.name == key) {
                    Some(bt) => check_level(
                        file,
                        &block.body,
                        bt.attributes,
                        bt.blocks,
                        &format!("{what}.{key}"),
                        &span,
                        errors,
                    ),
                    None if attributes.iter().any(|a| a.name == key) => errors.push(
                        Diag::at(
                            &span,
                            format!("{what}: \"{key}\" is an argument, not a block"),
                            "written as a block",
                        )
                        .with_help(format!("write it as an argument: {key} = ...")),
                    ),
                    None => errors.push(unknown(&span, what, "block", key, names())),
                }
            }
        }
    }
    for attr in attributes
        .iter()
        .filter(|a| a.presence == Presence::Required)
    {
        if body.get_attribute(attr.name).is_none() {
            errors.push(
                Diag::at(
                    header,
                    format!("{what}: missing required argument \"{}\"", attr.name),
                    "required argument missing",
                )
                .with_help(format!("add {} = <{}> to the block", attr.name, attr.ty)),
            );
        }
    }
    for bt in blocks.iter().filter(|b| b.nesting == Nesting::Single) {
        let found: Vec<_> = body.get_blocks(bt.name).collect();
        if found.len() > 1 {
            errors.push(Diag::at(
                &Span::new(file, found[1].ident.span()),
                format!("{what}: at most one \"{}\" block is allowed", bt.name),
                "second block",
            ));
        }
    }
}

fn unknown<'a>(
    span: &Span,
    what: &str,
    kind: &str,
    key: &str,
    names: impl Iterator<Item = &'a str>,
) -> Diag {
    let d = Diag::at(
        span,
        format!("{what}: unsupported {kind} \"{key}\""),
        format!("unknown {kind}"),
    );
    match did_you_mean(key, names) {
        Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
        None => d.with_help(format!("this {kind} is not supported by recon for this type; see the README for supported attributes")),
    }
}

/// Evaluates a checked body into an object holding every schema attribute (Null when
/// unset) and every block (a list of objects).
pub fn evaluate(schema: &Schema, body: &BodyIn, scope: &Scope) -> Result<Object, Diag> {
    evaluate_top(schema, body, scope, None, None)
}

/// Like [`evaluate`], for `recon check`: a value that cannot be evaluated (an
/// undeclared reference, an unknown function, a wrong type) is unknown, and its
/// error is added to `errors`; the other values are still read.
pub fn evaluate_tolerant(
    schema: &Schema,
    body: &BodyIn,
    scope: &Scope,
    errors: &mut Vec<Diag>,
) -> Object {
    // Every error is tolerated on the way: there is none left to return.
    evaluate_top(schema, body, scope, None, Some(errors)).unwrap_or_default()
}

/// Like [`evaluate`], and also names the top-level attributes and blocks whose
/// values come from a sensitive variable (to be shown as `(sensitive value)`).
pub fn evaluate_marked(
    schema: &Schema,
    body: &BodyIn,
    scope: &Scope,
) -> Result<(Object, Vec<String>), Diag> {
    let mut marks = Vec::new();
    let object = evaluate_top(schema, body, scope, Some(&mut marks), None)?;
    Ok((object, marks))
}

fn evaluate_top(
    schema: &Schema,
    body: &BodyIn,
    scope: &Scope,
    marks: Option<&mut Vec<String>>,
    tolerated: Option<&mut Vec<Diag>>,
) -> Result<Object, Diag> {
    evaluate_level(
        &body.file,
        &body.body,
        schema.attributes,
        schema.blocks,
        scope,
        marks,
        tolerated,
    )
}

/// With `tolerated` (a tolerant evaluation), an error is kept there and the value
/// it concerns is unknown; otherwise it is returned.
fn keep(d: Diag, tolerated: &mut Option<&mut Vec<Diag>>) -> Result<(), Diag> {
    match tolerated.as_deref_mut() {
        Some(errors) => {
            errors.push(d);
            Ok(())
        }
        None => Err(d),
    }
}

fn evaluate_level(
    file: &Arc<SourceFile>,
    body: &Body,
    attributes: &[Attribute],
    blocks: &[BlockType],
    scope: &Scope,
    mut marks: Option<&mut Vec<String>>,
    mut tolerated: Option<&mut Vec<Diag>>,
) -> Result<Object, Diag> {
    let mut out = Object::new();
    let mark = |name: &str, marks: &mut Option<&mut Vec<String>>| {
        if let Some(m) = marks.as_deref_mut() {
            if scope.take_sensitive() {
                m.push(name.to_string());
            }
        }
    };
    if marks.is_some() {
        scope.take_sensitive();
    }
    for attr in attributes {
        let value = match body.get_attribute(attr.name) {
            Some(a) if attr.is_configurable() => {
                let converted = scope.eval_in(file, &a.value).and_then(|raw| {
                    TypeConstraint::from_schema(&attr.ty)
                        .convert(raw)
                        .map_err(|msg| {
                            // The message may quote the value: not a secret one.
                            let msg = if scope.read_sensitive() {
                                "the value comes from a sensitive variable and is not shown"
                                    .to_string()
                            } else {
                                msg
                            };
                            Diag::at(
                                &Span::new(file, a.value.span()),
                                format!("wrong type for \"{}\": {msg}", attr.name),
                                format!("expected {}", attr.ty),
                            )
                        })
                });
                match converted {
                    Ok(v) => v,
                    Err(d) => keep(d, &mut tolerated).map(|()| Value::Unknown)?,
                }
            }
            _ => Value::Null,
        };
        mark(attr.name, &mut marks);
        out.insert(attr.name.to_string(), value);
    }
    for bt in blocks {
        let mut items = Vec::new();
        let mut unknown = false;
        if let Some(a) = body.get_attribute(bt.name).filter(|_| bt.attribute_syntax) {
            let listed = scope.eval_in(file, &a.value).and_then(|raw| {
                block_list(bt, raw).map_err(|msg| {
                    Diag::at(
                        &Span::new(file, a.value.span()),
                        format!("wrong value for \"{}\": {msg}", bt.name),
                        "expected a list of objects",
                    )
                    .with_help(format!(
                        "write {} = [{{ {} = ... }}], or use {} {{ ... }} blocks",
                        bt.name,
                        bt.attributes.first().map_or("name", |a| a.name),
                        bt.name
                    ))
                })
            });
            match listed {
                Ok(Some(list)) => items = list,
                Ok(None) => unknown = true,
                Err(d) => {
                    keep(d, &mut tolerated)?;
                    unknown = true;
                }
            }
        }
        // Static and dynamic blocks of one type, in the order they are written.
        for block in body.blocks() {
            if block.ident.as_str() == bt.name {
                items.push(Value::Object(evaluate_level(
                    file,
                    &block.body,
                    bt.attributes,
                    bt.blocks,
                    scope,
                    None,
                    tolerated.as_deref_mut(),
                )?));
            } else if dynamic_label(block) == Some(bt.name) {
                match expand_dynamic(file, block, bt, scope, tolerated.as_deref_mut()) {
                    Ok(Some(generated)) => items.extend(generated),
                    Ok(None) => unknown = true,
                    Err(d) => {
                        keep(d, &mut tolerated)?;
                        unknown = true;
                    }
                }
            }
        }
        let value = if unknown {
            Value::Unknown
        } else {
            Value::List(items)
        };
        mark(bt.name, &mut marks);
        out.insert(bt.name.to_string(), value);
    }
    Ok(out)
}

/// Argument values that must have a form (CIDRs without host bits, JSON documents
/// that parse), evaluated one argument at a time in `scope`: a value that cannot be
/// evaluated there (it refers to something not known yet) is left to the plan.
pub fn check_values(schema: &Schema, body: &BodyIn, scope: &Scope, what: &str) -> Vec<Diag> {
    let mut errors = Vec::new();
    values_level(
        &body.file,
        &body.body,
        schema.attributes,
        schema.blocks,
        scope,
        what,
        &mut errors,
    );
    errors
}

fn values_level(
    file: &Arc<SourceFile>,
    body: &Body,
    attributes: &[Attribute],
    blocks: &[BlockType],
    scope: &Scope,
    what: &str,
    errors: &mut Vec<Diag>,
) {
    let mut report = |what: &str, attr: &Attribute, value: &Value, span: Span| {
        if let Some((message, help)) = bad_value(attr, value) {
            errors.push(
                Diag::at(
                    &span,
                    format!("{what}.{}: {message}", attr.name),
                    "invalid value",
                )
                .with_help(help),
            );
        }
    };
    for attr in attributes.iter().filter(|a| has_form(a)) {
        let Some(a) = body.get_attribute(attr.name) else {
            continue;
        };
        // A list written out is checked element by element, to point at the bad one.
        let parts: Vec<&Expression> = match &a.value {
            Expression::Array(items) => items.iter().collect(),
            e => vec![e],
        };
        for e in parts {
            if let Ok(v) = scope.eval_in(file, e) {
                report(what, attr, &v, Span::new(file, e.span()));
            }
        }
    }
    for bt in blocks {
        if let Some(a) = body.get_attribute(bt.name).filter(|_| bt.attribute_syntax) {
            let list = scope.eval_in(file, &a.value).map(|v| block_list(bt, v));
            let inner = format!("{what}.{}", bt.name);
            for item in list.ok().and_then(Result::ok).flatten().unwrap_or_default() {
                for attr in bt.attributes.iter().filter(|a| has_form(a)) {
                    let span = Span::new(file, a.value.span());
                    report(&inner, attr, item.get(attr.name), span);
                }
            }
        }
    }
    for block in body.blocks() {
        if let Some(bt) = blocks.iter().find(|b| b.name == block.ident.as_str()) {
            let inner = format!("{what}.{}", bt.name);
            values_level(
                file,
                &block.body,
                bt.attributes,
                bt.blocks,
                scope,
                &inner,
                errors,
            );
        }
    }
}

fn has_form(attr: &Attribute) -> bool {
    attr.cidr || attr.ty == Type::Json || attr.allowed != Allowed::Any
}

/// What is wrong with a known value of an argument that has a form: a message and
/// a help line.
fn bad_value(attr: &Attribute, value: &Value) -> Option<(String, String)> {
    match value {
        Value::String(text) if attr.cidr => super::cidr::check_network(text).err(),
        Value::String(text) if attr.ty == Type::Json => {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                return Some((
                    format!("not valid JSON: {e} (in the document)"),
                    "fix the document (a trailing comma? a missing quote?); jsonencode({ ... }) always writes valid JSON".into(),
                ));
            }
            serde_json::from_str::<DistinctKeys>(text).err().map(|e| {
                (
                    format!("{e} (in the document)"),
                    "write the key once, with everything it should hold: e.g. one \"StringEquals\" object with both condition keys".into(),
                )
            })
        }
        Value::List(items) => items.iter().find_map(|v| bad_value(attr, v)),
        value => attr.allowed.refuses(value),
    }
}

/// A JSON document read only to find an object that names one key twice: any
/// re-serialisation (recon's, IAM's) keeps the last and silently drops the rest,
/// e.g. the first of two `"StringEquals"` under one `Condition`.
struct DistinctKeys;

impl<'de> serde::Deserialize<'de> for DistinctKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DistinctKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for DistinctKeys {
    type Value = DistinctKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<DistinctKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        use serde::de::Error as _;
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format!(
                    "key {key:?} is written twice in one object; only the last would reach AWS"
                )));
            }
            map.next_value::<DistinctKeys>()?;
        }
        Ok(self)
    }
}

/// Blocks given as an argument (`ingress = [{ ... }]`) as the list of objects the
/// block form evaluates to; None while unknown. Unset keys are null.
fn block_list(bt: &BlockType, value: Value) -> Result<Option<Vec<Value>>, String> {
    let elements = match value {
        Value::Unknown => return Ok(None),
        Value::Null => return Ok(Some(Vec::new())),
        Value::List(elements) => elements,
        other => return Err(format!("a list of objects, got {}", other.type_name())),
    };
    let mut out = Vec::with_capacity(elements.len());
    for (i, element) in elements.into_iter().enumerate() {
        let mut given = match element {
            Value::Unknown => return Ok(None),
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "element {i} is {}, not an object",
                    other.type_name()
                ))
            }
        };
        let mut obj = Object::new();
        for attr in bt.attributes {
            let raw = given.remove(attr.name).unwrap_or(Value::Null);
            let value = TypeConstraint::from_schema(&attr.ty)
                .convert(raw)
                .map_err(|msg| format!("element {i}: \"{}\": {msg}", attr.name))?;
            obj.insert(attr.name.to_string(), value);
        }
        for inner in bt.blocks {
            let raw = given.remove(inner.name).unwrap_or(Value::Null);
            match block_list(inner, raw)? {
                Some(list) => obj.insert(inner.name.to_string(), Value::List(list)),
                None => obj.insert(inner.name.to_string(), Value::Unknown),
            };
        }
        if let Some(key) = given.keys().next() {
            return Err(format!("element {i}: unsupported argument \"{key}\""));
        }
        out.push(Value::Object(obj));
    }
    Ok(Some(out))
}

/// The block type a `dynamic "NAME" { ... }` block generates.
fn dynamic_label(block: &Block) -> Option<&str> {
    (block.ident.as_str() == "dynamic")
        .then(|| block.labels.first().map(|l| l.as_str()))
        .flatten()
}

/// The name `content` uses for the current element: `iterator = x`, or the label.
pub fn dynamic_iterator(block: &Block) -> Option<String> {
    match block.body.get_attribute("iterator").map(|a| &a.value) {
        Some(hcl_edit::expr::Expression::Variable(v)) => Some(v.as_str().to_string()),
        Some(_) => None,
        None => dynamic_label(block).map(str::to_string),
    }
}

/// The blocks a `dynamic` block generates; None while its for_each is unknown.
fn expand_dynamic(
    file: &Arc<SourceFile>,
    block: &Block,
    bt: &BlockType,
    scope: &Scope,
    mut tolerated: Option<&mut Vec<Diag>>,
) -> Result<Option<Vec<Value>>, Diag> {
    let header = Span::new(file, block.ident.span());
    let (Some(for_each), Some(content), Some(iterator)) = (
        block.body.get_attribute("for_each"),
        block.body.get_blocks("content").next(),
        dynamic_iterator(block),
    ) else {
        return Err(Diag::at(
            &header,
            format!("dynamic \"{}\" needs for_each and a content block", bt.name),
            "incomplete dynamic block",
        ));
    };
    let pairs: Vec<(Value, Value)> = match scope.eval_in(file, &for_each.value)? {
        Value::Unknown => return Ok(None),
        Value::Null => Vec::new(),
        Value::List(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i as i64), v))
            .collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect(),
        other => {
            return Err(Diag::at(
                &Span::new(file, for_each.value.span()),
                format!(
                    "dynamic for_each needs a list, set or map, got {}",
                    other.type_name()
                ),
                "here",
            ))
        }
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let element = Value::Object(crate::object! {"key" => key, "value" => value});
        let inner = scope.with_binding(&iterator, element);
        out.push(Value::Object(evaluate_level(
            file,
            &content.body,
            bt.attributes,
            bt.blocks,
            &inner,
            None,
            tolerated.as_deref_mut(),
        )?));
    }
    Ok(Some(out))
}

/// Where `path` (attribute names through nested blocks, as in
/// `root_block_device.volume_size`) is written in `body`: the attribute's value,
/// else the innermost block found on the way; None when nothing of it is written.
pub fn span_of(body: &BodyIn, path: &[&str]) -> Option<Span> {
    let (last, blocks) = path.split_last()?;
    let mut current = &body.body;
    let mut found = None;
    for name in blocks {
        let block = current.get_blocks(name).next()?;
        found = Some(Span::new(&body.file, block.ident.span()));
        current = &block.body;
    }
    match current.get_attribute(last) {
        Some(a) => Some(Span::new(&body.file, a.value.span())),
        None => found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SCHEMA: Schema = Schema {
        type_name: "test_thing",
        attributes: &[
            crate::provider::ID,
            Attribute::required("instance_type", Type::String),
            Attribute::optional("size", Type::Number),
        ],
        blocks: &[BlockType::new(
            "root_block_device",
            Nesting::Single,
            &[Attribute::optional("encrypted", Type::Bool)],
        )],
    };

    static NESTED: Schema = Schema {
        type_name: "test_sse",
        attributes: &[
            crate::provider::ID,
            Attribute::required("bucket", Type::String),
        ],
        blocks: &[BlockType::new(
            "rule",
            Nesting::Set,
            &[Attribute::optional("bucket_key_enabled", Type::Bool)],
        )
        .with_blocks(&[BlockType::new(
            "apply_server_side_encryption_by_default",
            Nesting::Single,
            &[
                Attribute::required("sse_algorithm", Type::String),
                Attribute::optional("kms_master_key_id", Type::String),
            ],
        )])],
    };

    static RULES: Schema = Schema {
        type_name: "test_sg",
        attributes: &[crate::provider::ID],
        blocks: &[BlockType::new(
            "ingress",
            Nesting::Set,
            &[
                Attribute::required("from_port", Type::Number),
                Attribute::optional("cidr_blocks", Type::List(&Type::String)).cidr(),
            ],
        )
        .attribute_syntax()],
    };

    static SETTINGS: Schema = Schema {
        type_name: "test_queue",
        attributes: &[
            Attribute::optional("delay", Type::Number).whole_in(0, 900),
            Attribute::optional("days", Type::Number).whole_one_of(&[1, 7]),
            Attribute::optional("scope", Type::String).one_of(&["queue", "group"]),
        ],
        blocks: &[],
    };

    /// Runs `f` with a scope over an empty stack.
    fn with_scope(f: impl FnOnce(&Scope)) {
        let stack = crate::config::Stack::from_sources(std::path::Path::new("."), vec![]).unwrap();
        let (vars, resources) = (Object::new(), std::collections::BTreeMap::new());
        f(&Scope::new(&stack, &vars, &resources))
    }

    fn body(src: &str) -> BodyIn {
        let file = Arc::new(SourceFile {
            name: "main.hcl".into(),
            path: "main.hcl".into(),
            text: Arc::new(src.to_string()),
        });
        BodyIn {
            body: hcl_edit::parser::parse_body(src).unwrap(),
            file,
        }
    }

    fn header(b: &BodyIn) -> Span {
        Span::new(&b.file, Some(0..1))
    }

    #[test]
    fn misspelt_argument_suggests_the_right_name() {
        let b = body("instance_type = \"t3.micro\"\nsise = 3\n");
        let errors = check(&SCHEMA, &b, "test_thing.x", &header(&b));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "test_thing.x: unsupported argument \"sise\""
        );
        assert_eq!(errors[0].location.as_deref(), Some("main.hcl:2:1"));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean \"size\"?"));
    }

    #[test]
    fn missing_required_and_computed_set_are_errors() {
        let b = body("id = \"x\"\n");
        let messages: Vec<String> = check(&SCHEMA, &b, "t.x", &header(&b))
            .into_iter()
            .map(|d| d.message.clone())
            .collect();
        assert!(
            messages.contains(&"t.x: \"id\" cannot be set".to_string()),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"t.x: missing required argument \"instance_type\"".to_string()),
            "{messages:?}"
        );
    }

    #[test]
    fn blocks_and_arguments_are_not_interchangeable() {
        let b = body("instance_type = \"a\"\nroot_block_device = {}\nsize {}\n");
        let messages: Vec<String> = check(&SCHEMA, &b, "t.x", &header(&b))
            .into_iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            messages,
            [
                "t.x: \"root_block_device\" is a block, not an argument",
                "t.x: \"size\" is an argument, not a block",
            ]
        );
    }

    #[test]
    fn nested_blocks_are_checked_at_every_level() {
        let b = body(concat!(
            "bucket = \"b\"\n",
            "rule {\n",
            "  bucket_key_enabled = true\n",
            "  apply_server_side_encryption_by_default {\n    sse_algorithm = \"aws:kms\"\n    kms_key = \"k\"\n  }\n",
            "  apply_server_side_encryption_by_default {\n    sse_algorithm = \"AES256\"\n  }\n",
            "  apply_server_side_encryption_by_default {\n  }\n",
            "}\n",
        ));
        let messages: Vec<String> = check(&NESTED, &b, "t.x", &header(&b))
            .into_iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(messages, [
            "t.x.rule.apply_server_side_encryption_by_default: unsupported argument \"kms_key\"",
            "t.x.rule.apply_server_side_encryption_by_default: missing required argument \"sse_algorithm\"",
            "t.x.rule: at most one \"apply_server_side_encryption_by_default\" block is allowed",
        ]);
    }

    #[test]
    fn nested_blocks_evaluate_to_lists_of_objects() {
        let b = body("bucket = \"b\"\nrule {\n  apply_server_side_encryption_by_default {\n    sse_algorithm = \"aws:kms\"\n  }\n}\nrule {}\n");
        with_scope(|scope| {
            let obj = evaluate(&NESTED, &b, scope).unwrap();
            let rules = obj["rule"].as_list().unwrap();
            assert_eq!(rules.len(), 2);
            let first = rules[0].as_object().unwrap();
            assert_eq!(first["bucket_key_enabled"], Value::Null);
            let sse = first["apply_server_side_encryption_by_default"]
                .as_list()
                .unwrap();
            assert_eq!(
                sse[0].as_object().unwrap()["sse_algorithm"],
                Value::from("aws:kms")
            );
            assert_eq!(
                sse[0].as_object().unwrap()["kms_master_key_id"],
                Value::Null
            );
            let second = rules[1].as_object().unwrap();
            assert_eq!(
                second["apply_server_side_encryption_by_default"],
                Value::List(vec![])
            );
        });
    }

    #[test]
    fn dynamic_blocks_generate_one_block_per_element() {
        let src = "bucket = \"b\"\nrule {}\ndynamic \"rule\" {\n  for_each = { a = \"aws:kms\", b = \"AES256\" }\n  iterator = r\n  content {\n    bucket_key_enabled = r.key == \"a\"\n    apply_server_side_encryption_by_default {\n      sse_algorithm = r.value\n    }\n  }\n}\n";
        let b = body(src);
        assert!(check(&NESTED, &b, "t.x", &header(&b)).is_empty());
        with_scope(|scope| {
            let obj = evaluate(&NESTED, &b, scope).unwrap();
            let rules = obj["rule"].as_list().unwrap();
            assert_eq!(rules.len(), 3, "the static block, then one per element");
            let second = rules[1].as_object().unwrap();
            assert_eq!(second["bucket_key_enabled"], Value::Bool(true));
            let sse = second["apply_server_side_encryption_by_default"]
                .as_list()
                .unwrap();
            assert_eq!(
                sse[0].as_object().unwrap()["sse_algorithm"],
                Value::from("aws:kms")
            );
            assert_eq!(
                rules[2].as_object().unwrap()["bucket_key_enabled"],
                Value::Bool(false)
            );
        });
    }

    #[test]
    fn blocks_given_as_an_argument_are_the_same_blocks() {
        with_scope(|scope| {
            let as_blocks = body("ingress {\n  from_port = \"22\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n}\ningress {\n  from_port = 80\n}\n");
            let as_argument =
                body("ingress = [{ from_port = \"22\", cidr_blocks = [\"0.0.0.0/0\"] }, { from_port = 80 }]\n");
            assert!(check(&RULES, &as_argument, "t.x", &header(&as_argument)).is_empty());
            assert_eq!(
                evaluate(&RULES, &as_argument, scope).unwrap(),
                evaluate(&RULES, &as_blocks, scope).unwrap()
            );
            let wrong = body("ingress = [{ from_port = 1, cidr = [] }]\n");
            let err = evaluate(&RULES, &wrong, scope).unwrap_err();
            assert_eq!(
                err.message,
                "wrong value for \"ingress\": element 0: unsupported argument \"cidr\""
            );
            assert_eq!(err.location.as_deref(), Some("main.hcl:1:11"));
        });
    }

    #[test]
    fn values_outside_what_a_schema_allows_are_refused_where_written() {
        with_scope(|scope| {
            let good = body("delay = 900\ndays = 7\nscope = \"group\"\n");
            assert!(check_values(&SETTINGS, &good, scope, "q.x").is_empty());
            let bad = body("delay = 901\ndays = 2.0\nscope = \"Queue\"\n");
            let found: Vec<(String, Option<String>)> = check_values(&SETTINGS, &bad, scope, "q.x")
                .into_iter()
                .map(|d| (d.message.clone(), d.location.clone()))
                .collect();
            let at = |place: &str| Some(format!("main.hcl:{place}"));
            assert_eq!(
                found,
                [
                    (
                        "q.x.delay: must be a whole number from 0 to 900, got 901".to_string(),
                        at("1:9")
                    ),
                    (
                        "q.x.days: must be one of 1, 7, got 2".to_string(),
                        at("2:8")
                    ),
                    (
                        "q.x.scope: must be one of \"queue\", \"group\", got \"Queue\"".to_string(),
                        at("3:9")
                    ),
                ]
            );
            let half = body("delay = 1.5\n");
            assert_eq!(check_values(&SETTINGS, &half, scope, "q.x").len(), 1);
        });
    }

    /// Apply's check of values that became known after the plan: the same
    /// rules, nested blocks included.
    #[test]
    fn a_schema_refuses_known_values_it_does_not_allow() {
        use crate::object;
        static NESTED: Schema = Schema {
            type_name: "test_outer",
            attributes: &[Attribute::optional("days", Type::Number).whole_one_of(&[1, 7])],
            blocks: &[BlockType::new(
                "rule",
                Nesting::List,
                &[Attribute::optional("scope", Type::String).one_of(&["queue"])],
            )],
        };
        let rule = |scope: &str| Value::List(vec![Value::Object(object! {"scope" => scope})]);
        let fine = object! {"days" => 7, "rule" => rule("queue")};
        assert_eq!(NESTED.refused(&fine), None);
        let unknown = object! {"days" => Value::Unknown, "rule" => Value::Unknown};
        assert_eq!(NESTED.refused(&unknown), None);
        let days = object! {"days" => 2, "rule" => rule("queue")};
        assert_eq!(
            NESTED.refused(&days).as_deref(),
            Some("days: must be one of 1, 7, got 2")
        );
        let nested = object! {"days" => 1, "rule" => rule("group")};
        assert_eq!(
            NESTED.refused(&nested).as_deref(),
            Some("rule.scope: must be one of \"queue\", got \"group\"")
        );
    }

    #[test]
    fn values_with_a_form_are_checked_where_written() {
        with_scope(|scope| {
            let b = body("ingress {\n  from_port = 1\n  cidr_blocks = [\"10.0.0.0/8\", \"10.1.2.3/0\", var.x]\n}\ningress = [{ from_port = 2, cidr_blocks = [\"::1/0\"] }]\n");
            let found: Vec<(String, Option<String>)> = check_values(&RULES, &b, scope, "t.x")
                .into_iter()
                .map(|d| (d.message.clone(), d.location.clone()))
                .collect();
            assert_eq!(
                found,
                [
                    (
                        "t.x.ingress.cidr_blocks: \"::1/0\" is not a valid network CIDR: host bits are set".to_string(),
                        Some("main.hcl:5:11".to_string())
                    ),
                    (
                        "t.x.ingress.cidr_blocks: \"10.1.2.3/0\" is not a valid network CIDR: host bits are set".to_string(),
                        Some("main.hcl:3:32".to_string())
                    ),
                ]
            );
        });
    }

    #[test]
    fn dynamic_block_of_an_unknown_type_or_without_content_is_an_error() {
        let b = body("bucket = \"b\"\ndynamic \"rules\" {\n  for_each = []\n  content {}\n}\ndynamic \"rule\" {\n  for_each = []\n}\n");
        let messages: Vec<String> = check(&NESTED, &b, "t.x", &header(&b))
            .into_iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            messages,
            [
                "t.x: unsupported dynamic block type \"rules\"",
                "t.x: dynamic \"rule\" needs for_each and a content block",
            ]
        );
    }

    #[test]
    fn a_tolerant_evaluation_makes_only_the_failing_values_unknown() {
        let b = body(
            "instance_type = var.nowhere\nsize = 2\nroot_block_device {\n  encrypted = nope(1)\n}\n",
        );
        with_scope(|scope| {
            assert!(evaluate(&SCHEMA, &b, scope).is_err());
            let mut errors = Vec::new();
            let object = evaluate_tolerant(&SCHEMA, &b, scope, &mut errors);
            assert_eq!(object["instance_type"], Value::Unknown);
            assert_eq!(object["size"], Value::from(2));
            let device = crate::object! {"encrypted" => Value::Unknown};
            assert_eq!(
                object["root_block_device"],
                Value::List(vec![Value::Object(device)])
            );
            let found: Vec<(&str, &str)> = errors
                .iter()
                .map(|d| (d.location.as_deref().unwrap(), d.message.as_str()))
                .collect();
            assert_eq!(
                found,
                [
                    (
                        "main.hcl:1:17",
                        "reference to undeclared variable \"nowhere\""
                    ),
                    ("main.hcl:4:15", "call to unknown function \"nope\""),
                ]
            );
        });
    }
}
