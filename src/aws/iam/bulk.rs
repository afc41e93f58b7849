//! Reading the account's roles at once. IAM's request limits are the lowest of
//! the services recon uses, so a refresh of many roles reads them all through
//! GetAccountAuthorizationDetails (a page per 1,000 roles, with their tags,
//! inline and attached policies) plus ListRoles (description and session
//! duration, which the former lacks), instead of one or more calls per object.

use crate::aws::sdk_error;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_iam::types::{EntityType, Role, RoleDetail};
use std::collections::HashMap;

/// From this many objects of a type on, refresh reads in bulk: two paginated
/// calls for the account instead of one (or more) per object.
pub(super) const BULK_FROM: usize = 10;

/// The largest page IAM gives.
const PAGE: i32 = 1000;

/// Every role of the account, as two listings saw them.
pub(super) struct AccountRoles {
    details: HashMap<String, RoleDetail>,
    listed: HashMap<String, Role>,
}

impl AccountRoles {
    /// The account's roles with their policies and tags; with `with_listing`,
    /// also ListRoles (only the role itself needs it).
    pub(super) async fn read(
        client: &aws_sdk_iam::Client,
        with_listing: bool,
    ) -> ProviderResult<AccountRoles> {
        let mut details = HashMap::new();
        let mut pages = client
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .max_items(PAGE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for role in page.map_err(sdk_error)?.role_detail_list() {
                if let Some(name) = role.role_name() {
                    details.insert(name.to_string(), role.clone());
                }
            }
        }
        let mut listed = HashMap::new();
        if with_listing {
            let mut pages = client.list_roles().max_items(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                for role in page.map_err(sdk_error)?.roles() {
                    listed.insert(role.role_name().to_string(), role.clone());
                }
            }
        }
        Ok(AccountRoles { details, listed })
    }

    /// Role `name` as GetRole would return it; None when either listing
    /// missed it (gone, or made between the two: ask for it alone).
    pub(super) fn role(&self, name: &str) -> ProviderResult<Option<Role>> {
        let (Some(listed), Some(detail)) = (self.listed.get(name), self.details.get(name)) else {
            return Ok(None);
        };
        Role::builder()
            .path(listed.path())
            .role_name(listed.role_name())
            .role_id(listed.role_id())
            .arn(listed.arn())
            .create_date(*listed.create_date())
            .set_assume_role_policy_document(
                detail
                    .assume_role_policy_document()
                    .or(listed.assume_role_policy_document())
                    .map(str::to_string),
            )
            .set_description(listed.description().map(str::to_string))
            .set_max_session_duration(listed.max_session_duration())
            .set_permissions_boundary(detail.permissions_boundary().cloned())
            .set_tags(Some(detail.tags().to_vec()))
            .build()
            .map(Some)
            .map_err(|e| ProviderError::new(format!("role {name} as listed by IAM: {e}")))
    }

    /// The document of inline policy `policy` of `role` (URL-encoded as IAM
    /// sends it); None when the role or the policy does not exist.
    pub(super) fn inline_policy(&self, role: &str, policy: &str) -> Option<&str> {
        self.details
            .get(role)?
            .role_policy_list()
            .iter()
            .find(|p| p.policy_name() == Some(policy))?
            .policy_document()
    }

    /// The (name, document) of every inline policy of `role`.
    pub(super) fn inline_policies(&self, role: &str) -> Vec<(String, String)> {
        let Some(detail) = self.details.get(role) else {
            return Vec::new();
        };
        detail
            .role_policy_list()
            .iter()
            .filter_map(|p| Some((p.policy_name()?.into(), p.policy_document()?.into())))
            .collect()
    }

    /// The ARNs of the managed policies attached to `role`; None when there is
    /// no such role.
    pub(super) fn attached(&self, role: &str) -> Option<Vec<&str>> {
        let detail = self.details.get(role)?;
        Some(
            detail
                .attached_managed_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
                .collect(),
        )
    }
}
