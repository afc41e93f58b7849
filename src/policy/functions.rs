//! Functions policy conditions have beyond the stack language's: judgements that
//! are easy to get wrong in an expression (is a security group rule open to the
//! internet, does a policy statement let anyone in), and null-tolerant tests, since
//! a condition often meets an attribute the configuration leaves unset.
//!
//! Results are tri-state as conditions are: a bool, unknown (known after apply),
//! or null (cannot be decided from the configuration).

use crate::config::cidr::Network;
use crate::value::Value;

/// A policy function by name; None when `name` is not one (the stack language's
/// function of that name is called instead).
pub fn call(name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    Some(match (name, args) {
        // An unset attribute is null: it is in no list and ends with nothing.
        ("contains", [Value::Null, _] | [_, Value::Null])
        | ("startswith" | "endswith", [Value::Null, _]) => Ok(Value::Bool(false)),
        ("closed_to_internet", [rule, ports]) => closed_to_internet(rule, ports),
        ("ingress_rules", [kind, obj]) => Ok(rules_of("ingress", kind, obj)),
        ("egress_rules", [kind, obj]) => Ok(rules_of("egress", kind, obj)),
        ("ingress_rules" | "egress_rules", _) => {
            Err(format!("{name} takes the resource type and the resource: {name}(resource.type, self)"))
        }
        ("statements", [doc]) => statements(doc),
        ("allows_anyone", [s]) => Ok(allows_anyone(s)),
        ("allows_public", [s]) => Ok(allows_public(s)),
        ("names_anyone", [s]) => Ok(names_anyone(s)),
        ("covers_action", [s, action]) => covers_action(s, action),
        ("github_oidc_scoped", [s]) => Ok(github_oidc_scoped(s)),
        ("covers_action", _) => {
            Err("covers_action takes a statement and an action: covers_action(s, \"s3:PutBucketPolicy\")".into())
        }
        ("closed_to_internet", _) => Err("closed_to_internet takes a rule and a list of ports or \"all\": closed_to_internet(r, [22])".into()),
        ("statements" | "allows_anyone" | "allows_public" | "names_anyone" | "github_oidc_scoped", _) => {
            Err(format!("{name} takes one argument"))
        }
        _ => return None,
    })
}

fn bool_or(b: bool, unknown: bool) -> Value {
    match (b, unknown) {
        (true, _) => Value::Bool(true),
        (false, true) => Value::Unknown,
        (false, false) => Value::Bool(false),
    }
}

