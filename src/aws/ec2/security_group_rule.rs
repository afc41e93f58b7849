//! aws_security_group_rule: Terraform's older rule type. One resource grants a
//! protocol and port range in one direction from several sources at once
//! (`cidr_blocks = [a, b]`); AWS keeps one rule per source, so the resource is
//! found again by its grants, and its id is Terraform's hash of them.

use super::security_group_grants::{
    self as grants, block_grants, rule_grant, to_permissions, Direction, GroupCtx, Key, Source,
    Verb,
};
use super::shared::{
    crc32, normalize_protocol, required, tag_specification, tagged_for, STATE_TIMEOUT,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_ec2::types::{ResourceType as Ec2Resource, SecurityGroupRule};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_security_group_rule",
    attributes: &[
        ID,
        // Set when the resource is a single AWS rule.
        Attribute::computed("security_group_rule_id", Type::String),
        Attribute::required("type", Type::String).force_new(),
        Attribute::required("security_group_id", Type::String).force_new(),
        Attribute::required("from_port", Type::Number).force_new(),
        Attribute::required("to_port", Type::Number).force_new(),
        Attribute::required("protocol", Type::String).force_new(),
        Attribute::optional("cidr_blocks", Type::List(&Type::String))
            .cidr()
            .force_new(),
        Attribute::optional("ipv6_cidr_blocks", Type::List(&Type::String))
            .cidr()
            .force_new(),
        Attribute::optional("prefix_list_ids", Type::List(&Type::String)).force_new(),
        Attribute::optional("source_security_group_id", Type::String).force_new(),
        Attribute::optional("self", Type::Bool)
            .default(Default::Bool(false))
            .force_new(),
        Attribute::optional("description", Type::String),
    ],
    blocks: &[],
};

client_type!(SecurityGroupRuleSet: ec2, once, account);

/// One AWS rule that stands for a grant of the resource.
struct Found<'a> {
    key: Key,
    description: Option<String>,
    rule: &'a SecurityGroupRule,
}

#[async_trait]
impl ResourceType for SecurityGroupRuleSet {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// The grants exist already: ours when the rules carry this create's token.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let rules = self.group_rules(std::slice::from_ref(planned)).await?;
        let ctx = self.ctx(planned).await?;
        let found = matching(planned, &ctx, &rules)?;
        if found.is_empty() {
            return Ok(Created::Absent);
        }
        let ours = found.iter().all(|f| tagged_for(f.rule.tags(), meta));
        if !ours {
            return Ok(Created::NotOurs {
                id: rule_set_id(planned, &ctx)?,
            });
        }
        Ok(Created::Found(to_state(planned, &ctx, &found)?))
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let group_id = required(planned, "security_group_id")?;
        let ctx = self.ctx(planned).await?;
        let direction = direction(planned)?;
        let perms = to_permissions(&planned_grants(planned, &ctx)?, &ctx);
        let tags = tag_specification(Ec2Resource::SecurityGroupRule, planned, meta);
        grants::send(
            &self.once,
            group_id,
            direction,
            Verb::Authorize,
            perms,
            Some(tags),
        )
        .await
        .map_err(|e| duplicate_hint(e, group_id))?;
        let partial = crate::object! {"id" => rule_set_id(planned, &ctx)?};
        wait_until(
            format!(
                "the rules of {} to be visible",
                partial.str("id").unwrap_or_default()
            ),
            Pace::backoff(STATE_TIMEOUT),
            || read_single(self, planned),
        )
        .await
        .map_err(|e| e.with_partial(partial))
    }

    /// One DescribeSecurityGroupRules per batch of groups.
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let rules = self.group_rules(priors).await?;
        let mut states = Vec::with_capacity(priors.len());
        for prior in priors {
            let ctx = self.ctx(prior).await?;
            let found = matching(prior, &ctx, &rules)?;
            states.push(if found.is_empty() {
                None
            } else {
                Some(to_state(prior, &ctx, &found)?)
            });
        }
        Ok(states)
    }

    /// Only the description changes in place; everything else replaces the resource.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let group_id = required(prior, "security_group_id")?;
        let ctx = self.ctx(planned).await?;
        // An empty description is how AWS removes one.
        let grants: Vec<(Key, Option<String>)> = planned_grants(planned, &ctx)?
            .into_iter()
            .map(|(k, d)| (k, Some(d.unwrap_or_default())))
            .collect();
        let perms = to_permissions(&grants, &ctx);
        grants::send(
            &self.client,
            group_id,
            direction(planned)?,
            Verb::Describe,
            perms,
            None,
        )
        .await?;
        read_single(self, planned).await?.ok_or_else(|| {
            ProviderError::with_code(
                "InvalidPermission.NotFound",
                format!("the rules of {group_id} disappeared while being updated"),
            )
        })
    }

    /// Revokes the rules that still stand for the resource, by rule id: one already
    /// revoked does not fail the others.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let group_id = required(prior, "security_group_id")?;
        let rules = self.group_rules(std::slice::from_ref(prior)).await?;
        let ctx = self.ctx(prior).await?;
        let ids: Vec<String> = matching(prior, &ctx, &rules)?
            .iter()
            .filter_map(|f| f.rule.security_group_rule_id().map(str::to_string))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        gone_ok(grants::revoke_ids(&self.client, group_id, direction(prior)?, ids).await)
    }

    /// Terraform's import id: `SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE]...`, a
    /// source being a CIDR, a prefix list, a group id or `self`.
    fn import_stub(&self, id: &str) -> Object {
        parse_import_id(id).unwrap_or_else(|| crate::object! {"id" => id})
    }
}

