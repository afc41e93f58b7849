//! The integration tests, one binary: each module was a test binary of its own
//! (`cargo test --test it aws_s3::` runs what `--test aws_s3` ran). One binary
//! links the AWS SDK crates once instead of once per file. Each test still starts
//! its own moto (`common::Moto::start`), so tests share no AWS state.
//!
//! tests/fuzz.rs stays a binary of its own: it installs a global allocator
//! (aborting on a huge allocation) and a process-wide panic hook.

mod common;

mod architecture;
mod aws_data_sources;
mod aws_ec2_compute;
mod aws_ec2_network;
mod aws_iam;
mod aws_kms;
mod aws_lambda_events;
mod aws_logs;
mod aws_s3;
mod aws_sns;
mod aws_sqs;
mod check_modules;
mod checkov_fixtures;
mod cli_check;
mod cli_completions;
mod cli_errors;
mod cli_fmt;
mod cli_import_terraform;
mod cli_interrupt;
mod cli_modules;
mod cli_providers;
mod cli_show;
mod cli_snapshots;
mod cli_stack_state;
mod cli_taint;
mod cli_target;
mod cli_terraform_conventions;
mod corpus;
mod e2e_cost;
mod e2e_cron_btsync;
mod e2e_data_loss;
mod e2e_drift;
mod e2e_faults;
mod e2e_kill;
mod e2e_lost_answers;
mod e2e_secrets;
mod fault_proxy;
mod policy_baseline;
mod state_s3;
mod user_data_script;
