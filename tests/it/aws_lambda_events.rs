//! Lambda and EventBridge against moto: aws_lambda_function, aws_lambda_permission,
//! aws_lambda_alias, aws_lambda_function_url, aws_lambda_layer_version,
//! aws_cloudwatch_event_rule, aws_cloudwatch_event_target; the archive_file data
//! source (no AWS); and a scheduled-Lambda stack through the real binary.

use crate::common::{
    block, changed, found, local_state, meta, not_ours, ok, plan_new, replaced, replan, runtime,
    string_map as map, write_stack, FaultProxy, Moto,
};
use recon::aws::events::rule::EventRule;
use recon::aws::events::target::EventTarget;
use recon::aws::lambda::alias::LambdaAlias;
use recon::aws::lambda::archive_file::{self, glob_match};
use recon::aws::lambda::function::LambdaFunction;
use recon::aws::lambda::function_url::LambdaFunctionUrl;
use recon::aws::lambda::layer_version::LambdaLayerVersion;
use recon::aws::lambda::permission::LambdaPermission;
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "123456789012";
const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn strings(obj: &Object, key: &str) -> Vec<String> {
    let mut list = obj.strings(key);
    list.sort();
    list
}

// ---------------------------------------------------------------------------
// archive_file: local, no AWS

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn zip_dir(dir: &Path, output: &Path, excludes: &[&str]) -> Object {
    let mut config = object! {
        "type" => "zip",
        "source_dir" => dir.to_str().unwrap(),
        "output_path" => output.to_str().unwrap(),
    };
    if !excludes.is_empty() {
        config.insert("excludes".into(), Value::from(excludes.to_vec()));
    }
    archive_file::archive(&config).expect("archive")
}

fn zip_names(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().to_string())
        .collect()
}

#[test]
fn archive_is_deterministic_and_follows_content_only() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    write(
        &src.join("main.py"),
        "def handler(event, context):\n    return event\n",
    );
    write(&src.join("lib/util.py"), "X = 1\n");
    write(&src.join("lib/deep/more.py"), "Y = 2\n");

    let first = zip_dir(&src, &work.path().join("a.zip"), &[]);
    let second = zip_dir(&src, &work.path().join("b/b.zip"), &[]);
    let bytes_a = std::fs::read(work.path().join("a.zip")).unwrap();
    let bytes_b = std::fs::read(work.path().join("b/b.zip")).unwrap();
    assert_eq!(bytes_a, bytes_b, "same input, same bytes");
    assert_eq!(first["output_base64sha256"], second["output_base64sha256"]);
    assert_eq!(first.i64("output_size"), Some(bytes_a.len() as i64));
    assert_eq!(first.str("id"), first.str("output_sha256"));
    assert_eq!(first.str("output_sha256").unwrap().len(), 64);
    assert_eq!(first.str("output_sha512").unwrap().len(), 128);
    // Sorted entries, files only.
    assert_eq!(
        zip_names(&work.path().join("a.zip")),
        vec!["lib/deep/more.py", "lib/util.py", "main.py"]
    );

    // Timestamps and a rewrite with the same content change nothing.
    std::thread::sleep(Duration::from_millis(1100));
    write(
        &src.join("main.py"),
        "def handler(event, context):\n    return event\n",
    );
    let touched = zip_dir(&src, &work.path().join("a.zip"), &[]);
    assert_eq!(touched["output_base64sha256"], first["output_base64sha256"]);

    // A content change does.
    write(
        &src.join("main.py"),
        "def handler(event, context):\n    return None\n",
    );
    let edited = zip_dir(&src, &work.path().join("a.zip"), &[]);
    assert_ne!(edited["output_base64sha256"], first["output_base64sha256"]);
    assert_ne!(std::fs::read(work.path().join("a.zip")).unwrap(), bytes_a);

    // So does a new file, and a rename.
    write(&src.join("extra.txt"), "x");
    let added = zip_dir(&src, &work.path().join("a.zip"), &[]);
    assert_ne!(added["output_base64sha256"], edited["output_base64sha256"]);
    std::fs::rename(src.join("extra.txt"), src.join("other.txt")).unwrap();
    let renamed = zip_dir(&src, &work.path().join("a.zip"), &[]);
    assert_ne!(renamed["output_base64sha256"], added["output_base64sha256"]);
}