impl SecurityGroupRuleSet {
    /// The account's view of a group: rules name groups of this account without owner.
    async fn ctx(&self, obj: &Object) -> Result<GroupCtx> {
        Ok(GroupCtx {
            id: required(obj, "security_group_id")?.to_string(),
            owner: self.account.id().await?.to_string(),
        })
    }

    /// Every rule of the groups `objs` name.
    async fn group_rules(&self, objs: &[Object]) -> Result<Vec<SecurityGroupRule>> {
        let mut groups: Vec<String> = objs
            .iter()
            .filter_map(|o| o.str("security_group_id").map(str::to_string))
            .collect();
        groups.sort();
        groups.dedup();
        grants::describe_rules(&self.client, "group-id", &groups).await
    }
}

fn direction(obj: &Object) -> Result<Direction> {
    match obj.str("type") {
        Some("ingress") => Ok(Direction::Ingress),
        Some("egress") => Ok(Direction::Egress),
        other => Err(ProviderError::new(format!(
            "type must be \"ingress\" or \"egress\", got {}",
            other.map_or("nothing".to_string(), |t| format!("\"{t}\""))
        ))),
    }
}

/// The resource as the rule block of a group (whose grants code already knows);
/// ports are dropped for all protocols, where AWS keeps none (Terraform accepts
/// any there, unlike in inline blocks).
fn as_block(obj: &Object) -> Object {
    let mut block = obj.clone();
    if normalize_protocol(obj.str("protocol").unwrap_or_default()) == "-1" {
        block.insert("from_port".into(), Value::from(0));
        block.insert("to_port".into(), Value::from(0));
    }
    let groups = match obj.str("source_security_group_id") {
        Some(group) => Value::from(vec![group.to_string()]),
        None => Value::Null,
    };
    block.insert("security_groups".into(), groups);
    block
}

fn planned_grants(obj: &Object, ctx: &GroupCtx) -> Result<Vec<(Key, Option<String>)>> {
    let grants = block_grants(&as_block(obj), ctx).map_err(ProviderError::new)?;
    if grants.is_empty() {
        return Err(ProviderError::new(
            "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id must be set",
        ));
    }
    Ok(grants)
}

/// The resource's grants that AWS has, each with its rule.
fn matching<'a>(
    obj: &Object,
    ctx: &GroupCtx,
    rules: &'a [SecurityGroupRule],
) -> Result<Vec<Found<'a>>> {
    let egress = direction(obj)? == Direction::Egress;
    let mut by_key: BTreeMap<Key, (Option<String>, &SecurityGroupRule)> = BTreeMap::new();
    for rule in rules {
        if rule.group_id() != Some(ctx.id.as_str()) || rule.is_egress() != Some(egress) {
            continue;
        }
        if let Some((key, description)) = rule_grant(rule, ctx) {
            by_key.insert(key, (description, rule));
        }
    }
    Ok(planned_grants(obj, ctx)?
        .into_iter()
        .filter_map(|(key, _)| {
            let (description, rule) = by_key.remove(&key)?;
            Some(Found {
                key,
                description,
                rule,
            })
        })
        .collect())
}

