//! `provider "aws" { ... }` blocks: the settings recon honours (region, profile,
//! default_tags, assume_role, alias), evaluated once variables are known, and a
//! warning naming every setting it does not honour.

use super::eval::Scope;
use super::{BodyIn, Expr, Stack};
use crate::diag::{Diag, Diags, Span};
use crate::value::{Object, Value};
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use std::collections::BTreeMap;

/// The Terraform provider address recon's resources belong to, as state records it.
pub const AWS_PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

/// A `provider "NAME" { ... }` block as written.
#[derive(Clone, Debug)]
pub struct ProviderBlock {
    pub name: String,
    /// The literal `alias`, if any: resources choose it with `provider = aws.ALIAS`.
    pub alias: Option<String>,
    pub body: BodyIn,
    pub span: Span,
}

impl ProviderBlock {
    /// `aws` or `aws.west`, as resources name it.
    pub fn key(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// `assume_role { role_arn, session_name, external_id }`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// One AWS provider configuration, evaluated.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ProviderSettings {
    /// None for the default configuration.
    pub alias: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub default_tags: BTreeMap<String, String>,
    pub assume_role: Option<AssumeRole>,
}

/// The provider string state records for a resource of provider configuration `alias`.
pub fn state_provider(alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("{AWS_PROVIDER}.{a}"),
        None => AWS_PROVIDER.to_string(),
    }
}

/// The alias a state provider string names (None: the default configuration).
pub fn alias_of_state_provider(provider: &str) -> Option<String> {
    let rest = provider.strip_prefix("provider[")?;
    let (_, after) = rest.split_once(']')?;
    after.strip_prefix('.').map(str::to_string)
}

/// What recon honours in an AWS provider block; everything else is warned about.
const HONOURED: &[&str] = &["region", "profile", "alias", "default_tags", "assume_role"];

/// Settings that change nothing recon does, accepted without a warning.
const HARMLESS: &[&str] = &[
    "version",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
];

/// Warnings for what the provider blocks of `stack` set and recon does not honour.
pub fn unhonoured(stack: &Stack) -> Vec<Diag> {
    let mut out = Vec::new();
    for p in &stack.providers {
        let file = &p.body.file;
        for s in p.body.body.iter() {
            let (name, span) = match s {
                Structure::Attribute(a) => (a.key.as_str(), a.key.span()),
                Structure::Block(b) => (b.ident.as_str(), b.ident.span()),
            };
            if HONOURED.contains(&name) || HARMLESS.contains(&name) {
                if let Structure::Block(b) = s {
                    let inner: &[&str] = match name {
                        "default_tags" => &["tags"],
                        "assume_role" => &["role_arn", "session_name", "external_id"],
                        _ => &[],
                    };
                    for s in b.body.iter() {
                        let (iname, ispan) = match s {
                            Structure::Attribute(a) => (a.key.as_str(), a.key.span()),
                            Structure::Block(b) => (b.ident.as_str(), b.ident.span()),
                        };
                        if !inner.contains(&iname) {
                            out.push(Diag::at(
                                &Span::new(file, ispan),
                                format!("provider \"{}\": recon does not honour \"{name}.{iname}\"; it is ignored", p.key()),
                                "ignored",
                            ).with_help(format!("recon honours {name} {{ {} }}", inner.join(", "))));
                        }
                    }
                }
                continue;
            }
            out.push(
                Diag::at(
                    &Span::new(file, span),
                    format!(
                        "provider \"{}\": recon does not honour \"{name}\"; it is ignored",
                        p.key()
                    ),
                    "ignored",
                )
                .with_help(
                    "recon honours region, profile, alias, default_tags { tags } and assume_role { role_arn, session_name, external_id }; endpoints come from AWS_ENDPOINT_URL",
                ),
            );
        }
    }
    out
}

/// Evaluates every `provider "aws"` block with the stack's variables and locals.
/// The default configuration is always present (first), even when not written.
pub fn evaluate(stack: &Stack, vars: &Object) -> Result<Vec<ProviderSettings>, Diags> {
    let no_resources = BTreeMap::new();
    let scope = Scope::new(stack, vars, &no_resources);
    let mut out = vec![ProviderSettings::default()];
    let mut errors = Vec::new();
    for p in stack.providers.iter().filter(|p| p.name == "aws") {
        match settings(p, &scope) {
            Ok(s) if s.alias.is_none() => out[0] = s,
            Ok(s) => out.push(s),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diags(errors))
    }
}

