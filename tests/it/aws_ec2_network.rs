//! aws_vpc, aws_subnet, aws_security_group, aws_vpc_security_group_{ingress,egress}_rule,
//! aws_eip, aws_internet_gateway, aws_route_table, aws_route and
//! aws_route_table_association, aws_nat_gateway, aws_vpc_endpoint (and aws_key_pair)
//! against moto.

use crate::common;
use crate::common::{changed, found, meta, not_ours, plan_new, planned, replaced, replan, Moto};
use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use recon::aws::ec2::egress_only_internet_gateway::EgressOnlyInternetGateway;
use recon::aws::ec2::eip::Eip;
use recon::aws::ec2::internet_gateway::InternetGateway;
use recon::aws::ec2::key_pair::KeyPair;
use recon::aws::ec2::nat_gateway::NatGateway;
use recon::aws::ec2::network_interface::NetworkInterface;
use recon::aws::ec2::route::Route;
use recon::aws::ec2::route_table::RouteTable;
use recon::aws::ec2::route_table_association::RouteTableAssociation;
use recon::aws::ec2::security_group::SecurityGroup;
use recon::aws::ec2::security_group_rule::SecurityGroupRuleSet;
use recon::aws::ec2::subnet::Subnet;
use recon::aws::ec2::vpc::Vpc;
use recon::aws::ec2::vpc_endpoint::VpcEndpoint;
use recon::aws::ec2::{vpc_security_group_egress_rule, vpc_security_group_ingress_rule};
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType, Schema};
use recon::value::{Object, ObjectExt, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "123456789012";
const AMI: &str = "ami-03c3da4cfa8e8943a";

/// A planned object for an update: computed values and absent computed blocks keep
/// the prior's.
fn planned_update(schema: &Schema, prior: &Object, config: Object) -> Object {
    let mut out = planned(schema, config.clone());
    for (key, value) in out.iter_mut() {
        if value.is_unknown() {
            *value = prior.get(key).cloned().unwrap_or(Value::Null);
        }
    }
    out
}

fn str_map(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

fn s(obj: &Object, key: &str) -> String {
    obj.str(key)
        .unwrap_or_else(|| panic!("{key} is not a string in {obj:?}"))
        .to_string()
}

/// Blocks of a set, in a stable order, for comparing without regard to order.
fn sorted_blocks(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = v
        .as_list()
        .unwrap_or(&[])
        .iter()
        .map(|b| b.to_json().to_string())
        .collect();
    items.sort();
    items
}

// Which calls an operation made, seen from the client side. (moto's own recorder
// writes to one file in the working directory, shared by every moto server that
// tests run at the same time.)

#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(body) = context.request().body().bytes() {
            let body = String::from_utf8_lossy(body).into_owned();
            self.0.lock().unwrap().push(body);
        }
        Ok(())
    }
}

/// Clients whose EC2 requests are recorded.
fn recording_clients(moto: &Moto) -> (Clients, Recorder) {
    let config = moto.sdk_config();
    let recorder = Recorder::default();
    let mut clients = Clients::from_config(&config);
    clients.ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .interceptor(recorder.clone())
            .build(),
    );
    (clients, recorder)
}

fn start_recording(recorder: &Recorder) {
    recorder.0.lock().unwrap().clear();
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The requests made since `start_recording`, each as its decoded form parameters.
fn recorded(recorder: &Recorder) -> Vec<BTreeMap<String, String>> {
    recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            body.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (percent_decode(k), percent_decode(v)))
                .collect()
        })
        .collect()
}

fn actions(calls: &[BTreeMap<String, String>]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| c.get("Action").cloned())
        .collect()
}

/// The values of every parameter of `call` whose name ends with `suffix`.
fn params_ending(call: &BTreeMap<String, String>, suffix: &str) -> Vec<String> {
    call.iter()
        .filter(|(k, _)| k.ends_with(suffix))
        .map(|(_, v)| v.clone())
        .collect()
}

async fn aws_tags_of(clients: &Clients, id: &str) -> BTreeMap<String, String> {
    let out = clients
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The IPv6 blocks associated with a VPC, as EC2 reports them.
async fn vpc_ipv6_blocks(clients: &Clients, id: &str) -> Vec<String> {
    let out = clients
        .ec2
        .describe_vpcs()
        .vpc_ids(id)
        .send()
        .await
        .unwrap();
    out.vpcs()[0]
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|b| {
            b.ipv6_cidr_block_state().and_then(|s| s.state())
                == Some(&aws_sdk_ec2::types::VpcCidrBlockStateCode::Associated)
        })
        .filter_map(|b| b.ipv6_cidr_block().map(str::to_string))
        .collect()
}

#[test]
fn vpc_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpcs = Vpc::new(&clients);
        let schema = vpcs.schema();

        let a_planned = planned(
            schema,
            object! {"cidr_block" => "10.0.0.0/16", "tags" => str_map(&[("Name", "a")])},
        );
        let a = vpcs.create(&a_planned, &meta("aws_vpc.a")).await.unwrap();
        let id = s(&a, "id");
        assert!(id.starts_with("vpc-"));
        assert_eq!(
            s(&a, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{id}")
        );
        assert_eq!(a.str("cidr_block"), Some("10.0.0.0/16"));
        assert_eq!(a.str("instance_tenancy"), Some("default"));
        assert_eq!(a.bool("enable_dns_support"), Some(true));
        assert_eq!(a.bool("enable_dns_hostnames"), Some(false));
        assert!(s(&a, "default_security_group_id").starts_with("sg-"));
        assert!(s(&a, "main_route_table_id").starts_with("rtb-"));
        assert_eq!(
            a.get("default_route_table_id"),
            a.get("main_route_table_id")
        );
        assert!(s(&a, "default_network_acl_id").starts_with("acl-"));
        // moto says "default" where AWS says dopt-...; either way it is known.
        assert!(a.str("dhcp_options_id").is_some());
        assert_eq!(a.str("owner_id"), Some(ACCOUNT));
        assert_eq!(a.get("tags"), Some(&str_map(&[("Name", "a")])));
        for attr in schema.attributes {
            assert!(
                a.contains_key(attr.name),
                "{} missing from state",
                attr.name
            );
        }
        // recon's own tags are on the VPC but not in state.
        let tags = aws_tags_of(&clients, &id).await;
        assert_eq!(
            tags.get("recon:address").map(String::as_str),
            Some("aws_vpc.a")
        );
        assert_eq!(tags.get("recon:stack").map(String::as_str), Some("test"));
        assert_eq!(tags.get("Name").map(String::as_str), Some("a"));

        // DNS hostnames on at creation.
        let b_planned = planned(
            schema,
            object! {"cidr_block" => "10.1.0.0/16", "enable_dns_hostnames" => true},
        );
        let b = vpcs.create(&b_planned, &meta("aws_vpc.b")).await.unwrap();
        assert_eq!(b.bool("enable_dns_hostnames"), Some(true));
        assert_eq!(b.get("tags"), Some(&Value::Null));

        // Batch read, with one VPC that does not exist.
        let missing = object! {"id" => "vpc-0123456789abcdef0"};
        let read = vpcs.read(&[a.clone(), missing, b.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(a.clone()), None, Some(b.clone())]);

        // Update in place: DNS hostnames and tags.
        let a_new = planned_update(
            schema,
            &a,
            object! {
                "cidr_block" => "10.0.0.0/16",
                "enable_dns_hostnames" => true,
                "tags" => str_map(&[("Name", "a2"), ("team", "net")]),
            },
        );
        let a2 = vpcs.update(&a, &a_new, &meta("aws_vpc.a")).await.unwrap();
        assert_eq!(a2.str("id"), Some(id.as_str()));
        assert_eq!(a2.bool("enable_dns_hostnames"), Some(true));
        assert_eq!(
            a2.get("tags"),
            Some(&str_map(&[("Name", "a2"), ("team", "net")]))
        );
        let hostnames = clients
            .ec2
            .describe_vpc_attribute()
            .vpc_id(&id)
            .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
            .send()
            .await
            .unwrap();
        assert_eq!(
            hostnames.enable_dns_hostnames().and_then(|v| v.value()),
            Some(true)
        );
        assert_eq!(
            aws_tags_of(&clients, &id)
                .await
                .get("recon:address")
                .map(String::as_str),
            Some("aws_vpc.a")
        );

        // DNS support off needs hostnames off first.
        let a_off = planned_update(
            schema,
            &a2,
            object! {"cidr_block" => "10.0.0.0/16", "enable_dns_support" => false},
        );
        let a3 = vpcs.update(&a2, &a_off, &meta("aws_vpc.a")).await.unwrap();
        assert_eq!(a3.bool("enable_dns_support"), Some(false));
        assert_eq!(a3.bool("enable_dns_hostnames"), Some(false));
        assert_eq!(a3.get("tags"), Some(&Value::Null));

        // Tenancy moves from dedicated to default in place (the only move AWS allows).
        let d_planned = planned(
            schema,
            object! {"cidr_block" => "10.2.0.0/16", "instance_tenancy" => "dedicated"},
        );
        let d = vpcs.create(&d_planned, &meta("aws_vpc.d")).await.unwrap();
        assert_eq!(d.str("instance_tenancy"), Some("dedicated"));
        let d_new = planned_update(schema, &d, object! {"cidr_block" => "10.2.0.0/16"});
        let d2 = vpcs.update(&d, &d_new, &meta("aws_vpc.d")).await.unwrap();
        assert_eq!(d2.str("instance_tenancy"), Some("default"));
        assert_eq!(d2.str("id"), d.str("id"));
        vpcs.delete(&d2).await.unwrap();

        // An Amazon-provided IPv6 block at creation; removed and added back in place.
        let v6_config =
            object! {"cidr_block" => "10.3.0.0/16", "assign_generated_ipv6_cidr_block" => true};
        let v6 = vpcs
            .create(&planned(schema, v6_config.clone()), &meta("aws_vpc.v6"))
            .await
            .unwrap();
        assert_eq!(v6.bool("assign_generated_ipv6_cidr_block"), Some(true));
        let block = s(&v6, "ipv6_cidr_block");
        assert!(block.contains(':') && block.ends_with("/56"), "{block}");
        assert!(v6.str("ipv6_association_id").is_some());
        assert_eq!(
            vpc_ipv6_blocks(&clients, &s(&v6, "id")).await,
            vec![block.clone()]
        );
        assert!(common::replan(schema, &v6_config, &v6).changed.is_empty());
        assert_eq!(a.bool("assign_generated_ipv6_cidr_block"), Some(false));
        assert_eq!(a.get("ipv6_cidr_block"), Some(&Value::Null));

        let off = object! {"cidr_block" => "10.3.0.0/16"};
        let change = common::replan(schema, &off, &v6);
        assert!(change.replace_paths.is_empty());
        let v6_off = vpcs
            .update(&v6, &change.after, &meta("aws_vpc.v6"))
            .await
            .unwrap();
        assert_eq!(v6_off.bool("assign_generated_ipv6_cidr_block"), Some(false));
        assert_eq!(v6_off.get("ipv6_cidr_block"), Some(&Value::Null));
        assert!(vpc_ipv6_blocks(&clients, &s(&v6, "id")).await.is_empty());
        let change = common::replan(schema, &v6_config, &v6_off);
        let v6_on = vpcs
            .update(&v6_off, &change.after, &meta("aws_vpc.v6"))
            .await
            .unwrap();
        assert!(s(&v6_on, "ipv6_cidr_block").ends_with("/56"));
        assert!(common::replan(schema, &v6_config, &v6_on)
            .changed
            .is_empty());
        vpcs.delete(&v6_on).await.unwrap();

        vpcs.delete(&a3).await.unwrap();
        vpcs.delete(&b).await.unwrap();
        assert_eq!(
            vpcs.read(&[a3.clone(), b.clone()]).await.unwrap(),
            vec![None, None]
        );
        // Deleting what is gone is success.
        vpcs.delete(&a3).await.unwrap();
    });
}

