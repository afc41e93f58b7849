//! Security group rules as grants: one protocol, port range and source each, the
//! unit in which AWS stores rules. aws_security_group's inline blocks and
//! aws_security_group_rule both become grants, are compared with what AWS has
//! grant by grant, and are sent back as IpPermissions through one set of calls.

use super::shared::{describe_by_filter, normalize_protocol};
use crate::aws::sdk_error;
use crate::aws::shared::all_items;
use crate::provider::ProviderResult;
use crate::value::{Object, ObjectExt};
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, SecurityGroup as AwsSecurityGroup,
    SecurityGroupRule, TagSpecification, UserIdGroupPair,
};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub(super) fn attr(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    pub(super) fn permissions(self, group: &AwsSecurityGroup) -> &[IpPermission] {
        match self {
            Direction::Ingress => group.ip_permissions(),
            Direction::Egress => group.ip_permissions_egress(),
        }
    }
}

/// Where traffic is allowed from (ingress) or to (egress).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Source {
    Cidr4(String),
    Cidr6(String),
    PrefixList(String),
    /// A group id, as `owner/sg-...` when another account owns it.
    Group(String),
    /// The group itself (`self = true`).
    Myself,
}

/// One grant as AWS stores it: a rule block with several sources is several grants.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) protocol: String,
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) source: Source,
}

/// The grants of one direction, each with its description.
pub(super) type Grants = BTreeMap<Key, Option<String>>;

pub(super) struct GroupCtx {
    pub(super) id: String,
    pub(super) owner: String,
}

impl GroupCtx {
    pub(super) fn of(group: &AwsSecurityGroup) -> Self {
        GroupCtx {
            id: group.group_id().unwrap_or_default().to_string(),
            owner: group.owner_id().unwrap_or_default().to_string(),
        }
    }

    /// A group reference written the way state holds it.
    pub(super) fn group_source(&self, user: Option<&str>, group: &str) -> Source {
        if group == self.id {
            return Source::Myself;
        }
        match user {
            Some(user) if !user.is_empty() && user != self.owner => {
                Source::Group(format!("{user}/{group}"))
            }
            _ => Source::Group(group.to_string()),
        }
    }
}

pub(super) fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// The grants one configured (or prior) rule block stands for.
pub(super) fn block_grants(
    block: &Object,
    ctx: &GroupCtx,
) -> Result<Vec<(Key, Option<String>)>, String> {
    let protocol = normalize_protocol(block.str("protocol").ok_or("protocol must be set")?);
    let from = block
        .i64("from_port")
        .ok_or("from_port must be a whole number")?;
    let to = block
        .i64("to_port")
        .ok_or("to_port must be a whole number")?;
    let (from, to) = if protocol == "-1" {
        // AWS keeps no ports for "all" and would silently drop any given.
        if from != 0 || to != 0 {
            return Err(format!(
                "from_port ({from}) and to_port ({to}) must both be 0 to use the 'ALL' \"-1\" protocol"
            ));
        }
        (0, 0)
    } else {
        (from, to)
    };
    let description = non_empty(block.str("description"));
    let mut sources = Vec::new();
    sources.extend(block.strings("cidr_blocks").into_iter().map(Source::Cidr4));
    sources.extend(
        block
            .strings("ipv6_cidr_blocks")
            .into_iter()
            .map(Source::Cidr6),
    );
    sources.extend(
        block
            .strings("prefix_list_ids")
            .into_iter()
            .map(Source::PrefixList),
    );
    for group in block.strings("security_groups") {
        let source = match group.split_once('/') {
            Some((user, id)) => ctx.group_source(Some(user), id),
            None => ctx.group_source(None, &group),
        };
        sources.push(source);
    }
    if block.bool("self") == Some(true) {
        sources.push(Source::Myself);
    }
    Ok(sources
        .into_iter()
        .map(|source| {
            let key = Key {
                protocol: protocol.clone(),
                from,
                to,
                source,
            };
            (key, description.clone())
        })
        .collect())
}

