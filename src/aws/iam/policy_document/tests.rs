//! Renderings compared with the provider's documented output (the Example Usage of
//! aws_iam_policy_document). Those pages predate the provider omitting an empty
//! `"Sid": ""`, which today's policy model does; the expected texts here omit it.

use super::*;
use crate::object;

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

fn statement(sid: &str, actions: &[&str], resources: &[&str]) -> Value {
    let mut s = object! {"actions" => strings(actions), "resources" => strings(resources)};
    if !sid.is_empty() {
        s.insert("sid".into(), Value::from(sid));
    }
    Value::Object(s)
}

fn with_effect(statement: Value, effect: &str) -> Value {
    let mut s = statement.as_object().cloned().unwrap_or_default();
    s.insert("effect".into(), Value::from(effect));
    Value::Object(s)
}

fn condition(test: &str, variable: &str, values: &[&str]) -> Value {
    Value::Object(object! {"test" => test, "variable" => variable, "values" => strings(values)})
}

fn principals(kind: &str, identifiers: &[&str]) -> Value {
    Value::Object(object! {"type" => kind, "identifiers" => strings(identifiers)})
}

fn doc(statements: Vec<Value>) -> Object {
    object! {"statement" => Value::List(statements)}
}

fn json_of(config: &Object) -> String {
    render(config).unwrap().str("json").unwrap().to_string()
}