#[test]
fn subnet_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpcs = Vpc::new(&clients);
        let vpc = vpcs
            .create(
                &planned(vpcs.schema(), object! {"cidr_block" => "10.0.0.0/16"}),
                &meta("aws_vpc.main"),
            )
            .await
            .unwrap();
        let vpc_id = s(&vpc, "id");

        let subnets = Subnet::new(&clients);
        let schema = subnets.schema();
        let a = subnets
            .create(
                &planned(
                    schema,
                    object! {
                        "vpc_id" => vpc_id.clone(),
                        "cidr_block" => "10.0.1.0/24",
                        "availability_zone" => "us-east-1a",
                        "tags" => str_map(&[("Name", "a")]),
                    },
                ),
                &meta("aws_subnet.a"),
            )
            .await
            .unwrap();
        let id = s(&a, "id");
        assert!(id.starts_with("subnet-"));
        assert_eq!(
            s(&a, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/{id}")
        );
        assert_eq!(a.str("vpc_id"), Some(vpc_id.as_str()));
        assert_eq!(a.str("cidr_block"), Some("10.0.1.0/24"));
        assert_eq!(a.str("availability_zone"), Some("us-east-1a"));
        assert!(s(&a, "availability_zone_id").starts_with("use1-az"));
        assert_eq!(a.bool("map_public_ip_on_launch"), Some(false));
        assert_eq!(a.str("owner_id"), Some(ACCOUNT));
        assert_eq!(a.get("tags"), Some(&str_map(&[("Name", "a")])));
        for attr in schema.attributes {
            assert!(
                a.contains_key(attr.name),
                "{} missing from state",
                attr.name
            );
        }

        // No zone given: AWS picks one; public IPs on from the start.
        let b = subnets
            .create(
                &planned(
                    schema,
                    object! {
                        "vpc_id" => vpc_id.clone(),
                        "cidr_block" => "10.0.2.0/24",
                        "map_public_ip_on_launch" => true,
                    },
                ),
                &meta("aws_subnet.b"),
            )
            .await
            .unwrap();
        assert!(s(&b, "availability_zone").starts_with("us-east-1"));
        assert_eq!(b.bool("map_public_ip_on_launch"), Some(true));

        // The zone by its id.
        let c = subnets
            .create(
                &planned(
                    schema,
                    object! {
                        "vpc_id" => vpc_id.clone(),
                        "cidr_block" => "10.0.3.0/24",
                        "availability_zone_id" => "use1-az2",
                    },
                ),
                &meta("aws_subnet.c"),
            )
            .await
            .unwrap();
        assert_eq!(c.str("availability_zone_id"), Some("use1-az2"));
        assert!(s(&c, "availability_zone").starts_with("us-east-1"));
        subnets.delete(&c).await.unwrap();

        let missing = object! {"id" => "subnet-0123456789abcdef0"};
        let read = subnets
            .read(&[missing, b.clone(), a.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![None, Some(b.clone()), Some(a.clone())]);

        let a_new = planned_update(
            schema,
            &a,
            object! {
                "vpc_id" => vpc_id.clone(),
                "cidr_block" => "10.0.1.0/24",
                "availability_zone" => "us-east-1a",
                "map_public_ip_on_launch" => true,
                "tags" => str_map(&[("Name", "a")]),
            },
        );
        let a2 = subnets
            .update(&a, &a_new, &meta("aws_subnet.a"))
            .await
            .unwrap();
        assert_eq!(a2.bool("map_public_ip_on_launch"), Some(true));
        let described = clients
            .ec2
            .describe_subnets()
            .subnet_ids(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(described.subnets()[0].map_public_ip_on_launch(), Some(true));
        assert_eq!(
            a2.get("availability_zone_id"),
            a.get("availability_zone_id")
        );

        subnets.delete(&a2).await.unwrap();
        subnets.delete(&b).await.unwrap();
        assert_eq!(
            subnets.read(&[a2.clone(), b]).await.unwrap(),
            vec![None, None]
        );
        subnets.delete(&a2).await.unwrap();
        vpcs.delete(&vpc).await.unwrap();
    });
}

fn rule(from: i64, to: i64, protocol: &str, extra: Object) -> Value {
    let mut block = object! {"from_port" => from, "to_port" => to, "protocol" => protocol};
    block.extend(extra);
    Value::Object(block)
}

