//! The plan's monthly cost: a section after the plan summary, and the
//! `cost` object of `plan --json`.

use super::Palette;
use crate::cost::Cost;
use serde_json::{json, Value as Json};

/// Cents, as shown: $7.46.
fn dollars(amount: f64) -> String {
    format!("${:.2}", amount.abs())
}

/// A difference with its sign: +$7.46, -$1.20, $0.00.
fn delta(amount: f64) -> String {
    let rounded = round_cents(amount);
    match rounded {
        r if r > 0.0 => format!("+{}", dollars(r)),
        r if r < 0.0 => format!("-{}", dollars(r)),
        _ => dollars(0.0),
    }
}

fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

pub fn human(cost: &Cost, color: bool) -> String {
    let p = Palette::new(color);
    let shown: Vec<_> = cost
        .resources
        .iter()
        .filter(|r| r.changing || r.monthly_before > 0.0 || r.monthly_after > 0.0)
        .collect();
    let width = shown.iter().map(|r| r.address.len()).max().unwrap_or(0);
    let mut out = format!(
        "\n{} ({}, {}, on-demand prices of {}):\n",
        p.bold("Monthly cost"),
        cost.currency,
        cost.region,
        cost.prices_as_of
    );
    let figures: Vec<String> = shown
        .iter()
        .map(|r| {
            format!(
                "{} → {}",
                dollars(r.monthly_before),
                dollars(r.monthly_after)
            )
        })
        .collect();
    let figures_width = figures.iter().map(|f| f.chars().count()).max().unwrap_or(0);
    for (r, figure) in shown.iter().zip(&figures) {
        out.push_str(&format!(
            "  {:<width$}  {:>figures_width$}  {}\n",
            r.address,
            figure,
            p.dim(&r.basis)
        ));
    }
    for note in &cost.notes {
        out.push_str(&format!("  {} {note}\n", p.yellow("note:")));
    }
    let total = if cost.estimated {
        format!(
            "Monthly cost: {} → {} ({}) {}",
            dollars(cost.monthly_before),
            dollars(cost.monthly_after),
            delta(cost.monthly_after - cost.monthly_before),
            cost.currency
        )
    } else {
        "Monthly cost: not estimated".to_string()
    };
    out.push_str(&format!("\n{}\n", p.bold(&total)));
    out
}

pub fn json(cost: &Cost) -> Json {
    let resources: Vec<Json> = cost
        .resources
        .iter()
        .map(|r| {
            let mut j = json!({
                "address": r.address,
                "monthly_before": round_cents(r.monthly_before),
                "monthly_after": round_cents(r.monthly_after),
                "basis": r.basis,
            });
            if let Some(before) = &r.basis_before {
                j["basis_before"] = Json::from(before.clone());
            }
            j
        })
        .collect();
    // Not estimated: no figures rather than zeros.
    let total = |amount: f64| cost.estimated.then(|| round_cents(amount));
    json!({
        "currency": cost.currency,
        "region": cost.region,
        "prices": { "as_of": cost.prices_as_of, "source": cost.prices_source },
        "monthly_before": total(cost.monthly_before),
        "monthly_after": total(cost.monthly_after),
        "resources": resources,
        "notes": cost.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::ResourceCost;

    fn cost() -> Cost {
        Cost {
            currency: "USD".into(),
            region: "us-east-1".into(),
            prices_as_of: "2025-06-01".into(),
            prices_source: "AWS public price list".into(),
            monthly_before: 1.0,
            monthly_after: 5.0,
            resources: vec![
                ResourceCost {
                    address: "aws_ebs_volume.data".into(),
                    monthly_before: 0.0,
                    monthly_after: 4.0,
                    basis: "50 GB gp3 × $0.08/GB-month".into(),
                    basis_before: None,
                    changing: true,
                },
                ResourceCost {
                    address: "aws_kms_key.ebs".into(),
                    monthly_before: 1.0,
                    monthly_after: 1.0,
                    basis: "customer managed key × $1.00/month".into(),
                    basis_before: None,
                    changing: false,
                },
                ResourceCost {
                    address: "aws_s3_bucket.logs".into(),
                    monthly_before: 0.0,
                    monthly_after: 0.0,
                    basis: "usage-based: storage and requests not estimated".into(),
                    basis_before: Some("usage-based: before".into()),
                    changing: false,
                },
            ],
            notes: vec!["aws_foo.x: no price for aws_foo in the table; not included".into()],
            estimated: true,
        }
    }

    #[test]
    fn human_lists_priced_or_changing_resources_and_the_total() {
        let text = human(&cost(), false);
        assert!(
            text.contains("  aws_ebs_volume.data  $0.00 → $4.00  50 GB gp3"),
            "{text}"
        );
        assert!(text.contains("aws_kms_key.ebs"), "{text}");
        assert!(!text.contains("aws_s3_bucket.logs"), "{text}");
        assert!(text.contains("note: aws_foo.x: no price"), "{text}");
        assert!(
            text.ends_with("\nMonthly cost: $1.00 → $5.00 (+$4.00) USD\n"),
            "{text}"
        );
    }

    #[test]
    fn json_has_the_documented_shape() {
        let j = json(&cost());
        assert_eq!(j["currency"], "USD");
        assert_eq!(j["monthly_after"], 5.0);
        assert_eq!(j["resources"][0]["address"], "aws_ebs_volume.data");
        assert_eq!(j["resources"][0]["monthly_after"], 4.0);
        assert_eq!(
            j["resources"][2]["basis"],
            "usage-based: storage and requests not estimated"
        );
    }

    #[test]
    fn a_region_without_prices_has_no_figures() {
        let none = Cost {
            resources: Vec::new(),
            notes: vec!["region ap-south-2 is not in the price table".into()],
            estimated: false,
            ..cost()
        };
        let text = human(&none, false);
        assert!(text.contains("note: region ap-south-2"), "{text}");
        assert!(text.ends_with("\nMonthly cost: not estimated\n"), "{text}");
        assert!(json(&none)["monthly_after"].is_null());
    }

    #[test]
    fn differences_carry_their_sign() {
        assert_eq!(delta(7.456), "+$7.46");
        assert_eq!(delta(-1.2), "-$1.20");
        assert_eq!(delta(0.001), "$0.00");
    }
}