/// Every value of a string, a list or an object's values, nested.
fn leaves(v: &Value) -> Vec<&Value> {
    match v {
        Value::List(items) => items.iter().flat_map(leaves).collect(),
        Value::Object(map) => map.values().flat_map(leaves).collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Whether some string in `v` matches: true, unknown when an unknown part could,
/// else false.
fn any_string(v: &Value, pred: impl Fn(&str) -> bool) -> Value {
    let mut unknown = false;
    for leaf in leaves(v) {
        match leaf {
            Value::String(s) if pred(s) => return Value::Bool(true),
            Value::Unknown => unknown = true,
            _ => {}
        }
    }
    bool_or(false, unknown)
}

/// `closed_to_internet(rule, ports)`: a security group rule (an inline `ingress`
/// block or an `aws_vpc_security_group_*_rule`) does not open any of `ports` (or,
/// with "all", every port) to 0.0.0.0/0 or ::/0. A CIDR is read as the network AWS
/// stores (any /0 is the internet). Null when the rule has no source or no ports
/// where its protocol needs them: AWS refuses it, so it cannot pass.
fn closed_to_internet(rule: &Value, ports: &Value) -> Result<Value, String> {
    match rule {
        Value::Object(_) => {}
        Value::Unknown => return Ok(Value::Unknown),
        other => {
            return Err(format!(
                "closed_to_internet: the rule must be an object, got {}",
                other.type_name()
            ))
        }
    }
    let covers = covers(rule, ports)?;
    if covers == Value::Bool(false) {
        return Ok(Value::Bool(true));
    }
    Ok(match (internet_source(rule), covers) {
        (Value::Bool(false), _) => Value::Bool(true),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(false),
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        _ => Value::Null,
    })
}

/// `ingress_rules(resource.type, self)`, `egress_rules(...)`: the security group
/// rules of one direction a resource holds, whatever its type: a group's inline
/// blocks, an aws_security_group_rule of that `type`, or the rule resource itself.
fn rules_of(direction: &str, kind: &Value, obj: &Value) -> Value {
    let one = || Value::List(vec![obj.clone()]);
    let none = || Value::List(Vec::new());
    match kind {
        Value::String(k) if k == "aws_security_group" => match obj.get(direction) {
            Value::Null => none(),
            blocks => blocks.clone(),
        },
        Value::String(k) if k == "aws_security_group_rule" => match obj.get("type") {
            Value::String(t) if t == direction => one(),
            Value::Unknown => Value::Unknown,
            _ => none(),
        },
        Value::String(k) if k == &format!("aws_vpc_security_group_{direction}_rule") => one(),
        _ => none(),
    }
}

/// Whether the rule's protocol and port range cover one of `ports`.
fn covers(rule: &Value, ports: &Value) -> Result<Value, String> {
    let protocol = match rule.get("protocol") {
        Value::Null => rule.get("ip_protocol"),
        p => p,
    };
    match protocol {
        Value::String(p) if p == "-1" || p.eq_ignore_ascii_case("all") => {
            return Ok(Value::Bool(true))
        }
        Value::String(_) => {}
        Value::Unknown => return Ok(Value::Unknown),
        _ => return Ok(Value::Null),
    }
    let (from, to) = match (rule.get("from_port"), rule.get("to_port")) {
        (Value::Number(f), Value::Number(t)) => (*f, *t),
        (Value::Unknown, _) | (_, Value::Unknown) => return Ok(Value::Unknown),
        _ => return Ok(Value::Null),
    };
    // 0-0 and -1/-1 mean every port (as Checkov reads them), so does 0-65535.
    if from <= 0.0 && (to <= 0.0 || to >= 65535.0) {
        return Ok(Value::Bool(true));
    }
    match ports {
        Value::String(s) if s == "all" => Ok(Value::Bool(false)),
        Value::List(items) => {
            let mut unknown = false;
            for p in items {
                match p {
                    Value::Number(n) if from <= *n && *n <= to => return Ok(Value::Bool(true)),
                    Value::Number(_) => {}
                    Value::Unknown => unknown = true,
                    other => {
                        return Err(format!(
                            "closed_to_internet: ports must be numbers, got {}",
                            other.type_name()
                        ))
                    }
                }
            }
            Ok(bool_or(false, unknown))
        }
        Value::Unknown => Ok(Value::Unknown),
        other => Err(format!(
            "closed_to_internet: ports must be a list of numbers or \"all\", got {}",
            other.type_name()
        )),
    }
}

/// Whether the rule's source (destination, for egress) is the internet; null when
/// it has none at all.
fn internet_source(rule: &Value) -> Value {
    let cidrs = ["cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"];
    let others = [
        "prefix_list_ids",
        "security_groups",
        "source_security_group_id",
        "prefix_list_id",
        "referenced_security_group_id",
    ];
    let mut unknown = false;
    let mut any = rule.get("self") == &Value::Bool(true);
    for key in cidrs {
        for leaf in leaves(rule.get(key)) {
            match leaf {
                Value::String(s) if Network::parse(s).is_ok_and(|n| n.prefix == 0) => {
                    return Value::Bool(true)
                }
                Value::Unknown => unknown = true,
                _ => any = true,
            }
        }
    }
    any |= others.iter().any(|k| !leaves(rule.get(k)).is_empty());
    match (unknown, any) {
        (true, _) => Value::Unknown,
        (false, true) => Value::Bool(false),
        (false, false) => Value::Null,
    }
}

/// `statements(document)`: a decoded IAM or key policy's statements as a list
/// (`Statement` may be one object). No document is no statements; a document that
/// is not valid JSON, or has no Statement, is an error: it must never pass as empty.
fn statements(doc: &Value) -> Result<Value, String> {
    match doc {
        Value::Null => Ok(Value::List(Vec::new())),
        Value::Unknown => Ok(Value::Unknown),
        Value::String(_) => Err("the policy document is not valid JSON".into()),
        Value::Object(map) => match map.get("Statement") {
            Some(Value::List(items)) => Ok(Value::List(items.clone())),
            Some(s @ Value::Object(_)) => Ok(Value::List(vec![s.clone()])),
            Some(Value::Unknown) => Ok(Value::Unknown),
            _ => Err("the policy document has no Statement list".into()),
        },
        other => Err(format!(
            "statements: a policy document is an object, got {}",
            other.type_name()
        )),
    }
}

/// `allows_anyone(statement)`: an Allow statement whose principal is "*" in any
/// spelling ("*", ["x", "*"], {AWS = "*"}, {AWS = ["*"]}), or that names its
/// principals by exclusion (NotPrincipal).
fn allows_anyone(s: &Value) -> Value {
    match s.get("Effect") {
        Value::Unknown => return Value::Unknown,
        Value::Null => {}
        Value::String(e) if e == "Allow" => {}
        _ => return Value::Bool(false),
    }
    if !s.get("NotPrincipal").is_null() {
        return Value::Bool(true);
    }
    names_anyone(s)
}

/// `names_anyone(statement)`: `"*"` among its principals, in any spelling,
/// whatever the effect.
fn names_anyone(s: &Value) -> Value {
    any_string(s.get("Principal"), |p| p == "*")
}

/// `allows_public(statement)`: [`allows_anyone`] unless a Condition really narrows
/// who: a positive test of an identity or network key whose values do not match
/// everyone (`aws:PrincipalArn` like `arn:aws:iam::*` does).
fn allows_public(s: &Value) -> Value {
    match allows_anyone(s) {
        Value::Bool(false) => Value::Bool(false),
        anyone => match narrowed(s.get("Condition")) {
            Value::Bool(true) => Value::Bool(false),
            Value::Unknown => Value::Unknown,
            _ => anyone,
        },
    }
}

/// Keys whose values name who (or from where) a request comes.
const IDENTITY_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:userid",
    "aws:username",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

/// Whether a Condition block narrows who is allowed: one narrowing test is enough,
/// since every test must hold.
fn narrowed(condition: &Value) -> Value {
    let ops = match condition {
        Value::Object(ops) => ops,
        Value::Unknown => return Value::Unknown,
        _ => return Value::Bool(false),
    };
    let mut unknown = false;
    for (op, tests) in ops {
        let tests = match tests {
            Value::Object(t) => t,
            Value::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        };
        for (key, values) in tests {
            match test_narrows(op, key, values) {
                Value::Bool(true) => return Value::Bool(true),
                Value::Unknown => unknown = true,
                _ => {}
            }
        }
    }
    bool_or(false, unknown)
}

fn test_narrows(op: &str, key: &str, values: &Value) -> Value {
    let op = op.to_ascii_lowercase();
    // Negations, IfExists (true when the key is absent), ForAllValues (true for no
    // values) and Null let in requests that do not carry the key.
    let excludes = op.contains("not")
        || op.ends_with("ifexists")
        || op.starts_with("forallvalues:")
        || op == "null";
    if excludes || !IDENTITY_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
        return Value::Bool(false);
    }
    let op = op.trim_start_matches("foranyvalue:");
    let values = leaves(values);
    if values.is_empty() {
        return Value::Bool(false);
    }
    let mut unknown = false;
    for v in values {
        match v {
            Value::String(s) if matches_everyone(op, s) => return Value::Bool(false),
            Value::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        Value::Unknown
    } else {
        Value::Bool(true)
    }
}

/// `covers_action(statement, action)`: the statement applies to `action`: one of
/// its `Action` patterns matches it, or it has a `NotAction` none of whose
/// patterns does. IAM matches actions case-insensitively, `*` and `?` as wildcards.
fn covers_action(s: &Value, action: &Value) -> Result<Value, String> {
    let action = match action {
        Value::String(a) => a.to_ascii_lowercase(),
        Value::Unknown => return Ok(Value::Unknown),
        other => {
            return Err(format!(
                "covers_action: the action must be a string, got {}",
                other.type_name()
            ))
        }
    };
    let matched = |patterns: &Value| {
        any_string(patterns, |p| {
            wildcard_match(&p.to_ascii_lowercase(), &action)
        })
    };
    Ok(match s.get("NotAction") {
        Value::Null => matched(s.get("Action")),
        not_action => match matched(not_action) {
            Value::Bool(b) => Value::Bool(!b),
            other => other,
        },
    })
}

/// GitHub's OIDC provider, as a trust policy's federated principal names it.
const GITHUB_OIDC: &str = "oidc-provider/token.actions.githubusercontent.com";

/// Claims a workflow of any repository can present with the value it likes: a
/// `sub` that starts with one of them trusts every repository on GitHub.
const FORGEABLE_CLAIMS: &[&str] = &[
    "workflow",
    "environment",
    "ref",
    "context",
    "head_ref",
    "base_ref",
];

/// `github_oidc_scoped(statement)`: a statement that trusts GitHub Actions' OIDC
/// provider tests the token's `sub` claim, positively, and every value it allows
/// names a repository (`repo:ORG/REPO...`), never `*` or a claim another
/// repository's workflow could present. True for any other statement.
fn github_oidc_scoped(s: &Value) -> Value {
    let federated = match s.get("Principal") {
        Value::Object(_) => s.get("Principal").get("Federated"),
        Value::Unknown => return Value::Unknown,
        _ => return Value::Bool(true),
    };
    match any_string(federated, |f| f.contains(GITHUB_OIDC)) {
        Value::Bool(false) => return Value::Bool(true),
        Value::Unknown => return Value::Unknown,
        _ => {}
    }
    let ops = match s.get("Condition") {
        Value::Object(ops) => ops,
        Value::Unknown => return Value::Unknown,
        _ => return Value::Bool(false),
    };
    let mut values = Vec::new();
    for (op, tests) in ops {
        let op = op.to_ascii_lowercase();
        if op.contains("not") || op.ends_with("ifexists") || op == "null" {
            continue;
        }
        match tests {
            Value::Object(tests) => {
                for (key, v) in tests {
                    if is_github_sub_key(key) {
                        values.extend(leaves(v));
                    }
                }
            }
            Value::Unknown => return Value::Unknown,
            _ => {}
        }
    }
    if values.is_empty() {
        return Value::Bool(false);
    }
    let mut unknown = false;
    for v in values {
        match v {
            Value::String(v) if !github_sub_names_a_repo(v) => return Value::Bool(false),
            Value::String(_) => {}
            Value::Unknown => unknown = true,
            _ => return Value::Bool(false),
        }
    }
    if unknown {
        Value::Unknown
    } else {
        Value::Bool(true)
    }
}

/// `token.actions.githubusercontent.com:sub`, or with an enterprise slug
/// (`token.actions.githubusercontent.com/ENTERPRISE:sub`).
fn is_github_sub_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let Some(rest) = key.strip_prefix("token.actions.githubusercontent.com") else {
        return false;
    };
    rest == ":sub"
        || rest
            .strip_prefix('/')
            .and_then(|r| r.strip_suffix(":sub"))
            .is_some_and(|slug| {
                !slug.is_empty()
                    && slug
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
}

/// A `sub` pattern that only a repository's own workflows match: it starts with
/// a claim that is not forgeable and, for `repo:`, names `ORG/REPO`.
fn github_sub_names_a_repo(value: &str) -> bool {
    let Some((claim, rest)) = value.split_once(':') else {
        return false;
    };
    if value == "*"
        || rest.starts_with('*')
        || FORGEABLE_CLAIMS.iter().any(|c| claim.starts_with(c))
    {
        return false;
    }
    if claim != "repo" {
        return true;
    }
    let repo = rest.split(':').next().unwrap_or_default();
    match repo.split_once('/') {
        Some((org, name)) => !org.is_empty() && !org.contains(['*', '?']) && !name.is_empty(),
        None => false,
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` any one.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Greedy with one backtrack point: linear in practice, never exponential.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A condition value anyone can satisfy: a /0 network, or a pattern that leaves
/// open what an outsider controls (the account of an ARN, or all but two
/// characters of an id: `o-*` is every organisation).
fn matches_everyone(op: &str, value: &str) -> bool {
    if op.starts_with("ipaddress") {
        return Network::parse(value).is_ok_and(|n| n.prefix == 0);
    }
    // ArnEquals takes wildcards as ArnLike does.
    if !(op.contains("like") || op.starts_with("arn")) {
        return false;
    }
    let Some(wild) = value.find(['*', '?']) else {
        return false;
    };
    // ArnLike matches each of an ARN's six fields apart (a wildcard never spans a
    // colon): a named account narrows whatever the other fields say.
    if op.starts_with("arn") {
        let fields: Vec<&str> = value.splitn(6, ':').collect();
        if fields.len() == 6 && !fields[4].is_empty() && !fields[4].contains(['*', '?']) {
            return false;
        }
    }
    let fixed = &value[..wild];
    let arn = fixed.to_ascii_lowercase().starts_with("arn:") || "arn:".starts_with(fixed);
    if arn {
        fixed.matches(':').count() < 5
    } else {
        fixed.chars().count() <= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    fn json(text: &str) -> Value {
        Value::from_json(&serde_json::from_str(text).unwrap())
    }

    fn rule(text: &str) -> Value {
        json(text)
    }

    #[test]
    fn a_github_trust_must_name_a_repository() {
        let scoped = |cond: &str| {
            github_oidc_scoped(&json(&format!(
                r#"{{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}}
                    {cond}}}"#
            )))
        };
        let sub = |op: &str, v: &str| {
            format!(
                r#", "Condition": {{"{op}": {{"token.actions.githubusercontent.com:sub": {v}}}}}"#
            )
        };
        assert_eq!(
            scoped(&sub("StringLike", r#""repo:acme/site:*""#)),
            Value::Bool(true)
        );
        assert_eq!(
            scoped(&sub(
                "StringEquals",
                r#"["repo:acme/site:ref:refs/heads/main", "repo:acme/api:environment:prod"]"#
            )),
            Value::Bool(true)
        );
        assert_eq!(scoped(""), Value::Bool(false));
        assert_eq!(scoped(&sub("StringLike", r#""*""#)), Value::Bool(false));
        assert_eq!(
            scoped(&sub("StringLike", r#""repo:acme*""#)),
            Value::Bool(false)
        );
        assert_eq!(
            scoped(&sub("StringLike", r#""repo:*""#)),
            Value::Bool(false)
        );
        assert_eq!(
            scoped(&sub("StringLike", r#""environment:prod""#)),
            Value::Bool(false)
        );
        assert_eq!(
            scoped(&sub(
                "StringLike",
                r#"["repo:acme/site:*", "workflow:deploy"]"#
            )),
            Value::Bool(false)
        );
        assert_eq!(
            scoped(&sub("StringNotLike", r#""repo:acme/site:*""#)),
            Value::Bool(false)
        );
        // Only the audience is tested: any repository's token is accepted.
        assert_eq!(
            scoped(
                r#", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#
            ),
            Value::Bool(false)
        );
        let enterprise = r#", "Condition": {"StringLike": {"token.actions.githubusercontent.com/acme-corp:sub": "repo:acme/site:*"}}"#;
        assert_eq!(scoped(enterprise), Value::Bool(true));
        let service = json(r#"{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}"#);
        assert_eq!(github_oidc_scoped(&service), Value::Bool(true));
    }

    #[test]
    fn a_statement_covers_the_actions_its_patterns_match() {
        let covers = |s: &str, a: &str| covers_action(&json(s), &Value::from(a)).unwrap();
        let put = "s3:PutBucketPolicy";
        assert_eq!(covers(r#"{"Action": "s3:*"}"#, put), Value::Bool(true));
        assert_eq!(
            covers(r#"{"Action": ["s3:Get*", "S3:put*"]}"#, put),
            Value::Bool(true)
        );
        assert_eq!(covers(r#"{"Action": "*"}"#, put), Value::Bool(true));
        assert_eq!(
            covers(r#"{"Action": "s3:?utBucketPolicy"}"#, put),
            Value::Bool(true)
        );
        assert_eq!(
            covers(r#"{"Action": "s3:PutBucket"}"#, put),
            Value::Bool(false)
        );
        assert_eq!(
            covers(r#"{"Action": "s3:GetObject"}"#, put),
            Value::Bool(false)
        );
        // NotAction: every action but those listed.
        assert_eq!(
            covers(r#"{"NotAction": "s3:GetObject"}"#, put),
            Value::Bool(true)
        );
        assert_eq!(
            covers(r#"{"NotAction": "s3:Put*"}"#, put),
            Value::Bool(false)
        );
        assert_eq!(covers(r#"{}"#, put), Value::Bool(false));
        let unknown = Value::Object(crate::object! {"Action" => Value::Unknown});
        assert_eq!(
            covers_action(&unknown, &Value::from(put)).unwrap(),
            Value::Unknown
        );
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
        assert!(wildcard_match("**", ""));
    }

    #[test]
    fn rules_open_to_the_internet_on_a_port() {
        let closed = |r: &str, ports: Value| closed_to_internet(&rule(r), &ports).unwrap();
        let ssh = Value::List(vec![Value::from(22)]);
        let all = Value::from("all");
        let open =
            r#"{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}"#;
        assert_eq!(closed(open, ssh.clone()), Value::Bool(false));
        assert_eq!(closed(open, all.clone()), Value::Bool(true));
        // -1/-1 over tcp is every port, like 0-65535.
        let every =
            r#"{"ip_protocol": "tcp", "from_port": -1, "to_port": -1, "cidr_ipv6": "::/0"}"#;
        assert_eq!(closed(every, all.clone()), Value::Bool(false));
        assert_eq!(closed(every, ssh.clone()), Value::Bool(false));
        let range =
            r#"{"protocol": "6", "from_port": 0, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"]}"#;
        assert_eq!(closed(range, all.clone()), Value::Bool(false));
        let private =
            r#"{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/8"]}"#;
        assert_eq!(closed(private, all.clone()), Value::Bool(true));
        // No source, or no ports where tcp needs them: AWS refuses it; not a pass.
        let nothing = r#"{"ip_protocol": "tcp"}"#;
        assert_eq!(closed(nothing, ssh.clone()), Value::Null);
        let no_ports = r#"{"ip_protocol": "tcp", "cidr_ipv4": "0.0.0.0/0"}"#;
        assert_eq!(closed(no_ports, ssh.clone()), Value::Null);
        let mut later = rule(open);
        if let Value::Object(o) = &mut later {
            o.insert("cidr_blocks".into(), Value::Unknown);
        }
        assert_eq!(closed_to_internet(&later, &ssh).unwrap(), Value::Unknown);
        assert_eq!(
            closed_to_internet(&later, &Value::List(vec![Value::from(80)])).unwrap(),
            Value::Bool(true),
            "another port is judged while the source is unknown"
        );
    }

    #[test]
    fn anyone_in_every_spelling() {
        for p in [
            r#""*""#,
            r#"["foo", "*"]"#,
            r#"{"AWS": "*"}"#,
            r#"{"AWS": ["x", "*"]}"#,
        ] {
            let s = json(&format!(r#"{{"Effect": "Allow", "Principal": {p}}}"#));
            assert_eq!(allows_anyone(&s), Value::Bool(true), "{p}");
            assert_eq!(allows_public(&s), Value::Bool(true), "{p}");
        }
        let deny = json(r#"{"Effect": "Deny", "Principal": "*"}"#);
        assert_eq!(allows_anyone(&deny), Value::Bool(false));
        let not = json(r#"{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}"#);
        assert_eq!(allows_anyone(&not), Value::Bool(true));
        let named = json(r#"{"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}"#);
        assert_eq!(allows_anyone(&named), Value::Bool(false));
    }

    #[test]
    fn only_a_condition_that_narrows_who_counts() {
        let with = |condition: &str| {
            allows_public(&json(&format!(
                r#"{{"Effect": "Allow", "Principal": "*", "Condition": {condition}}}"#
            )))
        };
        for narrowing in [
            r#"{"StringEquals": {"kms:CallerAccount": "123456789012"}}"#,
            r#"{"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}"#,
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}}"#,
            r#"{"StringEquals": {"aws:SourceVpce": "vpce-1"}, "Bool": {"aws:SecureTransport": "true"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            r#"{"StringEquals": {"aws:VpceAccount": "123456789012"}}"#,
            r#"{"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:123456789012:trail/*"}}"#,
        ] {
            assert_eq!(with(narrowing), Value::Bool(false), "{narrowing}");
        }
        for everyone in [
            r#"{"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}"#,
            r#"{"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::1:root", "*"]}}"#,
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}"#,
            r#"{"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:1?:trail/*"}}"#,
            r#"{"StringLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:123456789012:trail/*"}}"#,
            r#"{"StringLike": {"aws:PrincipalOrgID": "o-*"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "10.1.2.3/0"}}"#,
            r#"{"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}"#,
            r#"{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}"#,
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
        ] {
            assert_eq!(with(everyone), Value::Bool(true), "{everyone}");
        }
    }

    #[test]
    fn documents_that_cannot_be_read_are_errors_not_empty() {
        assert_eq!(statements(&Value::Null), Ok(Value::List(vec![])));
        assert!(statements(&Value::from("{\"Statement\": [],}")).is_err());
        assert!(statements(&Value::Object(object! {"Version" => "2012-10-17"})).is_err());
        let one = json(r#"{"Statement": {"Effect": "Allow"}}"#);
        assert_eq!(
            statements(&one).unwrap().as_list().map(<[Value]>::len),
            Some(1)
        );
    }

    #[test]
    fn unset_attributes_are_in_no_list_and_end_with_nothing() {
        let list = Value::List(vec![Value::from("AES256")]);
        assert_eq!(
            call("contains", &[list, Value::Null]),
            Some(Ok(Value::Bool(false)))
        );
        assert_eq!(
            call("endswith", &[Value::Null, Value::from("x")]),
            Some(Ok(Value::Bool(false)))
        );
        assert_eq!(
            call("endswith", &[Value::from("ax"), Value::from("x")]),
            None
        );
    }
}