#[cfg(unix)]
#[test]
fn archive_fixes_permissions_but_keeps_executables() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    write(&src.join("bootstrap"), "#!/bin/sh\n");
    write(&src.join("data.txt"), "d");
    std::fs::set_permissions(
        src.join("bootstrap"),
        std::fs::Permissions::from_mode(0o775),
    )
    .unwrap();
    std::fs::set_permissions(src.join("data.txt"), std::fs::Permissions::from_mode(0o664)).unwrap();
    let first = zip_dir(&src, &work.path().join("out.zip"), &[]);

    let file = std::fs::File::open(work.path().join("out.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mode = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        zip.by_name(name).unwrap().unix_mode().unwrap() & 0o7777
    };
    assert_eq!(mode(&mut zip, "bootstrap"), 0o755);
    assert_eq!(mode(&mut zip, "data.txt"), 0o644);

    // Another umask on another checkout: same archive.
    std::fs::set_permissions(
        src.join("bootstrap"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::set_permissions(src.join("data.txt"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let second = zip_dir(&src, &work.path().join("out.zip"), &[]);
    assert_eq!(first["output_base64sha256"], second["output_base64sha256"]);
}

#[test]
fn archive_sources_excludes_and_errors() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    write(&src.join("main.py"), "print(1)\n");
    write(&src.join("tests/test_main.py"), "assert True\n");
    write(&src.join("notes.md"), "n");
    write(&src.join("pkg/__pycache__/main.cpython-312.pyc"), "c");

    // Excludes: a directory, a glob in one segment, ** across segments; the
    // archive written inside the source directory is left out of itself.
    let output = src.join("build.zip");
    zip_dir(&src, &output, &["tests", "*.md", "**/__pycache__"]);
    let again = zip_dir(&src, &output, &["tests", "*.md", "**/__pycache__"]);
    assert_eq!(zip_names(&output), vec!["main.py"]);
    let third = zip_dir(&src, &output, &["tests", "*.md", "**/__pycache__"]);
    assert_eq!(again["output_base64sha256"], third["output_base64sha256"]);

    // A single file keeps only its base name.
    let single = archive_file::archive(&object! {
        "type" => "zip",
        "source_file" => src.join("main.py").to_str().unwrap(),
        "output_path" => work.path().join("single.zip").to_str().unwrap(),
    })
    .unwrap();
    assert_eq!(zip_names(&work.path().join("single.zip")), vec!["main.py"]);
    assert!(single.i64("output_size").unwrap() > 0);

    // Inline content: the same text makes the same archive as the same file.
    let inline = archive_file::archive(&object! {
        "type" => "zip",
        "source_content" => "print(1)\n",
        "source_content_filename" => "main.py",
        "output_path" => work.path().join("inline.zip").to_str().unwrap(),
    })
    .unwrap();
    assert_eq!(inline["output_base64sha256"], single["output_base64sha256"]);

    // source blocks.
    let blocks = archive_file::archive(&object! {
        "type" => "zip",
        "source" => Value::List(vec![
            Value::Object(object! {"content" => "b", "filename" => "b.txt"}),
            Value::Object(object! {"content" => "a", "filename" => "a/a.txt"}),
        ]),
        "output_path" => work.path().join("blocks.zip").to_str().unwrap(),
    })
    .unwrap();
    assert_eq!(
        zip_names(&work.path().join("blocks.zip")),
        vec!["a/a.txt", "b.txt"]
    );
    assert!(blocks.str("output_base64sha256").is_some());

    // Errors say what is wrong.
    let err = archive_file::archive(&object! {
        "type" => "tar", "source_dir" => src.to_str().unwrap(), "output_path" => "x.tar",
    })
    .unwrap_err();
    assert!(err.message.contains("only \"zip\""), "{}", err.message);
    let err = archive_file::archive(&object! {
        "type" => "zip", "source_dir" => src.to_str().unwrap(),
        "source_file" => "a", "output_path" => "x.zip",
    })
    .unwrap_err();
    assert!(err.message.contains("exactly one"), "{}", err.message);
    let err = archive_file::archive(&object! {
        "type" => "zip", "source_dir" => work.path().join("missing").to_str().unwrap(),
        "output_path" => work.path().join("m.zip").to_str().unwrap(),
    })
    .unwrap_err();
    assert!(err.message.contains("missing"), "{}", err.message);
}

#[test]
fn exclude_globs() {
    assert!(glob_match("tests", "tests"));
    assert!(!glob_match("tests", "tests/a.py"));
    assert!(glob_match("*.md", "README.md"));
    assert!(!glob_match("*.md", "docs/README.md"));
    assert!(glob_match("**/*.md", "docs/README.md"));
    assert!(glob_match("**/*.md", "README.md"));
    assert!(glob_match("**/__pycache__", "a/b/__pycache__"));
    assert!(glob_match("lib/?.py", "lib/a.py"));
    assert!(!glob_match("lib/?.py", "lib/ab.py"));
}

// ---------------------------------------------------------------------------
// Lambda against moto

async fn create_role(clients: &Clients, name: &str) -> String {
    clients
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(LAMBDA_TRUST)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string()
}

/// Writes a one-file handler and zips it; returns (zip path, base64 sha256, size).
fn build_code(dir: &Path, body: &str) -> (String, String, i64) {
    let src = dir.join("src");
    write(&src.join("main.py"), body);
    let out = zip_dir(&src, &dir.join("build/code.zip"), &[]);
    (
        out.str("output_path").unwrap().to_string(),
        out.str("output_base64sha256").unwrap().to_string(),
        out.i64("output_size").unwrap(),
    )
}

#[test]
fn function_lifecycle() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let functions = LambdaFunction::new(&clients);
        let role = create_role(&clients, "switch-role").await;
        let (zip, hash, size) = build_code(work.path(), "def handler(e, c):\n    return 1\n");
        let kms = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/0b1f6c9e-aaaa-bbbb-cccc-123456789012");
        let queue = clients.sqs.create_queue().queue_name("switch-dlq").send().await.unwrap();
        let dlq = clients
            .sqs
            .get_queue_attributes()
            .queue_url(queue.queue_url().unwrap())
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .unwrap();

        let mut config = object! {
            "function_name" => "btsync-switch",
            "role" => role.as_str(),
            "handler" => "main.handler",
            "runtime" => "python3.12",
            "filename" => zip.as_str(),
            "source_code_hash" => hash.as_str(),
            "description" => "starts and stops the sync server",
            "timeout" => 10,
            "memory_size" => 256,
            "reserved_concurrent_executions" => 5,
            "kms_key_arn" => kms.as_str(),
            "architectures" => vec!["arm64"],
            "tags" => map(&[("team", "ops")]),
            "environment" => block(object! {"variables" => map(&[("INSTANCE_ID", "i-0abc"), ("MODE", "weekly")])}),
            "tracing_config" => block(object! {"mode" => "Active"}),
            "ephemeral_storage" => block(object! {"size" => 1024}),
            "dead_letter_config" => block(object! {"target_arn" => dlq.as_str()}),
            "vpc_config" => block(object! {
                "subnet_ids" => vec!["subnet-2", "subnet-1"],
                "security_group_ids" => vec!["sg-1"],
            }),
        };
        let address = "aws_lambda_function.switch";
        let created = functions
            .create(&plan_new(functions.schema(), &config), &meta(address))
            .await
            .expect("create");

        let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:btsync-switch");
        assert_eq!(created.str("id"), Some("btsync-switch"));
        assert_eq!(created.str("function_name"), Some("btsync-switch"));
        assert_eq!(created.str("arn"), Some(arn.as_str()));
        assert_eq!(created.str("role"), Some(role.as_str()));
        assert_eq!(created.str("handler"), Some("main.handler"));
        assert_eq!(created.str("runtime"), Some("python3.12"));
        assert_eq!(created.str("filename"), Some(zip.as_str()));
        assert_eq!(created.str("source_code_hash"), Some(hash.as_str()));
        assert_eq!(created.str("code_sha256"), Some(hash.as_str()), "AWS hashes the zip as archive_file does");
        assert_eq!(created.i64("source_code_size"), Some(size));
        assert_eq!(created.str("description"), Some("starts and stops the sync server"));
        assert_eq!(created.i64("timeout"), Some(10));
        assert_eq!(created.i64("memory_size"), Some(256));
        assert_eq!(created.i64("reserved_concurrent_executions"), Some(5));
        assert_eq!(created.str("kms_key_arn"), Some(kms.as_str()));
        assert_eq!(created.strings("architectures"), vec!["arm64"]);
        assert_eq!(created.str("version"), Some("$LATEST"));
        assert_eq!(created.str("qualified_arn"), Some(format!("{arn}:$LATEST").as_str()));
        assert_eq!(
            created.str("invoke_arn"),
            Some(format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations").as_str())
        );
        assert!(created.str("qualified_invoke_arn").unwrap().contains(":$LATEST/invocations"));
        assert!(created.str("last_modified").is_some_and(|s| !s.is_empty()));
        assert_eq!(created["tags"], map(&[("team", "ops")]), "recon's own tags stay out of state");
        let env = created.block("environment").unwrap();
        assert_eq!(env.string_map("variables").get("INSTANCE_ID").map(String::as_str), Some("i-0abc"));
        assert_eq!(created.block("tracing_config").unwrap().str("mode"), Some("Active"));
        assert_eq!(created.block("ephemeral_storage").unwrap().i64("size"), Some(1024));
        let on_aws = clients.lambda.get_function_configuration().function_name("btsync-switch").send().await.unwrap();
        assert_eq!(on_aws.ephemeral_storage().map(|e| e.size()), Some(1024));
        let vpc = created.block("vpc_config").unwrap();
        assert_eq!(strings(vpc, "subnet_ids"), vec!["subnet-1", "subnet-2"]);
        assert_eq!(strings(vpc, "security_group_ids"), vec!["sg-1"]);
        assert_eq!(vpc.str("vpc_id"), Some("vpc-123abc"), "moto's fixed VPC id");
        assert_eq!(created.block("dead_letter_config").unwrap().str("target_arn"), Some(dlq.as_str()));

        // recon tagged it with its stack and address.
        let aws_tags = clients.lambda.list_tags().resource(&arn).send().await.unwrap();
        let aws_tags = aws_tags.tags().unwrap();
        assert_eq!(aws_tags.get("recon:address").map(String::as_str), Some(address));
        assert_eq!(aws_tags.get("recon:stack").map(String::as_str), Some("test"));

        // Read back, and a re-plan of the same configuration changes nothing.
        let read = functions.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read[0].as_ref(), Some(&created));
        assert_eq!(changed(&replan(functions.schema(), &config, &created)), Vec::<String>::new());

        // Batch read: two functions and one that does not exist.
        let (zip2, hash2, _) = build_code(&work.path().join("two"), "def handler(e, c):\n    return 2\n");
        let minimal = object! {
            "function_name" => "btsync-minimal", "role" => role.as_str(),
            "handler" => "main.handler", "runtime" => "python3.12",
            "filename" => zip2.as_str(),
        };
        let second = functions
            .create(&plan_new(functions.schema(), &minimal), &meta("aws_lambda_function.minimal"))
            .await
            .expect("create minimal");
        assert_eq!(second.i64("timeout"), Some(3));
        assert_eq!(second.i64("memory_size"), Some(128));
        assert_eq!(second.i64("reserved_concurrent_executions"), Some(-1));
        assert_eq!(second.str("source_code_hash"), Some(hash2.as_str()), "unset hash: AWS's own");
        assert_eq!(second["description"], Value::Null);
        assert_eq!(second["environment"], Value::List(vec![]));
        assert_eq!(second.block("tracing_config").unwrap().str("mode"), Some("PassThrough"));
        assert_eq!(second.block("ephemeral_storage").unwrap().i64("size"), Some(512), "AWS's default");
        assert_eq!(second["vpc_config"], Value::List(vec![]));
        assert_eq!(second["tags"], Value::Null);
        assert_eq!(changed(&replan(functions.schema(), &minimal, &second)), Vec::<String>::new());
        let missing = functions.import_stub("no-such-function");
        let batch = functions
            .read(&[created.clone(), missing, second.clone()])
            .await
            .unwrap();
        assert_eq!(batch.len(), 3);
        assert_eq!(batch[0].as_ref().and_then(|o| o.str("id")), Some("btsync-switch"));
        assert!(batch[1].is_none());
        assert_eq!(batch[2].as_ref().and_then(|o| o.str("id")), Some("btsync-minimal"));

        // Configuration changes in place. The zip on disk changes too, but the hash in
        // the configuration does not: no code is uploaded.
        write(&work.path().join("src/main.py"), "def handler(e, c):\n    return 99\n");
        zip_dir(&work.path().join("src"), Path::new(&zip), &[]);
        config.insert("timeout".into(), Value::from(20));
        config.insert("memory_size".into(), Value::from(512));
        config.insert("description".into(), Value::from("weekly switch"));
        config.insert(
            "environment".into(),
            block(object! {"variables" => map(&[("INSTANCE_ID", "i-0def")])}),
        );
        config.insert("tags".into(), map(&[("team", "infra"), ("env", "prod")]));
        let plan = replan(functions.schema(), &config, &created);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(what, vec!["description", "environment", "memory_size", "tags", "timeout"]);
        assert!(plan.replace_paths.is_empty());
        let updated = functions
            .update(&created, &plan.after, &meta(address))
            .await
            .expect("update configuration");
        assert_eq!(updated.i64("timeout"), Some(20));
        assert_eq!(updated.i64("memory_size"), Some(512));
        assert_eq!(updated.str("description"), Some("weekly switch"));
        let env = updated.block("environment").unwrap().string_map("variables");
        assert_eq!(env.into_iter().collect::<Vec<_>>(), vec![("INSTANCE_ID".to_string(), "i-0def".to_string())]);
        assert_eq!(updated["tags"], map(&[("env", "prod"), ("team", "infra")]));
        assert_eq!(updated.str("code_sha256"), Some(hash.as_str()), "code untouched");
        assert_eq!(updated.str("source_code_hash"), Some(hash.as_str()));
        let aws_tags = clients.lambda.list_tags().resource(&arn).send().await.unwrap();
        assert_eq!(aws_tags.tags().unwrap().get("recon:address").map(String::as_str), Some(address));
        assert_eq!(changed(&replan(functions.schema(), &config, &updated)), Vec::<String>::new());

        // A new hash uploads the code (and changes nothing else).
        let new_hash = zip_dir(&work.path().join("src"), Path::new(&zip), &[])
            .str("output_base64sha256")
            .unwrap()
            .to_string();
        assert_ne!(new_hash, hash);
        config.insert("source_code_hash".into(), Value::from(new_hash.as_str()));
        let plan = replan(functions.schema(), &config, &updated);
        assert_eq!(changed(&plan), vec!["source_code_hash"]);
        let recoded = functions
            .update(&updated, &plan.after, &meta(address))
            .await
            .expect("update code");
        assert_eq!(recoded.str("code_sha256"), Some(new_hash.as_str()));
        assert_eq!(recoded.str("source_code_hash"), Some(new_hash.as_str()));
        assert_eq!(recoded.i64("timeout"), Some(20));

        // Reserved concurrency: changed, then removed (back to -1, no reservation).
        config.insert("reserved_concurrent_executions".into(), Value::from(10));
        let plan = replan(functions.schema(), &config, &recoded);
        let reserved = functions.update(&recoded, &plan.after, &meta(address)).await.unwrap();
        assert_eq!(reserved.i64("reserved_concurrent_executions"), Some(10));
        config.remove("reserved_concurrent_executions");
        let plan = replan(functions.schema(), &config, &reserved);
        assert_eq!(changed(&plan), vec!["reserved_concurrent_executions"]);
        let unreserved = functions.update(&reserved, &plan.after, &meta(address)).await.unwrap();
        assert_eq!(unreserved.i64("reserved_concurrent_executions"), Some(-1));
        let concurrency = clients
            .lambda
            .get_function_concurrency()
            .function_name("btsync-switch")
            .send()
            .await
            .unwrap();
        assert_eq!(concurrency.reserved_concurrent_executions(), None);

        // Out of the VPC; environment and dead-letter target removed; tracing and key changed.
        let other_kms = kms.replace("0b1f6c9e", "7e2d4a10");
        config.remove("vpc_config");
        config.remove("environment");
        config.remove("dead_letter_config");
        config.insert("tracing_config".into(), block(object! {"mode" => "PassThrough"}));
        config.insert("kms_key_arn".into(), Value::from(other_kms.as_str()));
        let plan = replan(functions.schema(), &config, &unreserved);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(
            what,
            vec!["dead_letter_config", "environment", "kms_key_arn", "tracing_config", "vpc_config"]
        );
        let detached = functions.update(&unreserved, &plan.after, &meta(address)).await.unwrap();
        assert_eq!(detached["vpc_config"], Value::List(vec![]));
        assert_eq!(detached["environment"], Value::List(vec![]));
        assert_eq!(detached["dead_letter_config"], Value::List(vec![]));
        assert_eq!(detached.block("tracing_config").unwrap().str("mode"), Some("PassThrough"));
        assert_eq!(detached.str("kms_key_arn"), Some(other_kms.as_str()));
        assert_eq!(changed(&replan(functions.schema(), &config, &detached)), Vec::<String>::new());

        // Import: found by name; the zip path cannot be read back, the hash is AWS's.
        let imported = functions
            .read(&[functions.import_stub("btsync-switch")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported["filename"], Value::Null);
        assert_eq!(imported.str("source_code_hash"), Some(new_hash.as_str()));
        assert_eq!(imported.i64("timeout"), Some(20));

        // Delete, read after delete, delete again.
        functions.delete(&detached).await.expect("delete");
        assert!(functions.read(std::slice::from_ref(&detached)).await.unwrap()[0].is_none());
        functions.delete(&detached).await.expect("deleting a deleted function succeeds");
        functions.delete(&second).await.unwrap();
    });
}

#[test]
fn function_create_waits_for_a_new_role() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let functions = LambdaFunction::new(&clients);
        let (zip, _, _) = build_code(work.path(), "def handler(e, c):\n    return 1\n");
        // The role appears a few seconds after the create starts, as a just-created
        // role becomes visible to Lambda in AWS.
        let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/late-role");
        let late = clients.clone();
        let maker = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            create_role(&late, "late-role").await
        });
        let config = object! {
            "function_name" => "late", "role" => role_arn.as_str(),
            "handler" => "main.handler", "runtime" => "python3.12", "filename" => zip.as_str(),
        };
        let start = Instant::now();
        let created = functions
            .create(
                &plan_new(functions.schema(), &config),
                &meta("aws_lambda_function.late"),
            )
            .await
            .expect("create retried until the role could be assumed");
        assert!(start.elapsed() >= Duration::from_secs(2), "it did wait");
        assert_eq!(maker.await.unwrap(), role_arn);
        assert_eq!(created.str("role"), Some(role_arn.as_str()));

        // A missing zip is a clear error, before any call.
        let mut bad = config.clone();
        bad.insert("function_name".into(), Value::from("nozip"));
        bad.insert("filename".into(), Value::from("/nonexistent/code.zip"));
        let err = functions
            .create(
                &plan_new(functions.schema(), &bad),
                &meta("aws_lambda_function.nozip"),
            )
            .await
            .unwrap_err();
        assert!(
            err.message
                .contains("reading ZIP file /nonexistent/code.zip"),
            "{}",
            err.message
        );
    });
}

