//! Typed resource addresses: `aws_instance.web`, `aws_instance.web[0]`,
//! `aws_instance.web["a"]`, `data.aws_ami.al2023`.

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

/// A resource block: `aws_instance.web` or `data.aws_ami.al2023`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(type_name: &str, name: &str) -> Self {
        ResourceAddr {
            mode: Mode::Managed,
            type_name: type_name.to_string(),
            name: name.to_string(),
        }
    }

    pub fn data(type_name: &str, name: &str) -> Self {
        ResourceAddr {
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
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    pub fn covers(&self, addr: &InstanceAddr) -> bool {
        self.resource == addr.resource && (self.key == InstanceKey::None || self.key == addr.key)
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.resource)?;
        match &self.key {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::from(s.clone())),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid resource address {input:?}: {reason} (expected e.g. aws_instance.web, aws_instance.web[0] or aws_instance.web[\"a\"])")]
pub struct AddrParseError {
    pub input: String,
    pub reason: &'static str,
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| AddrParseError {
            input: input.to_string(),
            reason,
        };
        let (head, key) = match input.find('[') {
            Some(open) => {
                let inner = input[open..]
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .ok_or_else(|| err("unbalanced brackets"))?;
                let key = if let Ok(i) = inner.parse::<i64>() {
                    InstanceKey::Int(i)
                } else {
                    let s: String = serde_json::from_str(inner)
                        .map_err(|_| err("an index is a number or a quoted string"))?;
                    InstanceKey::Str(s)
                };
                (&input[..open], key)
            }
            None => (input, InstanceKey::None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        let (mode, type_name, name) = match parts.as_slice() {
            ["data", t, n] => (Mode::Data, *t, *n),
            [t, n] => (Mode::Managed, *t, *n),
            _ => return Err(err("expected TYPE.NAME")),
        };
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !valid(type_name) || !valid(name) {
            return Err(err("names are letters, digits, '_' and '-'"));
        }
        Ok(InstanceAddr {
            resource: ResourceAddr {
                mode,
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
