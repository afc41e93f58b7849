//! data aws_availability_zones: the zones of the current region, by name and by zone id.

use crate::aws::prelude::*;
use crate::provider::{BlockType, DataSource, Nesting};
use aws_sdk_ec2::types::Filter;
use std::collections::BTreeSet;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_availability_zones",
    attributes: &[
        ID,
        Attribute::optional("all_availability_zones", Type::Bool),
        Attribute::optional("exclude_names", Type::Set(&Type::String)),
        Attribute::optional("exclude_zone_ids", Type::Set(&Type::String)),
        // available | information | impaired | unavailable
        Attribute::optional("state", Type::String),
        Attribute::computed("group_names", Type::Set(&Type::String)),
        Attribute::computed("names", Type::List(&Type::String)),
        Attribute::computed("zone_ids", Type::List(&Type::String)),
    ],
    blocks: &[BlockType::new("filter", Nesting::Set, FILTER)],
};

const FILTER: &[Attribute] = &[
    Attribute::required("name", Type::String),
    Attribute::required("values", Type::Set(&Type::String)),
];

client_type!(AvailabilityZones: ec2, region);

#[async_trait]
impl DataSource for AvailabilityZones {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let mut filters = Vec::new();
        if let Some(state) = config.str("state") {
            filters.push(Filter::builder().name("state").values(state).build());
        }
        filters.extend(config.list("filter").iter().filter_map(|f| {
            let f = f.as_object()?;
            Some(
                Filter::builder()
                    .name(f.str("name")?)
                    .set_values(Some(f.strings("values")))
                    .build(),
            )
        }));
        let out = self
            .client
            .describe_availability_zones()
            .set_all_availability_zones(config.bool("all_availability_zones"))
            .set_filters((!filters.is_empty()).then_some(filters))
            .send()
            .await
            .map_err(sdk_error)?;

        let exclude_names: BTreeSet<String> = config.strings("exclude_names").into_iter().collect();
        let exclude_ids: BTreeSet<String> =
            config.strings("exclude_zone_ids").into_iter().collect();
        let mut zones: Vec<_> = out
            .availability_zones()
            .iter()
            .filter(|z| !z.zone_name().is_some_and(|n| exclude_names.contains(n)))
            .filter(|z| !z.zone_id().is_some_and(|id| exclude_ids.contains(id)))
            .collect();
        // Stable order by name, as Terraform, so that names[0] means the same zone every run.
        zones.sort_by(|a, b| a.zone_name().cmp(&b.zone_name()));

        let names: Vec<Value> = zones
            .iter()
            .map(|z| Value::from(z.zone_name().unwrap_or_default()))
            .collect();
        let zone_ids: Vec<Value> = zones
            .iter()
            .map(|z| Value::from(z.zone_id().unwrap_or_default()))
            .collect();
        let group_names: BTreeSet<&str> = zones.iter().filter_map(|z| z.group_name()).collect();

        let mut state = crate::object! {
            "id" => self.region.as_str(),
            "group_names" => group_names.into_iter().collect::<Vec<_>>(),
            "names" => names,
            "zone_ids" => zone_ids,
        };
        for key in [
            "all_availability_zones",
            "exclude_names",
            "exclude_zone_ids",
            "state",
            "filter",
        ] {
            state.insert(key.into(), config.get(key).cloned().unwrap_or(Value::Null));
        }
        Ok(state)
    }
}