/// The state: the resource as written, less the sources AWS no longer has (so a
/// rule revoked outside recon plans a replacement), with AWS's description.
fn to_state(local: &Object, ctx: &GroupCtx, found: &[Found]) -> Result<Object> {
    let has = |source: &Source| found.iter().any(|f| &f.key.source == source);
    let kept = |attr: &str, wrap: fn(String) -> Source| -> Value {
        let items: Vec<String> = local
            .strings(attr)
            .into_iter()
            .filter(|s| has(&wrap(s.clone())))
            .collect();
        match (local.get(attr), items.is_empty()) {
            (None | Some(Value::Null), true) => Value::Null,
            _ => Value::from(items),
        }
    };
    let source_group = local.str("source_security_group_id").filter(|g| {
        let (user, id) = match g.split_once('/') {
            Some((user, id)) => (Some(user), id),
            None => (None, *g),
        };
        has(&ctx.group_source(user, id))
    });
    let rule_id = match found {
        [one] => one.rule.security_group_rule_id().map(Value::from),
        _ => None,
    };
    let mut state = local.clone();
    state.extend(crate::object! {
        "id" => rule_set_id(local, ctx)?,
        "security_group_rule_id" => rule_id.unwrap_or(Value::Null),
        "cidr_blocks" => kept("cidr_blocks", Source::Cidr4),
        "ipv6_cidr_blocks" => kept("ipv6_cidr_blocks", Source::Cidr6),
        "prefix_list_ids" => kept("prefix_list_ids", Source::PrefixList),
        "source_security_group_id" => source_group.map(Value::from).unwrap_or(Value::Null),
        "self" => local.bool("self") == Some(true) && has(&Source::Myself),
        "description" => found.iter().find_map(|f| f.description.clone()).map(Value::from).unwrap_or(Value::Null),
    });
    Ok(state)
}

/// Terraform's id for the resource, `sgrule-` and the CRC-32 of its group, ports,
/// protocol, direction and sorted sources, so that state moves between the two.
fn rule_set_id(obj: &Object, ctx: &GroupCtx) -> Result<String> {
    let grants = planned_grants(obj, ctx)?;
    let first = &grants[0].0;
    let mut text = format!("{}-", ctx.id);
    if first.protocol != "-1" {
        for port in [first.from, first.to] {
            if port > 0 {
                text.push_str(&format!("{port}-"));
            }
        }
    }
    text.push_str(&format!("{}-{}-", first.protocol, required(obj, "type")?));
    let mut cidrs = Vec::new();
    let mut cidrs6 = Vec::new();
    let mut lists = Vec::new();
    let mut groups = Vec::new();
    for (key, _) in &grants {
        match &key.source {
            Source::Cidr4(c) => cidrs.push(c.as_str()),
            Source::Cidr6(c) => cidrs6.push(c.as_str()),
            Source::PrefixList(p) => lists.push(p.as_str()),
            Source::Group(g) => groups.push(g.rsplit('/').next().unwrap_or(g)),
            Source::Myself => groups.push(ctx.id.as_str()),
        }
    }
    for mut part in [cidrs, cidrs6, lists] {
        part.sort_unstable();
        for item in part {
            text.push_str(&format!("{item}-"));
        }
    }
    groups.sort_unstable();
    for group in groups {
        // A group pair is written as its id and its (absent) name.
        text.push_str(&format!("{group}--"));
    }
    Ok(format!("sgrule-{}", crc32(text.as_bytes())))
}

/// AWS refuses a grant the group has already: say where it may come from.
fn duplicate_hint(e: ProviderError, group_id: &str) -> ProviderError {
    if e.code.as_deref() != Some("InvalidPermission.Duplicate") {
        return e;
    }
    ProviderError {
        message: format!(
            "{} (the group {group_id} already has one of these rules: made by an inline ingress/egress block, another rule resource, or outside recon; remove the duplicate or `recon import` it)",
            e.message
        ),
        ..e
    }
}

