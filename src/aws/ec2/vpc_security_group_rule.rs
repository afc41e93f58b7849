//! What aws_vpc_security_group_ingress_rule and aws_vpc_security_group_egress_rule
//! share: one security group rule per resource, known by its rule id. The two types
//! differ only in direction and name: each file gives its schema and direction.

pub(super) use super::security_group_grants::Direction;
use super::security_group_grants::{self as grants, Verb};
use super::shared::{
    after_create, by_id, ec2_arn, normalize_protocol, opt_str, prior_ids, required, state_tags,
    states_by_id_with, tag_specification, update_tags, Account,
};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Ec2Resource, SecurityGroupRule,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use std::collections::HashMap;

/// The attributes of both rule types.
pub(super) const ATTRIBUTES: &[Attribute] = &[
    ID,
    Attribute::computed("arn", Type::String),
    Attribute::computed("security_group_rule_id", Type::String),
    Attribute::required("security_group_id", Type::String).force_new(),
    // Exactly one of these four is the rule's source (or destination, for egress).
    Attribute::optional("cidr_ipv4", Type::String).cidr(),
    Attribute::optional("cidr_ipv6", Type::String).cidr(),
    Attribute::optional("prefix_list_id", Type::String),
    Attribute::optional("referenced_security_group_id", Type::String),
    Attribute::optional("from_port", Type::Number),
    Attribute::optional("to_port", Type::Number),
    Attribute::required("ip_protocol", Type::String),
    Attribute::optional("description", Type::String),
    TAGS,
];

const SOURCES: [&str; 4] = [
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];

/// A rule type in one direction.
pub struct Rules {
    schema: &'static Schema,
    client: aws_sdk_ec2::Client,
    region: String,
    account: Account,
    direction: Direction,
}

impl Rules {
    pub(super) fn new(clients: &Clients, schema: &'static Schema, direction: Direction) -> Self {
        Rules {
            schema,
            client: clients.ec2.clone(),
            region: clients.region.clone(),
            account: Account::new(clients),
            direction,
        }
    }
}

#[async_trait]
impl ResourceType for Rules {
    fn schema(&self) -> &'static Schema {
        self.schema
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let id = self.authorize(planned, meta).await?;
        let partial = crate::object! {"id" => id.clone()};
        after_create(partial, self.read_back(&id, planned)).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let rules = self.find_rules(&ids).await?;
        states_by_id_with(priors, &rules, |r, p| Box::pin(self.to_state(r, p))).await
    }

    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let id = state_id(prior, self.schema.type_name)?;
        let group_id = required(prior, "security_group_id")?;
        if source_kind(prior) != source_kind(planned) {
            // AWS cannot change a rule's kind of source in place; Terraform replaces the
            // resource. Authorizing the new rule before revoking the old one leaves no
            // moment without either.
            let new_id = self.authorize(planned, meta).await?;
            self.revoke(group_id, id).await?;
            return self.read_back(&new_id, planned).await;
        }
        if rule_request(prior)? != rule_request(planned)? {
            let update = SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(id)
                .security_group_rule(rule_request(planned)?)
                .build();
            self.client
                .modify_security_group_rules()
                .group_id(group_id)
                .security_group_rules(update)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        self.read_back(id, planned).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, self.schema.type_name)?;
        let group_id = required(prior, "security_group_id")?;
        // The rule or its whole group may be gone already.
        gone_ok(self.revoke(group_id, id).await)
    }
}

