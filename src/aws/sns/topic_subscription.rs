//! aws_sns_topic_subscription: one endpoint (a queue, a function, an address)
//! that receives what is published to a topic.
//!
//! lambda, sqs, application, firehose and sms subscriptions are confirmed at
//! once; the create waits for that. email and email-json wait for the recipient
//! to follow the link SNS mails, and http/https for the endpoint to visit the
//! SubscribeURL SNS posts: as in Terraform, such a subscription is created
//! pending (`pending_confirmation = true`), and only with `endpoint_auto_confirms`
//! does the create wait `confirmation_timeout_in_minutes` for an http(s)
//! endpoint. AWS refuses to unsubscribe a pending subscription; destroy then
//! leaves it to expire (AWS deletes unconfirmed subscriptions after three days).

use crate::aws::attribute_map::{changed, for_create, Reported, Settings};
use crate::aws::prelude::*;
use crate::provider::Default;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_sns_topic_subscription",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("topic_arn", Type::String).force_new(),
        Attribute::required("protocol", Type::String)
            .force_new()
            .one_of(PROTOCOLS),
        Attribute::required("endpoint", Type::String).force_new(),
        Attribute::optional("raw_message_delivery", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("filter_policy", Type::Json),
        // AWS reports MessageAttributes once a filter policy is set.
        Attribute::optional_computed("filter_policy_scope", Type::String)
            .one_of(&["MessageAttributes", "MessageBody"]),
        Attribute::optional("delivery_policy", Type::Json),
        Attribute::optional("redrive_policy", Type::Json),
        Attribute::optional("subscription_role_arn", Type::String),
        // Recon's own, as Terraform's: how long a create waits for an http(s)
        // endpoint that confirms by itself.
        Attribute::optional("confirmation_timeout_in_minutes", Type::Number)
            .default(Default::Int(1)),
        Attribute::optional("endpoint_auto_confirms", Type::Bool).default(Default::Bool(false)),
        Attribute::computed("confirmation_was_authenticated", Type::Bool),
        Attribute::computed("owner_id", Type::String),
        Attribute::computed("pending_confirmation", Type::Bool),
    ],
    blocks: &[],
};

/// Schema attribute → subscription attribute, for Subscribe and
/// SetSubscriptionAttributes. The scope comes first: SNS reads the filter
/// policy by it.
const SETTINGS: Settings = &[
    ("filter_policy_scope", "FilterPolicyScope"),
    ("filter_policy", "FilterPolicy"),
    ("raw_message_delivery", "RawMessageDelivery"),
    ("delivery_policy", "DeliveryPolicy"),
    ("redrive_policy", "RedrivePolicy"),
    ("subscription_role_arn", "SubscriptionRoleArn"),
];

const PROTOCOLS: &[&str] = &[
    "application",
    "email",
    "email-json",
    "firehose",
    "http",
    "https",
    "lambda",
    "sms",
    "sqs",
];
/// How long a protocol SNS confirms by itself may take (Terraform's too).
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(120);
const DELETE_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_secs(2);
/// What ListSubscriptionsByTopic shows instead of an ARN while unconfirmed.
const PENDING_ARN: &str = "PendingConfirmation";

client_type!(SnsTopicSubscription: sns, once);