/// A protocol and port range as AWS reports them, as grants hold them: no ports
/// for all protocols.
fn aws_ports(protocol: Option<&str>, from: Option<i32>, to: Option<i32>) -> (String, i64, i64) {
    let protocol = normalize_protocol(protocol.unwrap_or("-1"));
    if protocol == "-1" {
        return (protocol, 0, 0);
    }
    let port = |p: Option<i32>| i64::from(p.unwrap_or(0));
    (protocol, port(from), port(to))
}

/// The grants of AWS's permissions (grouped by protocol and ports) one by one.
pub(super) fn aws_grants(perms: &[IpPermission], ctx: &GroupCtx) -> Grants {
    let mut grants = Grants::new();
    for perm in perms {
        let (protocol, from, to) = aws_ports(perm.ip_protocol(), perm.from_port(), perm.to_port());
        let mut add = |source: Source, description: Option<&str>| {
            let key = Key {
                protocol: protocol.clone(),
                from,
                to,
                source,
            };
            grants.insert(key, non_empty(description));
        };
        for r in perm.ip_ranges() {
            if let Some(cidr) = r.cidr_ip() {
                add(Source::Cidr4(cidr.to_string()), r.description());
            }
        }
        for r in perm.ipv6_ranges() {
            if let Some(cidr) = r.cidr_ipv6() {
                add(Source::Cidr6(cidr.to_string()), r.description());
            }
        }
        for p in perm.prefix_list_ids() {
            if let Some(id) = p.prefix_list_id() {
                add(Source::PrefixList(id.to_string()), p.description());
            }
        }
        for pair in perm.user_id_group_pairs() {
            if let Some(group) = pair.group_id() {
                add(ctx.group_source(pair.user_id(), group), pair.description());
            }
        }
    }
    grants
}

/// IpPermissions for API calls, one per protocol and port range.
/// Grants with one protocol and port range: (source, description).
type PortGrants<'a> = Vec<(&'a Source, Option<&'a str>)>;

pub(super) fn to_permissions(
    grants: &[(Key, Option<String>)],
    ctx: &GroupCtx,
) -> Vec<IpPermission> {
    let mut by_ports: BTreeMap<(&str, i64, i64), PortGrants> = BTreeMap::new();
    for (key, description) in grants {
        by_ports
            .entry((key.protocol.as_str(), key.from, key.to))
            .or_default()
            .push((&key.source, description.as_deref()));
    }
    by_ports
        .into_iter()
        .map(|((protocol, from, to), sources)| {
            let mut perm = IpPermission::builder().ip_protocol(protocol);
            if protocol != "-1" {
                perm = perm.from_port(from as i32).to_port(to as i32);
            }
            for (source, description) in sources {
                let description = description.map(str::to_string);
                perm = match source {
                    Source::Cidr4(cidr) => perm.ip_ranges(
                        IpRange::builder()
                            .cidr_ip(cidr)
                            .set_description(description)
                            .build(),
                    ),
                    Source::Cidr6(cidr) => perm.ipv6_ranges(
                        Ipv6Range::builder()
                            .cidr_ipv6(cidr)
                            .set_description(description)
                            .build(),
                    ),
                    Source::PrefixList(id) => perm.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(id)
                            .set_description(description)
                            .build(),
                    ),
                    Source::Group(group) => {
                        perm.user_id_group_pairs(group_pair(group, description))
                    }
                    Source::Myself => perm.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(&ctx.id)
                            .set_description(description)
                            .build(),
                    ),
                };
            }
            perm.build()
        })
        .collect()
}

/// A group as a rule's source: `sg-...`, or `owner/sg-...` for another account's.
pub(super) fn group_pair(group: &str, description: Option<String>) -> UserIdGroupPair {
    let (user, id) = match group.split_once('/') {
        Some((user, id)) => (Some(user.to_string()), id),
        None => (None, group),
    };
    UserIdGroupPair::builder()
        .group_id(id)
        .set_user_id(user)
        .set_description(description)
        .build()
}