#[test]
fn permission_lifecycle() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let functions = LambdaFunction::new(&clients);
        let permissions = LambdaPermission::new(&clients);
        let role = create_role(&clients, "perm-role").await;
        let (zip, _, _) = build_code(work.path(), "def handler(e, c):\n    return 1\n");
        let function = functions
            .create(
                &plan_new(functions.schema(), &object! {
                    "function_name" => "switch", "role" => role.as_str(),
                    "handler" => "main.handler", "runtime" => "python3.12", "filename" => zip.as_str(),
                }),
                &meta("aws_lambda_function.switch"),
            )
            .await
            .unwrap();
        let function_arn = function.str("arn").unwrap().to_string();
        let start_rule = format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/btsync-start");

        let by_name = object! {
            "statement_id" => "AllowStart",
            "action" => "lambda:InvokeFunction",
            "function_name" => "switch",
            "principal" => "events.amazonaws.com",
            "source_arn" => start_rule.as_str(),
        };
        let a = permissions
            .create(&plan_new(permissions.schema(), &by_name), &meta("aws_lambda_permission.start"))
            .await
            .expect("create by name");
        assert_eq!(a.str("id"), Some("AllowStart"));
        assert_eq!(a.str("statement_id"), Some("AllowStart"));
        assert_eq!(a["statement_id_prefix"], Value::Null);
        assert_eq!(a.str("function_name"), Some("switch"));
        assert_eq!(a.str("action"), Some("lambda:InvokeFunction"));
        assert_eq!(a.str("principal"), Some("events.amazonaws.com"));
        assert_eq!(a.str("source_arn"), Some(start_rule.as_str()));
        assert_eq!(a["source_account"], Value::Null);
        assert_eq!(a["qualifier"], Value::Null);
        assert_eq!(changed(&replan(permissions.schema(), &by_name, &a)), Vec::<String>::new());

        // By ARN, with a generated statement id and a source account.
        let by_arn = object! {
            "statement_id_prefix" => "AllowStop-",
            "action" => "lambda:InvokeFunction",
            "function_name" => function_arn.as_str(),
            "principal" => "events.amazonaws.com",
            "source_account" => ACCOUNT,
        };
        let b = permissions
            .create(&plan_new(permissions.schema(), &by_arn), &meta("aws_lambda_permission.stop"))
            .await
            .expect("create by ARN");
        let sid = b.str("statement_id").unwrap();
        assert!(sid.starts_with("AllowStop-") && sid.len() == "AllowStop-".len() + 26, "{sid}");
        assert_eq!(b.str("id"), Some(sid));
        assert_eq!(b.str("statement_id_prefix"), Some("AllowStop-"));
        assert_eq!(b.str("function_name"), Some(function_arn.as_str()), "the ARN spelling is kept");
        assert_eq!(b.str("source_account"), Some(ACCOUNT));
        assert_eq!(changed(&replan(permissions.schema(), &by_arn, &b)), Vec::<String>::new());

        // Both statements sit in the function's policy.
        let policy = clients.lambda.get_policy().function_name("switch").send().await.unwrap();
        let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        assert_eq!(policy["Statement"].as_array().unwrap().len(), 2);

        // A function URL grant: the auth type it applies to is read back.
        let url_grant = object! {
            "statement_id" => "AllowUrl",
            "action" => "lambda:InvokeFunctionUrl",
            "function_name" => "switch",
            "principal" => "arn:aws:iam::444455556666:role/example",
            "function_url_auth_type" => "AWS_IAM",
        };
        let c = permissions
            .create(&plan_new(permissions.schema(), &url_grant), &meta("aws_lambda_permission.url"))
            .await
            .expect("create URL grant");
        assert_eq!(c.str("function_url_auth_type"), Some("AWS_IAM"));
        assert_eq!(a["function_url_auth_type"], Value::Null);
        assert_eq!(changed(&replan(permissions.schema(), &url_grant, &c)), Vec::<String>::new());
        let mut open_grant = url_grant.clone();
        open_grant.insert("function_url_auth_type".into(), Value::from("NONE"));
        assert_eq!(replaced(&replan(permissions.schema(), &open_grant, &c)), vec!["function_url_auth_type"]);
        permissions.delete(&c).await.expect("delete URL grant");

        // Batch read with a statement that does not exist; import by FUNCTION/SID.
        let missing = permissions.import_stub("switch/NoSuchStatement");
        let batch = permissions.read(&[a.clone(), missing, b.clone()]).await.unwrap();
        assert_eq!(batch[0].as_ref(), Some(&a));
        assert!(batch[1].is_none());
        assert_eq!(batch[2].as_ref(), Some(&b));
        let imported = permissions
            .read(&[permissions.import_stub("switch/AllowStart")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported, a);

        // Delete one: the other stays; deleting again succeeds.
        permissions.delete(&a).await.expect("delete");
        let after = permissions.read(&[a.clone(), b.clone()]).await.unwrap();
        assert!(after[0].is_none());
        assert!(after[1].is_some());
        permissions.delete(&a).await.expect("deleting a deleted permission succeeds");

        // With the function gone, the permission is gone too.
        functions.delete(&function).await.unwrap();
        assert!(permissions.read(std::slice::from_ref(&b)).await.unwrap()[0].is_none());
        permissions.delete(&b).await.expect("delete with the function gone");
    });
}

/// A python3.12 function of `name` made through recon; returns its state.
async fn make_function(clients: &Clients, dir: &Path, name: &str) -> Object {
    let functions = LambdaFunction::new(clients);
    let role = create_role(clients, &format!("{name}-role")).await;
    let (zip, _, _) = build_code(dir, "def handler(e, c):\n    return 1\n");
    let config = object! {
        "function_name" => name, "role" => role.as_str(),
        "handler" => "main.handler", "runtime" => "python3.12", "filename" => zip.as_str(),
    };
    functions
        .create(
            &plan_new(functions.schema(), &config),
            &meta(&format!("aws_lambda_function.{name}")),
        )
        .await
        .expect("create function")
}

