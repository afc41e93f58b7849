//! Typed resource addresses: `aws_instance.web`, `aws_instance.web[0]`,
//! `aws_instance.web["a"]`, `data.aws_ami.al2023`, and inside module instances
//! `module.net["a"].aws_subnet.main[0]`.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

/// The key of one instance of a resource block: none, `count.index` or `each.key`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    /// `[0]`, `["a"]`, or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::from(s.clone())),
        }
    }
}

impl InstanceKey {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            InstanceKey::None => serde_json::Value::Null,
            InstanceKey::Int(i) => serde_json::Value::from(*i),
            InstanceKey::Str(s) => serde_json::Value::from(s.clone()),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> InstanceKey {
        match json {
            serde_json::Value::Number(n) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
            serde_json::Value::String(s) => InstanceKey::Str(s.clone()),
            _ => InstanceKey::None,
        }
    }
}

impl PartialOrd for InstanceKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InstanceKey {
    fn cmp(&self, other: &Self) -> Ordering {
        use InstanceKey::*;
        match (self, other) {
            (None, None) => Ordering::Equal,
            (None, _) => Ordering::Less,
            (_, None) => Ordering::Greater,
            (Int(a), Int(b)) => a.cmp(b),
            (Int(_), Str(_)) => Ordering::Less,
            (Str(_), Int(_)) => Ordering::Greater,
            (Str(a), Str(b)) => a.cmp(b),
        }
    }
}

/// One module call instance on a path: `module.NAME` or `module.NAME[KEY]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// Where a block sits in the module tree: empty for the root stack,
/// `module.net["a"].module.rules` for a nested module instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModulePath(pub Vec<ModuleStep>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut steps = self.0.clone();
        steps.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModulePath(steps)
    }

    /// The calling module instance (the root's parent is the root).
    pub fn parent(&self) -> ModulePath {
        let mut steps = self.0.clone();
        steps.pop();
        ModulePath(steps)
    }

    /// The last step: the call this instance belongs to.
    pub fn last(&self) -> Option<&ModuleStep> {
        self.0.last()
    }

    /// Whether `self`, as an operator writes it, names `other` or a module inside
    /// it: a step without a key names every instance of its call.
    pub fn covers(&self, other: &ModulePath) -> bool {
        self.0.len() <= other.0.len()
            && self.0.iter().zip(&other.0).all(|(mine, theirs)| {
                mine.name == theirs.name
                    && (mine.key == InstanceKey::None || mine.key == theirs.key)
            })
    }

    /// The path without instance keys (`module.net.module.rules`): what
    /// Terraform's JSON names a module call by in `configuration`.
    pub fn call_path(&self) -> String {
        self.0
            .iter()
            .map(|s| format!("module.{}", s.name))
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
        }
        Ok(())
    }
}

impl FromStr for ModulePath {
    type Err = AddrParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parts = Parts::new(input);
        let path = parts.module_path()?;
        if !parts.rest().is_empty() {
            return Err(parts.err("expected module.NAME or module.NAME[KEY] steps only"));
        }
        Ok(path)
    }
}

