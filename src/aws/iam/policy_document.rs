//! data aws_iam_policy_document: an IAM policy document built from `statement`
//! blocks and merged documents, rendered as terraform-provider-aws renders it
//! (key order, sorting, single-element lists as strings). Computed locally with
//! no AWS call, so its `json` is known at plan time.

use crate::aws::prelude::*;
use crate::provider::{BlockType, DataSource, Default, Nesting};
use crate::value::write_go_string;
use serde_json::{Map, Value as Json};

const PRINCIPAL_ATTRIBUTES: &[Attribute] = &[
    Attribute::required("type", Type::String),
    Attribute::required("identifiers", Type::Set(&Type::String)),
];

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_policy_document",
    attributes: &[
        ID,
        Attribute::optional("version", Type::String).default(Default::Str(VERSION_2012)),
        Attribute::optional("policy_id", Type::String),
        Attribute::optional("source_policy_documents", Type::List(&Type::Json)),
        Attribute::optional("override_policy_documents", Type::List(&Type::Json)),
        Attribute::computed("json", Type::String),
        Attribute::computed("minified_json", Type::String),
    ],
    blocks: &[BlockType::new(
        "statement",
        Nesting::List,
        &[
            Attribute::optional("sid", Type::String),
            Attribute::optional("effect", Type::String).default(Default::Str("Allow")),
            Attribute::optional("actions", Type::Set(&Type::String)),
            Attribute::optional("not_actions", Type::Set(&Type::String)),
            Attribute::optional("resources", Type::Set(&Type::String)),
            Attribute::optional("not_resources", Type::Set(&Type::String)),
        ],
    )
    .with_blocks(&[
        BlockType::new("principals", Nesting::Set, PRINCIPAL_ATTRIBUTES),
        BlockType::new("not_principals", Nesting::Set, PRINCIPAL_ATTRIBUTES),
        BlockType::new(
            "condition",
            Nesting::Set,
            &[
                Attribute::required("test", Type::String),
                Attribute::required("variable", Type::String),
                Attribute::required("values", Type::List(&Type::String)),
            ],
        ),
    ])],
};

const VERSION_2012: &str = "2012-10-17";
const VERSION_2008: &str = "2008-10-17";

pub struct PolicyDocument;

impl PolicyDocument {
    pub fn new() -> Self {
        PolicyDocument
    }
}

impl std::default::Default for PolicyDocument {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl DataSource for PolicyDocument {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        render(config)
    }
}

/// One string, or several: IAM's `"a"` versus `["a", "b"]`, kept as written or
/// built so that the rendering matches the provider's.
#[derive(Clone, Debug, PartialEq)]
enum Strings {
    One(String),
    Many(Vec<String>),
}

impl Strings {
    fn to_json(&self) -> Json {
        match self {
            Strings::One(s) => Json::String(s.clone()),
            Strings::Many(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
        }
    }
}

#[derive(Clone, Debug)]
struct Principal {
    kind: String,
    identifiers: Strings,
}

#[derive(Clone, Debug)]
struct Condition {
    test: String,
    variable: String,
    values: Strings,
}

#[derive(Clone, Debug, Default)]
struct Statement {
    sid: String,
    effect: String,
    /// Action, NotAction, Resource, NotResource: the JSON to write, when set.
    lists: [Option<Json>; 4],
    principals: Vec<Principal>,
    not_principals: Vec<Principal>,
    conditions: Vec<Condition>,
}

const LIST_KEYS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];
const LIST_ATTRIBUTES: [&str; 4] = ["actions", "not_actions", "resources", "not_resources"];

#[derive(Clone, Debug, Default)]
struct Document {
    version: String,
    id: String,
    statements: Vec<Statement>,
}