#[test]
fn basic_example_sorts_sets_in_reverse_and_replaces_policy_variables() {
    let mut listing = statement("", &["s3:ListBucket"], &["arn:aws:s3:::b"]);
    if let Value::Object(s) = &mut listing {
        s.insert(
            "condition".into(),
            Value::List(vec![condition(
                "StringLike",
                "s3:prefix",
                &["", "home/", "home/&{aws:username}/"],
            )]),
        );
    }
    let config = doc(vec![
        statement(
            "1",
            &["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
            &["arn:aws:s3:::*"],
        ),
        listing,
        statement(
            "",
            &["s3:*"],
            &[
                "arn:aws:s3:::b/home/&{aws:username}",
                "arn:aws:s3:::b/home/&{aws:username}/*",
            ],
        ),
    ]);
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::b",
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "",
            "home/",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::b/home/${aws:username}/*",
        "arn:aws:s3:::b/home/${aws:username}"
      ]
    }
  ]
}"#;
    assert_eq!(json_of(&config), expected);
}

#[test]
fn condition_blocks_with_one_test_share_one_operator() {
    // "Example Multiple Condition Keys": two keys under one operator, both kept.
    let config = doc(vec![Value::Object(object! {
        "actions" => strings(&["kms:Decrypt", "kms:GenerateDataKey"]),
        "resources" => strings(&["*"]),
        "condition" => Value::List(vec![
            condition("ForAnyValue:StringEquals", "kms:EncryptionContext:service", &["pi"]),
            condition("ForAnyValue:StringEquals", "kms:EncryptionContext:aws:pi:service", &["rds"]),
        ]),
    })]);
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}"#;
    assert_eq!(json_of(&config), expected);
    assert_eq!(
        render(&config).unwrap().str("minified_json"),
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:aws:pi:service":"rds","kms:EncryptionContext:service":"pi"}}}]}"#
        )
    );
}

#[test]
fn conditions_on_one_variable_join_their_values_in_order() {
    let config = doc(vec![Value::Object(object! {
        "actions" => strings(&["s3:GetObject"]),
        "condition" => Value::List(vec![
            condition("StringEquals", "aws:PrincipalTag/team", &["b", "a"]),
            condition("StringEquals", "aws:PrincipalTag/team", &["c"]),
            condition("Bool", "aws:SecureTransport", &["true"]),
        ]),
    })]);
    assert_eq!(
        render(&config).unwrap().str("minified_json"),
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalTag/team":["b","a","c"]}}}]}"#
        )
    );
}

#[test]
fn principals_by_type_sorted_and_star_alone_as_a_string() {
    // "Example Assume-Role Policy with Multiple Principals".
    let config = doc(vec![Value::Object(object! {
        "actions" => strings(&["sts:AssumeRole"]),
        "principals" => Value::List(vec![
            principals("Service", &["firehose.amazonaws.com"]),
            principals("AWS", &["arn:aws:iam::123456789012:role/trusted"]),
            principals("Federated", &[
                "arn:aws:iam::123456789012:saml-provider/corp",
                "cognito-identity.amazonaws.com",
            ]),
        ]),
    })]);
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "AWS": "arn:aws:iam::123456789012:role/trusted",
        "Federated": [
          "cognito-identity.amazonaws.com",
          "arn:aws:iam::123456789012:saml-provider/corp"
        ],
        "Service": "firehose.amazonaws.com"
      }
    }
  ]
}"#;
    assert_eq!(json_of(&config), expected);

    let minified = |kind: &str| {
        let config = doc(vec![Value::Object(object! {
            "actions" => strings(&["s3:GetObject"]),
            "principals" => Value::List(vec![principals(kind, &["*"])]),
        })]);
        render(&config)
            .unwrap()
            .str("minified_json")
            .unwrap()
            .to_string()
    };
    assert!(
        minified("*").contains(r#""Principal":"*""#),
        "{}",
        minified("*")
    );
    assert!(
        minified("AWS").contains(r#""Principal":{"AWS":"*"}"#),
        "{}",
        minified("AWS")
    );
}

#[test]
fn principal_blocks_of_one_type_are_joined() {
    let config = doc(vec![Value::Object(object! {
        "actions" => strings(&["sts:AssumeRole"]),
        "not_principals" => Value::List(vec![
            principals("AWS", &["arn:aws:iam::1:root"]),
            principals("AWS", &["arn:aws:iam::2:root"]),
        ]),
    })]);
    assert!(render(&config)
        .unwrap()
        .str("minified_json")
        .unwrap()
        .contains(r#""NotPrincipal":{"AWS":["arn:aws:iam::1:root","arn:aws:iam::2:root"]}"#));
}

#[test]
fn a_source_document_is_overridden_by_sid() {
    // "Example Using A Source Document".
    let source = json_of(&doc(vec![
        statement("", &["ec2:*"], &["*"]),
        statement("SidToOverride", &["s3:*"], &["*"]),
    ]));
    let mut config = doc(vec![statement(
        "SidToOverride",
        &["s3:*"],
        &["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
    )]);
    config.insert("source_policy_documents".into(), strings(&[&source]));
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::somebucket/*",
        "arn:aws:s3:::somebucket"
      ]
    }
  ]
}"#;
    assert_eq!(json_of(&config), expected);
}

#[test]
fn override_documents_replace_statements_of_their_sid_in_order() {
    // "Example of Merging Override Documents".
    let one = json_of(&doc(vec![statement(
        "OverridePlaceHolderOne",
        &["s3:*"],
        &["*"],
    )]));
    let two = json_of(&doc(vec![
        statement("", &["ec2:*"], &["*"]),
        statement("OverridePlaceHolderTwo", &["iam:*"], &["*"]),
    ]));
    let three = json_of(&doc(vec![with_effect(
        statement("OverridePlaceHolderOne", &["logs:*"], &["*"]),
        "Deny",
    )]));
    let mut config = doc(vec![with_effect(
        statement("OverridePlaceHolderTwo", &["*"], &["*"]),
        "Deny",
    )]);
    config.insert(
        "override_policy_documents".into(),
        strings(&[&one, &two, &three]),
    );
    assert_eq!(
        render(&config).unwrap().str("minified_json"),
        Some(concat!(
            r#"{"Version":"2012-10-17","Statement":["#,
            r#"{"Sid":"OverridePlaceHolderTwo","Effect":"Allow","Action":"iam:*","Resource":"*"},"#,
            r#"{"Sid":"OverridePlaceHolderOne","Effect":"Deny","Action":"logs:*","Resource":"*"},"#,
            r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#
        ))
    );
}

#[test]
fn source_and_override_without_statements() {
    // "Example with Both Source and Override Documents".
    let source = json_of(&doc(vec![statement(
        "OverridePlaceholder",
        &["ec2:DescribeAccountAttributes"],
        &["*"],
    )]));
    let over = json_of(&doc(vec![statement(
        "OverridePlaceholder",
        &["s3:GetObject"],
        &["*"],
    )]));
    let config = object! {
        "source_policy_documents" => strings(&[&source]),
        "override_policy_documents" => strings(&[&over]),
    };
    assert_eq!(
        render(&config).unwrap().str("minified_json"),
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"OverridePlaceholder","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
        )
    );
}

#[test]
fn written_documents_keep_their_lists_and_sort_principals() {
    let source = r#"{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"A","Effect":"Allow",
        "Action":["s3:PutObject","s3:GetObject"],"Principal":{"AWS":["arn:b","arn:a","arn:c"]},
        "Condition":{"StringEquals":{"k1":"v","k2":["x"]},"Bool":{"aws:SecureTransport":false}}}]}"#;
    let config = object! {"source_policy_documents" => strings(&[source])};
    assert_eq!(
        render(&config).unwrap().str("minified_json"),
        Some(concat!(
            r#"{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"A","Effect":"Allow","#,
            r#""Action":["s3:PutObject","s3:GetObject"],"Principal":{"AWS":["arn:c","arn:b","arn:a"]},"#,
            r#""Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"k1":"v","k2":"x"}}}]}"#
        ))
    );
}

#[test]
fn repeated_sids_are_refused() {
    let config = doc(vec![
        statement("Same", &["s3:*"], &["*"]),
        statement("Same", &["ec2:*"], &["*"]),
    ]);
    let err = render(&config).unwrap_err();
    assert!(err.message.contains("Sid \"Same\""), "{}", err.message);

    let source = json_of(&doc(vec![statement("Same", &["s3:*"], &["*"])]));
    let config = object! {"source_policy_documents" => strings(&[&source, &source])};
    let err = render(&config).unwrap_err();
    assert!(
        err.message.contains("source_policy_documents[1]"),
        "{}",
        err.message
    );
}

#[test]
fn bad_arguments_are_refused_with_their_name() {
    for (statement_value, needle) in [
        (
            with_effect(statement("", &["s3:*"], &["*"]), "allow"),
            "effect",
        ),
        (statement("has-dash", &["s3:*"], &["*"]), "sid"),
    ] {
        let err = render(&doc(vec![statement_value])).unwrap_err();
        assert!(err.message.starts_with("statement[0]: "), "{}", err.message);
        assert!(err.message.contains(needle), "{}", err.message);
    }
    let mut old = doc(vec![statement(
        "",
        &["s3:*"],
        &["arn:aws:s3:::b/&{aws:username}"],
    )]);
    old.insert("version".into(), Value::from("2008-10-17"));
    assert!(render(&old).unwrap_err().message.contains("2008-10-17"));
    let config = object! {"source_policy_documents" => strings(&["{not json"])};
    assert!(render(&config)
        .unwrap_err()
        .message
        .starts_with("source_policy_documents[0]: not valid JSON"));
}

#[test]
fn strings_are_escaped_as_go_does_and_id_is_the_crc32_of_json() {
    let config = doc(vec![Value::Object(object! {
        "actions" => strings(&["s3:GetObject"]),
        "condition" => Value::List(vec![condition("StringLike", "k", &["<a & b>\"\u{2028}"])]),
    })]);
    let state = render(&config).unwrap();
    let minified = state.str("minified_json").unwrap();
    assert!(
        minified.contains(r#""k":"\u003ca \u0026 b\u003e\"\u2028""#),
        "{minified}"
    );
    let json = state.str("json").unwrap();
    assert_eq!(
        state.str("id"),
        Some(crc32fast::hash(json.as_bytes()).to_string().as_str())
    );
    // Either text means the same document as the other.
    assert!(crate::value::json_equal(json, minified));
}

#[test]
fn an_empty_document_has_only_a_version() {
    assert_eq!(
        json_of(&Object::new()),
        "{\n  \"Version\": \"2012-10-17\"\n}"
    );
}
