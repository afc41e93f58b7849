//! The example stack's user_data script (stacks/cron-btsync/user_data.sh), run by
//! bash on fake block devices (plain files): a blank volume is formatted, a volume
//! that holds a filesystem never is, and the volume is found by its stable name.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Command;

const SIZE: u64 = 16 * 1024 * 1024;
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn script() -> PathBuf {
    common::repo_root().join("stacks/cron-btsync/user_data.sh")
}

/// Why these tests cannot run here, if they cannot: the tools the script uses.
fn missing_tools() -> Option<String> {
    let missing: Vec<&str> = ["mkfs.ext4", "blkid", "debugfs"]
        .into_iter()
        .filter(|tool| {
            !Command::new("bash")
                .args(["-c", &format!("command -v {tool}")])
                .env("PATH", PATH)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    (!missing.is_empty()).then(|| format!("skipped: {} not installed", missing.join(", ")))
}

/// Runs `commands` in bash after sourcing the script; (exit code, stdout, stderr).
fn run(commands: &str, env: &[(&str, &Path)]) -> (i32, String, String) {
    let out = Command::new("bash")
        .args(["-c", &format!("source \"$1\"\n{commands}"), "test"])
        .arg(script())
        .env("PATH", PATH)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .output()
        .expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn blank_device(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap();
    path
}

fn probe(device: &Path, tag: &str) -> String {
    let out = Command::new("blkid")
        .args(["-p", "-o", "value", "-s", tag])
        .arg(device)
        .env("PATH", PATH)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The text of `file` inside the ext4 image `device` (read without mounting).
fn read_in_image(device: &Path, file: &str) -> String {
    let out = Command::new("debugfs")
        .args(["-R", &format!("cat {file}")])
        .arg(device)
        .env("PATH", PATH)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_blank_volume_is_formatted() {
    if let Some(reason) = missing_tools() {
        eprintln!("{reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let device = blank_device(dir.path(), "blank.img");
    assert_eq!(probe(&device, "TYPE"), "");

    let (code, _, stderr) = run("ensure_filesystem \"$DEVICE\"", &[("DEVICE", &device)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("is blank: making an ext4 filesystem"),
        "{stderr}"
    );
    assert_eq!(probe(&device, "TYPE"), "ext4");
    assert_eq!(probe(&device, "LABEL"), "btsync-data");
}

#[test]
fn a_volume_with_a_filesystem_is_never_reformatted() {
    if let Some(reason) = missing_tools() {
        eprintln!("{reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir(&content).unwrap();
    std::fs::write(content.join("marker"), "synced data\n").unwrap();
    let device = blank_device(dir.path(), "used.img");
    let made = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-d"])
        .arg(&content)
        .arg(&device)
        .env("PATH", PATH)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let uuid = probe(&device, "UUID");
    assert!(!uuid.is_empty());

    // Twice: a second boot (or a re-run of cloud-init) is no different.
    for _ in 0..2 {
        let (code, _, stderr) = run("ensure_filesystem \"$DEVICE\"", &[("DEVICE", &device)]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains("already holds data (ext4): kept"),
            "{stderr}"
        );
        assert_eq!(probe(&device, "UUID"), uuid, "the filesystem was remade");
        assert_eq!(read_in_image(&device, "/marker"), "synced data\n");
    }

    // Another filesystem than the one the script makes is kept too.
    let swap_device = blank_device(dir.path(), "swap.img");
    let swap = Command::new("mkswap")
        .arg(&swap_device)
        .env("PATH", PATH)
        .output();
    if swap.is_ok_and(|o| o.status.success()) {
        let before = probe(&swap_device, "UUID");
        let (code, _, stderr) = run("ensure_filesystem \"$DEVICE\"", &[("DEVICE", &swap_device)]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(probe(&swap_device, "TYPE"), "swap");
        assert_eq!(probe(&swap_device, "UUID"), before);
    }
}

#[test]
fn a_device_that_cannot_be_read_is_not_formatted() {
    if let Some(reason) = missing_tools() {
        eprintln!("{reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.img");
    let (code, _, stderr) = run("ensure_filesystem \"$DEVICE\"", &[("DEVICE", &absent)]);
    assert_ne!(code, 0);
    assert!(stderr.contains("not formatting"), "{stderr}");
    assert!(!absent.exists(), "nothing may be created in its place");
}

#[test]
fn fstab_names_the_volume_by_uuid_with_nofail_once() {
    if let Some(reason) = missing_tools() {
        eprintln!("{reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let device = blank_device(dir.path(), "data.img");
    let fstab = dir.path().join("fstab");
    std::fs::write(&fstab, "# existing\n").unwrap();
    let env = [("DEVICE", device.as_path()), ("FSTAB", fstab.as_path())];
    let commands = "ensure_filesystem \"$DEVICE\"\n\
                    add_to_fstab \"$DEVICE\" /srv/btsync\n\
                    add_to_fstab \"$DEVICE\" /srv/btsync";
    let (code, _, stderr) = run(commands, &env);
    assert_eq!(code, 0, "{stderr}");
    let uuid = probe(&device, "UUID");
    assert_eq!(
        std::fs::read_to_string(&fstab).unwrap(),
        format!("# existing\nUUID={uuid} /srv/btsync ext4 defaults,nofail 0 2\n")
    );
}

#[test]
fn the_data_volume_is_found_by_its_id_then_by_its_xen_name() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path();
    let find = "data_device vol-0123456789abcdef0";
    let (code, stdout, _) = run(find, &[("DEV_ROOT", dev)]);
    assert_ne!(code, 0, "nothing attached yet: {stdout}");

    // Xen instances name the /dev/sdf attachment xvdf.
    std::fs::write(dev.join("xvdf"), "").unwrap();
    let (code, stdout, stderr) = run(find, &[("DEV_ROOT", dev)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), dev.join("xvdf").to_str().unwrap());

    // Nitro instances: the NVMe link named after the volume id wins.
    let by_id = dev.join("disk/by-id");
    std::fs::create_dir_all(&by_id).unwrap();
    std::fs::write(dev.join("nvme1n1"), "").unwrap();
    let link = by_id.join("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");
    std::os::unix::fs::symlink(dev.join("nvme1n1"), &link).unwrap();
    let (code, stdout, stderr) = run(find, &[("DEV_ROOT", dev)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), link.to_str().unwrap());

    // Waiting gives up with a message rather than hang a boot.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(
        "wait_for_data_device vol-0aaaaaaaaaaaaaaaa 2 0",
        &[("DEV_ROOT", empty.path())],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("data volume vol-0aaaaaaaaaaaaaaaa did not appear"),
        "{stderr}"
    );
}
