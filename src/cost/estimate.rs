//! The monthly price of one resource object, from the price table: what it
//! costs and a human basis saying how the figure was made.

use super::prices::{tiered, RegionPrices};
use super::usage::Usage;
use crate::value::{Object, ObjectExt, Value};

/// How many hours a month something runs, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Hours {
    pub hours: f64,
    /// e.g. "always on", "start/stop schedules", "declared usage".
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Priced {
    Cost {
        monthly: f64,
        basis: String,
    },
    /// Nothing to pay for the resource itself (VPCs, IAM, attachments, ...).
    Free,
    /// A type or size the table has no price for: why.
    NoPrice(String),
}

/// Types AWS does not charge for by themselves.
const FREE: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_vpc_ipv4_cidr_block_association",
    "aws_main_route_table_association",
    "aws_default_route_table",
    "aws_network_acl",
    "aws_eip_association",
    "aws_volume_attachment",
    "aws_key_pair",
    "aws_launch_template",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_instance_profile",
    "aws_iam_policy",
    "aws_kms_alias",
    "aws_kms_key_policy",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_log_subscription_filter",
    "aws_lambda_permission",
    "aws_lambda_alias",
    // Invocations through a URL are billed to the function.
    "aws_lambda_function_url",
    "aws_network_interface",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_policy",
    "aws_sqs_queue_redrive_allow_policy",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
];

/// The price of `obj`, a `type_name`, running `hours` a month (instances and
/// NAT gateways; anything else is billed all month).
pub fn price(
    type_name: &str,
    obj: &Object,
    usage: &Usage,
    hours: &Hours,
    p: &RegionPrices,
) -> Priced {
    let month = Hours {
        hours: 730.0,
        source: "all month".into(),
    };
    match type_name {
        "aws_instance" => instance(obj, hours, p),
        "aws_ebs_volume" => volume(
            "",
            obj.get("size"),
            obj.str("type").unwrap_or("gp2"),
            obj.get("iops"),
            obj.get("throughput"),
            p,
        )
        .map_or_else(Priced::NoPrice, |part| part.priced()),
        "aws_ebs_snapshot" | "aws_ebs_snapshot_copy" => {
            match obj.get("volume_size").and_then(Value::as_f64) {
                Some(gb) => Part::new(
                    gb * p.ebs_snapshot_gb_month,
                    format!(
                        "{} GB snapshot × {}/GB-month (full size; snapshots are incremental)",
                        num(gb),
                        money_rate(p.ebs_snapshot_gb_month)
                    ),
                )
                .priced(),
                None => Priced::NoPrice("snapshot size known after apply".into()),
            }
        }
        "aws_eip" => per_hour("public IPv4", &month, p.public_ipv4_hour).priced(),
        "aws_nat_gateway" => Part::join(vec![
            per_hour("NAT gateway", hours, p.nat_gateway_hour),
            usage_based("data processed per GB not estimated"),
        ])
        .priced(),
        "aws_vpc_endpoint" => match obj.str("vpc_endpoint_type").unwrap_or("Gateway") {
            "Interface" => {
                let zones = obj.list("subnet_ids").len().max(1) as f64;
                Part::new(
                    zones * month.hours * p.vpc_interface_endpoint_hour,
                    format!(
                        "interface endpoint in {} AZ × 730 h × {}/h; data usage-based",
                        num(zones),
                        money_rate(p.vpc_interface_endpoint_hour)
                    ),
                )
                .priced()
            }
            _ => Priced::Free,
        },
        "aws_kms_key" => Part::new(
            p.kms_key_month,
            format!(
                "customer managed key × {}/month; requests usage-based{}",
                money_rate(p.kms_key_month),
                if obj.bool("enable_key_rotation") == Some(true) {
                    "; rotation: +1 month's price at each of the first two yearly rotations"
                } else {
                    ""
                }
            ),
        )
        .priced(),
        "aws_s3_bucket" => match usage.get("storage_gb") {
            Some(gb) => Part::new(
                gb * p.s3_standard_gb_month,
                format!(
                    "{} GB Standard × {}/GB-month (declared usage); requests not estimated",
                    num(gb),
                    money_rate(p.s3_standard_gb_month)
                ),
            )
            .priced(),
            None => usage_based("storage and requests not estimated (declare usage storage_gb)")
                .priced(),
        },
        "aws_lambda_function" => lambda(obj, usage, p),
        "aws_sqs_queue" => per_million(
            usage,
            "requests_per_month",
            "requests",
            p.sqs_requests_million,
        ),
        "aws_cloudwatch_event_rule" => per_million(
            usage,
            "events_per_month",
            "events",
            p.eventbridge_events_million,
        ),
        t if FREE.contains(&t) => Priced::Free,
        t => Priced::NoPrice(format!("no price for {t} in the table")),
    }
}