#[async_trait]
impl ResourceType for SnsTopicSubscription {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn check_config(&self, config: &Object) -> Result<()> {
        check_settings(config)
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let (topic, protocol, endpoint) = identity(planned)?;
        // Subscribe hands back the subscription of the same topic, protocol and
        // endpoint: the same happens here, and the settings are brought to the plan.
        if let Created::Found(found) = self.find_created(planned, meta).await? {
            return adopt(self, found, planned, meta).await;
        }
        let attributes = for_create(&SCHEMA, SETTINGS, planned);
        let out = self
            .once
            .subscribe()
            .topic_arn(topic)
            .protocol(protocol)
            .endpoint(endpoint)
            .set_attributes((!attributes.is_empty()).then(|| attributes.into_iter().collect()))
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(sdk_error)?;
        let arn = out
            .subscription_arn()
            .filter(|a| *a != PENDING_ARN)
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "SNS answered the subscription of {protocol} endpoint {endpoint} to {topic} without its ARN"
                ))
            })?
            .to_string();
        let mut partial = planned.clone();
        partial.retain(|_, v| !v.is_unknown());
        partial.insert("id".into(), Value::from(arn.as_str()));
        partial.insert("arn".into(), Value::from(arn.as_str()));

        let Some(wait) = confirmation_wait(planned) else {
            return self
                .read_one(&arn, planned)
                .await
                .and_then(|found| found.ok_or_else(|| gone_after_create(&arn)))
                .map_err(|e| e.with_partial(partial));
        };
        let confirmed = poll_until(Pace::every(POLL, wait), || async {
            Ok(self
                .read_one(&arn, planned)
                .await?
                .filter(|s| s.bool("pending_confirmation") == Some(false)))
        });
        match confirmed.await {
            Ok(Some(state)) => Ok(state),
            Ok(None) => Err(ProviderError::with_code(
                "PendingConfirmation",
                format!(
                    "SNS subscription {arn} of {protocol} endpoint {endpoint} is still pending \
                     confirmation after {} s: {}",
                    wait.as_secs(),
                    if protocol.starts_with("http") {
                        "the endpoint did not visit the SubscribeURL SNS posted to it; \
                         raise confirmation_timeout_in_minutes, or set endpoint_auto_confirms = false \
                         to accept a subscription that stays pending until it is confirmed"
                    } else {
                        "SNS did not confirm it (check that the endpoint exists and SNS may deliver to it)"
                    }
                ),
            )
            .with_partial(partial)),
            Err(e) => Err(e.with_partial(partial)),
        }
    }

    /// The subscription of the planned topic, protocol and endpoint: SNS keeps
    /// one per triple and cannot tag it, so that triple is what identifies it.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let (topic, protocol, endpoint) = identity(planned)?;
        let mut next: Option<String> = None;
        loop {
            let page = self
                .client
                .list_subscriptions_by_topic()
                .topic_arn(topic)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(sdk_error);
            let page = match page {
                Ok(page) => page,
                Err(err) if is_not_found(&err) => return Ok(Created::Absent),
                Err(err) => return Err(err),
            };
            let matching = page.subscriptions().iter().find(|s| {
                s.protocol() == Some(protocol)
                    && s.endpoint() == Some(endpoint)
                    && s.subscription_arn().is_some_and(|a| a != PENDING_ARN)
            });
            if let Some(arn) = matching.and_then(|s| s.subscription_arn()) {
                return Ok(Created::found_or_absent(self.read_one(arn, planned).await?));
            }
            match page.next_token() {
                Some(token) if !token.is_empty() => next = Some(token.to_string()),
                _ => return Ok(Created::Absent),
            }
        }
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_one(id, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let arn = state_id(prior, SCHEMA.type_name)?;
        // SetSubscriptionAttributes takes one attribute a call, the scope first.
        for (name, value) in changed(&SCHEMA, SETTINGS, prior, planned) {
            self.client
                .set_subscription_attributes()
                .subscription_arn(arn)
                .attribute_name(name)
                .attribute_value(value)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        self.read_one(arn, planned)
            .await?
            .ok_or_else(|| gone_after_create(arn))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(arn) = prior.str("id") else {
            return Ok(());
        };
        let unsubscribed = self.client.unsubscribe().subscription_arn(arn).send().await;
        match unsubscribed.map_err(sdk_error) {
            Ok(_) => {}
            Err(err) if is_not_found(&err) => return Ok(()),
            // Left to expire, as Terraform does (see the module comment).
            Err(err) if err.message.contains("pending confirmation") => return Ok(()),
            Err(err) => return Err(err),
        }
        let what = format!("SNS subscription {arn}");
        wait_gone(what, Pace::every(POLL, DELETE_TIMEOUT), || async {
            Ok(self.attributes(arn).await?.is_some())
        })
        .await
    }
}

impl SnsTopicSubscription {
    /// Reads one subscription by ARN; None when it does not exist. `prior`
    /// supplies recon's own settings, which AWS does not keep.
    async fn read_one(&self, arn: &str, prior: &Object) -> Result<Option<Object>> {
        Ok(self
            .attributes(arn)
            .await?
            .map(|attributes| to_state(arn, &attributes, prior)))
    }