/// Rule ids by (egress, protocol, from, to, cidr) as DescribeSecurityGroupRules reports them.
async fn rule_ids(
    clients: &Clients,
    group_id: &str,
) -> BTreeMap<(bool, String, i32, i32, String), String> {
    let out = clients
        .ec2
        .describe_security_group_rules()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.security_group_rules()
        .iter()
        .map(|r| {
            let source = r
                .cidr_ipv4()
                .map(str::to_string)
                .or_else(|| {
                    r.referenced_group_info()
                        .and_then(|g| g.group_id())
                        .map(str::to_string)
                })
                .unwrap_or_default();
            (
                (
                    r.is_egress().unwrap_or(false),
                    r.ip_protocol().unwrap_or_default().to_string(),
                    r.from_port().unwrap_or(0),
                    r.to_port().unwrap_or(0),
                    source,
                ),
                r.security_group_rule_id().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn security_group_with_inline_rules() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let (clients, recorder) = recording_clients(&moto);
        let vpcs = Vpc::new(&clients);
        let vpc = vpcs
            .create(
                &planned(vpcs.schema(), object! {"cidr_block" => "10.0.0.0/16"}),
                &meta("aws_vpc.main"),
            )
            .await
            .unwrap();
        let vpc_id = s(&vpc, "id");
        let groups = SecurityGroup::new(&clients);
        let schema = groups.schema();

        // Ingress in two blocks; egress is AWS's default allow-all, written with "all".
        let http = rule(
            80,
            80,
            "tcp",
            object! {"cidr_blocks" => vec!["10.0.0.0/8", "192.168.0.0/16"], "description" => "http"},
        );
        let https_self = rule(443, 443, "6", object! {"self" => true});
        let all_out = rule(0, 0, "all", object! {"cidr_blocks" => vec!["0.0.0.0/0"]});
        let web_config = object! {
            "name" => "web",
            "vpc_id" => vpc_id.clone(),
            "tags" => str_map(&[("Name", "web")]),
            "ingress" => vec![http.clone(), https_self.clone()],
            "egress" => vec![all_out.clone()],
        };
        let web_planned = planned(schema, web_config.clone());
        start_recording(&recorder);
        let web = groups.create(&web_planned, &meta("aws_security_group.web")).await.unwrap();
        let calls = actions(&recorded(&recorder));
        // The default egress rule is what the configuration asks for: left alone.
        assert!(!calls.iter().any(|a| a.contains("Egress")), "{calls:?}");
        assert_eq!(calls.iter().filter(|a| *a == "AuthorizeSecurityGroupIngress").count(), 1);

        let id = s(&web, "id");
        assert!(id.starts_with("sg-"));
        assert_eq!(s(&web, "arn"), format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{id}"));
        assert_eq!(web.str("name"), Some("web"));
        assert_eq!(web.get("name_prefix"), Some(&Value::Null));
        assert_eq!(web.str("description"), Some("Managed by recon"));
        assert_eq!(web.str("vpc_id"), Some(vpc_id.as_str()));
        assert_eq!(web.bool("revoke_rules_on_delete"), Some(false));
        assert_eq!(web.str("owner_id"), Some(ACCOUNT));
        assert_eq!(web.get("tags"), Some(&str_map(&[("Name", "web")])));
        // State holds the rules as configured, spellings included.
        assert_eq!(sorted_blocks(&web["ingress"]), sorted_blocks(&web_planned["ingress"]));
        assert_eq!(sorted_blocks(&web["egress"]), sorted_blocks(&web_planned["egress"]));
        let aws = clients
            .ec2
            .describe_security_groups()
            .group_ids(&id)
            .send()
            .await
            .unwrap();
        let aws = &aws.security_groups()[0];
        assert_eq!(aws.ip_permissions().len(), 2);
        assert_eq!(aws.ip_permissions_egress().len(), 1);
        assert_eq!(aws.ip_permissions_egress()[0].ip_protocol(), Some("-1"));

        // No rules configured and a name prefix: the default egress rule goes, as in Terraform.
        let app_planned = planned(schema, object! {"name_prefix" => "app-", "vpc_id" => vpc_id.clone()});
        let app = groups.create(&app_planned, &meta("aws_security_group.app")).await.unwrap();
        let app_name = s(&app, "name");
        assert!(app_name.starts_with("app-") && app_name.len() == 4 + 26, "{app_name}");
        assert_eq!(app.str("name_prefix"), Some("app-"));
        assert_eq!(app.get("ingress"), Some(&Value::List(vec![])));
        assert_eq!(app.get("egress"), Some(&Value::List(vec![])));

        // No name at all: recon names it.
        let anon = groups
            .create(
                &planned(
                    schema,
                    object! {"vpc_id" => vpc_id.clone(), "description" => "anonymous", "revoke_rules_on_delete" => true},
                ),
                &meta("aws_security_group.anon"),
            )
            .await
            .unwrap();
        assert!(s(&anon, "name").starts_with("recon-"));
        assert_eq!(anon.str("description"), Some("anonymous"));

        // Batch read with a group that does not exist.
        let missing = object! {"id" => "sg-0123456789abcdef0"};
        let read = groups
            .read(&[web.clone(), missing, app.clone(), anon.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(web.clone()), None, Some(app.clone()), Some(anon.clone())]);

        // Rules changed out of band show up; a new rule is grouped as Terraform does.
        clients
            .ec2
            .authorize_security_group_ingress()
            .group_id(s(&app, "id"))
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("10.9.0.0/16").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let drifted = groups.read(std::slice::from_ref(&app)).await.unwrap().remove(0).unwrap();
        let expected = rule(
            22,
            22,
            "tcp",
            object! {
                "cidr_blocks" => vec!["10.9.0.0/16"], "ipv6_cidr_blocks" => Value::Null,
                "prefix_list_ids" => Value::Null, "security_groups" => Value::Null,
                "self" => false, "description" => Value::Null,
            },
        );
        assert_eq!(drifted.get("ingress"), Some(&Value::List(vec![expected])));

        // Update: drop one CIDR, add a rule, keep the rest. Only the difference is sent.
        let before = rule_ids(&clients, &id).await;
        let http_less = rule(80, 80, "tcp", object! {"cidr_blocks" => vec!["10.0.0.0/8"], "description" => "http"});
        let dns = rule(53, 53, "udp", object! {"cidr_blocks" => vec!["10.1.0.0/16"]});
        let mut config = web_config.clone();
        config.insert("ingress".into(), Value::from(vec![http_less, https_self.clone(), dns]));
        let web_new = planned_update(schema, &web, config.clone());
        start_recording(&recorder);
        let web2 = groups.update(&web, &web_new, &meta("aws_security_group.web")).await.unwrap();
        let calls = recorded(&recorder);
        let names = actions(&calls);
        assert_eq!(
            names.iter().filter(|a| a.contains("Authorize") || a.contains("Revoke")).count(),
            2,
            "{names:?}"
        );
        let revoke = calls
            .iter()
            .find(|c| c.get("Action").map(String::as_str) == Some("RevokeSecurityGroupIngress"))
            .unwrap();
        assert_eq!(params_ending(revoke, "CidrIp"), vec!["192.168.0.0/16"]);
        let authorize = calls
            .iter()
            .find(|c| c.get("Action").map(String::as_str) == Some("AuthorizeSecurityGroupIngress"))
            .unwrap();
        assert_eq!(params_ending(authorize, "CidrIp"), vec!["10.1.0.0/16"]);
        assert_eq!(params_ending(authorize, "IpProtocol"), vec!["udp"]);
        assert_eq!(sorted_blocks(&web2["ingress"]), sorted_blocks(&web_new["ingress"]));
        let after = rule_ids(&clients, &id).await;
        // Untouched rules keep their ids: nothing was revoked and authorized again.
        for key in [
            (false, "tcp".to_string(), 80, 80, "10.0.0.0/8".to_string()),
            (false, "tcp".to_string(), 443, 443, id.clone()),
            (true, "-1".to_string(), -1, -1, "0.0.0.0/0".to_string()),
        ] {
            assert_eq!(before.get(&key), after.get(&key), "{key:?}");
            assert!(after.contains_key(&key), "{key:?}");
        }
        assert!(!after.contains_key(&(false, "tcp".to_string(), 80, 80, "192.168.0.0/16".to_string())));
        assert!(after.contains_key(&(false, "udp".to_string(), 53, 53, "10.1.0.0/16".to_string())));

        // A description change rewrites the description, nothing else.
        let mut config2 = config.clone();
        config2.insert(
            "ingress".into(),
            Value::from(vec![
                rule(80, 80, "tcp", object! {"cidr_blocks" => vec!["10.0.0.0/8"], "description" => "web traffic"}),
                https_self.clone(),
                rule(53, 53, "udp", object! {"cidr_blocks" => vec!["10.1.0.0/16"]}),
            ]),
        );
        let web_new2 = planned_update(schema, &web2, config2);
        start_recording(&recorder);
        let web3 = groups.update(&web2, &web_new2, &meta("aws_security_group.web")).await.unwrap();
        let names = actions(&recorded(&recorder));
        assert!(names.contains(&"UpdateSecurityGroupRuleDescriptionsIngress".to_string()), "{names:?}");
        assert!(!names.iter().any(|a| a.contains("Authorize") || a.contains("Revoke")), "{names:?}");
        assert_eq!(sorted_blocks(&web3["ingress"]), sorted_blocks(&web_new2["ingress"]));
        let aws = clients.ec2.describe_security_groups().group_ids(&id).send().await.unwrap();
        let http_perm = aws.security_groups()[0]
            .ip_permissions()
            .iter()
            .find(|p| p.from_port() == Some(80))
            .unwrap();
        assert_eq!(http_perm.ip_ranges()[0].description(), Some("web traffic"));
        assert_eq!(rule_ids(&clients, &id).await, after);

        // Egress left out of configuration: the rules that exist are kept.
        let mut web_new3 = web_new2.clone();
        web_new3.insert("egress".into(), Value::Unknown);
        let web4 = groups.update(&web3, &web_new3, &meta("aws_security_group.web")).await.unwrap();
        assert_eq!(web4.get("egress"), web3.get("egress"));
        assert_eq!(rule_ids(&clients, &id).await, after);

        // revoke_rules_on_delete: the group's rules go, and so do the rules of the
        // groups it refers to that refer back to it.
        let db = groups
            .create(
                &planned(
                    schema,
                    object! {
                        "name" => "db",
                        "vpc_id" => vpc_id.clone(),
                        "revoke_rules_on_delete" => true,
                        "ingress" => vec![rule(5432, 5432, "tcp", object! {"security_groups" => vec![s(&app, "id")]})],
                    },
                ),
                &meta("aws_security_group.db"),
            )
            .await
            .unwrap();
        let db_id = s(&db, "id");
        let app_id = s(&app, "id");
        clients
            .ec2
            .authorize_security_group_egress()
            .group_id(&app_id)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(5432)
                    .to_port(5432)
                    .user_id_group_pairs(
                        aws_sdk_ec2::types::UserIdGroupPair::builder()
                            .group_id(&db_id)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let app_rules = rule_ids(&clients, &app_id).await;
        assert!(app_rules.keys().any(|k| k.4 == db_id));
        groups.delete(&db).await.unwrap();
        let app_rules = rule_ids(&clients, &app_id).await;
        assert!(!app_rules.keys().any(|k| k.4 == db_id), "{app_rules:?}");
        // The out-of-band SSH rule of app is not db's business.
        assert_eq!(app_rules.len(), 1);
        assert_eq!(groups.read(&[db]).await.unwrap(), vec![None]);

        for group in [&web4, &app, &anon] {
            groups.delete(group).await.unwrap();
        }
        assert_eq!(
            groups.read(&[web4.clone(), app.clone(), anon.clone()]).await.unwrap(),
            vec![None, None, None]
        );
        groups.delete(&web4).await.unwrap();
        vpcs.delete(&vpc).await.unwrap();
    });
}

/// A VPC made directly through the SDK, for the types that live in one.
async fn create_vpc(ec2: &aws_sdk_ec2::Client, cidr: &str) -> String {
    ec2.create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string()
}

/// A VPC with two groups made outside recon, "web" and "lb": their ids.
async fn web_and_lb(ec2: &aws_sdk_ec2::Client) -> (String, String) {
    let vpc_id = create_vpc(ec2, "10.0.0.0/16").await;
    let mut ids = Vec::new();
    for name in ["web", "lb"] {
        let out = ec2
            .create_security_group()
            .group_name(name)
            .description(name)
            .vpc_id(&vpc_id)
            .send()
            .await
            .unwrap();
        ids.push(out.group_id().unwrap().to_string());
    }
    (ids[0].clone(), ids[1].clone())
}

#[test]
fn security_group_rule_resources() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let (clients, recorder) = recording_clients(&moto);
        let (web, lb) = web_and_lb(&clients.ec2).await;

        let ingress = vpc_security_group_ingress_rule::new(&clients);
        let egress = vpc_security_group_egress_rule::new(&clients);
        let schema = ingress.schema();
        assert_eq!(schema.type_name, "aws_vpc_security_group_ingress_rule");
        assert_eq!(egress.schema().type_name, "aws_vpc_security_group_egress_rule");

        let http_config = object! {
            "security_group_id" => web.clone(),
            "cidr_ipv4" => "10.0.0.0/8",
            "from_port" => 80,
            "to_port" => 80,
            "ip_protocol" => "tcp",
            "description" => "http",
            "tags" => str_map(&[("Name", "http")]),
        };
        let http = ingress
            .create(&planned(schema, http_config.clone()), &meta("aws_vpc_security_group_ingress_rule.http"))
            .await
            .unwrap();
        let id = s(&http, "id");
        assert!(id.starts_with("sgr-"));
        assert_eq!(http.str("security_group_rule_id"), Some(id.as_str()));
        assert_eq!(
            s(&http, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/{id}")
        );
        assert_eq!(http.str("security_group_id"), Some(web.as_str()));
        assert_eq!(http.str("cidr_ipv4"), Some("10.0.0.0/8"));
        assert_eq!(http.get("cidr_ipv6"), Some(&Value::Null));
        assert_eq!(http.get("prefix_list_id"), Some(&Value::Null));
        assert_eq!(http.get("referenced_security_group_id"), Some(&Value::Null));
        assert_eq!(http.i64("from_port"), Some(80));
        assert_eq!(http.i64("to_port"), Some(80));
        assert_eq!(http.str("ip_protocol"), Some("tcp"));
        assert_eq!(http.str("description"), Some("http"));
        assert_eq!(http.get("tags"), Some(&str_map(&[("Name", "http")])));
        for attr in schema.attributes {
            assert!(http.contains_key(attr.name), "{} missing from state", attr.name);
        }
        let tags = aws_tags_of(&clients, &id).await;
        assert_eq!(
            tags.get("recon:address").map(String::as_str),
            Some("aws_vpc_security_group_ingress_rule.http")
        );

        // From another group, protocol spelled as a number.
        let from_lb = ingress
            .create(
                &planned(
                    schema,
                    object! {
                        "security_group_id" => web.clone(),
                        "referenced_security_group_id" => lb.clone(),
                        "from_port" => 8080, "to_port" => 8080, "ip_protocol" => "6",
                    },
                ),
                &meta("aws_vpc_security_group_ingress_rule.from_lb"),
            )
            .await
            .unwrap();
        assert_eq!(from_lb.str("referenced_security_group_id"), Some(lb.as_str()));
        assert_eq!(from_lb.str("ip_protocol"), Some("6"));
        assert_eq!(from_lb.get("cidr_ipv4"), Some(&Value::Null));

        // All traffic out, ports left unset, protocol written as "all". (The group
        // already has AWS's default 0.0.0.0/0 egress rule: a duplicate is an error.)
        let out_all = egress
            .create(
                &planned(
                    egress.schema(),
                    object! {"security_group_id" => lb.clone(), "cidr_ipv4" => "10.0.0.0/8", "ip_protocol" => "all"},
                ),
                &meta("aws_vpc_security_group_egress_rule.all"),
            )
            .await
            .unwrap();
        assert_eq!(out_all.str("ip_protocol"), Some("all"));
        assert_eq!(out_all.get("from_port"), Some(&Value::Null));
        assert_eq!(out_all.get("to_port"), Some(&Value::Null));
        let aws_rule = clients
            .ec2
            .describe_security_group_rules()
            .security_group_rule_ids(s(&out_all, "id"))
            .send()
            .await
            .unwrap();
        assert_eq!(aws_rule.security_group_rules()[0].ip_protocol(), Some("-1"));
        assert_eq!(aws_rule.security_group_rules()[0].is_egress(), Some(true));

        // Batch read: a missing id and an egress rule asked of the ingress type are None.
        let missing = object! {"id" => "sgr-0123456789abcdef0", "security_group_id" => web.clone()};
        let read = ingress
            .read(&[http.clone(), missing, out_all.clone(), from_lb.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(http.clone()), None, None, Some(from_lb.clone())]);
        assert_eq!(egress.read(std::slice::from_ref(&out_all)).await.unwrap(), vec![Some(out_all.clone())]);

        // In-place update: ports, CIDR and description through ModifySecurityGroupRules.
        let mut changed = http_config.clone();
        changed.extend(object! {
            "cidr_ipv4" => "10.0.0.0/16", "from_port" => 8000, "to_port" => 8001,
            "description" => "changed", "tags" => str_map(&[("Name", "http"), ("tier", "web")]),
        });
        start_recording(&recorder);
        let http2 = ingress
            .update(&http, &planned_update(schema, &http, changed.clone()), &meta("aws_vpc_security_group_ingress_rule.http"))
            .await
            .unwrap();
        let names = actions(&recorded(&recorder));
        assert!(names.contains(&"ModifySecurityGroupRules".to_string()), "{names:?}");
        assert!(!names.iter().any(|a| a.contains("Authorize") || a.contains("Revoke")), "{names:?}");
        assert_eq!(http2.str("id"), Some(id.as_str()));
        assert_eq!(http2.str("cidr_ipv4"), Some("10.0.0.0/16"));
        assert_eq!(http2.i64("from_port"), Some(8000));
        assert_eq!(http2.i64("to_port"), Some(8001));
        assert_eq!(http2.str("description"), Some("changed"));
        assert_eq!(http2.get("tags"), Some(&str_map(&[("Name", "http"), ("tier", "web")])));
        let aws_rule = clients
            .ec2
            .describe_security_group_rules()
            .security_group_rule_ids(&id)
            .send()
            .await
            .unwrap();
        let aws_rule = &aws_rule.security_group_rules()[0];
        assert_eq!(aws_rule.cidr_ipv4(), Some("10.0.0.0/16"));
        assert_eq!(aws_rule.description(), Some("changed"));
        assert_eq!((aws_rule.from_port(), aws_rule.to_port()), (Some(8000), Some(8001)));

        // Description alone.
        let mut described = changed.clone();
        described.insert("description".into(), Value::from("again"));
        let http3 = ingress
            .update(&http2, &planned_update(schema, &http2, described.clone()), &meta("aws_vpc_security_group_ingress_rule.http"))
            .await
            .unwrap();
        assert_eq!(http3.str("description"), Some("again"));
        assert_eq!(http3.str("id"), Some(id.as_str()));

        // A different kind of source: a new rule replaces the old one.
        let mut regrouped = described.clone();
        regrouped.remove("cidr_ipv4");
        regrouped.insert("referenced_security_group_id".into(), Value::from(lb.clone()));
        let http4 = ingress
            .update(&http3, &planned_update(schema, &http3, regrouped), &meta("aws_vpc_security_group_ingress_rule.http"))
            .await
            .unwrap();
        let new_id = s(&http4, "id");
        assert_ne!(new_id, id);
        assert_eq!(http4.str("referenced_security_group_id"), Some(lb.as_str()));
        assert_eq!(http4.get("cidr_ipv4"), Some(&Value::Null));
        assert_eq!(ingress.read(std::slice::from_ref(&http3)).await.unwrap(), vec![None]);

        for rule in [&http4, &from_lb] {
            ingress.delete(rule).await.unwrap();
        }
        egress.delete(&out_all).await.unwrap();
        assert_eq!(
            ingress.read(&[http4.clone(), from_lb.clone()]).await.unwrap(),
            vec![None, None]
        );
        assert_eq!(egress.read(std::slice::from_ref(&out_all)).await.unwrap(), vec![None]);
        // Gone already: still success.
        ingress.delete(&http4).await.unwrap();
        egress.delete(&out_all).await.unwrap();
    });
}

/// The AWS rules of a group in one direction: (source, description, tags).
async fn group_rules(
    clients: &Clients,
    group: &str,
    egress: bool,
) -> Vec<(String, Option<String>, BTreeMap<String, String>)> {
    let out = clients
        .ec2
        .describe_security_group_rules()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut rules: Vec<_> = out
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(egress))
        .map(|r| {
            let source = r
                .cidr_ipv4()
                .or(r.cidr_ipv6())
                .or(r.prefix_list_id())
                .or(r.referenced_group_info().and_then(|g| g.group_id()))
                .unwrap_or_default()
                .to_string();
            let tags = r
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            (source, r.description().map(str::to_string), tags)
        })
        .collect();
    rules.sort();
    rules
}