fn settings(p: &ProviderBlock, scope: &Scope) -> Result<ProviderSettings, Diag> {
    let file = &p.body.file;
    let string = |expr: &hcl_edit::expr::Expression, what: &str| -> Result<String, Diag> {
        let e = Expr {
            file: file.clone(),
            expr: expr.clone(),
        };
        match scope.eval(&e)? {
            Value::String(s) => Ok(s),
            other => Err(Diag::at(
                &e.span(),
                format!(
                    "provider \"{}\": {what} must be a known string, got {other}",
                    p.key()
                ),
                "here",
            )
            .with_help("provider settings may use variables and locals only")),
        }
    };
    let mut out = ProviderSettings {
        alias: p.alias.clone(),
        ..Default::default()
    };
    for s in p.body.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.as_str() {
                "region" => out.region = Some(string(&a.value, "region")?),
                "profile" => out.profile = Some(string(&a.value, "profile")?),
                _ => {}
            },
            Structure::Block(b) if b.ident.as_str() == "default_tags" => {
                let Some(tags) = b.body.get_attribute("tags") else {
                    continue;
                };
                let e = Expr {
                    file: file.clone(),
                    expr: tags.value.clone(),
                };
                match scope.eval(&e)? {
                    Value::Object(map) => {
                        for (k, v) in map {
                            match v {
                                Value::String(s) => {
                                    out.default_tags.insert(k, s);
                                }
                                Value::Number(_) | Value::Bool(_) => {
                                    out.default_tags.insert(k, v.to_interpolated().unwrap_or_default());
                                }
                                other => {
                                    return Err(Diag::at(
                                        &e.span(),
                                        format!("provider \"{}\": default tag \"{k}\" must be a string, got {other}", p.key()),
                                        "here",
                                    ))
                                }
                            }
                        }
                    }
                    Value::Null => {}
                    other => {
                        return Err(Diag::at(
                            &e.span(),
                            format!(
                                "provider \"{}\": default_tags.tags must be a map of strings, got {other}",
                                p.key()
                            ),
                            "here",
                        ))
                    }
                }
            }
            Structure::Block(b) if b.ident.as_str() == "assume_role" => {
                let mut role = AssumeRole::default();
                for inner in b.body.iter() {
                    let Structure::Attribute(a) = inner else {
                        continue;
                    };
                    match a.key.as_str() {
                        "role_arn" => role.role_arn = string(&a.value, "assume_role.role_arn")?,
                        "session_name" => {
                            role.session_name = Some(string(&a.value, "assume_role.session_name")?)
                        }
                        "external_id" => {
                            role.external_id = Some(string(&a.value, "assume_role.external_id")?)
                        }
                        _ => {}
                    }
                }
                if role.role_arn.is_empty() {
                    return Err(Diag::at(
                        &Span::new(file, b.ident.span()),
                        format!("provider \"{}\": assume_role needs role_arn", p.key()),
                        "here",
                    ));
                }
                out.assume_role = Some(role);
            }
            Structure::Block(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn stack(src: &str) -> Stack {
        let sources: Vec<(PathBuf, String)> = vec![("main.tf".into(), src.to_string())];
        Stack::from_sources(Path::new("."), sources).unwrap()
    }

    #[test]
    fn provider_blocks_evaluate_with_variables_and_aliases() {
        let s = stack(
            r#"
variable "region" {
  default = "eu-west-1"
}
provider "aws" {
  region = var.region
  default_tags {
    tags = { Team = "core", Env = "prod" }
  }
}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deploy"
    session_name = "recon"
    external_id  = "x"
  }
}
resource "aws_vpc" "a" {
  provider   = aws.west
  cidr_block = "10.0.0.0/16"
}
"#,
        );
        let vars = crate::config::vars::resolve(&s, &Default::default()).unwrap();
        let got = evaluate(&s, &vars).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(got[0].default_tags.len(), 2);
        assert_eq!(got[1].alias.as_deref(), Some("west"));
        assert_eq!(
            got[1].assume_role.as_ref().unwrap().session_name.as_deref(),
            Some("recon")
        );
        assert_eq!(
            s.resources.values().next().unwrap().provider.as_deref(),
            Some("west")
        );
        assert!(unhonoured(&s).is_empty());
    }

    #[test]
    fn unhonoured_settings_are_named() {
        let s = stack(
            "provider \"aws\" {\n  region = \"us-east-1\"\n  max_retries = 3\n  endpoints {\n    s3 = \"x\"\n  }\n  default_tags {\n    tags = {}\n    extra = 1\n  }\n}\n",
        );
        let w: Vec<String> = unhonoured(&s).iter().map(|d| d.message.clone()).collect();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("\"max_retries\""), "{w:?}");
        assert!(w[1].contains("\"endpoints\""), "{w:?}");
        assert!(w[2].contains("\"default_tags.extra\""), "{w:?}");
    }

    #[test]
    fn state_provider_strings_round_trip() {
        assert_eq!(alias_of_state_provider(&state_provider(None)), None);
        assert_eq!(
            alias_of_state_provider(&state_provider(Some("west"))).as_deref(),
            Some("west")
        );
    }
}
