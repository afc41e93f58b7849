//! aws_security_group: a VPC security group with its inline ingress and egress rules.

use super::describe::{self, find, find_one, read_back, wait_ready};
use super::security_group_grants::{
    self as grants, aws_grants, block_grants, to_permissions, Direction, Grants, GroupCtx, Key,
    Source, Verb,
};
use super::shared::{
    after_create, created_by_token, ec2_arn, filter, opt_str, prior_ids, state_tags,
    tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use aws_sdk_ec2::types::{
    ResourceType as Ec2Resource, SecurityGroup as AwsSecurityGroup, SecurityGroupRule,
};
use std::collections::BTreeSet;

const RULE_ATTRIBUTES: &[Attribute] = &[
    Attribute::required("from_port", Type::Number),
    Attribute::required("to_port", Type::Number),
    // "all" and "-1" mean the same; so do "6" and "tcp". Rules are compared by meaning.
    Attribute::required("protocol", Type::String),
    Attribute::optional("cidr_blocks", Type::List(&Type::String)).cidr(),
    Attribute::optional("ipv6_cidr_blocks", Type::List(&Type::String)).cidr(),
    Attribute::optional("prefix_list_ids", Type::List(&Type::String)),
    Attribute::optional("security_groups", Type::Set(&Type::String)),
    Attribute::optional("self", Type::Bool).default(Default::Bool(false)),
    Attribute::optional("description", Type::String),
];

pub static SCHEMA: Schema = Schema {
    type_name: "aws_security_group",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("description", Type::String)
            .default(Default::Str(DEFAULT_DESCRIPTION))
            .force_new(),
        Attribute::optional_computed("vpc_id", Type::String).force_new(),
        // Read by delete only; AWS does not know it.
        Attribute::optional("revoke_rules_on_delete", Type::Bool).default(Default::Bool(false)),
        Attribute::computed("owner_id", Type::String),
        TAGS,
    ],
    blocks: &[
        // Terraform's "attributes as blocks": left out of configuration, the rules that
        // exist are kept (and may be managed by aws_vpc_security_group_*_rule instead).
        BlockType::new("ingress", Nesting::Set, RULE_ATTRIBUTES)
            .computed_when_absent()
            .attribute_syntax(),
        BlockType::new("egress", Nesting::Set, RULE_ATTRIBUTES)
            .computed_when_absent()
            .attribute_syntax(),
    ],
};

const DEFAULT_DESCRIPTION: &str = "Managed by recon";
/// Length of the random suffix of generated names (Terraform's unique ids are as long).
const UNIQUE_SUFFIX_LEN: usize = 26;

client_type!(SecurityGroup: ec2, once, region);