#[test]
fn security_group_rule_legacy_type() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let (web, lb) = web_and_lb(&clients.ec2).await;
        let rules = SecurityGroupRuleSet::new(&clients);
        let schema = rules.schema();
        assert_eq!(schema.type_name, "aws_security_group_rule");

        // Two CIDRs in one resource: two AWS rules, one description, one id.
        let http_config = object! {
            "type" => "ingress", "security_group_id" => web.clone(),
            "from_port" => 80, "to_port" => 80, "protocol" => "tcp",
            "cidr_blocks" => vec!["10.1.0.0/16", "10.0.0.0/8"], "description" => "http",
        };
        let http_meta = with_token("aws_security_group_rule.http", "tok-http");
        let http = rules
            .create(&planned(schema, http_config.clone()), &http_meta)
            .await
            .unwrap();
        assert!(s(&http, "id").starts_with("sgrule-"), "{http:?}");
        assert_eq!(http.get("security_group_rule_id"), Some(&Value::Null));
        assert_eq!(
            http.strings("cidr_blocks"),
            vec!["10.1.0.0/16", "10.0.0.0/8"]
        );
        assert_eq!(http.str("description"), Some("http"));
        assert_eq!(http.bool("self"), Some(false));
        for attr in schema.attributes {
            assert!(
                http.contains_key(attr.name),
                "{} missing from state",
                attr.name
            );
        }
        let on_aws = group_rules(&clients, &web, false).await;
        let sources: Vec<&str> = on_aws.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(sources, vec!["10.0.0.0/8", "10.1.0.0/16"]);
        for (_, description, tags) in &on_aws {
            assert_eq!(description.as_deref(), Some("http"));
            assert_eq!(
                tags.get("recon:address").map(String::as_str),
                Some("aws_security_group_rule.http")
            );
        }
        assert_eq!(
            rules.read(std::slice::from_ref(&http)).await.unwrap(),
            vec![Some(http.clone())]
        );
        assert_no_changes(schema, &http_config, &http);

        // A create whose answer was lost is found by its token; another address's is not ours.
        let again = planned(schema, http_config.clone());
        assert_eq!(
            found(rules.find_created(&again, &http_meta).await.unwrap()),
            http
        );
        let other = with_token("aws_security_group_rule.other", "tok-other");
        assert_eq!(
            not_ours(rules.find_created(&again, &other).await.unwrap()),
            s(&http, "id")
        );
        // Made twice, AWS refuses the duplicate and the error says where it may come from.
        let err = rules.create(&again, &other).await.unwrap_err();
        assert!(
            err.to_string().contains("already has one of these rules"),
            "{err}"
        );

        // The description changes in place, on both AWS rules.
        let mut described = http_config.clone();
        described.insert("description".into(), Value::from("web traffic"));
        let plan = replan(schema, &described, &http);
        assert_eq!(changed(&plan), vec!["description".to_string()]);
        let http2 = rules
            .update(
                &http,
                &planned_update(schema, &http, described.clone()),
                &http_meta,
            )
            .await
            .unwrap();
        assert_eq!(http2.str("description"), Some("web traffic"));
        assert_eq!(http2.str("id"), http.str("id"));
        for (_, description, _) in group_rules(&clients, &web, false).await {
            assert_eq!(description.as_deref(), Some("web traffic"));
        }

        // A CIDR revoked outside recon is drift that replaces the resource.
        clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(&web)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(80)
                    .to_port(80)
                    .ip_ranges(
                        aws_sdk_ec2::types::IpRange::builder()
                            .cidr_ip("10.1.0.0/16")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let drifted = rules
            .read(std::slice::from_ref(&http2))
            .await
            .unwrap()
            .pop()
            .flatten()
            .unwrap();
        assert_eq!(drifted.strings("cidr_blocks"), vec!["10.0.0.0/8"]);
        assert_eq!(
            drifted
                .str("security_group_rule_id")
                .map(|r| r.starts_with("sgr-")),
            Some(true)
        );
        assert_eq!(
            replaced(&replan(schema, &described, &drifted)),
            vec!["cidr_blocks".to_string()]
        );

        // All traffic out to the other group, ports as Terraform users write them
        // for "all"; and everything from the group itself.
        let out_config = object! {
            "type" => "egress", "security_group_id" => web.clone(),
            "from_port" => 0, "to_port" => 65535, "protocol" => "all",
            "source_security_group_id" => lb.clone(),
        };
        let out = rules
            .create(
                &planned(schema, out_config.clone()),
                &meta("aws_security_group_rule.out"),
            )
            .await
            .unwrap();
        assert_eq!(out.str("source_security_group_id"), Some(lb.as_str()));
        assert_eq!(out.i64("to_port"), Some(65535));
        assert!(s(&out, "security_group_rule_id").starts_with("sgr-"));
        assert_no_changes(schema, &out_config, &out);
        let self_config = object! {
            "type" => "ingress", "security_group_id" => web.clone(),
            "from_port" => 0, "to_port" => 0, "protocol" => "-1", "self" => true,
        };
        let myself = rules
            .create(
                &planned(schema, self_config.clone()),
                &meta("aws_security_group_rule.self"),
            )
            .await
            .unwrap();
        assert_eq!(myself.bool("self"), Some(true));
        assert_no_changes(schema, &self_config, &myself);

        // Terraform's import id finds the same rule with the same id.
        let imported = rules
            .read(&[rules.import_stub(&format!("{web}_egress_all_0_65535_{lb}"))])
            .await
            .unwrap()
            .pop()
            .flatten()
            .expect("imported");
        assert_eq!(imported.str("id"), out.str("id"));
        assert_eq!(imported.str("source_security_group_id"), Some(lb.as_str()));
        assert_eq!(
            rules
                .read(&[rules.import_stub(&format!("{web}_ingress_tcp_22_22_10.9.0.0/16"))])
                .await
                .unwrap(),
            vec![None]
        );

        // Delete revokes what is left; deleting again is success.
        for rule in [&drifted, &out, &myself] {
            rules.delete(rule).await.unwrap();
        }
        assert_eq!(
            rules
                .read(&[drifted.clone(), out.clone(), myself.clone()])
                .await
                .unwrap(),
            vec![None, None, None]
        );
        assert!(group_rules(&clients, &web, false).await.is_empty());
        rules.delete(&out).await.unwrap();
    });
}

#[test]
fn egress_only_internet_gateway_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpc = create_vpc(&clients.ec2, "10.0.0.0/16").await;
        let gateways = EgressOnlyInternetGateway::new(&clients);
        let schema = gateways.schema();
        let config = object! {"vpc_id" => vpc.clone(), "tags" => str_map(&[("Name", "v6out")])};
        let meta = with_token("aws_egress_only_internet_gateway.v6out", "tok-eigw");
        let before = gateways
            .find_created(&planned(schema, config.clone()), &meta)
            .await
            .unwrap();
        assert!(matches!(before, Created::Absent), "{before:?}");
        let created = gateways
            .create(&planned(schema, config.clone()), &meta)
            .await
            .unwrap();
        let id = s(&created, "id");
        assert!(id.starts_with("eigw-"), "{created:?}");
        assert_eq!(created.str("vpc_id"), Some(vpc.as_str()));
        assert_eq!(created.get("tags"), Some(&str_map(&[("Name", "v6out")])));
        assert_no_changes(schema, &config, &created);

        // Read with a missing one, import, and a lost create all find it.
        let missing = object! {"id" => "eigw-0123456789abcdef0"};
        assert_eq!(
            gateways.read(&[missing, created.clone()]).await.unwrap(),
            vec![None, Some(created.clone())]
        );
        assert_eq!(
            gateways.read(&[gateways.import_stub(&id)]).await.unwrap(),
            vec![Some(created.clone())]
        );
        assert_eq!(
            found(gateways.find_created(&config, &meta).await.unwrap()),
            created
        );

        // Tags change in place; another VPC replaces it.
        let mut retagged = config.clone();
        retagged.insert(
            "tags".into(),
            str_map(&[("Name", "v6out"), ("tier", "edge")]),
        );
        let updated = gateways
            .update(
                &created,
                &planned_update(schema, &created, retagged.clone()),
                &meta,
            )
            .await
            .unwrap();
        assert_eq!(
            updated.get("tags"),
            Some(&str_map(&[("Name", "v6out"), ("tier", "edge")]))
        );
        let mut moved = retagged.clone();
        moved.insert("vpc_id".into(), Value::from("vpc-0123456789abcdef0"));
        assert_eq!(
            replaced(&replan(schema, &moved, &updated)),
            vec!["vpc_id".to_string()]
        );

        gateways.delete(&updated).await.unwrap();
        assert_eq!(
            gateways.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        gateways.delete(&updated).await.unwrap();
    });
}

/// The key of the provider documentation's example.
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQD3F6tyPEFEzV0LX3X8BsXdMsQz1x2cEikKDEY0aIj41qgxMCP/iteneqXSIFZBp5vizPvaoIR3Um9xK7PGoW8giupGn+EPuxIA4cDM4vzOqOkiMPhz5XK0whEjkVzTo4+S0puvDZuwIsdiW9mxhJc7tgBNL0cYlWSYVkz4G/fslNfRPW5mYAM49f4fhtxPb5ok4Q2Lg9dPKVHO/Bgeu5woMc7RY0p1ej6D4CKFE6lymSDJpW0YHX/wqE9+cfEauh7xZcG0q9t2ta6F6fmX0agvpFyZo8aFbXeUBr7osSCJNgvavWbM/06niWrOvYX2xwWdhXmXSrbX8ZbabVohBK41 email@example.com";

