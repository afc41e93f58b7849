# Baseline: IAM. Policy documents appear decoded in self; statements(doc) lists
# their statements (an error for a document that is not valid JSON); Action /
# Resource a string or a list; Effect defaults to Allow. A role's inline_policy
# blocks (Terraform's; recon check reads them, recon apply does not manage them)
# are judged like aws_iam_role_policy documents. "*:*" is every action too.

policy "iam_no_wildcard_action" {
  resource_types = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"]
  severity       = "high"
  checkov_id     = "CKV_AWS_63"
  message        = "IAM policies (and a role's inline_policy) must not allow \"*\" as an action; list the actions needed"
  condition = alltrue([
    for d in (resource.type == "aws_iam_role" ? [for p in try(self.inline_policy, []) : try(p.policy, null)] : [self.policy]) :
    alltrue([
      for s in statements(d) :
      !(try(s.Effect, "Allow") == "Allow" && anytrue([for a in flatten([try(s.Action, [])]) : contains(["*", "*:*"], a)]))
    ])
  ])
}

policy "iam_no_admin_policy" {
  resource_types = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_62"
  message        = "IAM policies (and a role's inline_policy) must not allow every action on every resource (\"*\" on \"*\")"
  condition = alltrue([
    for d in (resource.type == "aws_iam_role" ? [for p in try(self.inline_policy, []) : try(p.policy, null)] : [self.policy]) :
    alltrue([
      for s in statements(d) :
      !(
        try(s.Effect, "Allow") == "Allow"
        && anytrue([for a in flatten([try(s.Action, [])]) : contains(["*", "*:*"], a)])
        && contains(flatten([try(s.Resource, [])]), "*")
      )
    ])
  ])
}

policy "iam_no_administrator_access" {
  resource_types = ["aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment", "aws_iam_role"]
  severity       = "high"
  checkov_id     = "CKV_AWS_274"
  message        = "Roles, users and groups must not get the AWS managed AdministratorAccess policy"
  condition = (
    resource.type == "aws_iam_role"
    ? !anytrue(try([for a in self.managed_policy_arns : endswith(a, ":policy/AdministratorAccess")], []))
    : !endswith(self.policy_arn, ":policy/AdministratorAccess")
  )
}

policy "iam_trust_not_public" {
  resource_types = ["aws_iam_role"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_60"
  message        = "A role's trust policy must not let any principal (\"*\") assume it"
  condition      = alltrue([for s in statements(self.assume_role_policy) : !allows_anyone(s)])
}

# Checkov's semantics: trusting an account id or its :root ARN trusts every
# principal of that account, whatever the Condition (an sts:ExternalId narrows
# nothing inside that account).
policy "iam_trust_not_whole_account" {
  resource_types = ["aws_iam_role"]
  severity       = "high"
  checkov_id     = "CKV_AWS_61"
  message        = "A role's trust policy must name the roles or services that may assume it, not a whole account (an account id or arn:aws:iam::ACCOUNT:root)"
  condition = alltrue([
    for s in statements(self.assume_role_policy) : (
      try(s.Effect, "Allow") == "Deny"
      || !anytrue([
        for p in flatten([try(s.Principal.AWS, [])]) :
        (can(tonumber(p)) && length(p) == 12) || (startswith(p, "arn:") && endswith(p, ":root"))
      ])
    )
  ])
}

# Any repository's workflow can get a GitHub OIDC token: the trust must test the
# token's sub claim and name the repositories.
policy "iam_github_oidc_scoped" {
  resource_types = ["aws_iam_role"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_393"
  message        = "A role trusted by GitHub Actions OIDC must restrict token.actions.githubusercontent.com:sub to named repositories (repo:ORG/REPO:...), not \"*\" or a claim any repository can present"
  condition      = alltrue([for s in statements(self.assume_role_policy) : github_oidc_scoped(s)])
}