fn parse_import_id(id: &str) -> Option<Object> {
    let parts: Vec<&str> = id.split('_').collect();
    let [group, kind, protocol, from, to, sources @ ..] = parts.as_slice() else {
        return None;
    };
    if !group.starts_with("sg-") || !matches!(*kind, "ingress" | "egress") || sources.is_empty() {
        return None;
    }
    let (from, to): (i64, i64) = (from.parse().ok()?, to.parse().ok()?);
    let mut cidrs = Vec::new();
    let mut cidrs6 = Vec::new();
    let mut lists = Vec::new();
    let mut source_group = Value::Null;
    let mut myself = false;
    for source in sources {
        match *source {
            "self" => myself = true,
            s if s.contains("sg-") => source_group = Value::from(s),
            s if s.contains(':') => cidrs6.push(s.to_string()),
            s if s.starts_with("pl-") => lists.push(s.to_string()),
            s if s.contains('.') => cidrs.push(s.to_string()),
            _ => return None,
        }
    }
    let list = |items: Vec<String>| {
        if items.is_empty() {
            Value::Null
        } else {
            Value::from(items)
        }
    };
    let protocol = if *protocol == "all" { "-1" } else { protocol };
    Some(crate::object! {
        "id" => id,
        "type" => *kind,
        "security_group_id" => *group,
        "protocol" => protocol,
        "from_port" => from,
        "to_port" => to,
        "cidr_blocks" => list(cidrs),
        "ipv6_cidr_blocks" => list(cidrs6),
        "prefix_list_ids" => list(lists),
        "source_security_group_id" => source_group,
        "self" => myself,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GroupCtx {
        GroupCtx {
            id: "sg-0123456789abcdef0".into(),
            owner: "123456789012".into(),
        }
    }

    fn rule(kind: &str, protocol: &str, cidrs: &[&str]) -> Object {
        crate::object! {
            "type" => kind, "security_group_id" => "sg-12345",
            "from_port" => 80, "to_port" => 8000, "protocol" => protocol,
            "cidr_blocks" => cidrs.to_vec(),
        }
    }

    #[test]
    fn id_is_terraforms_hash_of_the_sorted_grants() {
        let ctx = GroupCtx {
            id: "sg-12345".into(),
            owner: "123456789012".into(),
        };
        let id = |obj: &Object| rule_set_id(obj, &ctx).unwrap();
        // The values terraform-provider-aws's own unit test pins.
        assert_eq!(
            id(&rule("ingress", "tcp", &["10.0.0.0/8"])),
            "sgrule-3403497314"
        );
        assert_eq!(
            id(&rule("egress", "tcp", &["10.0.0.0/8"])),
            "sgrule-1173186295"
        );
        assert_eq!(
            id(&rule("egress", "-1", &["10.0.0.0/8"])),
            "sgrule-766323498"
        );
        // Spellings of one rule share its id: "6" is tcp, "all" is -1 (whose
        // ports AWS ignores), sources in any order.
        assert_eq!(
            id(&rule("egress", "all", &["10.0.0.0/8"])),
            "sgrule-766323498"
        );
        assert_eq!(
            id(&rule("ingress", "6", &["10.1.0.0/16", "10.0.0.0/8"])),
            id(&rule("ingress", "tcp", &["10.0.0.0/8", "10.1.0.0/16"]))
        );
        let text = "sg-12345-80-8000-tcp-ingress-10.0.0.0/8-10.1.0.0/16-";
        assert_eq!(
            id(&rule("ingress", "tcp", &["10.1.0.0/16", "10.0.0.0/8"])),
            format!("sgrule-{}", crc32fast::hash(text.as_bytes()))
        );
    }

    #[test]
    fn import_ids_are_terraforms() {
        let stub =
            parse_import_id("sg-1a_ingress_tcp_100_121_10.1.0.0/16_2001:db8::/48_pl-9").unwrap();
        assert_eq!(stub.str("type"), Some("ingress"));
        assert_eq!(stub.i64("from_port"), Some(100));
        assert_eq!(stub.strings("cidr_blocks"), vec!["10.1.0.0/16"]);
        assert_eq!(stub.strings("ipv6_cidr_blocks"), vec!["2001:db8::/48"]);
        assert_eq!(stub.strings("prefix_list_ids"), vec!["pl-9"]);
        let stub = parse_import_id("sg-1a_egress_all_0_65536_self").unwrap();
        assert_eq!(stub.str("protocol"), Some("-1"));
        assert_eq!(stub.bool("self"), Some(true));
        assert!(parse_import_id("sg-1a_sideways_tcp_1_2_10.0.0.0/8").is_none());
        assert!(parse_import_id("sgrule-1234").is_none());
    }

    #[test]
    fn one_source_is_needed() {
        let rule = crate::object! {
            "type" => "ingress", "security_group_id" => "sg-1",
            "from_port" => 22, "to_port" => 22, "protocol" => "tcp",
        };
        assert!(planned_grants(&rule, &ctx()).is_err());
    }
}
