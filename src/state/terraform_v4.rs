//! Terraform's state format, version 4 (`terraform.tfstate` since Terraform
//! 0.12): read so that `recon state import-terraform` can take over what
//! Terraform manages. Only what recon needs is read; other fields are ignored.

use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The one Terraform state format this recon reads.
pub const TERRAFORM_STATE_VERSION: u64 = 4;

/// A Terraform state document that cannot be read, and where it is.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {detail}")]
pub struct TerraformStateError {
    pub location: String,
    pub detail: String,
}

#[derive(Debug, Deserialize)]
pub struct TerraformState {
    pub version: u64,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub serial: u64,
    #[serde(default)]
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, TerraformOutput>,
    #[serde(default)]
    pub resources: Vec<TerraformResource>,
}

#[derive(Debug, Deserialize)]
pub struct TerraformOutput {
    pub value: Json,
    #[serde(default)]
    pub sensitive: bool,
}

/// One resource block's worth of instances.
#[derive(Debug, Deserialize)]
pub struct TerraformResource {
    /// `module.network` (or `module.a["x"].module.b`) for a resource in a module.
    #[serde(default)]
    pub module: Option<String>,
    pub mode: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    /// `provider["registry.terraform.io/hashicorp/aws"]`, with `.ALIAS` for an alias.
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<TerraformInstance>,
}

#[derive(Debug, Deserialize)]
pub struct TerraformInstance {
    /// An integer (`count`) or a string (`for_each`); absent for a single instance.
    #[serde(default)]
    pub index_key: Option<Json>,
    /// `tainted`, or absent.
    #[serde(default)]
    pub status: Option<String>,
    /// Set on an old object a create_before_destroy replacement has yet to delete.
    #[serde(default)]
    pub deposed: Option<String>,
    #[serde(default)]
    pub attributes: Option<Json>,
    /// Paths of sensitive values: lists of steps `{"type": "get_attr", "value": NAME}`
    /// or `{"type": "index", "value": {...}}`.
    #[serde(default)]
    pub sensitive_attributes: Vec<Json>,
    /// Resource addresses (not instances), e.g. `aws_vpc.main`, `data.aws_ami.x`,
    /// `module.m.aws_subnet.a`.
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
}

/// Whether `doc` is a Terraform state rather than recon's own.
pub fn is_terraform_state(doc: &Json) -> bool {
    doc.get("terraform_version").is_some() && doc.get("recon_version").is_none()
}

impl TerraformState {
    /// Parses a Terraform state document; `location` names it in errors.
    pub fn parse(bytes: &[u8], location: &str) -> Result<TerraformState, TerraformStateError> {
        let err = |detail: String| TerraformStateError {
            location: location.to_string(),
            detail,
        };
        let doc: Json =
            serde_json::from_slice(bytes).map_err(|e| err(format!("not valid JSON: {e}")))?;
        if doc.get("recon_version").is_some() {
            return Err(err(
                "this is a recon state, not a Terraform one: use `recon state push` to upload it"
                    .into(),
            ));
        }
        match doc.get("version").and_then(Json::as_u64) {
            Some(TERRAFORM_STATE_VERSION) => {}
            Some(v @ 1..=3) => {
                return Err(err(format!(
                    "Terraform state format version {v} (Terraform 0.11 or older): run \
                     `terraform apply -refresh-only` with Terraform 0.12 or newer once to \
                     upgrade it to version 4, then import that"
                )))
            }
            Some(v) => {
                return Err(err(format!(
                    "Terraform state format version {v}; this recon reads version \
                     {TERRAFORM_STATE_VERSION} (Terraform 0.12 to 1.x)"
                )))
            }
            None => {
                return Err(err(
                    "no numeric \"version\" field: this is not a Terraform state file".into(),
                ))
            }
        }
        serde_json::from_value(doc).map_err(|e| err(format!("not a Terraform v4 state: {e}")))
    }
}

impl TerraformResource {
    pub fn mode(&self) -> Option<Mode> {
        match self.mode.as_str() {
            "managed" => Some(Mode::Managed),
            "data" => Some(Mode::Data),
            _ => None,
        }
    }

    pub fn resource_addr(&self) -> Option<ResourceAddr> {
        // Module resources are reported and not imported (see import_terraform).
        Some(ResourceAddr {
            module: crate::addr::ModulePath::root(),
            mode: self.mode()?,
            type_name: self.type_name.clone(),
            name: self.name.clone(),
        })
    }

