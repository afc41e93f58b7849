//! Names of the types that come standard or FIFO (SNS topics, SQS queues): the
//! name a create asks for and the service's rules for it, checked before the call.

use crate::aws::shared::unique_suffix;
use crate::provider::{Meta, ProviderError, ProviderResult};
use crate::value::{Object, ObjectExt};

/// A FIFO name ends in this, within the length limit.
pub const FIFO_SUFFIX: &str = ".fifo";
/// Generated names start with this, like Terraform's "terraform-".
pub const DEFAULT_PREFIX: &str = "recon-";

/// One type's naming rules: 1 to `max` letters, digits, hyphens and
/// underscores; a FIFO name is `max` in all, ".fifo" included.
pub struct FifoNaming {
    pub type_name: &'static str,
    /// "topic", "queue": for the errors.
    pub noun: &'static str,
    /// The attribute that makes the object FIFO (`fifo_topic`, `fifo_queue`).
    pub fifo_attr: &'static str,
    pub max: usize,
}

impl FifoNaming {
    /// The name to create: `name`, or `name_prefix` (default "recon-") plus a
    /// unique suffix (the same for every attempt of one create) and, for a FIFO
    /// object, ".fifo". Checked against the rules.
    pub fn name(&self, planned: &Object, meta: &Meta) -> ProviderResult<String> {
        let fifo = planned.bool(self.fifo_attr).unwrap_or(false);
        let suffix = if fifo { FIFO_SUFFIX } else { "" };
        let set = |attr: &str| planned.str(attr).filter(|s| !s.is_empty());
        let name = match (set("name"), set("name_prefix")) {
            (Some(name), _) => name.to_string(),
            (None, prefix) => format!(
                "{}{}{suffix}",
                prefix.unwrap_or(DEFAULT_PREFIX),
                unique_suffix(meta)
            ),
        };
        self.check(&name, fifo)?;
        Ok(name)
    }

    /// Content-based deduplication is a FIFO setting: a standard object
    /// refuses it (a `check_config` rule).
    pub fn check_deduplication(&self, config: &Object) -> ProviderResult<()> {
        let fifo = config.bool(self.fifo_attr).unwrap_or(false);
        if !fifo && config.bool("content_based_deduplication") == Some(true) {
            return Err(ProviderError::new(format!(
                "content_based_deduplication can only be set for a FIFO {} ({} = true)",
                self.noun, self.fifo_attr
            )));
        }
        Ok(())
    }

    pub fn check(&self, name: &str, fifo: bool) -> ProviderResult<()> {
        let FifoNaming {
            type_name,
            noun,
            fifo_attr,
            max,
        } = self;
        let invalid = |why: String| {
            ProviderError::new(format!(
                "{type_name}: invalid {noun} name \"{name}\": {why}"
            ))
        };
        let (stem, stem_max) = match (fifo, name.strip_suffix(FIFO_SUFFIX)) {
            (true, Some(stem)) => (stem, max - FIFO_SUFFIX.len()),
            (true, None) => {
                return Err(invalid(format!(
                    "the name of a FIFO {noun} ({fifo_attr} = true) must end in \".fifo\""
                )))
            }
            (false, _) => (name, *max),
        };
        let ok_chars = stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !stem.is_empty() && stem.len() <= stem_max && ok_chars {
            return Ok(());
        }
        let rule = format!("1 to {stem_max} letters, digits, hyphens or underscores");
        Err(invalid(if fifo {
            format!("it must be {rule} followed by \".fifo\"")
        } else if stem.ends_with(FIFO_SUFFIX) {
            format!("it must be {rule} (a name ending in \".fifo\" needs {fifo_attr} = true)")
        } else {
            format!("it must be {rule}")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    const NAMINGS: [FifoNaming; 2] = [
        FifoNaming {
            type_name: "aws_sns_topic",
            noun: "topic",
            fifo_attr: "fifo_topic",
            max: 256,
        },
        FifoNaming {
            type_name: "aws_sqs_queue",
            noun: "queue",
            fifo_attr: "fifo_queue",
            max: 80,
        },
    ];

    #[test]
    fn names_follow_the_rules() {
        for naming in NAMINGS {
            let max = naming.max;
            assert!(naming.check("jobs-dlq_1", false).is_ok());
            assert!(naming.check("jobs.fifo", true).is_ok());
            assert!(naming.check(&"a".repeat(max), false).is_ok());
            let longest_fifo = format!("{}.fifo", "a".repeat(max - 5));
            assert!(naming.check(&longest_fifo, true).is_ok());
            let err = naming.check("jobs", true).unwrap_err();
            assert!(err.message.contains("must end in \".fifo\""), "{err}");
            let err = naming.check("jobs.fifo", false).unwrap_err();
            let needs = format!("needs {} = true", naming.fifo_attr);
            assert!(err.message.contains(&needs), "{err}");
            for (bad, fifo) in [
                ("", false),
                ("has space", false),
                ("dots.here", false),
                (".fifo", true),
                (&"a".repeat(max + 1) as &str, false),
                (&format!("{}.fifo", "a".repeat(max - 4)) as &str, true),
            ] {
                assert!(naming.check(bad, fifo).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn content_based_deduplication_is_for_fifo_only() {
        for naming in NAMINGS {
            let dedup = |fifo: bool| {
                crate::object! {naming.fifo_attr => fifo, "content_based_deduplication" => true}
            };
            assert!(naming.check_deduplication(&dedup(true)).is_ok());
            let err = naming.check_deduplication(&dedup(false)).unwrap_err();
            let want = format!(
                "content_based_deduplication can only be set for a FIFO {} ({} = true)",
                naming.noun, naming.fifo_attr
            );
            assert_eq!(err.message, want);
        }
    }

    #[test]
    fn generated_names_get_the_prefix_and_fifo_suffix() {
        for naming in NAMINGS {
            let bare = crate::object! { "name" => Value::Unknown, "name_prefix" => Value::Unknown };
            let meta = Meta::new("s", "aws_x.y");
            let name = naming.name(&bare, &meta).unwrap();
            assert!(
                name.starts_with(DEFAULT_PREFIX) && name.len() == 32,
                "{name}"
            );
            let fifo = crate::object! { "name_prefix" => "jobs-", naming.fifo_attr => true };
            let name = naming.name(&fifo, &meta).unwrap();
            assert!(
                name.starts_with("jobs-") && name.ends_with(".fifo"),
                "{name}"
            );
            // Random without a token; with one, every attempt asks for the same name.
            assert_ne!(naming.name(&fifo, &meta).unwrap(), name);
            let meta = Meta {
                token: Some("tok".into()),
                ..meta
            };
            let again = naming.name(&fifo, &meta).unwrap();
            assert_eq!(naming.name(&fifo, &meta).unwrap(), again);
        }
    }
}