impl Document {
    /// The provider's merge: a later Id wins, the Version only goes up, and a
    /// statement replaces the one with its Sid (statements without one are added).
    fn merge(&mut self, other: Document) {
        if !other.id.is_empty() {
            self.id = other.id;
        }
        if other.version > self.version {
            self.version = other.version;
        }
        for statement in other.statements {
            let same_sid = (!statement.sid.is_empty())
                .then(|| self.statements.iter().position(|s| s.sid == statement.sid))
                .flatten();
            match same_sid {
                Some(i) => self.statements[i] = statement,
                None => self.statements.push(statement),
            }
        }
    }

    fn to_json(&self) -> Json {
        let mut out = Map::new();
        if !self.version.is_empty() {
            out.insert("Version".into(), Json::from(self.version.clone()));
        }
        if !self.id.is_empty() {
            out.insert("Id".into(), Json::from(self.id.clone()));
        }
        if !self.statements.is_empty() {
            let statements = self.statements.iter().map(Statement::to_json).collect();
            out.insert("Statement".into(), Json::Array(statements));
        }
        Json::Object(out)
    }
}

impl Statement {
    fn to_json(&self) -> Json {
        let mut out = Map::new();
        if !self.sid.is_empty() {
            out.insert("Sid".into(), Json::from(self.sid.clone()));
        }
        if !self.effect.is_empty() {
            out.insert("Effect".into(), Json::from(self.effect.clone()));
        }
        for (key, value) in LIST_KEYS.iter().zip(&self.lists) {
            if let Some(value) = value {
                out.insert((*key).into(), value.clone());
            }
        }
        if !self.principals.is_empty() {
            out.insert("Principal".into(), principals_json(&self.principals));
        }
        if !self.not_principals.is_empty() {
            out.insert("NotPrincipal".into(), principals_json(&self.not_principals));
        }
        if !self.conditions.is_empty() {
            out.insert("Condition".into(), conditions_json(&self.conditions));
        }
        Json::Object(out)
    }
}

/// `"*"` alone for the one principal `{type = "*", identifiers = ["*"]}`; else an
/// object by type (sorted), blocks of one type joined into one list.
fn principals_json(principals: &[Principal]) -> Json {
    if let [only] = principals {
        let star = match &only.identifiers {
            Strings::One(s) => s == "*",
            Strings::Many(items) => items.len() == 1 && items[0] == "*",
        };
        if only.kind == "*" && star {
            return Json::from("*");
        }
    }
    let mut by_type: BTreeMap<&str, Strings> = BTreeMap::new();
    for p in principals {
        let merged = match (by_type.remove(p.kind.as_str()), &p.identifiers) {
            (None, ids) => ids.clone(),
            (Some(Strings::One(a)), Strings::One(b)) => Strings::Many(vec![a, b.clone()]),
            (Some(Strings::One(a)), Strings::Many(b)) => {
                Strings::Many(std::iter::once(a).chain(b.iter().cloned()).collect())
            }
            (Some(Strings::Many(mut a)), ids) => {
                match ids {
                    Strings::One(b) => a.push(b.clone()),
                    Strings::Many(b) => a.extend(b.iter().cloned()),
                }
                Strings::Many(a)
            }
        };
        by_type.insert(&p.kind, merged);
    }
    Json::Object(
        by_type
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect(),
    )
}

/// `{test: {variable: values}}`, keys sorted; the values of every condition on one
/// test and variable are joined in order, and a single value is written as a string.
fn conditions_json(conditions: &[Condition]) -> Json {
    let mut tests: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for c in conditions {
        let values = tests
            .entry(&c.test)
            .or_default()
            .entry(&c.variable)
            .or_default();
        match &c.values {
            Strings::One(v) => values.push(v.clone()),
            Strings::Many(vs) => values.extend(vs.iter().cloned()),
        }
    }
    Json::Object(
        tests
            .into_iter()
            .map(|(test, variables)| {
                let variables = variables
                    .into_iter()
                    .map(|(variable, mut values)| {
                        let rendered = if values.len() == 1 {
                            Strings::One(values.remove(0))
                        } else {
                            Strings::Many(values)
                        };
                        (variable.to_string(), rendered.to_json())
                    })
                    .collect();
                (test.to_string(), Json::Object(variables))
            })
            .collect(),
    )
}

