//! The AWS provider: client setup, error mapping, tagging, and the registry of
//! resource types. One file per resource type under the service's folder.

pub mod attribute_map;
pub mod call;
pub mod configured;
pub mod ec2;
pub mod error;
pub mod events;
pub mod fifo_name;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod prelude;
pub mod s3;
pub mod shared;
pub mod sns;
pub mod sqs;
pub mod state_store;
pub mod sts;
pub mod tags;
pub mod wait;

use crate::provider::{DataSource, Provider, ResourceType, Schema};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use error::sdk_error;

/// One client per service, all from one loaded configuration.
#[derive(Clone, Debug)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    /// The same clients with SDK retries off, for the one call of a create that
    /// makes the object: a retry after a lost answer would make a second one, so
    /// the engine looks for the first before it tries again (see [`Clients::once`]).
    single: Option<Box<Clients>>,
}

/// Builds one service's client with recon's call policy.
macro_rules! client {
    ($sdk:ident, $config:expr, $retry:expr, $timeout:expr) => {
        $sdk::Client::from_conf(call::configure!($sdk, $config, $retry, $timeout).build())
    };
}

impl Clients {
    /// Loads the standard credential chain (env, profiles, SSO, instance role) and
    /// honours `AWS_ENDPOINT_URL`.
    pub async fn load() -> Clients {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Clients::from_config(&config)
    }

    /// Clients that are never called: enough for schemas (validate, graph).
    pub fn offline() -> Clients {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Clients::from_config(&config)
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Clients {
        Clients::with_call_timeout(config, call::CALL_TIMEOUT)
    }

    /// Clients for `region` when one is given (a state bucket's region), else
    /// for the configuration's own.
    pub fn in_region(config: &aws_config::SdkConfig, region: Option<String>) -> Clients {
        match region {
            Some(r) => Clients::from_config(
                &config
                    .to_builder()
                    .region(aws_config::Region::new(r))
                    .build(),
            ),
            None => Clients::from_config(config),
        }
    }

    /// Clients whose call attempts each give up after `timeout`.
    pub fn with_call_timeout(
        config: &aws_config::SdkConfig,
        timeout: std::time::Duration,
    ) -> Clients {
        let mut clients = Clients::with_retry(config, call::retry_config(), timeout);
        clients.single = Some(Box::new(Clients::with_retry(
            config,
            call::single_attempt(),
            timeout,
        )));
        clients
    }

    fn with_retry(
        config: &aws_config::SdkConfig,
        retry: aws_config::retry::RetryConfig,
        timeout: std::time::Duration,
    ) -> Clients {
        // A custom endpoint (an emulator) rarely resolves bucket.host names.
        let s3_config = call::configure!(aws_sdk_s3, config, retry.clone(), timeout)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Clients {
            ec2: client!(aws_sdk_ec2, config, retry.clone(), timeout),
            iam: client!(aws_sdk_iam, config, retry.clone(), timeout),
            kms: client!(aws_sdk_kms, config, retry.clone(), timeout),
            lambda: client!(aws_sdk_lambda, config, retry.clone(), timeout),
            events: client!(aws_sdk_eventbridge, config, retry.clone(), timeout),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sqs: client!(aws_sdk_sqs, config, retry.clone(), timeout),
            sns: client!(aws_sdk_sns, config, retry.clone(), timeout),
            logs: client!(aws_sdk_cloudwatchlogs, config, retry.clone(), timeout),
            sts: client!(aws_sdk_sts, config, retry, timeout),
            region: config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".to_string()),
            single: None,
        }
    }

    /// Clients whose calls are made once, never retried by the SDK: for the call
    /// of a create that makes the object.
    pub fn once(&self) -> &Clients {
        self.single.as_deref().unwrap_or(self)
    }
}

/// The provider the CLI runs stacks with.
pub struct AwsProvider {
    resources: BTreeMap<&'static str, Arc<dyn ResourceType>>,
    data_sources: BTreeMap<&'static str, Arc<dyn DataSource>>,
    /// The other provider configurations (`provider "aws" { alias = ... }`), by alias.
    aliases: BTreeMap<String, Arc<AwsProvider>>,
}

impl AwsProvider {
    pub fn new(clients: &Clients) -> AwsProvider {
        let mut resources: Vec<Arc<dyn ResourceType>> = Vec::new();
        resources.extend(kms::resources(clients));
        resources.extend(ec2::resources(clients));
        resources.extend(iam::resources(clients));
        resources.extend(lambda::resources(clients));
        resources.extend(events::resources(clients));
        resources.extend(s3::resources(clients));
        resources.extend(sqs::resources(clients));
        resources.extend(sns::resources(clients));
        resources.extend(logs::resources(clients));
        let mut data_sources: Vec<Arc<dyn DataSource>> = Vec::new();
        data_sources.extend(ec2::data_sources(clients));
        data_sources.extend(kms::data_sources(clients));
        data_sources.extend(sts::data_sources(clients));
        data_sources.extend(iam::data_sources(clients));
        data_sources.extend(lambda::data_sources(clients));
        data_sources.extend(events::data_sources(clients));
        data_sources.extend(s3::data_sources(clients));
        data_sources.extend(sqs::data_sources(clients));
        data_sources.extend(sns::data_sources(clients));
        data_sources.extend(logs::data_sources(clients));
        AwsProvider {
            resources: resources
                .into_iter()
                .map(|r| (r.schema().type_name, r))
                .collect(),
            data_sources: data_sources
                .into_iter()
                .map(|d| (d.schema().type_name, d))
                .collect(),
            aliases: BTreeMap::new(),
        }
    }
}

impl Provider for AwsProvider {
    fn resource(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        self.resources.get(type_name).cloned()
    }
    fn data_source(&self, type_name: &str) -> Option<Arc<dyn DataSource>> {
        self.data_sources.get(type_name).cloned()
    }
    fn resource_in(&self, alias: Option<&str>, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        match alias {
            None => self.resource(type_name),
            Some(a) => self.aliases.get(a)?.resource(type_name),
        }
    }
    fn data_source_in(&self, alias: Option<&str>, type_name: &str) -> Option<Arc<dyn DataSource>> {
        match alias {
            None => self.data_source(type_name),
            Some(a) => self.aliases.get(a)?.data_source(type_name),
        }
    }
    fn resource_schemas(&self) -> Vec<&'static Schema> {
        self.resources.values().map(|r| r.schema()).collect()
    }
    fn data_source_schemas(&self) -> Vec<&'static Schema> {
        self.data_sources.values().map(|d| d.schema()).collect()
    }
}
