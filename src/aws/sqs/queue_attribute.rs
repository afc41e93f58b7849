//! aws_sqs_queue_policy, aws_sqs_queue_redrive_policy and
//! aws_sqs_queue_redrive_allow_policy: one JSON attribute of a queue, managed
//! apart from the queue (Terraform's way to break a cycle between two queues or a
//! queue and its policy). One implementation; each type names its attribute.

use crate::aws::prelude::*;
use crate::value::json_equal;
use aws_sdk_sqs::types::QueueAttributeName;

/// Which attribute a type manages.
pub struct Spec {
    pub schema: &'static Schema,
    /// The argument holding the document.
    pub attr: &'static str,
    pub sqs: QueueAttributeName,
}

macro_rules! schema {
    ($type_name:literal, $attr:literal) => {
        Schema {
            type_name: $type_name,
            attributes: &[
                // The queue URL, as Terraform.
                ID,
                Attribute::required("queue_url", Type::String).force_new(),
                Attribute::required($attr, Type::Json),
            ],
            blocks: &[],
        }
    };
}

pub static POLICY_SCHEMA: Schema = schema!("aws_sqs_queue_policy", "policy");
pub static REDRIVE_SCHEMA: Schema = schema!("aws_sqs_queue_redrive_policy", "redrive_policy");
pub static REDRIVE_ALLOW_SCHEMA: Schema =
    schema!("aws_sqs_queue_redrive_allow_policy", "redrive_allow_policy");

/// SQS attributes can take up to a minute to show everywhere.
const PROPAGATION: Pace = Pace::every(Duration::from_secs(2), Duration::from_secs(90));

pub struct QueueAttribute {
    spec: Spec,
    client: aws_sdk_sqs::Client,
}

impl QueueAttribute {
    pub fn policy(clients: &Clients) -> Self {
        Self::new(
            clients,
            &POLICY_SCHEMA,
            "policy",
            QueueAttributeName::Policy,
        )
    }

    pub fn redrive_policy(clients: &Clients) -> Self {
        let name = QueueAttributeName::RedrivePolicy;
        Self::new(clients, &REDRIVE_SCHEMA, "redrive_policy", name)
    }

    pub fn redrive_allow_policy(clients: &Clients) -> Self {
        let name = QueueAttributeName::RedriveAllowPolicy;
        Self::new(clients, &REDRIVE_ALLOW_SCHEMA, "redrive_allow_policy", name)
    }

    fn new(
        clients: &Clients,
        schema: &'static Schema,
        attr: &'static str,
        sqs: QueueAttributeName,
    ) -> Self {
        QueueAttribute {
            spec: Spec { schema, attr, sqs },
            client: clients.sqs.clone(),
        }
    }
}

#[async_trait]
impl ResourceType for QueueAttribute {
    fn schema(&self) -> &'static Schema {
        self.spec.schema
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let url = queue_url(planned)?;
        self.set(url, planned).await
    }

    /// SetQueueAttributes is a put: setting it again is what a retry does anyway.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> Result<Created> {
        Ok(Created::Absent)
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |url, prior| async move {
            let document = self.document(url).await?;
            Ok(document.map(|d| self.to_state(url, &d, prior)))
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        self.set(queue_url(prior)?, planned).await
    }

    /// Clears the attribute: the queue goes back to having none.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(url) = prior.str("id") else {
            return Ok(());
        };
        gone_ok(self.put(url, "").await)
    }

    fn import_stub(&self, id: &str) -> Object {
        object! {"id" => id, "queue_url" => id}
    }
}

impl QueueAttribute {
    async fn set(&self, url: &str, planned: &Object) -> Result<Object> {
        let wanted = planned.str(self.spec.attr).unwrap_or_default();
        self.put(url, wanted).await?;
        let what = format!("{} of queue {url} to read back", self.spec.attr);
        let partial = object! {"id" => url, "queue_url" => url};
        // The new document is read back once SQS shows it.
        let document = wait_until(&what, PROPAGATION, || async {
            let now = self.document(url).await?;
            Ok(now.filter(|d| json_equal(d, wanted)))
        })
        .await
        .map_err(|e| e.with_partial(partial))?;
        Ok(self.to_state(url, &document, planned))
    }

    async fn put(&self, url: &str, document: &str) -> Result<()> {
        self.client
            .set_queue_attributes()
            .queue_url(url)
            .attributes(self.spec.sqs.clone(), document)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// The queue's document; None when the queue or the document is gone.
    async fn document(&self, url: &str) -> Result<Option<String>> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            // "All": moto refuses RedriveAllowPolicy asked by name; AWS gives both.
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .map_err(sdk_error);
        let Some(out) = none_if_gone(out)? else {
            return Ok(None);
        };
        let document = out.attributes().and_then(|a| a.get(&self.spec.sqs));
        Ok(document.filter(|d| !d.is_empty()).cloned())
    }

    /// `local` gives the spelling of an equal document.
    fn to_state(&self, url: &str, document: &str, local: &Object) -> Object {
        let document = match local.str(self.spec.attr) {
            Some(known) if json_equal(known, document) => known,
            _ => document,
        };
        let mut state = object! {"id" => url, "queue_url" => url};
        state.insert(self.spec.attr.to_string(), document.into());
        state
    }
}

fn queue_url(obj: &Object) -> Result<&str> {
    obj.str("queue_url")
        .or_else(|| obj.str("id"))
        .ok_or_else(|| ProviderError::new("no queue_url"))
}