/// The data source's state: the configuration plus `json`, `minified_json` and an
/// `id` (the CRC-32 of `json`, as the provider sets it).
pub fn render(config: &Object) -> Result<Object> {
    let document = build(config)?.to_json();
    let json = go_json(&document, true);
    let minified = go_json(&document, false);
    let mut state = config.clone();
    state.insert(
        "id".into(),
        Value::from(crc32fast::hash(json.as_bytes()).to_string()),
    );
    state.insert(
        "version".into(),
        Value::from(config.str("version").unwrap_or(VERSION_2012)),
    );
    state.insert("json".into(), Value::from(json));
    state.insert("minified_json".into(), Value::from(minified));
    Ok(state)
}

/// Source documents, then the blocks, then override documents, merged in that order.
fn build(config: &Object) -> Result<Document> {
    let mut merged = Document::default();
    let mut source_sids = Vec::new();
    for (i, text) in documents(config, "source_policy_documents") {
        let source = parse_document(text)
            .map_err(|e| ProviderError::new(format!("source_policy_documents[{i}]: {e}")))?;
        for (j, s) in source.statements.iter().enumerate() {
            if s.sid.is_empty() {
                continue;
            }
            if source_sids.contains(&s.sid) {
                return Err(ProviderError::new(format!(
                    "source_policy_documents[{i}]: statement {j} repeats Sid {:?}; remove it or make Sids unique",
                    s.sid
                )));
            }
            source_sids.push(s.sid.clone());
        }
        merged.merge(source);
    }
    merged.merge(configured(config)?);
    for (i, text) in documents(config, "override_policy_documents") {
        let over = parse_document(text)
            .map_err(|e| ProviderError::new(format!("override_policy_documents[{i}]: {e}")))?;
        merged.merge(over);
    }
    Ok(merged)
}

/// The non-null documents of a list attribute, with their indexes.
fn documents<'a>(config: &'a Object, attr: &str) -> Vec<(usize, &'a str)> {
    config
        .list(attr)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
        .collect()
}

/// The document the `statement` blocks describe.
fn configured(config: &Object) -> Result<Document> {
    let version = config.str("version").unwrap_or(VERSION_2012);
    if version != VERSION_2012 && version != VERSION_2008 {
        return Err(ProviderError::new(format!(
            "version {version:?} is not an IAM policy version: use \"{VERSION_2012}\" (or \"{VERSION_2008}\")"
        )));
    }
    let mut statements: Vec<Statement> = Vec::new();
    for (i, block) in config.list("statement").iter().enumerate() {
        let block = block.as_object().cloned().unwrap_or_default();
        let statement = configured_statement(&block, version)
            .map_err(|e| ProviderError::new(format!("statement[{i}]: {}", e.message)))?;
        if !statement.sid.is_empty() && statements.iter().any(|s| s.sid == statement.sid) {
            return Err(ProviderError::new(format!(
                "statement[{i}]: Sid {:?} is used by an earlier statement; Sids must be unique",
                statement.sid
            )));
        }
        statements.push(statement);
    }
    Ok(Document {
        version: version.to_string(),
        id: config.str("policy_id").unwrap_or_default().to_string(),
        statements,
    })
}

fn configured_statement(block: &Object, version: &str) -> Result<Statement> {
    let sid = block.str("sid").unwrap_or_default().to_string();
    if !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ProviderError::new(format!(
            "sid {sid:?} may hold only letters and digits (IAM refuses other characters)"
        )));
    }
    let effect = block.str("effect").unwrap_or("Allow").to_string();
    if effect != "Allow" && effect != "Deny" {
        return Err(ProviderError::new(format!(
            "effect {effect:?} is neither \"Allow\" nor \"Deny\""
        )));
    }
    let mut lists: [Option<Json>; 4] = std::default::Default::default();
    for (slot, attr) in lists.iter_mut().zip(LIST_ATTRIBUTES) {
        let Some(set) = set_of_strings(block, attr) else {
            continue;
        };
        // Only resources carry policy variables (`&{aws:username}`), as in the provider.
        let set = if attr.ends_with("resources") {
            with_variables(set, version)?
        } else {
            set
        };
        *slot = Some(set.to_json());
    }
    Ok(Statement {
        sid,
        effect,
        lists,
        principals: configured_principals(block, "principals", version)?,
        not_principals: configured_principals(block, "not_principals", version)?,
        conditions: configured_conditions(block, version)?,
    })
}