/// Every rule DescribeSecurityGroupRules finds with the filter `name` over `values`
/// (a filter, unlike SecurityGroupRuleIds, does not fail on one missing id).
pub(super) async fn describe_rules(
    client: &aws_sdk_ec2::Client,
    name: &str,
    values: &[String],
) -> ProviderResult<Vec<SecurityGroupRule>> {
    describe_by_filter(name, values, |f| async move {
        all_items!(client.describe_security_group_rules().filters(f))
    })
    .await
}

/// The grant one rule of DescribeSecurityGroupRules stands for.
pub(super) fn rule_grant(
    rule: &SecurityGroupRule,
    ctx: &GroupCtx,
) -> Option<(Key, Option<String>)> {
    let (protocol, from, to) = aws_ports(rule.ip_protocol(), rule.from_port(), rule.to_port());
    let source = if let Some(cidr) = non_empty(rule.cidr_ipv4()) {
        Source::Cidr4(cidr)
    } else if let Some(cidr) = non_empty(rule.cidr_ipv6()) {
        Source::Cidr6(cidr)
    } else if let Some(list) = non_empty(rule.prefix_list_id()) {
        Source::PrefixList(list)
    } else {
        let group = rule.referenced_group_info()?;
        ctx.group_source(group.user_id(), group.group_id().filter(|g| !g.is_empty())?)
    };
    let key = Key {
        protocol,
        from,
        to,
        source,
    };
    Some((key, non_empty(rule.description())))
}

/// What a call does to a group's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verb {
    Authorize,
    Revoke,
    /// Rewrites the descriptions of existing rules (an empty one removes it).
    Describe,
}

/// Sends `perms` to the group's rules of one direction; returns the rules an
/// authorization made (with their ids), none for the other verbs. `tags` go to
/// the rules an authorization makes.
pub(super) async fn send(
    client: &aws_sdk_ec2::Client,
    group_id: &str,
    direction: Direction,
    verb: Verb,
    perms: Vec<IpPermission>,
    tags: Option<TagSpecification>,
) -> ProviderResult<Vec<SecurityGroupRule>> {
    let perms = Some(perms);
    let tags = tags.map(|t| vec![t]);
    // The six calls' builders share no trait: the macro writes each call once.
    macro_rules! send {
        ($builder:expr) => {
            $builder
                .group_id(group_id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(sdk_error)?
        };
    }
    // Revocations and description rewrites answer no rules.
    macro_rules! send_only {
        ($builder:expr) => {{
            send!($builder);
            None
        }};
    }
    let made = match (verb, direction) {
        (Verb::Authorize, Direction::Ingress) => {
            let call = client.authorize_security_group_ingress();
            send!(call.set_tag_specifications(tags)).security_group_rules
        }
        (Verb::Authorize, Direction::Egress) => {
            let call = client.authorize_security_group_egress();
            send!(call.set_tag_specifications(tags)).security_group_rules
        }
        (Verb::Revoke, Direction::Ingress) => send_only!(client.revoke_security_group_ingress()),
        (Verb::Revoke, Direction::Egress) => send_only!(client.revoke_security_group_egress()),
        (Verb::Describe, Direction::Ingress) => {
            send_only!(client.update_security_group_rule_descriptions_ingress())
        }
        (Verb::Describe, Direction::Egress) => {
            send_only!(client.update_security_group_rule_descriptions_egress())
        }
    };
    Ok(made.unwrap_or_default())
}

/// Revokes rules of one direction of a group by their rule ids.
pub(super) async fn revoke_ids(
    client: &aws_sdk_ec2::Client,
    group_id: &str,
    direction: Direction,
    rule_ids: Vec<String>,
) -> ProviderResult<()> {
    let ids = Some(rule_ids);
    macro_rules! send {
        ($builder:expr) => {
            $builder
                .group_id(group_id)
                .set_security_group_rule_ids(ids)
                .send()
                .await
                .map(drop)
                .map_err(sdk_error)
        };
    }
    match direction {
        Direction::Ingress => send!(client.revoke_security_group_ingress()),
        Direction::Egress => send!(client.revoke_security_group_egress()),
    }
}