    /// The address of `instance` as Terraform prints it (with its module), for reports.
    pub fn display_addr(&self, instance: &TerraformInstance) -> String {
        let prefix = match &self.module {
            Some(m) => format!("{m}."),
            None => String::new(),
        };
        let data = if self.mode == "data" { "data." } else { "" };
        let key = match instance.key() {
            InstanceKey::None => String::new(),
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{s:?}]"),
        };
        format!("{prefix}{data}{}.{}{key}", self.type_name, self.name)
    }

    /// The provider's source address, e.g. `registry.terraform.io/hashicorp/aws`.
    pub fn provider_source(&self) -> &str {
        self.provider_parts()
            .map_or(&self.provider, |(source, _)| source)
    }

    /// The provider configuration's alias when it is the AWS provider: `Some(None)`
    /// for the default one, None for another provider.
    pub fn aws_alias(&self) -> Option<Option<String>> {
        let (source, after) = self.provider_parts()?;
        if source != "aws" && !source.ends_with("/aws") {
            return None;
        }
        match after {
            "" => Some(None),
            alias => alias
                .strip_prefix('.')
                .filter(|a| !a.is_empty())
                .map(|a| Some(a.to_string())),
        }
    }

    /// `provider["SOURCE"].ALIAS` as (SOURCE, ".ALIAS").
    fn provider_parts(&self) -> Option<(&str, &str)> {
        self.provider.strip_prefix("provider[\"")?.split_once("\"]")
    }
}

impl TerraformInstance {
    pub fn key(&self) -> InstanceKey {
        match &self.index_key {
            Some(Json::Number(n)) if n.is_i64() => InstanceKey::Int(n.as_i64().unwrap_or(0)),
            Some(Json::String(s)) => InstanceKey::Str(s.clone()),
            _ => InstanceKey::None,
        }
    }

    pub fn addr(&self, resource: &ResourceAddr) -> InstanceAddr {
        resource.instance(self.key())
    }

    pub fn tainted(&self) -> bool {
        self.status.as_deref() == Some("tainted")
    }