#[test]
fn key_pair_import_read_tags_replace_lost_create_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let keys = KeyPair::new(&clients);
        let schema = keys.schema();
        let config = object! {"key_name" => "deployer", "public_key" => PUBLIC_KEY};
        let meta = with_token("aws_key_pair.deployer", "tok-key");
        let plan = planned(schema, config.clone());
        let before = keys.find_created(&plan, &meta).await.unwrap();
        assert!(matches!(before, Created::Absent), "{before:?}");
        let created = keys
            .create(&planned(schema, config.clone()), &meta)
            .await
            .unwrap();
        assert_eq!(created.str("id"), Some("deployer"));
        assert_eq!(created.str("public_key"), Some(PUBLIC_KEY));
        assert!(
            s(&created, "key_pair_id").starts_with("key-"),
            "{created:?}"
        );
        assert!(!s(&created, "fingerprint").is_empty());
        assert_eq!(
            created.str("arn"),
            Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:key-pair/deployer").as_str())
        );
        assert_no_changes(schema, &config, &created);

        // Import by name, and a lost create, find it; a missing key reads as gone.
        assert_eq!(
            keys.read(&[keys.import_stub("deployer"), object! {"id" => "nokey"}])
                .await
                .unwrap(),
            vec![Some(created.clone()), None]
        );
        assert_eq!(
            found(keys.find_created(&config, &meta).await.unwrap()),
            created
        );
        let other = with_token("aws_key_pair.other", "tok-other");
        assert_eq!(
            not_ours(keys.find_created(&config, &other).await.unwrap()),
            "deployer"
        );

        // Tags change in place; another key replaces it.
        let mut tagged = config.clone();
        tagged.insert("tags".into(), str_map(&[("team", "ops")]));
        let updated = keys
            .update(
                &created,
                &planned_update(schema, &created, tagged.clone()),
                &meta,
            )
            .await
            .unwrap();
        assert_eq!(updated.get("tags"), Some(&str_map(&[("team", "ops")])));
        assert_no_changes(schema, &tagged, &updated);
        let mut rekeyed = tagged.clone();
        rekeyed.insert(
            "public_key".into(),
            Value::from("ssh-rsa AAAAB3NzaC1yc2E other"),
        );
        assert_eq!(
            replaced(&replan(schema, &rekeyed, &updated)),
            ["public_key"]
        );

        // A generated name keeps its prefix and is found again by the token.
        let prefixed = object! {"key_name_prefix" => "ci-", "public_key" => PUBLIC_KEY};
        let ci_meta = with_token("aws_key_pair.ci", "tok-ci");
        let ci = keys
            .create(&planned(schema, prefixed.clone()), &ci_meta)
            .await
            .unwrap();
        assert!(s(&ci, "key_name").starts_with("ci-"), "{ci:?}");
        assert_eq!(ci.str("key_name_prefix"), Some("ci-"));
        assert_eq!(
            found(keys.find_created(&prefixed, &ci_meta).await.unwrap()),
            ci
        );

        keys.delete(&updated).await.unwrap();
        assert_eq!(
            keys.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        keys.delete(&updated).await.unwrap();
    });
}

async fn create_subnet(ec2: &aws_sdk_ec2::Client, vpc: &str, cidr: &str) -> String {
    let out = ec2
        .create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .send()
        .await
        .unwrap();
    out.subnet().unwrap().subnet_id().unwrap().to_string()
}

#[test]
fn nat_gateway_create_read_tags_replace_lost_create_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpc = create_vpc(&clients.ec2, "10.0.0.0/16").await;
        let subnet = create_subnet(&clients.ec2, &vpc, "10.0.1.0/24").await;
        let eip = clients.ec2.allocate_address().send().await.unwrap();
        let allocation = eip.allocation_id().unwrap().to_string();
        let nats = NatGateway::new(&clients);
        let schema = nats.schema();
        let config = object! {"allocation_id" => allocation.clone(), "subnet_id" => subnet.clone()};
        let meta = with_token("aws_nat_gateway.out", "tok-nat");
        let plan = planned(schema, config.clone());
        let before = nats.find_created(&plan, &meta).await.unwrap();
        assert!(matches!(before, Created::Absent), "{before:?}");
        let created = nats.create(&plan, &meta).await.unwrap();
        assert!(s(&created, "id").starts_with("nat-"), "{created:?}");
        assert_eq!(created.str("allocation_id"), Some(allocation.as_str()));
        assert_eq!(created.str("public_ip"), eip.public_ip());
        assert_eq!(created.str("connectivity_type"), Some("public"));
        assert!(
            s(&created, "network_interface_id").starts_with("eni-"),
            "{created:?}"
        );
        assert_no_changes(schema, &config, &created);

        // Import, a lost create, and a missing gateway.
        let id = s(&created, "id");
        assert_eq!(
            nats.read(&[
                nats.import_stub(&id),
                object! {"id" => "nat-0123456789abcdef0"}
            ])
            .await
            .unwrap(),
            vec![Some(created.clone()), None]
        );
        assert_eq!(
            found(nats.find_created(&config, &meta).await.unwrap()),
            created
        );
        let other = with_token("aws_nat_gateway.other", "tok-other");
        let absent = nats.find_created(&config, &other).await.unwrap();
        assert!(matches!(absent, Created::Absent), "{absent:?}");

        // Tags in place; another subnet replaces it.
        let mut tagged = config.clone();
        tagged.insert("tags".into(), str_map(&[("Name", "gw NAT")]));
        let updated = nats
            .update(
                &created,
                &planned_update(schema, &created, tagged.clone()),
                &meta,
            )
            .await
            .unwrap();
        assert_eq!(updated.get("tags"), Some(&str_map(&[("Name", "gw NAT")])));
        assert_no_changes(schema, &tagged, &updated);
        let mut moved = tagged.clone();
        moved.insert("subnet_id".into(), Value::from("subnet-0123456789abcdef0"));
        assert_eq!(replaced(&replan(schema, &moved, &updated)), ["subnet_id"]);

        nats.delete(&updated).await.unwrap();
        assert_eq!(
            nats.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        nats.delete(&updated).await.unwrap();
    });
}

#[test]
fn vpc_endpoint_gateway_routes_policy_tags_lost_create_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpc = create_vpc(&clients.ec2, "10.0.0.0/16").await;
        let (rt1, rt2) = (
            create_route_table(&clients.ec2, &vpc).await,
            create_route_table(&clients.ec2, &vpc).await,
        );
        let endpoints = VpcEndpoint::new(&clients);
        let schema = endpoints.schema();
        let service = "com.amazonaws.us-east-1.s3";
        let config = object! {
            "vpc_id" => vpc.clone(),
            "service_name" => service,
            "route_table_ids" => Value::List(vec![rt1.clone().into()]),
        };
        let meta = with_token("aws_vpc_endpoint.s3", "tok-vpce");
        let created = endpoints.create(&planned(schema, config.clone()), &meta).await.unwrap();
        assert!(s(&created, "id").starts_with("vpce-"), "{created:?}");
        assert_eq!(created.str("vpc_endpoint_type"), Some("Gateway"));
        assert_eq!(created.str("state"), Some("available"));
        assert!(s(&created, "prefix_list_id").starts_with("pl-"), "{created:?}");
        assert_eq!(created.strings("route_table_ids"), std::slice::from_ref(&rt1));
        // AWS's default full-access policy, read back when none is configured.
        let policy: serde_json::Value = serde_json::from_str(&s(&created, "policy")).unwrap();
        assert_eq!(policy["Statement"][0]["Action"], "*");
        assert_no_changes(schema, &config, &created);

        let id = s(&created, "id");
        assert_eq!(
            endpoints.read(&[endpoints.import_stub(&id), object! {"id" => "vpce-0123456789abcdef0"}])
                .await
                .unwrap(),
            vec![Some(created.clone()), None]
        );
        assert_eq!(found(endpoints.find_created(&config, &meta).await.unwrap()), created);

        // Route tables, policy and tags change in place; another service replaces it.
        let only_get = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
        let mut changed_config = config.clone();
        changed_config.insert("route_table_ids".into(), Value::List(vec![rt2.clone().into()]));
        changed_config.insert("policy".into(), Value::from(only_get));
        changed_config.insert("tags".into(), str_map(&[("Name", "s3")]));
        let plan = replan(schema, &changed_config, &created);
        assert!(replaced(&plan).is_empty(), "{plan:?}");
        let updated = endpoints.update(&created, &plan.after, &meta).await.unwrap();
        assert_eq!(updated.strings("route_table_ids"), std::slice::from_ref(&rt2));
        assert_eq!(updated.str("policy"), Some(only_get));
        assert_eq!(updated.get("tags"), Some(&str_map(&[("Name", "s3")])));
        assert_no_changes(schema, &changed_config, &updated);
        let mut other_service = changed_config.clone();
        other_service.insert("service_name".into(), Value::from("com.amazonaws.us-east-1.dynamodb"));
        assert_eq!(replaced(&replan(schema, &other_service, &updated)), ["service_name"]);

        endpoints.delete(&updated).await.unwrap();
        assert_eq!(endpoints.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        endpoints.delete(&updated).await.unwrap();
    });
}

async fn public_ip_of(clients: &Clients, instance: &str) -> Option<String> {
    let out = clients
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    out.reservations()[0].instances()[0]
        .public_ip_address()
        .map(str::to_string)
}

#[test]
fn eip_create_associate_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let (clients, recorder) = recording_clients(&moto);
        let vpc_id = create_vpc(&clients.ec2, "10.0.0.0/16").await;
        let subnet_id = clients
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block("10.0.1.0/24")
            .send()
            .await
            .unwrap()
            .subnet()
            .unwrap()
            .subnet_id()
            .unwrap()
            .to_string();
        let mut instances = Vec::new();
        for _ in 0..2 {
            let out = clients
                .ec2
                .run_instances()
                .image_id(AMI)
                .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                .subnet_id(&subnet_id)
                .min_count(1)
                .max_count(1)
                .send()
                .await
                .unwrap();
            instances.push(out.instances()[0].instance_id().unwrap().to_string());
        }

        let eips = Eip::new(&clients);
        let schema = eips.schema();
        let free = eips
            .create(
                &planned(schema, object! {"domain" => "vpc", "tags" => str_map(&[("Name", "free")])}),
                &meta("aws_eip.free"),
            )
            .await
            .unwrap();
        let id = s(&free, "id");
        assert!(id.starts_with("eipalloc-"));
        assert_eq!(free.str("allocation_id"), Some(id.as_str()));
        assert_eq!(s(&free, "arn"), format!("arn:aws:ec2:us-east-1:{ACCOUNT}:elastic-ip/{id}"));
        assert_eq!(free.str("domain"), Some("vpc"));
        assert_eq!(free.bool("vpc"), Some(true));
        // Provider v4's `vpc = true`, with no domain, allocates in the VPC domain.
        let legacy = eips
            .create(&planned(schema, object! {"vpc" => true}), &meta("aws_eip.legacy"))
            .await
            .unwrap();
        assert_eq!(legacy.str("domain"), Some("vpc"));
        assert_eq!(legacy.bool("vpc"), Some(true));
        eips.delete(&legacy).await.unwrap();
        let public_ip = s(&free, "public_ip");
        assert_eq!(
            free.str("public_dns").map(str::to_string),
            Some(format!("ec2-{}.compute-1.amazonaws.com", public_ip.replace('.', "-")))
        );
        for key in ["instance", "network_interface", "association_id", "private_ip", "private_dns"] {
            assert_eq!(free.get(key), Some(&Value::Null), "{key}");
        }
        assert_eq!(free.get("tags"), Some(&str_map(&[("Name", "free")])));
        for attr in schema.attributes {
            assert!(free.contains_key(attr.name), "{} missing from state", attr.name);
        }
        assert_eq!(
            aws_tags_of(&clients, &id).await.get("recon:address").map(String::as_str),
            Some("aws_eip.free")
        );

        // Associated at creation; domain left to AWS.
        let web = eips
            .create(&planned(schema, object! {"instance" => instances[0].clone()}), &meta("aws_eip.web"))
            .await
            .unwrap();
        assert_eq!(web.str("domain"), Some("vpc"));
        assert_eq!(web.str("instance"), Some(instances[0].as_str()));
        assert!(s(&web, "association_id").starts_with("eipassoc-"));
        assert!(s(&web, "network_interface").starts_with("eni-"));
        let private_ip = s(&web, "private_ip");
        assert!(private_ip.starts_with("10.0.1."));
        assert_eq!(
            web.str("private_dns").map(str::to_string),
            Some(format!("ip-{}.ec2.internal", private_ip.replace('.', "-")))
        );
        assert_eq!(public_ip_of(&clients, &instances[0]).await, web.str("public_ip").map(str::to_string));

        let missing = object! {"id" => "eipalloc-0123456789abcdef0"};
        let read = eips.read(&[web.clone(), missing, free.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(web.clone()), None, Some(free.clone())]);

        // Associate the free address in place, then move it to the other instance.
        let mut config = object! {"domain" => "vpc", "tags" => str_map(&[("Name", "free")]), "instance" => instances[1].clone()};
        let free2 = eips
            .update(&free, &planned_update(schema, &free, config.clone()), &meta("aws_eip.free"))
            .await
            .unwrap();
        assert_eq!(free2.str("id"), Some(id.as_str()));
        assert_eq!(free2.str("instance"), Some(instances[1].as_str()));
        assert!(free2.str("association_id").is_some());
        assert_eq!(public_ip_of(&clients, &instances[1]).await, Some(public_ip.clone()));

        // Explicitly no instance: disassociated.
        config.insert("instance".into(), Value::Null);
        let free3 = eips
            .update(&free2, &planned_update(schema, &free2, config), &meta("aws_eip.free"))
            .await
            .unwrap();
        assert_eq!(free3.get("instance"), Some(&Value::Null));
        assert_eq!(free3.get("association_id"), Some(&Value::Null));
        assert_ne!(public_ip_of(&clients, &instances[1]).await, Some(public_ip.clone()));

        // Associated through a network interface instead.
        let eni = clients
            .ec2
            .describe_instances()
            .instance_ids(&instances[1])
            .send()
            .await
            .unwrap()
            .reservations()[0]
            .instances()[0]
            .network_interfaces()[0]
            .network_interface_id()
            .unwrap()
            .to_string();
        let by_eni = object! {
            "domain" => "vpc", "tags" => str_map(&[("Name", "free")]), "network_interface" => eni.clone(),
        };
        let free4 = eips
            .update(
                &free3,
                &planned_update(schema, &free3, by_eni),
                &meta("aws_eip.free"),
            )
            .await
            .unwrap();
        assert_eq!(free4.str("network_interface"), Some(eni.as_str()));
        assert!(free4.str("association_id").is_some());
        assert!(free4.str("private_ip").is_some());

        // Deleting an associated address disassociates it first, then releases it.
        start_recording(&recorder);
        eips.delete(&web).await.unwrap();
        let names: Vec<String> = actions(&recorded(&recorder))
            .into_iter()
            .filter(|a| a != "DescribeAddresses")
            .collect();
        assert_eq!(names, vec!["DisassociateAddress", "ReleaseAddress"]);
        eips.delete(&free4).await.unwrap();
        assert_eq!(eips.read(&[web.clone(), free4.clone()]).await.unwrap(), vec![None, None]);
        eips.delete(&web).await.unwrap();
    });
}