#[test]
fn alias_lifecycle() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let aliases = LambdaAlias::new(&clients);
        make_function(&clients, work.path(), "aliased").await;
        // Versions 1 and 2 (a version is published only after a change).
        for timeout in [5, 6] {
            clients.lambda.publish_version().function_name("aliased").send().await.unwrap();
            clients
                .lambda
                .update_function_configuration()
                .function_name("aliased")
                .timeout(timeout)
                .send()
                .await
                .unwrap();
        }
        clients.lambda.publish_version().function_name("aliased").send().await.unwrap();

        let mut config = object! {
            "name" => "live",
            "function_name" => "aliased",
            "function_version" => "$LATEST",
            "description" => "what runs",
        };
        let address = "aws_lambda_alias.live";
        let plan = plan_new(aliases.schema(), &config);
        let created = aliases.create(&plan, &meta(address)).await.expect("create");
        let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:aliased:live");
        assert_eq!(created.str("id"), Some(arn.as_str()), "the id is the ARN, as Terraform's");
        assert_eq!(created.str("arn"), Some(arn.as_str()));
        assert_eq!(
            created.str("invoke_arn"),
            Some(format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations").as_str())
        );
        assert_eq!(created.str("name"), Some("live"));
        assert_eq!(created.str("function_name"), Some("aliased"));
        assert_eq!(created.str("function_version"), Some("$LATEST"));
        assert_eq!(created.str("description"), Some("what runs"));
        assert_eq!(created["routing_config"], Value::List(vec![]));
        let read = aliases.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read[0].as_ref(), Some(&created));
        assert_eq!(changed(&replan(aliases.schema(), &config, &created)), Vec::<String>::new());

        // The lost answer of this create: the alias says what the plan says, so it
        // is adopted, by find_created and by a create tried again.
        assert_eq!(found(aliases.find_created(&plan, &meta(address)).await.unwrap()), created);
        assert_eq!(aliases.create(&plan, &meta(address)).await.expect("adopted"), created);
        // Another alias of that name (other settings) is not taken over.
        let mut other = config.clone();
        other.insert("description".into(), Value::from("someone else's"));
        let other_plan = plan_new(aliases.schema(), &other);
        assert_eq!(not_ours(aliases.find_created(&other_plan, &meta("aws_lambda_alias.other")).await.unwrap()), "aliased/live");
        let err = aliases.create(&other_plan, &meta("aws_lambda_alias.other")).await.unwrap_err();
        // moto's code for a taken alias; AWS answers ResourceConflictException.
        assert_eq!(err.code.as_deref(), Some("ConflictException"), "{err}");
        assert!(err.message.contains("recon import aws_lambda_alias.other aliased/live"), "{err}");

        // In place: version, description and routing weights.
        config.insert("function_version".into(), Value::from("1"));
        config.insert("description".into(), Value::from("canary"));
        config.insert(
            "routing_config".into(),
            block(object! {"additional_version_weights" => object! {"2" => 0.25}}),
        );
        let plan = replan(aliases.schema(), &config, &created);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(what, vec!["description", "function_version", "routing_config"]);
        assert!(plan.replace_paths.is_empty());
        let updated = aliases.update(&created, &plan.after, &meta(address)).await.expect("update");
        assert_eq!(updated.str("function_version"), Some("1"));
        assert_eq!(updated.str("description"), Some("canary"));
        let weights = updated.block("routing_config").unwrap().get("additional_version_weights").cloned();
        assert_eq!(weights, Some(Value::Object(object! {"2" => 0.25})));
        let on_aws = clients.lambda.get_alias().function_name("aliased").name("live").send().await.unwrap();
        assert_eq!(on_aws.function_version(), Some("1"));
        assert_eq!(
            on_aws.routing_config().and_then(|r| r.additional_version_weights()).and_then(|w| w.get("2")),
            Some(&0.25)
        );
        assert_eq!(changed(&replan(aliases.schema(), &config, &updated)), Vec::<String>::new());

        // Drift: changed outside recon, seen on read, put back by an update.
        clients
            .lambda
            .update_alias()
            .function_name("aliased")
            .name("live")
            .function_version("2")
            .send()
            .await
            .unwrap();
        let drifted = aliases.read(std::slice::from_ref(&updated)).await.unwrap().remove(0).unwrap();
        assert_eq!(drifted.str("function_version"), Some("2"));
        let plan = replan(aliases.schema(), &config, &drifted);
        assert_eq!(changed(&plan), vec!["function_version"]);
        let restored = aliases.update(&drifted, &plan.after, &meta(address)).await.unwrap();
        assert_eq!(restored, updated);

        // A new name replaces.
        let mut renamed = config.clone();
        renamed.insert("name".into(), Value::from("prod"));
        assert_eq!(replaced(&replan(aliases.schema(), &renamed, &restored)), vec!["name"]);

        // Import by FUNCTION/ALIAS.
        let imported = aliases
            .read(&[aliases.import_stub("aliased/live")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported, restored);
        assert!(aliases.read(&[aliases.import_stub("aliased/nope")]).await.unwrap()[0].is_none());

        // Delete, and delete again.
        aliases.delete(&restored).await.expect("delete");
        assert!(aliases.read(std::slice::from_ref(&restored)).await.unwrap()[0].is_none());
        aliases.delete(&restored).await.expect("deleting a deleted alias succeeds");
    });
}

#[test]
fn function_url_lifecycle() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let urls = LambdaFunctionUrl::new(&clients);
        let function = make_function(&clients, work.path(), "urlfn").await;

        let mut config = object! {
            "function_name" => "urlfn",
            "authorization_type" => "AWS_IAM",
            "cors" => block(object! {
                "allow_origins" => vec!["*"],
                "allow_methods" => vec!["GET", "POST"],
                "max_age" => 60,
            }),
        };
        let address = "aws_lambda_function_url.url";
        let plan = plan_new(urls.schema(), &config);
        let created = urls.create(&plan, &meta(address)).await.expect("create");
        assert_eq!(
            created.str("id"),
            Some("urlfn"),
            "the function name, as Terraform"
        );
        assert_eq!(created.str("function_arn"), function.str("arn"));
        assert_eq!(created.str("authorization_type"), Some("AWS_IAM"));
        assert_eq!(created.str("invoke_mode"), Some("BUFFERED"));
        let url = created.str("function_url").unwrap();
        let url_id = created.str("url_id").unwrap();
        assert!(
            !url_id.is_empty()
                && url.starts_with(&format!("https://{url_id}.lambda-url.us-east-1.on.aws")),
            "{url}"
        );
        let cors = created.block("cors").unwrap();
        assert_eq!(strings(cors, "allow_methods"), vec!["GET", "POST"]);
        assert_eq!(cors.i64("max_age"), Some(60));
        assert_eq!(cors["allow_credentials"], Value::Null, "unset stays unset");
        let read = urls.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read[0].as_ref(), Some(&created));
        assert_eq!(
            changed(&replan(urls.schema(), &config, &created)),
            Vec::<String>::new()
        );

        // A lost create: the function's URL is configured as planned, so it is ours.
        assert_eq!(
            found(urls.find_created(&plan, &meta(address)).await.unwrap()),
            created
        );
        assert_eq!(
            urls.create(&plan, &meta(address)).await.expect("adopted"),
            created
        );
        let mut other = config.clone();
        other.insert("authorization_type".into(), Value::from("NONE"));
        let other_plan = plan_new(urls.schema(), &other);
        assert_eq!(
            not_ours(
                urls.find_created(&other_plan, &meta("aws_lambda_function_url.other"))
                    .await
                    .unwrap()
            ),
            "urlfn"
        );
        let err = urls
            .create(&other_plan, &meta("aws_lambda_function_url.other"))
            .await
            .unwrap_err();
        assert!(
            err.message
                .contains("recon import aws_lambda_function_url.other urlfn"),
            "{err}"
        );

        // In place: auth type and CORS.
        config.insert("authorization_type".into(), Value::from("NONE"));
        config.insert(
            "cors".into(),
            block(object! {
                "allow_origins" => vec!["https://example.com"],
                "allow_credentials" => true,
                "expose_headers" => vec!["x-id"],
            }),
        );
        let plan = replan(urls.schema(), &config, &created);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(what, vec!["authorization_type", "cors"]);
        assert!(plan.replace_paths.is_empty());
        let updated = urls
            .update(&created, &plan.after, &meta(address))
            .await
            .expect("update");
        assert_eq!(updated.str("authorization_type"), Some("NONE"));
        let cors = updated.block("cors").unwrap();
        assert_eq!(strings(cors, "allow_origins"), vec!["https://example.com"]);
        assert_eq!(cors.bool("allow_credentials"), Some(true));
        assert_eq!(strings(cors, "allow_methods"), Vec::<String>::new());
        assert_eq!(
            updated.str("function_url"),
            created.str("function_url"),
            "the URL stays"
        );
        assert_eq!(
            changed(&replan(urls.schema(), &config, &updated)),
            Vec::<String>::new()
        );

        // Drift: the auth type changed outside recon.
        clients
            .lambda
            .update_function_url_config()
            .function_name("urlfn")
            .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::AwsIam)
            .send()
            .await
            .unwrap();
        let drifted = urls
            .read(std::slice::from_ref(&updated))
            .await
            .unwrap()
            .remove(0)
            .unwrap();
        assert_eq!(drifted.str("authorization_type"), Some("AWS_IAM"));
        let plan = replan(urls.schema(), &config, &drifted);
        assert_eq!(changed(&plan), vec!["authorization_type"]);
        let restored = urls
            .update(&drifted, &plan.after, &meta(address))
            .await
            .unwrap();
        assert_eq!(restored.str("authorization_type"), Some("NONE"));

        // A qualifier replaces; import by FUNCTION (and FUNCTION/QUALIFIER).
        let mut qualified = config.clone();
        qualified.insert("qualifier".into(), Value::from("live"));
        assert_eq!(
            replaced(&replan(urls.schema(), &qualified, &restored)),
            vec!["qualifier"]
        );
        let stub = urls.import_stub("urlfn/live");
        assert_eq!(
            (stub.str("function_name"), stub.str("qualifier")),
            (Some("urlfn"), Some("live"))
        );
        let imported = urls
            .read(&[urls.import_stub("urlfn")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported.str("authorization_type"), Some("NONE"));
        assert_eq!(imported.str("function_url"), restored.str("function_url"));
        assert_eq!(
            strings(imported.block("cors").unwrap(), "allow_origins"),
            vec!["https://example.com"]
        );

        // Delete, and delete again; a function without a URL reads as gone.
        urls.delete(&restored).await.expect("delete");
        assert!(urls.read(std::slice::from_ref(&restored)).await.unwrap()[0].is_none());
        urls.delete(&restored)
            .await
            .expect("deleting a deleted URL succeeds");
        assert!(urls
            .read(&[urls.import_stub("no-such-function")])
            .await
            .unwrap()[0]
            .is_none());
    });
}