/// A set of strings as the provider decodes it: one element as a string, more
/// sorted in reverse; None when empty.
fn set_of_strings(block: &Object, attr: &str) -> Option<Strings> {
    let mut items = block.strings(attr);
    items.sort();
    items.dedup();
    match items.len() {
        0 => None,
        1 => Some(Strings::One(items.remove(0))),
        _ => {
            items.reverse();
            Some(Strings::Many(items))
        }
    }
}

fn configured_principals(block: &Object, name: &str, version: &str) -> Result<Vec<Principal>> {
    block
        .list(name)
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            let identifiers = set_of_strings(p, "identifiers")
                .ok_or_else(|| ProviderError::new(format!("{name}: identifiers is empty")))?;
            Ok(Principal {
                kind: p.str("type").unwrap_or_default().to_string(),
                identifiers: with_variables(identifiers, version)?,
            })
        })
        .collect()
}

fn configured_conditions(block: &Object, version: &str) -> Result<Vec<Condition>> {
    block
        .list("condition")
        .iter()
        .filter_map(Value::as_object)
        .map(|c| {
            // Order matters for values: kept as written.
            let mut values = c.strings("values");
            let values = if values.len() == 1 {
                Strings::One(values.remove(0))
            } else {
                Strings::Many(values)
            };
            Ok(Condition {
                test: c.str("test").unwrap_or_default().to_string(),
                variable: c.str("variable").unwrap_or_default().to_string(),
                values: with_variables(values, version)?,
            })
        })
        .collect()
}

/// `&{aws:username}` is how HCL users write the policy variable `${aws:username}`;
/// the 2008 policy language has no variables.
fn with_variables(strings: Strings, version: &str) -> Result<Strings> {
    let replace = |s: String| {
        if !s.contains("&{") {
            Ok(s)
        } else if version == VERSION_2008 {
            Err(ProviderError::new(format!(
                "{s:?} uses a policy variable (&{{...}}), which version \"{VERSION_2008}\" does not support"
            )))
        } else {
            Ok(s.replace("&{", "${"))
        }
    };
    Ok(match strings {
        Strings::One(s) => Strings::One(replace(s)?),
        Strings::Many(items) => {
            Strings::Many(items.into_iter().map(replace).collect::<Result<_, _>>()?)
        }
    })
}

/// A JSON policy document (a source or override document) in the provider's model.
fn parse_document(text: &str) -> Result<Document, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Json::Object(doc) = json else {
        return Err("a policy document must be a JSON object".into());
    };
    let text_of = |key: &str| -> Result<String, String> {
        match doc.get(key) {
            None | Some(Json::Null) => Ok(String::new()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!("{key} must be a string, not {other}")),
        }
    };
    let statements = match doc.get("Statement") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one @ Json::Object(_)) => vec![one],
        Some(other) => return Err(format!("Statement must be a list of objects, not {other}")),
    };
    Ok(Document {
        version: text_of("Version")?,
        id: text_of("Id")?,
        statements: statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_statement(s).map_err(|e| format!("Statement[{i}]: {e}")))
            .collect::<Result<_, _>>()?,
    })
}