/// Nothing to change: a re-plan of `config` against `state` is empty.
fn assert_no_changes(schema: &Schema, config: &Object, state: &Object) {
    let plan = replan(schema, config, state);
    assert_eq!(changed(&plan), Vec::<String>::new(), "{state:?}");
}

fn with_token(address: &str, token: &str) -> Meta {
    Meta {
        token: Some(token.into()),
        ..meta(address)
    }
}

/// The ids of what the route tests route through: an internet gateway attached to a
/// VPC, and a peering connection from it to a second VPC.
struct Network {
    vpc: String,
    igw: String,
    peering: String,
    subnet: String,
}

async fn network(ec2: &aws_sdk_ec2::Client) -> Network {
    let vpc = create_vpc(ec2, "10.0.0.0/16").await;
    let peer = create_vpc(ec2, "10.1.0.0/16").await;
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let peering = ec2
        .create_vpc_peering_connection()
        .vpc_id(&vpc)
        .peer_vpc_id(&peer)
        .send()
        .await
        .unwrap()
        .vpc_peering_connection()
        .unwrap()
        .vpc_peering_connection_id()
        .unwrap()
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.0.1.0/24")
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string();
    Network {
        vpc,
        igw,
        peering,
        subnet,
    }
}

async fn create_route_table(ec2: &aws_sdk_ec2::Client, vpc: &str) -> String {
    ec2.create_route_table()
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string()
}

/// (destination, target) of every route of a table as AWS reports it, local route included.
async fn routes_on_aws(ec2: &aws_sdk_ec2::Client, table: &str) -> Vec<(String, String)> {
    let out = ec2
        .describe_route_tables()
        .route_table_ids(table)
        .send()
        .await
        .unwrap();
    let mut routes: Vec<(String, String)> = out.route_tables()[0]
        .routes()
        .iter()
        .map(|r| {
            let target = r
                .gateway_id()
                .or(r.vpc_peering_connection_id())
                .unwrap_or_default();
            (
                r.destination_cidr_block().unwrap_or_default().to_string(),
                target.to_string(),
            )
        })
        .collect();
    routes.sort();
    routes
}

#[test]
fn internet_gateway_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpc_a = create_vpc(&clients.ec2, "10.0.0.0/16").await;
        let vpc_b = create_vpc(&clients.ec2, "10.1.0.0/16").await;
        let gateways = InternetGateway::new(&clients);
        let schema = gateways.schema();

        let config = object! {"vpc_id" => vpc_a.clone(), "tags" => str_map(&[("Name", "gw")])};
        let created = gateways
            .create(
                &plan_new(schema, &config),
                &with_token("aws_internet_gateway.gw", "tok-gw"),
            )
            .await
            .unwrap();
        let id = s(&created, "id");
        assert!(id.starts_with("igw-"), "{id}");
        assert_eq!(
            s(&created, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:internet-gateway/{id}")
        );
        assert_eq!(created.str("vpc_id"), Some(vpc_a.as_str()));
        assert_eq!(created.str("owner_id"), Some(ACCOUNT));
        assert_eq!(created.get("tags"), Some(&str_map(&[("Name", "gw")])));
        for attr in schema.attributes {
            assert!(created.contains_key(attr.name), "{} missing", attr.name);
        }
        assert_eq!(
            aws_tags_of(&clients, &id)
                .await
                .get("recon:address")
                .map(String::as_str),
            Some("aws_internet_gateway.gw")
        );

        // Read, import and a lost create all find the same gateway; a re-plan is clean.
        let missing = object! {"id" => "igw-0123456789abcdef0"};
        assert_eq!(
            gateways.read(&[missing, created.clone()]).await.unwrap(),
            vec![None, Some(created.clone())]
        );
        let imported = gateways.read(&[gateways.import_stub(&id)]).await.unwrap();
        assert_eq!(imported, vec![Some(created.clone())]);
        let lost = gateways
            .find_created(&config, &with_token("aws_internet_gateway.gw", "tok-gw"))
            .await
            .unwrap();
        assert_eq!(found(lost), created);
        assert_no_changes(schema, &config, &created);

        // Drift: detached outside recon, the plan attaches it again in place.
        clients
            .ec2
            .detach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(&vpc_a)
            .send()
            .await
            .unwrap();
        let drifted = gateways.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted.get("vpc_id"), Some(&Value::Null));
        let plan = replan(schema, &config, &drifted);
        assert_eq!(changed(&plan), ["vpc_id"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let reattached = gateways
            .update(&drifted, &plan.after, &meta("aws_internet_gateway.gw"))
            .await
            .unwrap();
        assert_eq!(reattached, created);

        // Moved to another VPC and retagged in place.
        let config_b = object! {"vpc_id" => vpc_b.clone(), "tags" => str_map(&[("Name", "gw-b")])};
        let plan = replan(schema, &config_b, &created);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let moved = gateways
            .update(&created, &plan.after, &meta("aws_internet_gateway.gw"))
            .await
            .unwrap();
        assert_eq!(moved.str("id"), Some(id.as_str()));
        assert_eq!(moved.str("vpc_id"), Some(vpc_b.as_str()));
        assert_eq!(moved.get("tags"), Some(&str_map(&[("Name", "gw-b")])));
        let on_aws = clients
            .ec2
            .describe_internet_gateways()
            .internet_gateway_ids(&id)
            .send()
            .await
            .unwrap();
        let attached: Vec<&str> = on_aws.internet_gateways()[0]
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id())
            .collect();
        assert_eq!(attached, [vpc_b.as_str()]);
        assert_no_changes(schema, &config_b, &moved);

        // Delete detaches first; deleting what is gone is success.
        gateways.delete(&moved).await.unwrap();
        assert_eq!(
            gateways.read(std::slice::from_ref(&moved)).await.unwrap(),
            vec![None]
        );
        gateways.delete(&moved).await.unwrap();
        let lost = gateways
            .find_created(&config, &with_token("aws_internet_gateway.gw", "tok-gw"))
            .await
            .unwrap();
        assert!(matches!(lost, Created::Absent), "{lost:?}");
    });
}

fn route_block(cidr: &str, target: &str, id: &str) -> Value {
    Value::Object(object! {"cidr_block" => cidr, target => id})
}

#[test]
fn route_table_with_inline_routes() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let net = network(&clients.ec2).await;
        let tables = RouteTable::new(&clients);
        let schema = tables.schema();

        let config = object! {
            "vpc_id" => net.vpc.clone(),
            "route" => Value::List(vec![route_block("0.0.0.0/0", "gateway_id", &net.igw)]),
            "tags" => str_map(&[("Name", "public")]),
        };
        let created = tables
            .create(&plan_new(schema, &config), &meta("aws_route_table.public"))
            .await
            .unwrap();
        let id = s(&created, "id");
        assert!(id.starts_with("rtb-"), "{id}");
        assert_eq!(
            s(&created, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:route-table/{id}")
        );
        assert_eq!(created.str("vpc_id"), Some(net.vpc.as_str()));
        assert_eq!(created.str("owner_id"), Some(ACCOUNT));
        // The VPC's local route is AWS's, not the configuration's: not in state.
        let routes = created.list("route");
        assert_eq!(routes.len(), 1, "{routes:?}");
        let route = routes[0].as_object().unwrap();
        assert_eq!(route.str("cidr_block"), Some("0.0.0.0/0"));
        assert_eq!(route.str("gateway_id"), Some(net.igw.as_str()));
        for key in [
            "ipv6_cidr_block",
            "nat_gateway_id",
            "vpc_peering_connection_id",
        ] {
            assert_eq!(route.get(key), Some(&Value::Null), "{key}");
        }
        assert_eq!(
            routes_on_aws(&clients.ec2, &id).await,
            [
                ("0.0.0.0/0".to_string(), net.igw.clone()),
                ("10.0.0.0/16".to_string(), "local".to_string())
            ]
        );
        assert_eq!(
            tables.read(&[tables.import_stub(&id)]).await.unwrap(),
            vec![Some(created.clone())]
        );
        assert_no_changes(schema, &config, &created);

        // Drift: the route deleted outside recon is planned back.
        clients
            .ec2
            .delete_route()
            .route_table_id(&id)
            .destination_cidr_block("0.0.0.0/0")
            .send()
            .await
            .unwrap();
        let drifted = tables.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted.list("route"), &[] as &[Value]);
        let plan = replan(schema, &config, &drifted);
        assert_eq!(changed(&plan), ["route"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());

        // In place: the lost route back, plus a route to the peer VPC.
        let two_routes = object! {
            "vpc_id" => net.vpc.clone(),
            "route" => Value::List(vec![
                route_block("0.0.0.0/0", "gateway_id", &net.igw),
                route_block("10.1.0.0/16", "vpc_peering_connection_id", &net.peering),
            ]),
            "tags" => str_map(&[("Name", "public")]),
        };
        let plan = replan(schema, &two_routes, &drifted);
        let updated = tables
            .update(&drifted, &plan.after, &meta("aws_route_table.public"))
            .await
            .unwrap();
        assert_eq!(updated.str("id"), Some(id.as_str()));
        assert_eq!(
            routes_on_aws(&clients.ec2, &id).await,
            [
                ("0.0.0.0/0".to_string(), net.igw.clone()),
                ("10.0.0.0/16".to_string(), "local".to_string()),
                ("10.1.0.0/16".to_string(), net.peering.clone()),
            ]
        );
        assert_no_changes(schema, &two_routes, &updated);

        // One route dropped, the other pointed elsewhere (ReplaceRoute), tags changed.
        let retargeted = object! {
            "vpc_id" => net.vpc.clone(),
            "route" => Value::List(vec![route_block("10.1.0.0/16", "gateway_id", &net.igw)]),
            "tags" => str_map(&[("Name", "edge")]),
        };
        let plan = replan(schema, &retargeted, &updated);
        let updated = tables
            .update(&updated, &plan.after, &meta("aws_route_table.public"))
            .await
            .unwrap();
        assert_eq!(
            routes_on_aws(&clients.ec2, &id).await,
            [
                ("10.0.0.0/16".to_string(), "local".to_string()),
                ("10.1.0.0/16".to_string(), net.igw.clone()),
            ]
        );
        assert_eq!(updated.get("tags"), Some(&str_map(&[("Name", "edge")])));
        assert_no_changes(schema, &retargeted, &updated);

        // Without `route` in the configuration, the routes that exist are kept.
        let no_routes =
            object! {"vpc_id" => net.vpc.clone(), "tags" => str_map(&[("Name", "edge")])};
        assert_no_changes(schema, &no_routes, &updated);

        // A table still associated with a subnet is disassociated, then deleted.
        clients
            .ec2
            .associate_route_table()
            .route_table_id(&id)
            .subnet_id(&net.subnet)
            .send()
            .await
            .unwrap();
        tables.delete(&updated).await.unwrap();
        assert_eq!(
            tables.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        tables.delete(&updated).await.unwrap();
    });
}