#[async_trait]
impl ResourceType for SecurityGroup {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "security-group", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = match (planned.str("name"), planned.str("name_prefix")) {
            (Some(name), _) => name.to_string(),
            (None, Some(prefix)) => format!("{prefix}{}", unique_suffix()),
            (None, None) => format!("recon-{}", unique_suffix()),
        };
        let out = self
            .once
            .create_security_group()
            .group_name(&name)
            .description(planned.str("description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_vpc_id(planned.str("vpc_id").map(str::to_string))
            .tag_specifications(tag_specification(Ec2Resource::SecurityGroup, planned, meta))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(out.group_id(), "CreateSecurityGroup", "group id")?;
        let partial = object! {"id" => id.clone(), "name" => name};

        after_create(partial, async {
            let group =
                wait_ready::<AwsSecurityGroup>(&self.client, &id, "to exist", |_| true).await?;
            // AWS gives every new group an allow-all egress rule. Like Terraform, keep
            // it only when the configuration asks for it: rules not configured go.
            for direction in [Direction::Ingress, Direction::Egress] {
                let desired = match planned.get(direction.attr()) {
                    Some(Value::List(blocks)) => blocks.as_slice(),
                    _ => &[],
                };
                self.sync_rules(&group, direction, desired).await?;
            }
            read_back(&self.client, &id, |g| self.to_state(g, planned)).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let groups = find::<AwsSecurityGroup>(&self.client, &ids).await?;
        Ok(priors
            .iter()
            .map(|p| {
                p.str("id")
                    .and_then(|id| groups.get(id))
                    .map(|g| self.to_state(g, p))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let group = find_one::<AwsSecurityGroup>(&self.client, id)
            .await?
            .ok_or_else(|| {
                ProviderError::with_code(
                    "InvalidGroup.NotFound",
                    format!("security group {id} does not exist"),
                )
            })?;
        // The rules as they are now, not as the prior state remembers them: only the
        // difference is authorized or revoked.
        let mut local = planned.clone();
        for direction in [Direction::Ingress, Direction::Egress] {
            match planned.get(direction.attr()) {
                Some(Value::List(blocks)) => self.sync_rules(&group, direction, blocks).await?,
                _ => {
                    let kept = prior.get(direction.attr()).cloned().unwrap_or(Value::Null);
                    local.insert(direction.attr().to_string(), kept);
                }
            }
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_back(&self.client, id, |g| self.to_state(g, &local)).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if prior.bool("revoke_rules_on_delete") == Some(true) {
            self.revoke_related_rules(id).await?;
        }
        let codes = &["DependencyViolation", "InvalidGroup.InUse"];
        describe::delete::<AwsSecurityGroup, _, _, _>(&self.client, id, codes, || async {
            let call = self.client.delete_security_group().group_id(id);
            call.send().await.map_err(sdk_error)
        })
        .await
    }
}

impl SecurityGroup {
    /// Authorizes what `blocks` add to the group's rules of one direction, revokes what
    /// they drop, and rewrites descriptions that changed.
    async fn sync_rules(
        &self,
        group: &AwsSecurityGroup,
        direction: Direction,
        blocks: &[Value],
    ) -> Result<()> {
        let ctx = GroupCtx::of(group);
        let mut desired = Grants::new();
        for block in blocks {
            let block = block.as_object().ok_or_else(|| {
                ProviderError::new(format!("{} must hold blocks", direction.attr()))
            })?;
            let grants = block_grants(block, &ctx)
                .map_err(|m| ProviderError::new(format!("{}: {m}", direction.attr())))?;
            desired.extend(grants);
        }
        let actual = aws_grants(direction.permissions(group), &ctx);

        let revoke: Vec<(Key, Option<String>)> = actual
            .iter()
            .filter(|(k, _)| !desired.contains_key(*k))
            .map(|(k, _)| (k.clone(), None))
            .collect();
        let authorize: Vec<(Key, Option<String>)> = desired
            .iter()
            .filter(|(k, _)| !actual.contains_key(*k))
            .map(|(k, d)| (k.clone(), d.clone()))
            .collect();
        // An empty description is how a description is removed.
        let redescribe: Vec<(Key, Option<String>)> = desired
            .iter()
            .filter(|(k, d)| actual.get(*k).is_some_and(|a| a != *d))
            .map(|(k, d)| (k.clone(), Some(d.clone().unwrap_or_default())))
            .collect();

        let id = ctx.id.as_str();
        // Revoke first, as Terraform does, so a group near its rule limit can change.
        for (verb, grants) in [
            (Verb::Revoke, revoke),
            (Verb::Authorize, authorize),
            (Verb::Describe, redescribe),
        ] {
            if !grants.is_empty() {
                let perms = to_permissions(&grants, &ctx);
                grants::send(&self.client, id, direction, verb, perms, None).await?;
            }
        }
        Ok(())
    }

    /// Revokes the group's own rules and the rules of the groups it refers to that
    /// refer back to it, so that the group can be deleted.
    async fn revoke_related_rules(&self, id: &str) -> Result<()> {
        let Some(group) = find_one::<AwsSecurityGroup>(&self.client, id).await? else {
            return Ok(());
        };
        let mut related: BTreeSet<String> = BTreeSet::from([id.to_string()]);
        for perm in group
            .ip_permissions()
            .iter()
            .chain(group.ip_permissions_egress())
        {
            for pair in perm.user_id_group_pairs() {
                if let Some(other) = pair.group_id() {
                    related.insert(other.to_string());
                }
            }
        }
        let related: Vec<String> = related.into_iter().collect();
        let rules: Vec<SecurityGroupRule> = all_items!(self
            .client
            .describe_security_group_rules()
            .filters(filter("group-id", &related)))?;
        // (owning group, egress) -> rule ids to revoke.
        let mut targets: BTreeMap<(String, bool), Vec<String>> = BTreeMap::new();
        for rule in &rules {
            let (Some(owner), Some(rule_id)) = (rule.group_id(), rule.security_group_rule_id())
            else {
                continue;
            };
            let refers_here = rule
                .referenced_group_info()
                .and_then(|r| r.group_id())
                .is_some_and(|g| g == id);
            if owner == id || refers_here {
                targets
                    .entry((owner.to_string(), rule.is_egress().unwrap_or(false)))
                    .or_default()
                    .push(rule_id.to_string());
            }
        }
        for ((owner, egress), rule_ids) in targets {
            let direction = if egress {
                Direction::Egress
            } else {
                Direction::Ingress
            };
            gone_ok(grants::revoke_ids(&self.client, &owner, direction, rule_ids).await)?;
        }
        Ok(())
    }

    /// The state of `group`; `local` (the prior state or the planned object) supplies
    /// what AWS does not keep and the shape in which matching rules were written.
    fn to_state(&self, group: &AwsSecurityGroup, local: &Object) -> Object {
        let ctx = GroupCtx::of(group);
        let name = group.group_name().unwrap_or_default();
        let name_prefix = match local.str("name_prefix") {
            Some(prefix) => Value::from(prefix),
            None => derived_name_prefix(name)
                .map(Value::from)
                .unwrap_or(Value::Null),
        };
        let arn = match group.security_group_arn() {
            Some(arn) if !arn.is_empty() => arn.to_string(),
            _ => ec2_arn(
                &self.region,
                &ctx.owner,
                &format!("security-group/{}", ctx.id),
            ),
        };
        let mut state = object! {
            "id" => ctx.id.clone(),
            "arn" => arn,
            "name" => opt_str(Some(name)),
            "name_prefix" => name_prefix,
            "description" => opt_str(group.description()),
            "vpc_id" => opt_str(group.vpc_id()),
            "revoke_rules_on_delete" => local.bool("revoke_rules_on_delete").unwrap_or(false),
            "owner_id" => opt_str(group.owner_id()),
            "tags" => state_tags(group.tags()),
        };
        for direction in [Direction::Ingress, Direction::Egress] {
            let actual = aws_grants(direction.permissions(group), &ctx);
            let blocks = render_blocks(local.list(direction.attr()), actual, &ctx);
            state.insert(direction.attr().to_string(), blocks);
        }
        state
    }
}

/// Rule blocks for state. A local block whose every grant exists (with the same
/// description) is written back as it was written, so equivalent spellings ("all" for
/// "-1", one block or several) never show as drift; grants no local block accounts
/// for are grouped as Terraform groups them.
fn render_blocks(local: &[Value], actual: Grants, ctx: &GroupCtx) -> Value {
    let mut pool = actual;
    let mut blocks = Vec::new();
    for block in local.iter().filter_map(Value::as_object) {
        let Ok(grants) = block_grants(block, ctx) else {
            continue;
        };
        if grants.is_empty() || !grants.iter().all(|(k, d)| pool.get(k) == Some(d)) {
            continue;
        }
        for (key, _) in &grants {
            pool.remove(key);
        }
        blocks.push(Value::Object(local_block(block)));
    }

    let mut groups: BTreeMap<(String, i64, i64, Option<String>), Vec<Source>> = BTreeMap::new();
    for (key, description) in pool {
        groups
            .entry((key.protocol, key.from, key.to, description))
            .or_default()
            .push(key.source);
    }
    for ((protocol, from, to, description), sources) in groups {
        let mut cidrs = Vec::new();
        let mut cidrs6 = Vec::new();
        let mut prefix_lists = Vec::new();
        let mut groups = Vec::new();
        let mut myself = false;
        for source in sources {
            match source {
                Source::Cidr4(c) => cidrs.push(c),
                Source::Cidr6(c) => cidrs6.push(c),
                Source::PrefixList(p) => prefix_lists.push(p),
                Source::Group(g) => groups.push(g),
                Source::Myself => myself = true,
            }
        }
        let list = |items: Vec<String>| {
            if items.is_empty() {
                Value::Null
            } else {
                Value::from(items)
            }
        };
        blocks.push(Value::Object(object! {
            "from_port" => from,
            "to_port" => to,
            "protocol" => protocol,
            "cidr_blocks" => list(cidrs),
            "ipv6_cidr_blocks" => list(cidrs6),
            "prefix_list_ids" => list(prefix_lists),
            "security_groups" => list(groups),
            "self" => myself,
            "description" => description,
        }));
    }
    Value::List(blocks)
}

/// A local rule block with every attribute present, as state holds blocks.
fn local_block(block: &Object) -> Object {
    RULE_ATTRIBUTES
        .iter()
        .map(|a| {
            let value = match (a.name, block.get(a.name)) {
                ("self", None | Some(Value::Null)) => Value::Bool(false),
                (_, Some(v)) => v.clone(),
                (_, None) => Value::Null,
            };
            (a.name.to_string(), value)
        })
        .collect()
}

fn unique_suffix() -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.truncate(UNIQUE_SUFFIX_LEN);
    s
}

/// The prefix of a name that ends in a generated suffix (for import and for groups
/// named by recon).
fn derived_name_prefix(name: &str) -> Option<&str> {
    let cut = name.len().checked_sub(UNIQUE_SUFFIX_LEN)?;
    let suffix = name.get(cut..)?;
    let generated = suffix
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (cut > 0 && generated).then(|| &name[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GroupCtx {
        GroupCtx {
            id: "sg-1".into(),
            owner: "111122223333".into(),
        }
    }

    #[test]
    fn equivalent_spellings_render_as_written() {
        let block = object! {
            "from_port" => 0, "to_port" => 0, "protocol" => "all",
            "cidr_blocks" => vec!["0.0.0.0/0"],
        };
        let actual: Grants = block_grants(&block, &ctx()).unwrap().into_iter().collect();
        let rendered = render_blocks(&[Value::Object(block)], actual, &ctx());
        let first = rendered.as_list().unwrap()[0].as_object().unwrap();
        assert_eq!(first.str("protocol"), Some("all"));
        assert_eq!(first.bool("self"), Some(false));
    }

    #[test]
    fn unmatched_grants_are_grouped_by_ports_and_description() {
        let a = object! {
            "from_port" => 80, "to_port" => 80, "protocol" => "6",
            "cidr_blocks" => vec!["10.0.0.0/8", "10.1.0.0/16"],
            "security_groups" => vec!["111122223333/sg-1", "444455556666/sg-9"],
        };
        let actual: Grants = block_grants(&a, &ctx()).unwrap().into_iter().collect();
        let rendered = render_blocks(&[], actual, &ctx());
        let blocks = rendered.as_list().unwrap();
        assert_eq!(blocks.len(), 1);
        let b = blocks[0].as_object().unwrap();
        assert_eq!(b.str("protocol"), Some("tcp"));
        assert_eq!(b.strings("cidr_blocks"), vec!["10.0.0.0/8", "10.1.0.0/16"]);
        assert_eq!(b.strings("security_groups"), vec!["444455556666/sg-9"]);
        assert_eq!(b.bool("self"), Some(true));
    }

    #[test]
    fn all_protocol_needs_zero_ports() {
        let block = object! {"from_port" => 1, "to_port" => 2, "protocol" => "-1", "self" => true};
        assert!(block_grants(&block, &ctx()).is_err());
    }

    #[test]
    fn name_prefix_is_derived_from_generated_names_only() {
        assert_eq!(
            derived_name_prefix("web-0123456789abcdef0123456789"),
            Some("web-")
        );
        assert_eq!(
            derived_name_prefix("recon-0123456789abcdef0123456789"),
            Some("recon-")
        );
        assert_eq!(derived_name_prefix("web"), None);
        assert_eq!(derived_name_prefix("my-hand-named-security-group"), None);
    }
}