fn instance(obj: &Object, hours: &Hours, p: &RegionPrices) -> Priced {
    let Some(instance_type) = obj.str("instance_type") else {
        return Priced::NoPrice("instance type known after apply".into());
    };
    let Some(rate) = p.ec2_instance_hour.get(instance_type) else {
        return Priced::NoPrice(format!(
            "no price for instance type {instance_type} in the table"
        ));
    };
    let mut parts = vec![per_hour(instance_type, hours, *rate)];
    // Since February 2024 every public IPv4 address is billed by the hour.
    let public_ip = obj.bool("associate_public_ip_address") == Some(true)
        || obj.str("public_ip").is_some_and(|ip| !ip.is_empty());
    if public_ip {
        // The same hours as the instance, said once.
        let same = Hours {
            hours: hours.hours,
            source: String::new(),
        };
        parts.push(per_hour("public IPv4", &same, p.public_ipv4_hour));
    }
    if obj.get("root_block_device").is_some_and(Value::is_unknown) {
        parts.push(Part::new(
            0.0,
            "root volume known after apply: not included".into(),
        ));
    }
    let root = obj.block("root_block_device");
    let ebs = obj
        .list("ebs_block_device")
        .iter()
        .filter_map(Value::as_object);
    for (what, device) in root
        .map(|r| ("root ", r))
        .into_iter()
        .chain(ebs.map(|e| ("", e)))
    {
        let part = volume(
            what,
            device.get("volume_size"),
            device.str("volume_type").unwrap_or("gp3"),
            device.get("iops"),
            device.get("throughput"),
            p,
        );
        parts.push(part.unwrap_or_else(|why| Part::new(0.0, why)));
    }
    Part::join(parts).priced()
}

fn lambda(obj: &Object, usage: &Usage, p: &RegionPrices) -> Priced {
    let Some(requests) = usage.get("requests_per_month") else {
        return usage_based(
            "requests and duration not estimated (declare usage requests_per_month, duration_ms)",
        )
        .priced();
    };
    let memory_gb = obj
        .get("memory_size")
        .and_then(Value::as_f64)
        .unwrap_or(128.0)
        / 1024.0;
    let seconds = usage.get("duration_ms").unwrap_or(0.0) / 1000.0;
    let gb_seconds = requests * seconds * memory_gb;
    Part::join(vec![
        Part::new(
            requests / 1e6 * p.lambda_requests_million,
            format!(
                "{} requests × {}/million",
                num(requests),
                money_rate(p.lambda_requests_million)
            ),
        ),
        Part::new(
            gb_seconds * p.lambda_gb_second,
            format!(
                "{} GB-s × {}/GB-s (declared usage; free tier ignored)",
                num(gb_seconds),
                money_rate(p.lambda_gb_second)
            ),
        ),
    ])
    .priced()
}

fn per_million(usage: &Usage, key: &str, what: &str, rate: f64) -> Priced {
    match usage.get(key) {
        Some(n) => Part::new(
            n / 1e6 * rate,
            format!(
                "{} {what} × {}/million (declared usage)",
                num(n),
                money_rate(rate)
            ),
        )
        .priced(),
        None => usage_based(&format!("{what} not estimated (declare usage {key})")).priced(),
    }
}

/// An EBS volume: capacity, plus IOPS and throughput where they are billed.
/// `what` prefixes the basis ("root ").
fn volume(
    what: &str,
    size: Option<&Value>,
    volume_type: &str,
    iops: Option<&Value>,
    throughput: Option<&Value>,
    p: &RegionPrices,
) -> Result<Part, String> {
    let Some(gb) = size.and_then(Value::as_f64) else {
        return Err(format!("{what}volume size known after apply: not included"));
    };
    let Some(per_gb) = p.ebs_gb_month.get(volume_type) else {
        return Err(format!(
            "no price for volume type {volume_type} in the table"
        ));
    };
    let mut parts = vec![Part::new(
        gb * per_gb,
        format!(
            "{what}{} GB {volume_type} × {}/GB-month",
            num(gb),
            money_rate(*per_gb)
        ),
    )];
    let iops = iops.and_then(Value::as_f64).unwrap_or(0.0);
    let throughput = throughput.and_then(Value::as_f64).unwrap_or(0.0);
    if volume_type == "gp3" {
        // gp3 includes 3000 IOPS and 125 MiB/s.
        if iops > 3000.0 {
            let extra = iops - 3000.0;
            parts.push(Part::new(
                extra * p.ebs_gp3_iops_month,
                format!(
                    "{} IOPS over 3000 × {}",
                    num(extra),
                    money_rate(p.ebs_gp3_iops_month)
                ),
            ));
        }
        if throughput > 125.0 {
            let extra = throughput - 125.0;
            parts.push(Part::new(
                extra * p.ebs_gp3_throughput_mibps_month,
                format!(
                    "{} MiB/s over 125 × {}",
                    num(extra),
                    money_rate(p.ebs_gp3_throughput_mibps_month)
                ),
            ));
        }
    } else if let Some(tiers) = p.ebs_iops_month.get(volume_type) {
        if let Some(cost) = tiered(tiers, iops).filter(|_| iops > 0.0) {
            parts.push(Part::new(cost, format!("{} provisioned IOPS", num(iops))));
        }
    }
    Ok(Part::join(parts))
}