fn parse_statement(json: &Json) -> Result<Statement, String> {
    let Json::Object(map) = json else {
        return Err(format!("a statement must be an object, not {json}"));
    };
    let text_of = |key: &str| -> Result<String, String> {
        match map.get(key) {
            None | Some(Json::Null) => Ok(String::new()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!("{key} must be a string, not {other}")),
        }
    };
    let mut lists: [Option<Json>; 4] = std::default::Default::default();
    for (slot, key) in lists.iter_mut().zip(LIST_KEYS) {
        *slot = map.get(key).filter(|v| !v.is_null()).cloned();
    }
    let principals_of = |key: &str| match map.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(v) => parse_principals(v).map_err(|e| format!("{key}: {e}")),
    };
    Ok(Statement {
        sid: text_of("Sid")?,
        effect: text_of("Effect")?,
        lists,
        principals: principals_of("Principal")?,
        not_principals: principals_of("NotPrincipal")?,
        conditions: match map.get("Condition") {
            None | Some(Json::Null) => Vec::new(),
            Some(v) => parse_conditions(v).map_err(|e| format!("Condition: {e}"))?,
        },
    })
}

/// `"*"`, or `{type: id | [ids]}`; lists are sorted, as the provider reads them.
fn parse_principals(json: &Json) -> Result<Vec<Principal>, String> {
    match json {
        Json::String(_) => Ok(vec![Principal {
            kind: "*".into(),
            identifiers: Strings::Many(vec!["*".into()]),
        }]),
        Json::Object(map) => map
            .iter()
            .map(|(kind, ids)| {
                let identifiers = match ids {
                    Json::String(s) => Strings::One(s.clone()),
                    Json::Array(items) => {
                        let mut ids =
                            strings_of(items).map_err(|e| format!("{kind}: identifiers {e}"))?;
                        // Sorted on reading, reversed on writing: the provider's order.
                        ids.sort();
                        ids.reverse();
                        Strings::Many(ids)
                    }
                    other => return Err(format!("{kind}: {other} is not a string or a list")),
                };
                Ok(Principal {
                    kind: kind.clone(),
                    identifiers,
                })
            })
            .collect(),
        other => Err(format!("{other} is neither \"*\" nor an object")),
    }
}

/// `{test: {variable: value | [values]}}`. A number is kept as its text where the
/// provider would drop the condition without a word.
fn parse_conditions(json: &Json) -> Result<Vec<Condition>, String> {
    let Json::Object(tests) = json else {
        return Err(format!("{json} is not an object"));
    };
    let mut out = Vec::new();
    for (test, variables) in tests {
        let Json::Object(variables) = variables else {
            return Err(format!("{test}: {variables} is not an object"));
        };
        for (variable, values) in variables {
            let values = match values {
                Json::String(s) => Strings::Many(vec![s.clone()]),
                Json::Bool(b) => Strings::One(b.to_string()),
                Json::Number(n) => Strings::Many(vec![n.to_string()]),
                Json::Array(items) => {
                    Strings::Many(strings_of(items).map_err(|e| format!("{test}.{variable}: {e}"))?)
                }
                other => {
                    return Err(format!(
                        "{test}.{variable}: {other} is not a value IAM takes"
                    ))
                }
            };
            out.push(Condition {
                test: test.clone(),
                variable: variable.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn strings_of(items: &[Json]) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|v| match v {
            Json::String(s) => Ok(s.clone()),
            Json::Bool(b) => Ok(b.to_string()),
            Json::Number(n) => Ok(n.to_string()),
            other => Err(format!("{other} is not a string")),
        })
        .collect()
}

/// JSON as Go's encoding/json writes it (`json.MarshalIndent(v, "", "  ")` or
/// `json.Marshal`): object keys in the order given, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped. The provider's output is this text, byte for byte.
pub fn go_json(value: &Json, indent: bool) -> String {
    let mut out = String::new();
    write_go_json(value, indent, 0, &mut out);
    out
}

fn write_go_json(value: &Json, indent: bool, depth: usize, out: &mut String) {
    let newline = |out: &mut String, depth: usize| {
        if indent {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    match value {
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Object(map) if map.is_empty() => out.push_str("{}"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_go_json(item, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_go_string(key, out);
                out.push_str(if indent { ": " } else { ":" });
                write_go_json(item, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push('}');
        }
        Json::String(s) => write_go_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests;