    /// The attributes as an object (empty when Terraform recorded none).
    pub fn attributes(&self) -> serde_json::Map<String, Json> {
        match &self.attributes {
            Some(Json::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        }
    }

    /// The top-level attributes holding a sensitive value (recon masks whole
    /// top-level values), from the first step of each path.
    pub fn sensitive_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sensitive_attributes
            .iter()
            .filter_map(|path| {
                let step = path.as_array()?.first()?;
                (step.get("type")?.as_str()? == "get_attr")
                    .then(|| step.get("value")?.as_str().map(str::to_string))?
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The dependencies on resources outside modules, as resource addresses.
    pub fn dependency_resources(&self) -> Vec<ResourceAddr> {
        self.dependencies
            .iter()
            .filter(|d| !d.starts_with("module."))
            .filter_map(|d| {
                let addr: InstanceAddr = d.parse().ok()?;
                Some(addr.resource)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"{
      "version": 4,
      "terraform_version": "1.7.5",
      "serial": 12,
      "lineage": "5bc8aa5f-acfb-bd8a-4283-77c790a15326",
      "outputs": {"vpc_id": {"value": "vpc-1", "type": "string"},
                  "secret": {"value": "s", "type": "string", "sensitive": true}},
      "resources": [
        {"mode": "data", "type": "aws_region", "name": "current",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 0, "attributes": {"name": "us-east-1"}, "sensitive_attributes": []}]},
        {"mode": "managed", "type": "aws_subnet", "name": "a",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
         "instances": [
           {"index_key": 0, "schema_version": 1, "attributes": {"id": "subnet-1"},
            "sensitive_attributes": [[{"type": "get_attr", "value": "tags"}, {"type": "index", "value": {"value": "k", "type": "string"}}]],
            "dependencies": ["aws_vpc.main", "data.aws_region.current", "module.net.aws_vpc.x"],
            "create_before_destroy": true},
           {"index_key": "b", "status": "tainted", "schema_version": 1, "attributes": {"id": "subnet-2"}},
           {"index_key": 0, "deposed": "00000001", "schema_version": 1, "attributes": {"id": "subnet-0"}}
         ]},
        {"module": "module.net", "mode": "managed", "type": "aws_vpc", "name": "x",
         "provider": "provider[\"registry.opentofu.org/hashicorp/aws\"]",
         "instances": [{"attributes": {"id": "vpc-2"}}]},
        {"mode": "managed", "type": "random_id", "name": "r",
         "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
         "instances": [{"attributes": {"id": "abc"}}]}
      ],
      "check_results": null
    }"#;

    #[test]
    fn reads_resources_instances_and_outputs() {
        let tf = TerraformState::parse(STATE.as_bytes(), "terraform.tfstate").unwrap();
        assert_eq!(tf.terraform_version, "1.7.5");
        assert_eq!(tf.serial, 12);
        assert_eq!(tf.outputs["vpc_id"].value, Json::from("vpc-1"));
        assert!(tf.outputs["secret"].sensitive);
        assert_eq!(tf.resources.len(), 4);

        let data = &tf.resources[0];
        assert_eq!(data.mode(), Some(Mode::Data));
        assert_eq!(
            data.display_addr(&data.instances[0]),
            "data.aws_region.current"
        );

        let subnet = &tf.resources[1];
        assert_eq!(subnet.aws_alias(), Some(Some("west".to_string())));
        let addr = subnet.resource_addr().unwrap();
        let [first, second, deposed] = &subnet.instances[..] else {
            panic!("three instances")
        };
        assert_eq!(first.addr(&addr).to_string(), "aws_subnet.a[0]");
        assert_eq!(second.addr(&addr).to_string(), "aws_subnet.a[\"b\"]");
        assert_eq!(subnet.display_addr(second), "aws_subnet.a[\"b\"]");
        assert!(first.create_before_destroy && !first.tainted());
        assert!(second.tainted());
        assert_eq!(deposed.deposed.as_deref(), Some("00000001"));
        assert_eq!(first.sensitive_names(), vec!["tags".to_string()]);
        let deps: Vec<String> = first
            .dependency_resources()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(deps, vec!["aws_vpc.main", "data.aws_region.current"]);
        assert_eq!(first.attributes()["id"], Json::from("subnet-1"));

        let module = &tf.resources[2];
        assert_eq!(module.module.as_deref(), Some("module.net"));
        assert_eq!(module.aws_alias(), Some(None), "OpenTofu's registry too");
        assert_eq!(
            module.display_addr(&module.instances[0]),
            "module.net.aws_vpc.x"
        );
        assert_eq!(tf.resources[3].aws_alias(), None, "not the AWS provider");
        assert_eq!(
            tf.resources[3].provider_source(),
            "registry.terraform.io/hashicorp/random"
        );
    }

    #[test]
    fn refuses_what_is_not_a_v4_terraform_state_saying_why() {
        let cases = [
            ("{", "not valid JSON"),
            (
                r#"{"version": 3, "terraform_version": "0.11.14"}"#,
                "Terraform 0.11 or older",
            ),
            (
                r#"{"version": 5, "terraform_version": "2.0.0"}"#,
                "reads version 4",
            ),
            (r#"{"serial": 1}"#, "not a Terraform state file"),
            (
                r#"{"version": 1, "serial": 1, "lineage": "x", "recon_version": "0.1.0"}"#,
                "use `recon state push`",
            ),
            (
                r#"{"version": 4, "terraform_version": "1.0.0", "resources": [{"mode": "managed"}]}"#,
                "not a Terraform v4 state: missing field `type`",
            ),
        ];
        for (text, says) in cases {
            let err = TerraformState::parse(text.as_bytes(), "x.tfstate").unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("x.tfstate: "), "{msg}");
            assert!(msg.contains(says), "{text}: {msg}");
        }
    }

    #[test]
    fn tells_terraform_states_from_recon_states() {
        let tf: Json = serde_json::from_str(STATE).unwrap();
        assert!(is_terraform_state(&tf));
        let recon = serde_json::json!({"version": 1, "serial": 3, "lineage": "l", "recon_version": "0.1.0"});
        assert!(!is_terraform_state(&recon));
        let err = crate::state::State::from_json_at(STATE.as_bytes(), "terraform.tfstate")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("is a Terraform state")
                && err.contains("recon state import-terraform terraform.tfstate"),
            "{err}"
        );
    }
}
