//! What the EC2 data sources that find one object share: the `filter` block,
//! DescribeX filters from `tags` and `filter`, the one match they need, and
//! tags as AWS has them.

use super::shared::filter;
use crate::provider::{Attribute, BlockType, Nesting, ProviderError, ProviderResult, Type};
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_ec2::types::{Filter, Tag};

/// `filter { name = ..., values = [...] }`: any filter of the describe call.
pub(super) const FILTER: BlockType = BlockType::new(
    "filter",
    Nesting::Set,
    &[
        Attribute::required("name", Type::String),
        Attribute::required("values", Type::Set(&Type::String)),
    ],
);

/// The filters `config`'s `tags` (one `tag:KEY` each) and `filter` blocks ask for.
pub(super) fn tag_and_block_filters(config: &Object) -> Vec<Filter> {
    let mut out: Vec<Filter> = config
        .string_map("tags")
        .into_iter()
        .map(|(key, value)| filter(&format!("tag:{key}"), &[value]))
        .collect();
    out.extend(config.list("filter").iter().filter_map(|f| {
        let f = f.as_object()?;
        Some(filter(f.str("name")?, &f.strings("values")))
    }));
    out
}

/// The one object in `found`, or Terraform's error: `noun` names one ("EC2 VPC")
/// and `id` gives each match's id for the message.
pub(super) fn exactly_one<'a, T>(
    found: &'a [T],
    noun: &str,
    id: impl Fn(&T) -> Option<&str>,
) -> ProviderResult<&'a T> {
    match found {
        [one] => Ok(one),
        [] => Err(ProviderError::new(format!("no matching {noun} found"))),
        _ => Err(ProviderError::new(format!(
            "multiple {noun}s matched ({}); use additional constraints to reduce matches to a single {noun}",
            found.iter().filter_map(id).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Every tag AWS has, recon's own too: a looked-up object may be anyone's.
pub(super) fn all_tags(tags: &[Tag]) -> Value {
    let tags: Object = tags
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), Value::from(t.value()?))))
        .collect();
    Value::Object(tags)
}