/// A figure and how it was made.
#[derive(Clone, Debug)]
struct Part {
    monthly: f64,
    basis: String,
}

impl Part {
    fn new(monthly: f64, basis: String) -> Part {
        Part { monthly, basis }
    }

    fn join(parts: Vec<Part>) -> Part {
        Part {
            monthly: parts.iter().map(|p| p.monthly).sum(),
            basis: parts
                .iter()
                .map(|p| p.basis.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }

    fn priced(self) -> Priced {
        Priced::Cost {
            monthly: self.monthly,
            basis: self.basis,
        }
    }
}

/// `hours` × `rate`; the basis names where the hours come from unless that is empty.
fn per_hour(what: &str, hours: &Hours, rate: f64) -> Part {
    let source = match hours.source.as_str() {
        "" => String::new(),
        s => format!(" ({s})"),
    };
    Part::new(
        hours.hours * rate,
        format!(
            "{what} {} h{source} × {}/h",
            num(hours.hours),
            money_rate(rate)
        ),
    )
}
fn usage_based(what: &str) -> Part {
    Part::new(0.0, format!("usage-based: {what}"))
}

/// A quantity with at most two decimals: 730, 17.39.
pub fn num(n: f64) -> String {
    let text = format!("{n:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A unit price with the decimals it needs: $0.08, $0.0104, $1.00.
pub fn money_rate(rate: f64) -> String {
    let text = format!("{rate:.10}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 {
        format!("${rate:.2}")
    } else {
        format!("${trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::prices::table;
    use crate::value::Value;

    fn us() -> &'static RegionPrices {
        table().unwrap().region("us-east-1").unwrap()
    }

    fn obj(pairs: &[(&str, Value)]) -> Object {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn block(o: Object) -> Value {
        Value::List(vec![Value::Object(o)])
    }

    fn always() -> Hours {
        Hours {
            hours: 730.0,
            source: "always on".into(),
        }
    }

    fn cost(p: Priced) -> (f64, String) {
        match p {
            Priced::Cost { monthly, basis } => (monthly, basis),
            other => panic!("not priced: {other:?}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn instance_hours_ip_and_root_volume() {
        let sync = obj(&[
            ("instance_type", Value::str("t3.micro")),
            ("associate_public_ip_address", Value::Bool(true)),
            (
                "root_block_device",
                block(obj(&[
                    ("volume_size", Value::Number(16.0)),
                    ("volume_type", Value::str("gp3")),
                ])),
            ),
        ]);
        let hours = Hours {
            hours: 12.0,
            source: "declared usage".into(),
        };
        let (monthly, basis) = cost(price(
            "aws_instance",
            &sync,
            &Usage::default(),
            &hours,
            us(),
        ));
        assert!(
            close(monthly, 12.0 * 0.0104 + 12.0 * 0.005 + 16.0 * 0.08),
            "{monthly}"
        );
        assert_eq!(
            basis,
            "t3.micro 12 h (declared usage) × $0.0104/h + public IPv4 12 h × $0.005/h \
             + root 16 GB gp3 × $0.08/GB-month"
        );
    }

    #[test]
    fn unknown_sizes_and_types_are_said() {
        let unknown_root = obj(&[
            ("instance_type", Value::str("t3.micro")),
            ("root_block_device", Value::Unknown),
        ]);
        let (monthly, basis) = cost(price(
            "aws_instance",
            &unknown_root,
            &Usage::default(),
            &always(),
            us(),
        ));
        assert!(close(monthly, 730.0 * 0.0104));
        assert!(
            basis.ends_with("+ root volume known after apply: not included"),
            "{basis}"
        );
        let odd = obj(&[("instance_type", Value::str("x9.huge"))]);
        assert_eq!(
            price("aws_instance", &odd, &Usage::default(), &always(), us()),
            Priced::NoPrice("no price for instance type x9.huge in the table".into())
        );
        let later = obj(&[("instance_type", Value::Unknown)]);
        assert!(matches!(
            price("aws_instance", &later, &Usage::default(), &always(), us()),
            Priced::NoPrice(_)
        ));
        assert!(matches!(
            price(
                "aws_dynamodb_table",
                &later,
                &Usage::default(),
                &always(),
                us()
            ),
            Priced::NoPrice(_)
        ));
        assert_eq!(
            price("aws_vpc", &later, &Usage::default(), &always(), us()),
            Priced::Free
        );
        assert_eq!(
            price(
                "aws_lambda_alias",
                &later,
                &Usage::default(),
                &always(),
                us()
            ),
            Priced::Free
        );
    }

    #[test]
    fn volumes_bill_iops_and_throughput_above_the_baseline() {
        let gp3 = obj(&[
            ("size", Value::Number(100.0)),
            ("type", Value::str("gp3")),
            ("iops", Value::Number(4000.0)),
            ("throughput", Value::Number(250.0)),
        ]);
        let (monthly, basis) = cost(price(
            "aws_ebs_volume",
            &gp3,
            &Usage::default(),
            &always(),
            us(),
        ));
        assert!(
            close(monthly, 8.0 + 1000.0 * 0.005 + 125.0 * 0.04),
            "{monthly}"
        );
        assert!(basis.contains("1000 IOPS over 3000"), "{basis}");
        let baseline = obj(&[
            ("size", Value::Number(50.0)),
            ("type", Value::str("gp3")),
            ("iops", Value::Number(3000.0)),
        ]);
        assert!(close(
            cost(price(
                "aws_ebs_volume",
                &baseline,
                &Usage::default(),
                &always(),
                us()
            ))
            .0,
            4.0
        ));
        let io2 = obj(&[
            ("size", Value::Number(10.0)),
            ("type", Value::str("io2")),
            ("iops", Value::Number(40000.0)),
        ]);
        let expected = 10.0 * 0.125 + 32000.0 * 0.065 + 8000.0 * 0.0455;
        assert!(close(
            cost(price(
                "aws_ebs_volume",
                &io2,
                &Usage::default(),
                &always(),
                us()
            ))
            .0,
            expected
        ));
    }

    #[test]
    fn usage_based_types_are_zero_unless_usage_is_declared() {
        let bucket = obj(&[]);
        let (monthly, basis) = cost(price(
            "aws_s3_bucket",
            &bucket,
            &Usage::default(),
            &always(),
            us(),
        ));
        assert_eq!(monthly, 0.0);
        assert!(basis.starts_with("usage-based:"), "{basis}");
        let (kms, _) = cost(price(
            "aws_kms_key",
            &bucket,
            &Usage::default(),
            &always(),
            us(),
        ));
        assert_eq!(kms, 1.0);
        let (eip, _) = cost(price(
            "aws_eip",
            &bucket,
            &Usage::default(),
            &always(),
            us(),
        ));
        assert!(close(eip, 3.65));
    }

    #[test]
    fn declared_usage_prices_requests_and_duration() {
        let usage = Usage::from([("requests_per_month", 2e6), ("duration_ms", 1000.0)]);
        let function = obj(&[("memory_size", Value::Number(512.0))]);
        let (monthly, basis) = cost(price(
            "aws_lambda_function",
            &function,
            &usage,
            &always(),
            us(),
        ));
        // 2M requests × $0.20/M + 2M × 1 s × 0.5 GB × $0.0000166667/GB-s.
        assert!(close(monthly, 0.4 + 1e6 * 0.0000166667), "{monthly}");
        assert!(basis.contains("1000000 GB-s"), "{basis}");
        let queue = Usage::from([("requests_per_month", 5e6)]);
        assert!(close(
            cost(price("aws_sqs_queue", &obj(&[]), &queue, &always(), us())).0,
            2.0
        ));
        let bucket = Usage::from([("storage_gb", 100.0)]);
        assert!(close(
            cost(price("aws_s3_bucket", &obj(&[]), &bucket, &always(), us())).0,
            2.3
        ));
    }

    #[test]
    fn rates_and_quantities_read_naturally() {
        assert_eq!(money_rate(0.08), "$0.08");
        assert_eq!(money_rate(0.0104), "$0.0104");
        assert_eq!(money_rate(1.0), "$1.00");
        assert_eq!(money_rate(0.0000166667), "$0.0000166667");
        assert_eq!(num(730.0), "730");
        assert_eq!(num(17.392857), "17.39");
    }
}