#[test]
fn layer_version_lifecycle_and_function_layers() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let layers = LambdaLayerVersion::new(&clients);
        let functions = LambdaFunction::new(&clients);
        let (zip, hash, size) = build_code(&work.path().join("layer"), "SHARED = 1\n");

        let config = object! {
            "layer_name" => "shared",
            "filename" => zip.as_str(),
            "compatible_runtimes" => vec!["python3.12", "python3.11"],
            "compatible_architectures" => vec!["x86_64"],
            "description" => "shared code",
            "license_info" => "MIT",
        };
        let address = "aws_lambda_layer_version.shared";
        let first = layers
            .create(&plan_new(layers.schema(), &config), &meta(address))
            .await
            .expect("publish");
        let layer_arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:layer:shared");
        let arn = format!("{layer_arn}:1");
        assert_eq!(
            first.str("id"),
            Some(arn.as_str()),
            "the id is the version ARN"
        );
        assert_eq!(first.str("arn"), Some(arn.as_str()));
        assert_eq!(first.str("layer_arn"), Some(layer_arn.as_str()));
        assert_eq!(first.str("version"), Some("1"));
        assert_eq!(first.str("code_sha256"), Some(hash.as_str()));
        assert_eq!(
            first.str("source_code_hash"),
            Some(hash.as_str()),
            "unset hash: AWS's own"
        );
        assert_eq!(first.i64("source_code_size"), Some(size));
        assert_eq!(first.i64("code_size"), Some(size));
        assert_eq!(first.str("filename"), Some(zip.as_str()));
        assert_eq!(
            strings(&first, "compatible_runtimes"),
            vec!["python3.11", "python3.12"]
        );
        assert_eq!(first.strings("compatible_architectures"), vec!["x86_64"]);
        assert_eq!(first.str("description"), Some("shared code"));
        assert_eq!(first.str("license_info"), Some("MIT"));
        assert_eq!(first.bool("skip_destroy"), Some(false));
        assert!(first
            .str("created_date")
            .is_some_and(|d| d.starts_with("20")));
        let read = layers.read(std::slice::from_ref(&first)).await.unwrap();
        assert_eq!(read[0].as_ref(), Some(&first));
        assert_eq!(
            changed(&replan(layers.schema(), &config, &first)),
            Vec::<String>::new()
        );

        // A version is immutable: any change is a new one.
        let mut described = config.clone();
        described.insert("description".into(), Value::from("shared code, v2"));
        assert_eq!(
            replaced(&replan(layers.schema(), &described, &first)),
            vec!["description"]
        );

        // A lost publish: the newest version since the create began, when it holds
        // the planned content and settings, is the one it made.
        let began = std::time::SystemTime::now();
        let since = Meta {
            token: Some("tok-layer".into()),
            began: Some(began),
            ..meta(address)
        };
        let plan2 = plan_new(layers.schema(), &described);
        let second = layers
            .create(&plan2, &meta(address))
            .await
            .expect("publish again");
        assert_eq!(second.str("version"), Some("2"));
        assert_eq!(
            found(layers.find_created(&plan2, &since).await.unwrap()),
            second
        );
        let plan_other = plan_new(layers.schema(), &config);
        assert!(matches!(
            layers.find_created(&plan_other, &since).await.unwrap(),
            Created::Absent
        ));
        assert!(matches!(
            layers.find_created(&plan2, &meta(address)).await.unwrap(),
            Created::Unknowable
        ));

        // A function uses version 1, then version 2 in place; the read follows AWS.
        let role = create_role(&clients, "layered-role").await;
        let (code, _, _) = build_code(
            &work.path().join("fn"),
            "def handler(e, c):\n    return 1\n",
        );
        let mut fn_config = object! {
            "function_name" => "layered", "role" => role.as_str(),
            "handler" => "main.handler", "runtime" => "python3.12", "filename" => code.as_str(),
            "layers" => vec![arn.as_str()],
        };
        let function = functions
            .create(
                &plan_new(functions.schema(), &fn_config),
                &meta("aws_lambda_function.layered"),
            )
            .await
            .expect("create function with a layer");
        assert_eq!(function.strings("layers"), vec![arn.clone()]);
        assert_eq!(
            changed(&replan(functions.schema(), &fn_config, &function)),
            Vec::<String>::new()
        );
        let arn2 = second.str("arn").unwrap().to_string();
        fn_config.insert("layers".into(), Value::from(vec![arn2.as_str()]));
        let plan = replan(functions.schema(), &fn_config, &function);
        assert_eq!(changed(&plan), vec!["layers"]);
        assert!(plan.replace_paths.is_empty());
        let relayered = functions
            .update(&function, &plan.after, &meta("aws_lambda_function.layered"))
            .await
            .expect("update layers");
        assert_eq!(relayered.strings("layers"), vec![arn2.clone()]);
        let on_aws = clients
            .lambda
            .get_function_configuration()
            .function_name("layered")
            .send()
            .await
            .unwrap();
        let on_aws: Vec<&str> = on_aws.layers().iter().filter_map(|l| l.arn()).collect();
        assert_eq!(on_aws, vec![arn2.as_str()]);
        // Drift: the layers taken off outside recon.
        clients
            .lambda
            .update_function_configuration()
            .function_name("layered")
            .set_layers(Some(vec![]))
            .send()
            .await
            .unwrap();
        let drifted = functions
            .read(std::slice::from_ref(&relayered))
            .await
            .unwrap()
            .remove(0)
            .unwrap();
        assert_eq!(drifted.strings("layers"), Vec::<String>::new());
        assert_eq!(
            changed(&replan(functions.schema(), &fn_config, &drifted)),
            vec!["layers"]
        );

        // Import by version ARN: what AWS knows (not where the content came from).
        let imported = layers
            .read(&[layers.import_stub(&arn)])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported.str("layer_name"), Some("shared"));
        assert_eq!(imported.str("code_sha256"), Some(hash.as_str()));
        assert_eq!(imported["filename"], Value::Null);
        assert_eq!(imported.str("description"), Some("shared code"));

        // Delete removes the version; skip_destroy keeps it.
        layers.delete(&first).await.expect("delete");
        assert!(layers.read(std::slice::from_ref(&first)).await.unwrap()[0].is_none());
        layers
            .delete(&first)
            .await
            .expect("deleting a deleted version succeeds");
        let mut kept = second.clone();
        kept.insert("skip_destroy".into(), Value::Bool(true));
        layers.delete(&kept).await.expect("skip_destroy");
        assert!(layers.read(std::slice::from_ref(&second)).await.unwrap()[0].is_some());
        assert!(clients
            .lambda
            .get_layer_version()
            .layer_name("shared")
            .version_number(2)
            .send()
            .await
            .is_ok());
    });
}