#[test]
fn route_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let net = network(&clients.ec2).await;
        let table = create_route_table(&clients.ec2, &net.vpc).await;
        let routes = Route::new(&clients);
        let schema = routes.schema();

        let config = object! {
            "route_table_id" => table.clone(),
            "destination_cidr_block" => "0.0.0.0/0",
            "gateway_id" => net.igw.clone(),
        };
        let created = routes
            .create(&plan_new(schema, &config), &meta("aws_route.internet"))
            .await
            .unwrap();
        // Terraform's id: r-, the table and the CRC-32 of the destination.
        assert_eq!(
            created.str("id"),
            Some(format!("r-{table}1080289494").as_str())
        );
        assert_eq!(created.str("route_table_id"), Some(table.as_str()));
        assert_eq!(created.str("destination_cidr_block"), Some("0.0.0.0/0"));
        assert_eq!(
            created.get("destination_ipv6_cidr_block"),
            Some(&Value::Null)
        );
        assert_eq!(created.str("gateway_id"), Some(net.igw.as_str()));
        assert_eq!(created.str("origin"), Some("CreateRoute"));
        assert_eq!(created.str("state"), Some("active"));
        for attr in schema.attributes {
            assert!(created.contains_key(attr.name), "{} missing", attr.name);
        }

        // Read, import (ROUTETABLEID_DESTINATION) and a lost create find it; re-plan clean.
        let imported = routes
            .read(&[routes.import_stub(&format!("{table}_0.0.0.0/0"))])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(created.clone())]);
        let lost = routes
            .find_created(&plan_new(schema, &config), &meta("aws_route.internet"))
            .await
            .unwrap();
        assert_eq!(found(lost), created);
        assert_no_changes(schema, &config, &created);

        // Drift: pointed elsewhere outside recon; the plan points it back in place.
        clients
            .ec2
            .replace_route()
            .route_table_id(&table)
            .destination_cidr_block("0.0.0.0/0")
            .vpc_peering_connection_id(&net.peering)
            .send()
            .await
            .unwrap();
        let drifted = routes.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted.get("gateway_id"), Some(&Value::Null));
        let plan = replan(schema, &config, &drifted);
        let mut diff = changed(&plan);
        diff.sort();
        assert_eq!(diff, ["gateway_id", "vpc_peering_connection_id"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        // Someone else's route to the same destination is not taken for ours.
        let lost = routes
            .find_created(&plan_new(schema, &config), &meta("aws_route.internet"))
            .await
            .unwrap();
        assert!(matches!(lost, Created::NotOurs { .. }), "{lost:?}");
        let back = routes
            .update(&drifted, &plan.after, &meta("aws_route.internet"))
            .await
            .unwrap();
        assert_eq!(back, created);

        // A new target changes in place; a new destination replaces.
        let to_peer = object! {
            "route_table_id" => table.clone(),
            "destination_cidr_block" => "0.0.0.0/0",
            "vpc_peering_connection_id" => net.peering.clone(),
        };
        let plan = replan(schema, &to_peer, &back);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let moved = routes
            .update(&back, &plan.after, &meta("aws_route.internet"))
            .await
            .unwrap();
        assert_eq!(
            moved.str("vpc_peering_connection_id"),
            Some(net.peering.as_str())
        );
        assert_eq!(moved.get("gateway_id"), Some(&Value::Null));
        assert!(routes_on_aws(&clients.ec2, &table)
            .await
            .contains(&("0.0.0.0/0".to_string(), net.peering.clone())));
        assert_no_changes(schema, &to_peer, &moved);
        let mut elsewhere = to_peer.clone();
        elsewhere.insert("destination_cidr_block".into(), "10.1.0.0/16".into());
        assert_eq!(
            replaced(&replan(schema, &elsewhere, &moved)),
            ["destination_cidr_block"]
        );

        routes.delete(&moved).await.unwrap();
        assert_eq!(
            routes.read(std::slice::from_ref(&moved)).await.unwrap(),
            vec![None]
        );
        assert_eq!(
            routes_on_aws(&clients.ec2, &table).await,
            [("10.0.0.0/16".to_string(), "local".to_string())]
        );
        routes.delete(&moved).await.unwrap();
    });
}

#[test]
fn route_table_association_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let net = network(&clients.ec2).await;
        let first = create_route_table(&clients.ec2, &net.vpc).await;
        let second = create_route_table(&clients.ec2, &net.vpc).await;
        let associations = RouteTableAssociation::new(&clients);
        let schema = associations.schema();

        let config = object! {"subnet_id" => net.subnet.clone(), "route_table_id" => first.clone()};
        let created = associations
            .create(
                &plan_new(schema, &config),
                &meta("aws_route_table_association.a"),
            )
            .await
            .unwrap();
        let id = s(&created, "id");
        assert!(id.starts_with("rtbassoc-"), "{id}");
        assert_eq!(created.str("subnet_id"), Some(net.subnet.as_str()));
        assert_eq!(created.str("route_table_id"), Some(first.as_str()));
        assert_eq!(created.get("gateway_id"), Some(&Value::Null));

        // Read, import (SUBNETID/ROUTETABLEID) and a lost create find it; re-plan clean.
        assert_eq!(
            associations
                .read(std::slice::from_ref(&created))
                .await
                .unwrap(),
            vec![Some(created.clone())]
        );
        let imported = associations
            .read(&[associations.import_stub(&format!("{}/{first}", net.subnet))])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(created.clone())]);
        let lost = associations
            .find_created(
                &plan_new(schema, &config),
                &meta("aws_route_table_association.a"),
            )
            .await
            .unwrap();
        assert_eq!(found(lost), created);
        assert_no_changes(schema, &config, &created);

        // Another table in place: a new association id.
        let config2 =
            object! {"subnet_id" => net.subnet.clone(), "route_table_id" => second.clone()};
        let plan = replan(schema, &config2, &created);
        assert_eq!(changed(&plan), ["route_table_id"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let moved = associations
            .update(
                &created,
                &plan.after,
                &meta("aws_route_table_association.a"),
            )
            .await
            .unwrap();
        assert_ne!(moved.str("id"), Some(id.as_str()));
        assert_eq!(moved.str("route_table_id"), Some(second.as_str()));
        assert_eq!(moved.str("subnet_id"), Some(net.subnet.as_str()));
        assert_no_changes(schema, &config2, &moved);
        assert_eq!(
            associations
                .read(std::slice::from_ref(&created))
                .await
                .unwrap(),
            vec![None]
        );

        // Drift: disassociated outside recon, it is gone (and planned anew).
        clients
            .ec2
            .disassociate_route_table()
            .association_id(s(&moved, "id"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            associations
                .read(std::slice::from_ref(&moved))
                .await
                .unwrap(),
            vec![None]
        );
        associations.delete(&moved).await.unwrap();

        let again = associations
            .create(
                &plan_new(schema, &config),
                &meta("aws_route_table_association.a"),
            )
            .await
            .unwrap();
        associations.delete(&again).await.unwrap();
        assert_eq!(
            associations
                .read(std::slice::from_ref(&again))
                .await
                .unwrap(),
            vec![None]
        );
        let on_aws = clients
            .ec2
            .describe_route_tables()
            .route_table_ids(&first)
            .send()
            .await
            .unwrap();
        assert!(on_aws.route_tables()[0].associations().is_empty());
    });
}

#[test]
fn vpc_ipv4_cidr_block_association_create_read_import_delete() {
    use recon::aws::ec2::vpc_ipv4_cidr_block_association::{
        self as assoc, VpcIpv4CidrBlockAssociation,
    };
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let vpcs = Vpc::new(&clients);
        let blocks = VpcIpv4CidrBlockAssociation::new(&clients);
        let vpc = vpcs
            .create(
                &planned(vpcs.schema(), object! {"cidr_block" => "10.0.0.0/16"}),
                &meta("aws_vpc.main"),
            )
            .await
            .unwrap();
        let vpc_id = s(&vpc, "id");
        let config = object! {"vpc_id" => vpc_id.as_str(), "cidr_block" => "172.2.0.0/16"};
        let at = meta("aws_vpc_ipv4_cidr_block_association.extra");
        let state = blocks
            .create(&plan_new(&assoc::SCHEMA, &config), &at)
            .await
            .unwrap();
        assert!(s(&state, "id").starts_with("vpc-cidr-assoc-"), "{state:?}");
        assert_eq!(state.str("cidr_block"), Some("172.2.0.0/16"));
        let on_aws = clients
            .ec2
            .describe_vpcs()
            .vpc_ids(&vpc_id)
            .send()
            .await
            .unwrap();
        let cidrs: Vec<&str> = on_aws.vpcs()[0]
            .cidr_block_association_set()
            .iter()
            .filter_map(|a| a.cidr_block())
            .collect();
        assert!(cidrs.contains(&"172.2.0.0/16"), "{cidrs:?}");
        assert!(replan(&assoc::SCHEMA, &config, &state).changed.is_empty());
        // A retried create finds the block; an import needs the id alone.
        assert_eq!(
            found(
                blocks
                    .find_created(&plan_new(&assoc::SCHEMA, &config), &at)
                    .await
                    .unwrap()
            ),
            state
        );
        let imported = blocks
            .read(&[blocks.import_stub(&s(&state, "id"))])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(state.clone())]);
        // A subnet in the new block.
        let subnets = Subnet::new(&clients);
        let subnet = subnets
            .create(
                &planned(
                    subnets.schema(),
                    object! {"vpc_id" => vpc_id.as_str(), "cidr_block" => "172.2.0.0/24"},
                ),
                &meta("aws_subnet.in_extra"),
            )
            .await
            .unwrap();
        subnets.delete(&subnet).await.unwrap();

        blocks.delete(&state).await.unwrap();
        assert_eq!(
            blocks.read(std::slice::from_ref(&state)).await.unwrap(),
            vec![None]
        );
        blocks.delete(&state).await.unwrap();
        vpcs.delete(&vpc).await.unwrap();
    });
}

/// (instance, device index) of an interface's attachment as AWS reports it.
async fn eni_attachment(ec2: &aws_sdk_ec2::Client, eni: &str) -> Option<(String, i32)> {
    let out = ec2
        .describe_network_interfaces()
        .network_interface_ids(eni)
        .send()
        .await
        .unwrap();
    let attachment = out.network_interfaces()[0].attachment()?;
    Some((
        attachment.instance_id()?.to_string(),
        attachment.device_index()?,
    ))
}