    /// GetSubscriptionAttributes; None when the subscription is gone.
    async fn attributes(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>> {
        let got = self
            .client
            .get_subscription_attributes()
            .subscription_arn(arn)
            .send();
        let found = none_if_gone(got.await.map_err(sdk_error))?;
        Ok(found.map(|out| out.attributes.unwrap_or_default().into_iter().collect()))
    }
}

fn identity(planned: &Object) -> Result<(&str, &str, &str)> {
    let get = |name: &str| {
        planned
            .str(name)
            .ok_or_else(|| ProviderError::new(format!("aws_sns_topic_subscription needs {name}")))
    };
    Ok((get("topic_arn")?, get("protocol")?, get("endpoint")?))
}

fn gone_after_create(arn: &str) -> ProviderError {
    ProviderError::new(format!("SNS subscription {arn} could not be read back"))
}

/// How long the create waits for the subscription to be confirmed; None for
/// the protocols that stay pending until someone outside confirms them.
fn confirmation_wait(planned: &Object) -> Option<Duration> {
    let protocol = planned.str("protocol").unwrap_or_default();
    if protocol.starts_with("email") {
        return None;
    }
    if protocol.starts_with("http") {
        if planned.bool("endpoint_auto_confirms") != Some(true) {
            return None;
        }
        let minutes = planned.i64("confirmation_timeout_in_minutes").unwrap_or(1);
        return Some(Duration::from_secs(60 * minutes.max(1) as u64));
    }
    Some(CONFIRM_TIMEOUT)
}

/// Checks done before any call, as Terraform's validation does.
fn check_settings(planned: &Object) -> Result<()> {
    let bad = |msg: &str| Err(ProviderError::new(msg));
    let without_role = planned
        .str("subscription_role_arn")
        .is_none_or(str::is_empty);
    if planned.str("protocol") == Some("firehose") && without_role {
        return bad("a firehose subscription needs subscription_role_arn (a role SNS may use to write to the stream)");
    }
    if let Some(n) = planned
        .get("confirmation_timeout_in_minutes")
        .and_then(Value::as_f64)
    {
        if n.fract() != 0.0 || n < 1.0 {
            let got = format!(
                "confirmation_timeout_in_minutes must be a whole number of at least 1, got {n}"
            );
            return bad(&got);
        }
    }
    Ok(())
}

fn to_state(arn: &str, attributes: &BTreeMap<String, String>, prior: &Object) -> Object {
    let got = Reported::new(attributes, prior);
    let local = |name: &str, default: Value| -> Value {
        match prior.get(name) {
            Some(v) if v.is_wholly_known() && !v.is_null() => v.clone(),
            _ => default,
        }
    };
    crate::object! {
        "id" => arn,
        "arn" => arn,
        "topic_arn" => got.text("TopicArn"),
        "protocol" => got.text("Protocol"),
        "endpoint" => got.text("Endpoint"),
        "raw_message_delivery" => got.flag("RawMessageDelivery"),
        "filter_policy" => got.text("FilterPolicy"),
        "filter_policy_scope" => got.text("FilterPolicyScope"),
        "delivery_policy" => got.text("DeliveryPolicy"),
        "redrive_policy" => got.text("RedrivePolicy"),
        "subscription_role_arn" => got.text("SubscriptionRoleArn"),
        "confirmation_timeout_in_minutes" => local("confirmation_timeout_in_minutes", Value::from(1)),
        "endpoint_auto_confirms" => local("endpoint_auto_confirms", Value::Bool(false)),
        "confirmation_was_authenticated" => got.flag("ConfirmationWasAuthenticated"),
        "owner_id" => got.text("Owner"),
        "pending_confirmation" => got.flag("PendingConfirmation"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_protocols_are_waited_for() {
        let plan = |protocol: &str, auto: bool| {
            crate::object! {
                "protocol" => protocol,
                "endpoint_auto_confirms" => auto,
                "confirmation_timeout_in_minutes" => 3,
            }
        };
        assert_eq!(
            confirmation_wait(&plan("sqs", false)),
            Some(CONFIRM_TIMEOUT)
        );
        assert_eq!(
            confirmation_wait(&plan("lambda", false)),
            Some(CONFIRM_TIMEOUT)
        );
        assert_eq!(confirmation_wait(&plan("email", true)), None);
        assert_eq!(confirmation_wait(&plan("https", false)), None);
        assert_eq!(
            confirmation_wait(&plan("https", true)),
            Some(Duration::from_secs(180))
        );
    }

    #[test]
    fn settings_go_scope_first_and_removed_policies_are_cleared() {
        let planned = crate::object! {
            "raw_message_delivery" => true,
            "filter_policy" => r#"{"kind":["order"]}"#,
            "filter_policy_scope" => "MessageBody",
            "delivery_policy" => Value::Null,
        };
        let keys: Vec<String> = for_create(&SCHEMA, SETTINGS, &planned)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            ["FilterPolicyScope", "FilterPolicy", "RawMessageDelivery"]
        );

        let prior = crate::object! {
            "raw_message_delivery" => true,
            "filter_policy" => r#"{"kind":["order"]}"#,
            "filter_policy_scope" => "MessageAttributes",
            "redrive_policy" => r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq"}"#,
        };
        let planned = crate::object! {
            "raw_message_delivery" => false,
            "filter_policy" => r#"{ "kind": "order" }"#,
            "filter_policy_scope" => Value::Null,
            "redrive_policy" => Value::Null,
        };
        assert_eq!(
            changed(&SCHEMA, SETTINGS, &prior, &planned),
            vec![
                ("RawMessageDelivery".to_string(), "false".to_string()),
                ("RedrivePolicy".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn refused_settings_say_why() {
        let msg = |planned: Object| check_settings(&planned).unwrap_err().message;
        let m = SCHEMA
            .refused(&crate::object! {"protocol" => "smtp"})
            .unwrap();
        assert!(
            m.contains("protocol: must be one of \"application\""),
            "{m}"
        );
        let m = msg(crate::object! {"protocol" => "firehose"});
        assert!(m.contains("needs subscription_role_arn"), "{m}");
        let sqs = crate::object! {"protocol" => "sqs"};
        assert!(check_settings(&sqs).is_ok());
        assert_eq!(SCHEMA.refused(&sqs), None);
    }
}