/// A resource block: `aws_instance.web` or `data.aws_ami.al2023`, in the root
/// stack or in a module instance (`module.net["a"].aws_subnet.main`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    /// The module instance it belongs to; empty for the root stack.
    pub module: ModulePath,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(type_name: &str, name: &str) -> Self {
        ResourceAddr {
            module: ModulePath::root(),
            mode: Mode::Managed,
            type_name: type_name.to_string(),
            name: name.to_string(),
        }
    }

    pub fn data(type_name: &str, name: &str) -> Self {
        ResourceAddr {
            module: ModulePath::root(),
            mode: Mode::Data,
            type_name: type_name.to_string(),
            name: name.to_string(),
        }
    }

    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }

    /// The same block in module instance `module`.
    pub fn in_module(&self, module: &ModulePath) -> ResourceAddr {
        ResourceAddr {
            module: module.clone(),
            ..self.clone()
        }
    }

    /// The address without its module path, as written inside its module.
    pub fn local(&self) -> String {
        self.in_module(&ModulePath::root()).to_string()
    }

    /// A "resource" that stands for a whole module (`--target module.net`): no type.
    pub fn is_module_only(&self) -> bool {
        self.type_name.is_empty()
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}", self.module)?;
            if self.is_module_only() {
                return Ok(());
            }
            f.write_str(".")?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One instance of a resource block.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl InstanceAddr {
    /// Whether this address, as an operator writes it (`--target`,
    /// `--allow-data-loss`), names `addr`: one without a key names every
    /// instance of its resource (`aws_instance.web` covers `aws_instance.web[0]`).
    /// A module address (`module.net`) covers every instance inside the module.
    pub fn covers(&self, addr: &InstanceAddr) -> bool {
        if self.resource.is_module_only() {
            return self.resource.module.covers(&addr.resource.module);
        }
        let (mine, theirs) = (&self.resource, &addr.resource);
        mine.module.covers(&theirs.module)
            && mine.module.0.len() == theirs.module.0.len()
            && (mine.mode, &mine.type_name, &mine.name)
                == (theirs.mode, &theirs.type_name, &theirs.name)
            && (self.key == InstanceKey::None || self.key == addr.key)
    }

    /// Everything in module instance(s) `module`, as `--target module.net` means.
    pub fn whole_module(module: ModulePath) -> InstanceAddr {
        InstanceAddr {
            resource: ResourceAddr {
                module,
                mode: Mode::Managed,
                type_name: String::new(),
                name: String::new(),
            },
            key: InstanceKey::None,
        }
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid resource address {input:?}: {reason} (expected e.g. aws_instance.web, aws_instance.web[0], aws_instance.web[\"a\"] or module.NAME[KEY].aws_instance.web)")]
pub struct AddrParseError {
    pub input: String,
    pub reason: &'static str,
}

/// A cursor over an address as text: names separated by dots, each name
/// optionally followed by `[KEY]` (a number or a JSON string, which may hold
/// dots and brackets).
struct Parts<'a> {
    input: &'a str,
    at: usize,
}

impl<'a> Parts<'a> {
    fn new(input: &'a str) -> Parts<'a> {
        Parts { input, at: 0 }
    }

    fn err(&self, reason: &'static str) -> AddrParseError {
        AddrParseError {
            input: self.input.to_string(),
            reason,
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.at..]
    }

    /// The next name, consuming a dot after it.
    fn name(&mut self) -> Result<&'a str, AddrParseError> {
        let rest = self.rest();
        let len = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..len];
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(self.err("names are letters, digits, '_' and '-'"));
        }
        self.at += len;
        Ok(name)
    }

    fn dot(&mut self) -> bool {
        if self.rest().starts_with('.') {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `[0]` or `["a"]` if one follows.
    fn key(&mut self) -> Result<InstanceKey, AddrParseError> {
        let rest = self.rest();
        if !rest.starts_with('[') {
            return Ok(InstanceKey::None);
        }
        let close = if rest[1..].starts_with('"') {
            // The closing quote is the first one not escaped.
            let mut escaped = false;
            let end = rest[2..].char_indices().find_map(|(i, c)| match c {
                '\\' if !escaped => {
                    escaped = true;
                    None
                }
                '"' if !escaped => Some(i + 2),
                _ => {
                    escaped = false;
                    None
                }
            });
            end.map(|q| q + 1)
                .filter(|&c| rest[c..].starts_with(']'))
                .ok_or_else(|| self.err("unbalanced brackets"))?
        } else {
            rest.find(']')
                .ok_or_else(|| self.err("unbalanced brackets"))?
        };
        let inner = &rest[1..close];
        let key = if let Ok(i) = inner.parse::<i64>() {
            InstanceKey::Int(i)
        } else {
            let s: String = serde_json::from_str(inner)
                .map_err(|_| self.err("an index is a number or a quoted string"))?;
            InstanceKey::Str(s)
        };
        self.at += close + 1;
        Ok(key)
    }

    /// Leading `module.NAME[KEY].` steps.
    fn module_path(&mut self) -> Result<ModulePath, AddrParseError> {
        let mut steps = Vec::new();
        while self.rest().starts_with("module.") {
            self.at += "module.".len();
            let name = self.name()?.to_string();
            let key = self.key()?;
            steps.push(ModuleStep { name, key });
            if !self.dot() {
                break;
            }
        }
        Ok(ModulePath(steps))
    }
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parts = Parts::new(input);
        let module = parts.module_path()?;
        if !module.is_root() && parts.rest().is_empty() && !input.ends_with('.') {
            return Ok(InstanceAddr::whole_module(module));
        }
        let first = parts.name()?;
        let data = first == "data" && parts.dot();
        let type_name = if data {
            parts.name()?
        } else {
            if !parts.dot() {
                return Err(parts.err("expected TYPE.NAME"));
            }
            first
        };
        if data && !parts.dot() {
            return Err(parts.err("expected data.TYPE.NAME"));
        }
        let name = parts.name()?;
        let key = parts.key()?;
        if !parts.rest().is_empty() {
            return Err(parts.err("expected TYPE.NAME"));
        }
        Ok(InstanceAddr {
            resource: ResourceAddr {
                module,
                mode: if data { Mode::Data } else { Mode::Managed },
                type_name: type_name.to_string(),
                name: name.to_string(),
            },
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_text() {
        for text in [
            "aws_instance.web",
            "aws_instance.web[0]",
            "aws_instance.web[\"a b\"]",
            "data.aws_ami.al2023",
            "module.net.aws_vpc.main",
            "module.net[\"a.b[c]\"].module.rules[2].aws_subnet.x[\"k\"]",
            "module.net[0].data.aws_ami.al2023",
            "module.net[\"a\"]",
        ] {
            let addr: InstanceAddr = text.parse().unwrap();
            assert_eq!(addr.to_string(), text);
        }
    }

    #[test]
    fn bad_addresses_say_why() {
        let err = "aws_instance".parse::<InstanceAddr>().unwrap_err();
        assert_eq!(err.reason, "expected TYPE.NAME");
        assert!("aws_instance.web[x]".parse::<InstanceAddr>().is_err());
        assert!("module.".parse::<InstanceAddr>().is_err());
        assert!("module.x.".parse::<InstanceAddr>().is_err());
        assert!("aws_instance.web.id".parse::<InstanceAddr>().is_err());
        assert!("module.x[\"a].aws_vpc.v".parse::<InstanceAddr>().is_err());
    }

    #[test]
    fn a_module_address_covers_what_is_inside_it() {
        let addr = |s: &str| s.parse::<InstanceAddr>().unwrap();
        let inside = addr("module.net[\"a\"].module.rules.aws_vpc.v[0]");
        assert!(addr("module.net").covers(&inside));
        assert!(addr("module.net[\"a\"]").covers(&inside));
        assert!(addr("module.net[\"a\"].module.rules.aws_vpc.v").covers(&inside));
        assert!(addr("module.net.module.rules.aws_vpc.v").covers(&inside));
        assert!(!addr("module.net[\"b\"]").covers(&inside));
        assert!(!addr("module.net.aws_vpc.v").covers(&inside));
        assert!(!addr("aws_vpc.v").covers(&inside));
        assert!(!addr("module.net").covers(&addr("aws_vpc.v")));
    }

    #[test]
    fn instances_sort_by_key_within_a_resource() {
        let mut addrs: Vec<InstanceAddr> = ["a.b[10]", "a.b[2]", "a.b"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        addrs.sort();
        let shown: Vec<String> = addrs.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["a.b", "a.b[2]", "a.b[10]"]);
    }
}