#[test]
fn network_interface_create_read_update_attach_lost_create_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let (web, lb) = web_and_lb(&clients.ec2).await;
        let vpc = clients
            .ec2
            .describe_security_groups()
            .group_ids(&web)
            .send()
            .await
            .unwrap()
            .security_groups()[0]
            .vpc_id()
            .unwrap()
            .to_string();
        let subnet = create_subnet(&clients.ec2, &vpc, "10.0.1.0/24").await;
        let enis = NetworkInterface::new(&clients);
        let schema = enis.schema();

        let config = object! {
            "subnet_id" => subnet.clone(),
            "description" => "eth1",
            "private_ips" => vec!["10.0.1.10", "10.0.1.11"],
            "security_groups" => vec![web.clone()],
            "source_dest_check" => false,
            "tags" => str_map(&[("Name", "eth1")]),
        };
        let meta = with_token("aws_network_interface.eth1", "tok-eni");
        let created = enis.create(&plan_new(schema, &config), &meta).await.unwrap();
        let id = s(&created, "id");
        assert!(id.starts_with("eni-"), "{id}");
        assert_eq!(
            s(&created, "arn"),
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/{id}")
        );
        // The lowest address of the set is the primary one.
        assert_eq!(created.str("private_ip"), Some("10.0.1.10"));
        assert_eq!(created.strings("private_ips"), ["10.0.1.10", "10.0.1.11"]);
        assert_eq!(created.i64("private_ips_count"), Some(1));
        assert_eq!(created.strings("security_groups"), std::slice::from_ref(&web));
        assert_eq!(created.bool("source_dest_check"), Some(false));
        assert_eq!(created.str("description"), Some("eth1"));
        assert_eq!(created.str("interface_type"), Some("interface"));
        assert_eq!(created.str("owner_id"), Some(ACCOUNT));
        assert!(created.str("mac_address").is_some());
        assert_eq!(created.get("attachment"), Some(&Value::List(vec![])));
        assert_eq!(created.get("tags"), Some(&str_map(&[("Name", "eth1")])));
        for attr in schema.attributes {
            assert!(created.contains_key(attr.name), "{} missing", attr.name);
        }
        assert_eq!(
            aws_tags_of(&clients, &id).await.get("recon:address").map(String::as_str),
            Some("aws_network_interface.eth1")
        );

        // Read, import and a lost create find the same interface; a re-plan is clean.
        let missing = object! {"id" => "eni-0123456789abcdef0"};
        assert_eq!(
            enis.read(&[missing, created.clone()]).await.unwrap(),
            vec![None, Some(created.clone())]
        );
        let imported = enis.read(&[enis.import_stub(&id)]).await.unwrap();
        assert_eq!(imported, vec![Some(created.clone())]);
        assert_eq!(found(enis.find_created(&config, &meta).await.unwrap()), created);
        assert_no_changes(schema, &config, &created);

        // Drift: the check turned back on outside recon; the plan turns it off in place.
        clients
            .ec2
            .modify_network_interface_attribute()
            .network_interface_id(&id)
            .source_dest_check(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .unwrap();
        let drifted = enis.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted.bool("source_dest_check"), Some(true));
        let plan = replan(schema, &config, &drifted);
        assert_eq!(changed(&plan), ["source_dest_check"]);
        let repaired = enis.update(&drifted, &plan.after, &meta).await.unwrap();
        assert_eq!(repaired, created);

        // In place: description, groups, the check, one address swapped for another, tags.
        let config2 = object! {
            "subnet_id" => subnet.clone(),
            "description" => "eth1 moved",
            "private_ips" => vec!["10.0.1.10", "10.0.1.12"],
            "security_groups" => vec![web.clone(), lb.clone()],
            "source_dest_check" => true,
            "tags" => str_map(&[("Name", "eth1b")]),
        };
        let plan = replan(schema, &config2, &created);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let updated = enis.update(&created, &plan.after, &meta).await.unwrap();
        assert_eq!(updated.str("id"), Some(id.as_str()));
        assert_eq!(updated.str("description"), Some("eth1 moved"));
        assert_eq!(updated.strings("private_ips"), ["10.0.1.10", "10.0.1.12"]);
        let mut groups = vec![web.clone(), lb.clone()];
        groups.sort();
        assert_eq!(updated.strings("security_groups"), groups);
        assert_eq!(updated.bool("source_dest_check"), Some(true));
        assert_eq!(updated.get("tags"), Some(&str_map(&[("Name", "eth1b")])));
        assert_no_changes(schema, &config2, &updated);

        // By count instead: two more secondaries that AWS picks, then one fewer.
        let mut by_count = config2.clone();
        by_count.remove("private_ips");
        by_count.insert("private_ips_count".into(), Value::from(3));
        let plan = replan(schema, &by_count, &updated);
        assert_eq!(changed(&plan), ["private_ips_count"]);
        let grown = enis.update(&updated, &plan.after, &meta).await.unwrap();
        assert_eq!(grown.i64("private_ips_count"), Some(3));
        assert_eq!(grown.strings("private_ips").len(), 4);
        by_count.insert("private_ips_count".into(), Value::from(2));
        let plan = replan(schema, &by_count, &grown);
        let shrunk = enis.update(&grown, &plan.after, &meta).await.unwrap();
        assert_eq!(shrunk.i64("private_ips_count"), Some(2));
        assert_eq!(shrunk.str("private_ip"), Some("10.0.1.10"));
        assert_no_changes(schema, &by_count, &shrunk);

        // A new subnet replaces the interface.
        let other = create_subnet(&clients.ec2, &vpc, "10.0.2.0/24").await;
        let mut moved = by_count.clone();
        moved.insert("subnet_id".into(), Value::from(other.as_str()));
        assert_eq!(replaced(&replan(schema, &moved, &shrunk)), ["subnet_id"]);

        // Attached as a second interface of an instance, in place.
        let instance = clients
            .ec2
            .run_instances()
            .image_id(AMI)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .subnet_id(&subnet)
            .min_count(1)
            .max_count(1)
            .send()
            .await
            .unwrap()
            .instances()[0]
            .instance_id()
            .unwrap()
            .to_string();
        let mut attached_config = by_count.clone();
        attached_config.insert(
            "attachment".into(),
            Value::List(vec![Value::Object(object! {"instance" => instance.clone(), "device_index" => 1})]),
        );
        let plan = replan(schema, &attached_config, &shrunk);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let attached = enis.update(&shrunk, &plan.after, &meta).await.unwrap();
        let block = &attached.list("attachment")[0];
        assert_eq!(block.get("instance").as_str(), Some(instance.as_str()));
        assert_eq!(block.get("device_index").as_i64(), Some(1));
        assert!(block.get("attachment_id").as_str().is_some_and(|a| a.starts_with("eni-attach-")));
        assert_eq!(eni_attachment(&clients.ec2, &id).await, Some((instance.clone(), 1)));
        assert_no_changes(schema, &attached_config, &attached);
        // Left out of configuration, the attachment is kept (Optional+Computed).
        assert_no_changes(schema, &by_count, &attached);

        // Delete detaches first; deleting what is gone is success.
        enis.delete(&attached).await.unwrap();
        assert_eq!(enis.read(std::slice::from_ref(&attached)).await.unwrap(), vec![None]);
        enis.delete(&attached).await.unwrap();
        let lost = enis.find_created(&config, &meta).await.unwrap();
        assert!(matches!(lost, Created::Absent), "{lost:?}");

        // Created attached: the attachment is made with the interface.
        let at_create = object! {
            "subnet_id" => subnet.clone(),
            "private_ips_count" => 1,
            "attachment" => Value::List(vec![Value::Object(object! {"instance" => instance.clone(), "device_index" => 2})]),
        };
        let second = enis
            .create(&plan_new(schema, &at_create), &meta)
            .await
            .unwrap();
        let second_id = s(&second, "id");
        assert_eq!(second.i64("private_ips_count"), Some(1));
        assert_eq!(second.strings("security_groups").len(), 1, "the VPC's default group");
        assert_eq!(eni_attachment(&clients.ec2, &second_id).await, Some((instance.clone(), 2)));
        assert_no_changes(schema, &at_create, &second);
        enis.delete(&second).await.unwrap();
        assert_eq!(enis.read(std::slice::from_ref(&second)).await.unwrap(), vec![None]);
    });
}

#[test]
fn network_interface_ipv6_addresses_in_place() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .amazon_provided_ipv6_cidr_block(true)
            .send()
            .await
            .unwrap()
            .vpc()
            .unwrap()
            .clone();
        let vpc_id = vpc.vpc_id().unwrap();
        let v6 = vpc.ipv6_cidr_block_association_set()[0]
            .ipv6_cidr_block()
            .unwrap();
        // The VPC's /56 cut to its first /64.
        let prefix = v6.split("::").next().unwrap();
        let subnet_v6 = format!("{prefix}::/64");
        let subnet = ec2
            .create_subnet()
            .vpc_id(vpc_id)
            .cidr_block("10.0.1.0/24")
            .ipv6_cidr_block(&subnet_v6)
            .send()
            .await
            .unwrap()
            .subnet()
            .unwrap()
            .subnet_id()
            .unwrap()
            .to_string();
        let enis = NetworkInterface::new(&clients);
        let schema = enis.schema();
        let meta = meta("aws_network_interface.v6");

        let config = object! {"subnet_id" => subnet.clone(), "ipv6_address_count" => 2};
        let created = enis
            .create(&plan_new(schema, &config), &meta)
            .await
            .unwrap();
        assert_eq!(created.i64("ipv6_address_count"), Some(2));
        let addresses = created.strings("ipv6_addresses");
        assert_eq!(addresses.len(), 2);
        // In the subnet's /64, compared as numbers: the text of an address
        // may compress its zero groups otherwise than the block's.
        let network = |a: &str| u128::from(a.parse::<std::net::Ipv6Addr>().unwrap()) >> 64;
        let subnet_net = network(&format!("{prefix}::"));
        assert!(
            addresses.iter().all(|a| network(a) == subnet_net),
            "{addresses:?} in {subnet_v6}"
        );
        assert_no_changes(schema, &config, &created);

        // More by count, in place.
        let three = object! {"subnet_id" => subnet.clone(), "ipv6_address_count" => 3};
        let plan = replan(schema, &three, &created);
        assert_eq!(changed(&plan), ["ipv6_address_count"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let grown = enis.update(&created, &plan.after, &meta).await.unwrap();
        assert_eq!(grown.strings("ipv6_addresses").len(), 3);
        assert_eq!(grown.str("id"), created.str("id"));

        // To a list: one address kept, the others removed, one named added.
        let keep = addresses[0].clone();
        let named = format!("{prefix}::beef");
        let listed = object! {
            "subnet_id" => subnet.clone(),
            "ipv6_addresses" => vec![keep.clone(), named.clone()],
        };
        let plan = replan(schema, &listed, &grown);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let moved = enis.update(&grown, &plan.after, &meta).await.unwrap();
        let mut want = vec![keep, named];
        want.sort();
        assert_eq!(moved.strings("ipv6_addresses"), want);
        assert_eq!(moved.i64("ipv6_address_count"), Some(2));
        assert_no_changes(schema, &listed, &moved);
        enis.delete(&moved).await.unwrap();
    });
}

/// The answer of CreateNetworkInterface is lost once (moto makes the interface,
/// the client sees a reset connection): the call is sent once, the interface is
/// found by its token and adopted, the next plan is clean, and destroy leaves none.
#[test]
fn network_interface_lost_create_answer_is_adopted_not_made_twice() {
    let moto = Moto::start();
    let proxy = common::FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = common::write_stack(
        cwd,
        "eni",
        r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.0.0/24"
}

resource "aws_network_interface" "eth1" {
  subnet_id         = aws_subnet.main.id
  private_ips_count = 1
  tags = {
    Name = "eth1"
  }
}
"#,
    );
    proxy.set_rules(serde_json::json!([
        {"operation": "CreateNetworkInterface", "fault": "drop_response", "times": 1},
    ]));
    let run = common::ok(proxy.run(
        cwd,
        &stack,
        &["apply", "--auto-approve", "--policy-fail-on", "critical"],
    ));
    assert_eq!(proxy.rules()[0]["injected"], 1, "{}", run.all());
    assert_eq!(
        proxy.calls("CreateNetworkInterface").len(),
        1,
        "sent once\n{}",
        run.all()
    );
    proxy.clear();
    let plan = proxy.run(cwd, &stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let clients = Clients::from_config(&moto.sdk_config());
    let named = |clients: &Clients| {
        let ec2 = clients.ec2.clone();
        async move {
            let out = ec2
                .describe_network_interfaces()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag:Name")
                        .values("eth1")
                        .build(),
                )
                .send()
                .await
                .unwrap();
            out.network_interfaces().len()
        }
    };
    let rt = common::runtime();
    assert_eq!(rt.block_on(named(&clients)), 1);
    common::ok(proxy.run(cwd, &stack, &["destroy", "--auto-approve"]));
    assert_eq!(rt.block_on(named(&clients)), 0);
}