const LOST_STACK: &str = r#"
data "archive_file" "f" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/f.zip"
}
resource "aws_iam_role" "r" {
  name = "lost-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_lambda_layer_version" "l" {
  layer_name = "lost-layer"
  filename   = data.archive_file.f.output_path
}
resource "aws_lambda_function" "f" {
  function_name = "lost-fn"
  role          = aws_iam_role.r.arn
  handler       = "f.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.f.output_path
  layers        = [aws_lambda_layer_version.l.arn]
}
resource "aws_lambda_alias" "a" {
  name             = "live"
  function_name    = aws_lambda_function.f.function_name
  function_version = "$LATEST"
  description      = "lost answer"
}
resource "aws_lambda_function_url" "u" {
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "AWS_IAM"
}
"#;

/// The answers to CreateAlias, CreateFunctionUrlConfig and PublishLayerVersion are
/// lost once each (moto made the object): apply adopts each, makes nothing twice,
/// and the next plan is clean.
#[test]
fn lost_alias_url_and_layer_creates_are_adopted() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(work.path(), "lost", LOST_STACK);
    write(
        &stack.join("lambda/f.py"),
        "def handler(e, c):\n    return 1\n",
    );
    let creates = [
        "^POST /[0-9-]+/functions/lost-fn/aliases/?$",
        "^POST /[0-9-]+/functions/lost-fn/url/?$",
        "^POST /[0-9-]+/layers/lost-layer/versions/?$",
    ];
    let rules: Vec<serde_json::Value> = creates
        .iter()
        .map(|re| serde_json::json!({"match": re, "fault": "drop_response", "times": 1}))
        .collect();
    proxy.set_rules(serde_json::Value::Array(rules));
    let apply = ["apply", "--auto-approve", "--policy-fail-on", "critical"];
    let run = ok(proxy.run(work.path(), &stack, &apply));
    for rule in proxy.rules() {
        assert_eq!(rule["injected"], 1, "{rule}\n{}", run.all());
    }
    for create in creates {
        let re = regex::Regex::new(create).unwrap();
        let sent = proxy
            .log()
            .iter()
            .filter(|e| e["operation"].as_str().is_some_and(|op| re.is_match(op)))
            .count();
        assert_eq!(sent, 1, "{create} is sent once\n{}", run.all());
    }
    let state = local_state(work.path(), "lost");
    assert!(
        state.get("pending").is_none(),
        "no pending create left: {state}"
    );

    let clients = Clients::from_config(&moto.sdk_config());
    runtime().block_on(async {
        let versions = clients
            .lambda
            .list_layer_versions()
            .layer_name("lost-layer")
            .send()
            .await
            .unwrap();
        assert_eq!(versions.layer_versions().len(), 1, "layer versions");
        let aliases = clients
            .lambda
            .list_aliases()
            .function_name("lost-fn")
            .send()
            .await
            .unwrap();
        assert_eq!(aliases.aliases().len(), 1, "aliases");
        let config = clients
            .lambda
            .get_function_configuration()
            .function_name("lost-fn")
            .send()
            .await
            .unwrap();
        let layer_arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:layer:lost-layer:1");
        assert_eq!(
            config
                .layers()
                .iter()
                .filter_map(|l| l.arn())
                .collect::<Vec<_>>(),
            vec![layer_arn.as_str()]
        );
    });

    proxy.clear();
    let plan = proxy.run(work.path(), &stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
}

// ---------------------------------------------------------------------------
// EventBridge against moto

#[test]
fn rule_lifecycle() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let rules = EventRule::new(&clients).with_targets_wait(Duration::from_secs(2));
        let mut config = object! {
            "name" => "btsync-start",
            "schedule_expression" => "cron(0 5 ? * SAT *)",
            "description" => "start the sync server",
            "tags" => map(&[("team", "ops")]),
        };
        let address = "aws_cloudwatch_event_rule.start";
        let created = rules
            .create(&plan_new(rules.schema(), &config), &meta(address))
            .await
            .expect("create");
        let arn = format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/btsync-start");
        assert_eq!(created.str("id"), Some("btsync-start"));
        assert_eq!(created.str("name"), Some("btsync-start"));
        assert_eq!(created["name_prefix"], Value::Null);
        assert_eq!(created.str("arn"), Some(arn.as_str()));
        assert_eq!(created.str("schedule_expression"), Some("cron(0 5 ? * SAT *)"));
        assert_eq!(created["event_pattern"], Value::Null);
        assert_eq!(created.str("description"), Some("start the sync server"));
        assert_eq!(created.str("state"), Some("ENABLED"));
        assert_eq!(created.str("event_bus_name"), Some("default"));
        assert_eq!(created["role_arn"], Value::Null);
        assert_eq!(created["tags"], map(&[("team", "ops")]));
        let aws_tags = clients.events.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        assert!(aws_tags.tags().iter().any(|t| t.key() == "recon:address" && t.value() == address));
        assert_eq!(changed(&replan(rules.schema(), &config, &created)), Vec::<String>::new());

        // A retried create finds its own rule and carries on; a rule recon did not
        // make is not taken over.
        let retried = rules
            .create(&plan_new(rules.schema(), &config), &meta(address))
            .await
            .expect("a retried create adopts its own rule");
        assert_eq!(retried, created);
        clients
            .events
            .put_rule()
            .name("handmade-rule")
            .schedule_expression("rate(1 day)")
            .send()
            .await
            .unwrap();
        let mut foreign = config.clone();
        foreign.insert("name".into(), Value::from("handmade-rule"));
        let err = rules
            .create(&plan_new(rules.schema(), &foreign), &meta("aws_cloudwatch_event_rule.other"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("ResourceAlreadyExistsException"));
        assert!(
            err.message.contains("recon import aws_cloudwatch_event_rule.other handmade-rule"),
            "{}",
            err.message
        );
        let untouched = clients.events.describe_rule().name("handmade-rule").send().await.unwrap();
        assert_eq!(untouched.schedule_expression(), Some("rate(1 day)"));

        // In-place update of schedule, description, state and tags.
        config.insert("schedule_expression".into(), Value::from("cron(0 6 ? * SAT *)"));
        config.insert("description".into(), Value::from("start later"));
        config.insert("state".into(), Value::from("DISABLED"));
        config.insert("role_arn".into(), Value::from(format!("arn:aws:iam::{ACCOUNT}:role/events")));
        config.insert("tags".into(), map(&[("env", "prod")]));
        let plan = replan(rules.schema(), &config, &created);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(what, vec!["description", "role_arn", "schedule_expression", "state", "tags"]);
        assert!(plan.replace_paths.is_empty());
        let updated = rules.update(&created, &plan.after, &meta(address)).await.expect("update");
        assert_eq!(updated.str("schedule_expression"), Some("cron(0 6 ? * SAT *)"));
        assert_eq!(updated.str("description"), Some("start later"));
        assert_eq!(updated.str("state"), Some("DISABLED"));
        assert_eq!(updated.str("role_arn"), Some(format!("arn:aws:iam::{ACCOUNT}:role/events").as_str()));
        assert_eq!(updated["tags"], map(&[("env", "prod")]));
        let aws_tags = clients.events.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        assert!(aws_tags.tags().iter().any(|t| t.key() == "recon:address"), "recon's tags survive PutRule");
        assert_eq!(changed(&replan(rules.schema(), &config, &updated)), Vec::<String>::new());

        // A renamed rule is a new rule.
        let mut renamed = config.clone();
        renamed.insert("name".into(), Value::from("btsync-begin"));
        assert_eq!(changed(&replan(rules.schema(), &renamed, &updated)), vec!["name"]);
        assert!(!replan(rules.schema(), &renamed, &updated).replace_paths.is_empty());

        // An event pattern rule with a generated name; the pattern compares by meaning.
        let pattern_config = object! {
            "name_prefix" => "ec2-state-",
            "event_pattern" => r#"{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]}"#,
        };
        let pattern = rules
            .create(&plan_new(rules.schema(), &pattern_config), &meta("aws_cloudwatch_event_rule.pattern"))
            .await
            .expect("create pattern rule");
        let name = pattern.str("name").unwrap();
        assert!(name.starts_with("ec2-state-") && name.len() == "ec2-state-".len() + 26, "{name}");
        assert_eq!(pattern.str("name_prefix"), Some("ec2-state-"));
        let stored: serde_json::Value = serde_json::from_str(pattern.str("event_pattern").unwrap()).unwrap();
        assert_eq!(stored["source"], serde_json::json!(["aws.ec2"]));
        assert_eq!(pattern["schedule_expression"], Value::Null);
        assert_eq!(changed(&replan(rules.schema(), &pattern_config, &pattern)), Vec::<String>::new());

        // Batch read with a missing rule; import by name.
        let batch = rules
            .read(&[updated.clone(), rules.import_stub("no-such-rule"), pattern.clone()])
            .await
            .unwrap();
        assert_eq!(batch[0].as_ref(), Some(&updated));
        assert!(batch[1].is_none());
        assert_eq!(batch[2].as_ref(), Some(&pattern));
        let imported = rules
            .read(&[rules.import_stub("btsync-start")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported.str("arn"), Some(arn.as_str()));
        assert_eq!(imported.str("state"), Some("DISABLED"));

        // A target recon does not manage blocks the delete, and the error says so.
        clients
            .events
            .put_targets()
            .rule("btsync-start")
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("handmade")
                    .arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:x"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let err = rules.delete(&updated).await.unwrap_err();
        assert!(err.message.contains("still has targets (handmade)"), "{}", err.message);
        assert!(rules.read(std::slice::from_ref(&updated)).await.unwrap()[0].is_some());
        clients.events.remove_targets().rule("btsync-start").ids("handmade").send().await.unwrap();

        rules.delete(&updated).await.expect("delete");
        assert!(rules.read(std::slice::from_ref(&updated)).await.unwrap()[0].is_none());
        rules.delete(&updated).await.expect("deleting a deleted rule succeeds");
        rules.delete(&pattern).await.unwrap();
    });
}

