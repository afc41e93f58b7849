//! The baseline policies, built into the binary from the repository's `policies/`
//! directory so that `recon check` works wherever recon runs.

pub const FILES: &[(&str, &str)] = &[
    (
        "policies/network.hcl",
        include_str!("../../policies/network.hcl"),
    ),
    (
        "policies/compute.hcl",
        include_str!("../../policies/compute.hcl"),
    ),
    ("policies/kms.hcl", include_str!("../../policies/kms.hcl")),
    ("policies/iam.hcl", include_str!("../../policies/iam.hcl")),
    ("policies/s3.hcl", include_str!("../../policies/s3.hcl")),
    (
        "policies/lambda.hcl",
        include_str!("../../policies/lambda.hcl"),
    ),
    ("policies/sqs.hcl", include_str!("../../policies/sqs.hcl")),
    ("policies/logs.hcl", include_str!("../../policies/logs.hcl")),
    ("policies/sns.hcl", include_str!("../../policies/sns.hcl")),
];