impl Rules {
    /// Authorizes the planned rule and returns its rule id.
    async fn authorize(&self, planned: &Object, meta: &Meta) -> Result<String> {
        let group_id = required(planned, "security_group_id")?;
        let permission = permission(planned)?;
        let tags = tag_specification(Ec2Resource::SecurityGroupRule, planned, meta);
        let rules = grants::send(
            &self.client,
            group_id,
            self.direction,
            Verb::Authorize,
            vec![permission],
            Some(tags),
        )
        .await?;
        rules
            .first()
            .and_then(|r| r.security_group_rule_id())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::new("AWS authorized the rule but returned no rule id"))
    }

    async fn revoke(&self, group_id: &str, rule_id: &str) -> Result<()> {
        let ids = vec![rule_id.to_string()];
        grants::revoke_ids(&self.client, group_id, self.direction, ids).await
    }

    async fn read_back(&self, id: &str, local: &Object) -> Result<Object> {
        let rules = self.find_rules(&[id.to_string()]).await?;
        match rules.get(id) {
            Some(rule) => self.to_state(rule, local).await,
            None => Err(ProviderError::new(format!(
                "security group rule {id} disappeared while being read"
            ))),
        }
    }

    /// The rules of this direction among `ids`, by id.
    async fn find_rules(&self, ids: &[String]) -> Result<HashMap<String, SecurityGroupRule>> {
        let egress = self.direction == Direction::Egress;
        let rules = grants::describe_rules(&self.client, "security-group-rule-id", ids).await?;
        // An ingress rule is no egress rule, whatever its id.
        let rules = rules
            .into_iter()
            .filter(|rule| rule.is_egress().unwrap_or(false) == egress)
            .collect();
        Ok(by_id(rules, SecurityGroupRule::security_group_rule_id))
    }

    /// The state of `rule`; `local` (prior state or planned object) keeps spellings
    /// AWS normalises and ports AWS does not keep.
    async fn to_state(&self, rule: &SecurityGroupRule, local: &Object) -> Result<Object> {
        let id = rule.security_group_rule_id().unwrap_or_default();
        let owner = match rule.group_owner_id() {
            Some(owner) if !owner.is_empty() => owner.to_string(),
            _ => self.account.id().await?.to_string(),
        };
        let arn = match rule.security_group_rule_arn() {
            Some(arn) if !arn.is_empty() => arn.to_string(),
            _ => ec2_arn(&self.region, &owner, &format!("security-group-rule/{id}")),
        };
        let aws_protocol = rule.ip_protocol().unwrap_or("-1");
        let protocol = match local.str("ip_protocol") {
            Some(p) if normalize_protocol(p) == normalize_protocol(aws_protocol) => p.to_string(),
            _ => aws_protocol.to_string(),
        };
        let port = |key: &str, aws: Option<i32>| -> Value {
            if normalize_protocol(aws_protocol) == "-1" {
                // AWS keeps no ports for all protocols: whatever was written stands.
                return local.get(key).cloned().unwrap_or(Value::Null);
            }
            match aws {
                // -1 is AWS's "all types/codes"; a port left unset reads back as unset.
                Some(-1) if local.get(key).is_none_or(Value::is_null) => Value::Null,
                Some(p) => Value::from(i64::from(p)),
                None => Value::Null,
            }
        };
        let referenced = rule.referenced_group_info().and_then(|r| {
            let group = r.group_id().filter(|g| !g.is_empty())?;
            Some(match r.user_id() {
                Some(user) if !user.is_empty() && user != owner => format!("{user}/{group}"),
                _ => group.to_string(),
            })
        });
        Ok(crate::object! {
            "id" => id,
            "arn" => arn,
            "security_group_rule_id" => id,
            "security_group_id" => opt_str(rule.group_id()),
            "cidr_ipv4" => opt_str(rule.cidr_ipv4()),
            "cidr_ipv6" => opt_str(rule.cidr_ipv6()),
            "prefix_list_id" => opt_str(rule.prefix_list_id()),
            "referenced_security_group_id" => referenced,
            "from_port" => port("from_port", rule.from_port()),
            "to_port" => port("to_port", rule.to_port()),
            "ip_protocol" => protocol,
            "description" => opt_str(rule.description()),
            "tags" => state_tags(rule.tags()),
        })
    }
}

/// Which of the four source attributes is set.
fn source_kind(obj: &Object) -> Option<&'static str> {
    SOURCES.into_iter().find(|k| obj.str(k).is_some())
}

fn source(obj: &Object) -> Result<(&'static str, &str)> {
    let set: Vec<&'static str> = SOURCES
        .into_iter()
        .filter(|k| obj.str(k).is_some())
        .collect();
    match set.as_slice() {
        [one] => Ok((one, obj.str(one).unwrap_or_default())),
        _ => Err(ProviderError::new(format!(
            "exactly one of {} must be set",
            SOURCES.join(", ")
        ))),
    }
}

fn ports(obj: &Object) -> (String, Option<i32>, Option<i32>) {
    let protocol = normalize_protocol(obj.str("ip_protocol").unwrap_or("-1"));
    let port = |k: &str| obj.i64(k).and_then(|p| i32::try_from(p).ok());
    (protocol, port("from_port"), port("to_port"))
}

/// The IpPermission that authorizes the rule.
fn permission(obj: &Object) -> Result<IpPermission> {
    required(obj, "ip_protocol")?;
    let (protocol, from, to) = ports(obj);
    let description = obj.str("description").map(str::to_string);
    let mut perm = IpPermission::builder().ip_protocol(&protocol);
    if protocol != "-1" {
        perm = perm.set_from_port(from).set_to_port(to);
    }
    perm = match source(obj)? {
        ("cidr_ipv4", cidr) => perm.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .set_description(description)
                .build(),
        ),
        ("cidr_ipv6", cidr) => perm.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr)
                .set_description(description)
                .build(),
        ),
        ("prefix_list_id", id) => perm.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(id)
                .set_description(description)
                .build(),
        ),
        (_, group) => perm.user_id_group_pairs(grants::group_pair(group, description)),
    };
    Ok(perm.build())
}

/// The whole rule as ModifySecurityGroupRules takes it.
fn rule_request(obj: &Object) -> Result<SecurityGroupRuleRequest> {
    let (protocol, from, to) = ports(obj);
    // "All protocols" takes -1 ports here; AWS and moto both accept them.
    let (from, to) = if protocol == "-1" {
        (Some(-1), Some(-1))
    } else {
        (from, to)
    };
    let mut request = SecurityGroupRuleRequest::builder()
        .ip_protocol(protocol)
        .set_from_port(from)
        .set_to_port(to)
        // The request replaces the rule: an empty description removes the old one.
        .description(obj.str("description").unwrap_or_default());
    request = match source(obj)? {
        ("cidr_ipv4", cidr) => request.cidr_ipv4(cidr),
        ("cidr_ipv6", cidr) => request.cidr_ipv6(cidr),
        ("prefix_list_id", id) => request.prefix_list_id(id),
        (_, group) => request.referenced_group_id(group.rsplit('/').next().unwrap_or(group)),
    };
    Ok(request.build())
}