#[test]
fn target_lifecycle() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let rules = EventRule::new(&clients);
        let targets = EventTarget::new(&clients);
        let rule = rules
            .create(
                &plan_new(rules.schema(), &object! {"name" => "btsync-stop", "schedule_expression" => "cron(0 9 ? * SAT *)"}),
                &meta("aws_cloudwatch_event_rule.stop"),
            )
            .await
            .unwrap();
        let function_arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:switch");

        // Input written with spaces; AWS keeps it, and a compact spelling is the same.
        let mut config = object! {
            "rule" => "btsync-stop",
            "target_id" => "switch",
            "arn" => function_arn.as_str(),
            "input" => r#"{"action": "stop"}"#,
        };
        let a = targets
            .create(&plan_new(targets.schema(), &config), &meta("aws_cloudwatch_event_target.stop"))
            .await
            .expect("create");
        assert_eq!(a.str("id"), Some("btsync-stop-switch"));
        assert_eq!(a.str("rule"), Some("btsync-stop"));
        assert_eq!(a.str("target_id"), Some("switch"));
        assert_eq!(a.str("arn"), Some(function_arn.as_str()));
        let input: serde_json::Value = serde_json::from_str(a.str("input").unwrap()).unwrap();
        assert_eq!(input, serde_json::json!({"action": "stop"}));
        assert_eq!(a["input_path"], Value::Null);
        assert_eq!(a["role_arn"], Value::Null);
        assert_eq!(a.str("event_bus_name"), Some("default"));
        assert_eq!(changed(&replan(targets.schema(), &config, &a)), Vec::<String>::new());
        let mut compact = config.clone();
        compact.insert("input".into(), Value::from(r#"{"action":"stop"}"#));
        assert_eq!(changed(&replan(targets.schema(), &compact, &a)), Vec::<String>::new());

        // A retried create finds the same target; another target with that id is
        // not overwritten.
        let retried = targets
            .create(&plan_new(targets.schema(), &config), &meta("aws_cloudwatch_event_target.stop"))
            .await
            .expect("a retried create adopts the identical target");
        assert_eq!(retried, a);
        let mut clash = config.clone();
        clash.insert("arn".into(), Value::from(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:other")));
        let err = targets
            .create(&plan_new(targets.schema(), &clash), &meta("aws_cloudwatch_event_target.clash"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("ResourceAlreadyExistsException"));
        assert!(err.message.contains("btsync-stop/switch"), "{}", err.message);
        let listed = clients.events.list_targets_by_rule().rule("btsync-stop").send().await.unwrap();
        assert_eq!(listed.targets()[0].arn(), function_arn.as_str(), "not overwritten");

        // A second target with a generated id.
        let generated_config = object! {
            "rule" => "btsync-stop",
            "arn" => format!("arn:aws:sqs:us-east-1:{ACCOUNT}:audit"),
            "input_path" => "$.detail",
        };
        let b = targets
            .create(&plan_new(targets.schema(), &generated_config), &meta("aws_cloudwatch_event_target.audit"))
            .await
            .expect("create with a generated id");
        let target_id = b.str("target_id").unwrap();
        assert!(target_id.starts_with("recon-"), "{target_id}");
        assert_eq!(b.str("id"), Some(format!("btsync-stop-{target_id}").as_str()));
        assert_eq!(b.str("input_path"), Some("$.detail"));
        assert_eq!(b["input"], Value::Null);
        assert_eq!(changed(&replan(targets.schema(), &generated_config, &b)), Vec::<String>::new());

        // An input transformer: sent, read back, changed in place.
        let transformed = |template: &str| object! {
            "rule" => "btsync-stop",
            "target_id" => "shaped",
            "arn" => format!("arn:aws:sqs:us-east-1:{ACCOUNT}:shaped"),
            "input_transformer" => vec![Value::Object(object! {
                "input_paths" => Value::Object(object! {"instance" => "$.detail.instance-id"}),
                "input_template" => template,
            })],
        };
        let config_t = transformed("\"<instance> stopped\"");
        let t = targets
            .create(&plan_new(targets.schema(), &config_t), &meta("aws_cloudwatch_event_target.shaped"))
            .await
            .expect("create with an input transformer");
        let listed = clients.events.list_targets_by_rule().rule("btsync-stop").send().await.unwrap();
        let sent = listed.targets().iter().find(|x| x.id() == "shaped").unwrap().input_transformer().unwrap();
        assert_eq!(sent.input_template(), "\"<instance> stopped\"");
        assert_eq!(sent.input_paths_map().unwrap().get("instance").map(String::as_str), Some("$.detail.instance-id"));
        assert_eq!(changed(&replan(targets.schema(), &config_t, &t)), Vec::<String>::new());
        let config_t2 = transformed("\"<instance> is down\"");
        let plan = replan(targets.schema(), &config_t2, &t);
        assert_eq!(changed(&plan), ["input_transformer"]);
        assert!(plan.replace_paths.is_empty());
        let t2 = targets.update(&t, &plan.after, &meta("aws_cloudwatch_event_target.shaped")).await.unwrap();
        assert_eq!(changed(&replan(targets.schema(), &config_t2, &t2)), Vec::<String>::new());
        assert_eq!(a["input_transformer"], Value::List(vec![]));
        targets.delete(&t2).await.unwrap();

        // Batch read: one listing for the rule; a missing target, a missing rule.
        let mut on_missing_rule = a.clone();
        on_missing_rule.insert("rule".into(), Value::from("no-such-rule"));
        let batch = targets
            .read(&[a.clone(), targets.import_stub("btsync-stop/nope"), b.clone(), on_missing_rule])
            .await
            .unwrap();
        assert_eq!(batch[0].as_ref(), Some(&a));
        assert!(batch[1].is_none());
        assert_eq!(batch[2].as_ref(), Some(&b));
        assert!(batch[3].is_none());
        let imported = targets
            .read(&[targets.import_stub("btsync-stop/switch")])
            .await
            .unwrap()
            .remove(0)
            .expect("imported");
        assert_eq!(imported, a);

        // The input changes in place, the target keeps its id.
        config.insert("input".into(), Value::from(r#"{"action":"start"}"#));
        config.insert("role_arn".into(), Value::from(format!("arn:aws:iam::{ACCOUNT}:role/events")));
        let plan = replan(targets.schema(), &config, &a);
        let mut what = changed(&plan);
        what.sort();
        assert_eq!(what, vec!["input", "role_arn"]);
        assert!(plan.replace_paths.is_empty());
        let updated = targets
            .update(&a, &plan.after, &meta("aws_cloudwatch_event_target.stop"))
            .await
            .expect("update");
        assert_eq!(updated.str("id"), Some("btsync-stop-switch"));
        assert_eq!(updated.str("input"), Some(r#"{"action":"start"}"#));
        assert!(updated.str("role_arn").is_some());
        let listed = clients.events.list_targets_by_rule().rule("btsync-stop").send().await.unwrap();
        assert_eq!(listed.targets().len(), 2, "updated in place, not added");

        // A new target id is a new target.
        let mut moved = config.clone();
        moved.insert("target_id".into(), Value::from("other"));
        assert!(!replan(targets.schema(), &moved, &updated).replace_paths.is_empty());

        // Delete: read after delete, delete again, then the rule can go.
        targets.delete(&updated).await.expect("delete");
        assert!(targets.read(std::slice::from_ref(&updated)).await.unwrap()[0].is_none());
        targets.delete(&updated).await.expect("deleting a deleted target succeeds");
        targets.delete(&b).await.unwrap();
        rules.delete(&rule).await.expect("rule without targets deletes");
        targets.delete(&b).await.expect("deleting a target of a deleted rule succeeds");
    });
}

// ---------------------------------------------------------------------------
// A scheduled Lambda through the real binary

const STACK: &str = r#"
data "archive_file" "switch" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/switch.zip"
}

resource "aws_iam_role" "switch" {
  name = "btsync-switch"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_lambda_function" "switch" {
  function_name    = "btsync-switch"
  role             = aws_iam_role.switch.arn
  handler          = "switch.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.switch.output_path
  source_code_hash = data.archive_file.switch.output_base64sha256
  timeout          = 30

  environment {
    variables = {
      INSTANCE_ID = "i-0123456789abcdef0"
    }
  }
}

resource "aws_cloudwatch_event_rule" "start" {
  name                = "btsync-start"
  description         = "Start the sync server early on Saturday"
  schedule_expression = "cron(0 5 ? * SAT *)"
}

resource "aws_cloudwatch_event_rule" "stop" {
  name                = "btsync-stop"
  description         = "Stop it a few hours later"
  schedule_expression = "cron(0 9 ? * SAT *)"
}

resource "aws_cloudwatch_event_target" "start" {
  rule  = aws_cloudwatch_event_rule.start.name
  arn   = aws_lambda_function.switch.arn
  input = jsonencode({ action = "start" })
}

resource "aws_cloudwatch_event_target" "stop" {
  rule  = aws_cloudwatch_event_rule.stop.name
  arn   = aws_lambda_function.switch.arn
  input = jsonencode({ action = "stop" })
}

resource "aws_lambda_permission" "start" {
  statement_id  = "AllowStartRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.switch.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.start.arn
}

resource "aws_lambda_permission" "stop" {
  statement_id  = "AllowStopRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.switch.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.stop.arn
}

output "function_arn" {
  value = aws_lambda_function.switch.arn
}
"#;

const HANDLER: &str = r#"import os
import boto3

def handler(event, context):
    ec2 = boto3.client("ec2")
    ids = [os.environ["INSTANCE_ID"]]
    if event["action"] == "start":
        ec2.start_instances(InstanceIds=ids)
    else:
        ec2.stop_instances(InstanceIds=ids)
"#;

fn scheduler_stack(dir: &Path) -> PathBuf {
    let stack = write_stack(dir, "scheduler", STACK);
    write(&stack.join("lambda/switch.py"), HANDLER);
    stack
}

/// What moto holds of the stack: functions, rules (with their targets' inputs),
/// the function's policy statements, roles.
fn moto_view(moto: &Moto) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let config = moto.sdk_config();
    let clients = Clients::from_config(&config);
    runtime().block_on(async {
        let functions: Vec<String> = clients
            .lambda
            .list_functions()
            .send()
            .await
            .unwrap()
            .functions()
            .iter()
            .filter_map(|f| f.function_name().map(str::to_string))
            .collect();
        let mut rules = Vec::new();
        for r in clients.events.list_rules().send().await.unwrap().rules() {
            let name = r.name().unwrap_or_default().to_string();
            let listed = clients
                .events
                .list_targets_by_rule()
                .rule(&name)
                .send()
                .await
                .unwrap();
            for t in listed.targets() {
                rules.push(format!("{name} -> {}", t.input().unwrap_or_default()));
            }
            if listed.targets().is_empty() {
                rules.push(name);
            }
        }
        rules.sort();
        let statements = match clients
            .lambda
            .get_policy()
            .function_name("btsync-switch")
            .send()
            .await
        {
            Ok(out) => {
                let policy: serde_json::Value =
                    serde_json::from_str(out.policy().unwrap()).unwrap();
                let mut sids: Vec<String> = policy["Statement"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["Sid"].as_str().unwrap().to_string())
                    .collect();
                sids.sort();
                sids
            }
            Err(_) => Vec::new(),
        };
        let roles: Vec<String> = clients
            .iam
            .list_roles()
            .send()
            .await
            .unwrap()
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .filter(|n| n.starts_with("btsync"))
            .collect();
        (functions, rules, statements, roles)
    })
}

fn code_sha(moto: &Moto) -> String {
    let clients = Clients::from_config(&moto.sdk_config());
    runtime().block_on(async {
        clients
            .lambda
            .get_function()
            .function_name("btsync-switch")
            .send()
            .await
            .unwrap()
            .configuration()
            .unwrap()
            .code_sha256()
            .unwrap()
            .to_string()
    })
}

#[test]
fn scheduled_lambda_stack() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = scheduler_stack(cwd);

    moto.expect_plan(cwd, &stack, "Plan: 8 to add, 0 to change, 0 to destroy.");
    assert!(
        stack.join("build/switch.zip").exists(),
        "the archive is built at plan time"
    );

    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let (functions, rules, statements, roles) = moto_view(&moto);
    assert_eq!(functions, vec!["btsync-switch"]);
    assert_eq!(
        rules,
        vec![
            r#"btsync-start -> {"action":"start"}"#,
            r#"btsync-stop -> {"action":"stop"}"#
        ]
    );
    assert_eq!(statements, vec!["AllowStartRule", "AllowStopRule"]);
    assert_eq!(roles, vec!["btsync-switch"]);
    let first_sha = code_sha(&moto);
    let zip_sha = archive_file::archive(&object! {
        "type" => "zip",
        "source_dir" => stack.join("lambda").to_str().unwrap(),
        "output_path" => cwd.join("check.zip").to_str().unwrap(),
    })
    .unwrap()
    .str("output_base64sha256")
    .unwrap()
    .to_string();
    assert_eq!(first_sha, zip_sha, "the function runs the archived source");

    // Nothing to do right after apply.
    moto.expect_no_changes(cwd, &stack);

    // A timeout changed by hand is drift: the plan shows the real value and apply
    // puts the configured one back.
    let clients = Clients::from_config(&moto.sdk_config());
    runtime().block_on(async {
        clients
            .lambda
            .update_function_configuration()
            .function_name("btsync-switch")
            .timeout(99)
            .send()
            .await
            .unwrap();
    });
    let drift = moto.expect_plan(cwd, &stack, "Plan: 0 to add, 1 to change, 0 to destroy.");
    assert!(drift.stdout.contains("99"), "{}", drift.stdout);
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let timeout = runtime().block_on(async {
        clients
            .lambda
            .get_function_configuration()
            .function_name("btsync-switch")
            .send()
            .await
            .unwrap()
            .timeout()
    });
    assert_eq!(timeout, Some(30));
    assert_eq!(
        code_sha(&moto),
        first_sha,
        "a configuration fix uploads no code"
    );

    // Editing the source updates the function's code, and nothing else.
    write(
        &stack.join("lambda/switch.py"),
        &HANDLER.replace("stop_instances", "stop_instances  # graceful"),
    );
    let edited = moto.expect_plan(cwd, &stack, "Plan: 0 to add, 1 to change, 0 to destroy.");
    assert!(
        edited
            .stdout
            .contains("aws_lambda_function.switch will be updated in-place"),
        "{}",
        edited.stdout
    );
    assert!(
        edited.stdout.contains("source_code_hash"),
        "{}",
        edited.stdout
    );
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let second_sha = code_sha(&moto);
    assert_ne!(second_sha, first_sha, "new code uploaded");
    ok(moto.run(cwd, &stack, &["plan", "--detailed-exitcode"]));

    // Destroy leaves nothing: targets went before their rules, permissions before
    // the function, the function before its role.
    moto.destroy(cwd, &stack);
    let (functions, rules, statements, roles) = moto_view(&moto);
    assert_eq!(functions, Vec::<String>::new());
    assert_eq!(rules, Vec::<String>::new());
    assert_eq!(statements, Vec::<String>::new());
    assert_eq!(roles, Vec::<String>::new());
    let state = local_state(cwd, "scheduler");
    assert_eq!(state["resources"].as_array().unwrap().len(), 0);
}

#[test]
fn find_created_finds_functions_permissions_rules_and_targets() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let with_token = |address: &str, token: &str| Meta {
            token: Some(token.into()),
            ..meta(address)
        };
        let elsewhere = with_token("aws_lambda_function.other", "tok-other");

        // A function: found by name and tags; another address's is not ours.
        let functions = LambdaFunction::new(&clients);
        let role = create_role(&clients, "found-role").await;
        let (zip, _, _) = build_code(work.path(), "def handler(e, c):\n    return 1\n");
        let plan = plan_new(
            functions.schema(),
            &object! {
                "function_name" => "found", "role" => role.as_str(),
                "handler" => "main.handler", "runtime" => "python3.12", "filename" => zip.as_str(),
            },
        );
        let ours = with_token("aws_lambda_function.f", "tok-function");
        let created = functions.create(&plan, &ours).await.unwrap();
        assert_eq!(
            found(functions.find_created(&plan, &ours).await.unwrap()),
            created
        );
        assert_eq!(
            not_ours(functions.find_created(&plan, &elsewhere).await.unwrap()),
            "found"
        );
        let mut free = plan.clone();
        free.insert("function_name".into(), Value::from("free"));
        assert!(matches!(
            functions.find_created(&free, &ours).await.unwrap(),
            Created::Absent
        ));
        let err = functions.create(&plan, &elsewhere).await.unwrap_err();
        assert_eq!(
            err.code.as_deref(),
            Some("ResourceConflictException"),
            "{err}"
        );
        assert!(
            err.message
                .contains("recon did not create it for aws_lambda_function.other"),
            "{err}"
        );
        assert!(
            err.message
                .contains("recon import aws_lambda_function.other found"),
            "{err}"
        );
        assert_eq!(functions.create(&plan, &ours).await.unwrap(), created);

        // A permission: the statement of its (generated) id, when it grants the same.
        let permissions = LambdaPermission::new(&clients);
        let grant = object! {
            "statement_id_prefix" => "gen-", "action" => "lambda:InvokeFunction",
            "function_name" => "found", "principal" => "events.amazonaws.com",
        };
        let plan = plan_new(permissions.schema(), &grant);
        let ours = with_token("aws_lambda_permission.p", "tok-permission");
        let created = permissions.create(&plan, &ours).await.unwrap();
        assert_eq!(
            found(permissions.find_created(&plan, &ours).await.unwrap()),
            created
        );
        let other_token = with_token("aws_lambda_permission.p", "tok-2");
        assert!(matches!(
            permissions.find_created(&plan, &other_token).await.unwrap(),
            Created::Absent
        ));
        assert!(matches!(
            permissions
                .find_created(&plan, &meta("aws_lambda_permission.p"))
                .await
                .unwrap(),
            Created::Unknowable
        ));
        let sid = created.str("statement_id").unwrap().to_string();
        let mut other_grant = grant.clone();
        other_grant.insert("statement_id".into(), Value::from(sid.as_str()));
        other_grant.insert("principal".into(), Value::from("s3.amazonaws.com"));
        let other_plan = plan_new(permissions.schema(), &other_grant);
        assert_eq!(
            not_ours(permissions.find_created(&other_plan, &ours).await.unwrap()),
            format!("found/{sid}")
        );
        let err = permissions
            .create(&other_plan, &with_token("aws_lambda_permission.q", "tok-q"))
            .await
            .unwrap_err();
        assert!(
            err.message
                .contains(&format!("recon import aws_lambda_permission.q found/{sid}")),
            "{err}"
        );

        // A rule: by name on its bus, and its tags.
        let rules = EventRule::new(&clients);
        let plan = plan_new(
            rules.schema(),
            &object! {"name_prefix" => "gen-", "schedule_expression" => "rate(1 day)"},
        );
        let ours = with_token("aws_cloudwatch_event_rule.r", "tok-rule");
        let created = rules.create(&plan, &ours).await.unwrap();
        assert_eq!(
            found(rules.find_created(&plan, &ours).await.unwrap()),
            created
        );
        let rule_name = created.str("name").unwrap().to_string();
        let named = plan_new(
            rules.schema(),
            &object! {"name" => rule_name.as_str(), "schedule_expression" => "rate(1 day)"},
        );
        assert_eq!(
            not_ours(rules.find_created(&named, &elsewhere).await.unwrap()),
            rule_name
        );
        let other_token = with_token("aws_cloudwatch_event_rule.r", "tok-2");
        assert!(matches!(
            rules.find_created(&plan, &other_token).await.unwrap(),
            Created::Absent
        ));
        assert!(matches!(
            rules
                .find_created(&plan, &meta("aws_cloudwatch_event_rule.r"))
                .await
                .unwrap(),
            Created::Unknowable
        ));

        // A target: by its (generated) id on the rule, when it sends the same.
        let targets = EventTarget::new(&clients);
        let config = object! {"rule" => rule_name.as_str(), "arn" => created.str("arn").unwrap()};
        let plan = plan_new(targets.schema(), &config);
        let ours = with_token("aws_cloudwatch_event_target.t", "tok-target");
        let created = targets.create(&plan, &ours).await.unwrap();
        assert_eq!(
            found(targets.find_created(&plan, &ours).await.unwrap()),
            created
        );
        let target_id = created.str("target_id").unwrap().to_string();
        assert!(matches!(
            targets
                .find_created(&plan, &with_token("aws_cloudwatch_event_target.t", "tok-2"))
                .await
                .unwrap(),
            Created::Absent
        ));
        let mut clash = config.clone();
        clash.insert("target_id".into(), Value::from(target_id.as_str()));
        clash.insert(
            "arn".into(),
            Value::from(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:other")),
        );
        let clash = plan_new(targets.schema(), &clash);
        assert_eq!(
            not_ours(targets.find_created(&clash, &ours).await.unwrap()),
            format!("{rule_name}/{target_id}")
        );
    });
}
