#!/bin/bash
# First boot of the btsync server (cloud-init runs user_data once per instance):
# mount the data volume, install Docker, run Resilio Sync with its web UI on
# 127.0.0.1:8888 only and its data on the volume.
#
# This file only defines functions: main.hcl appends `main vol-...` with the data
# volume's id, and tests/user_data_script.rs sources it to run the functions alone.
set -euo pipefail

MOUNT_POINT=/srv/btsync
SYNC_IMAGE=resilio/sync
SYNC_CONTAINER=resilio-sync

log() { echo "btsync user_data: $*" >&2; }

# The block device of EBS volume $1: the NVMe link udev names after the volume id
# (Nitro instances; the serial is the id without its dash), else the Xen name of
# the /dev/sdf attachment. DEV_ROOT points tests at a fake /dev.
data_device() {
  local volume_id=$1 dev=${DEV_ROOT:-/dev}
  local nvme="$dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume_id//-/}"
  if [[ -e $nvme ]]; then
    echo "$nvme"
  elif [[ -e $dev/xvdf ]]; then
    echo "$dev/xvdf"
  else
    return 1
  fi
}

# Waits for the volume: recon attaches it after the instance is running.
wait_for_data_device() {
  local volume_id=$1 tries=${2:-120} delay=${3:-5} i
  for ((i = 0; i < tries; i++)); do
    if data_device "$volume_id"; then
      return 0
    fi
    sleep "$delay"
  done
  log "data volume $volume_id did not appear"
  return 1
}

# Makes an ext4 filesystem on $1 only when blkid finds no signature on it at all
# (no filesystem, no partition table). Anything else, including a device blkid
# cannot read, is left alone: existing data is never reformatted.
ensure_filesystem() {
  local device=$1 status=0
  if [[ ! -e $device || ! -r $device ]]; then
    log "$device does not exist or cannot be read: not formatting"
    return 1
  fi
  blkid -p -- "$device" >/dev/null 2>&1 || status=$?
  case $status in
    0) log "$device already holds data ($(blkid -p -o value -s TYPE -- "$device" || true)): kept" ;;
    2)
      log "$device is blank: making an ext4 filesystem"
      mkfs.ext4 -q -L btsync-data -- "$device" </dev/null
      ;;
    *)
      log "blkid failed on $device (exit $status): not formatting"
      return 1
      ;;
  esac
}

# Adds the volume to fstab (once) by filesystem UUID, which survives device
# renames, with nofail so that a missing volume does not stop the boot.
add_to_fstab() {
  local device=$1 mount_point=$2 fstab=${FSTAB:-/etc/fstab} uuid type
  uuid=$(blkid -p -o value -s UUID -- "$device")
  type=$(blkid -p -o value -s TYPE -- "$device")
  if [[ -z $uuid ]]; then
    log "$device has no filesystem UUID"
    return 1
  fi
  if ! grep -q "^UUID=$uuid " "$fstab" 2>/dev/null; then
    echo "UUID=$uuid $mount_point $type defaults,nofail 0 2" >>"$fstab"
  fi
}

prepare_data_volume() {
  local device=$1 mount_point=$2
  ensure_filesystem "$device"
  add_to_fstab "$device" "$mount_point"
  mkdir -p "$mount_point"
  mountpoint -q "$mount_point" || mount "$mount_point"
}

install_docker() {
  dnf install -y docker
  # Docker waits for the data volume, so the container never writes to the root volume.
  mkdir -p /etc/systemd/system/docker.service.d
  printf '[Unit]\nRequiresMountsFor=%s\n' "$MOUNT_POINT" \
    >/etc/systemd/system/docker.service.d/data-volume.conf
  systemctl daemon-reload
  systemctl enable --now docker
}

# The web UI listens on the loopback address only (reached through an SSM port
# forward); the sync port is published so that outbound peer traffic keeps one
# source port. The security group lets nothing in either way.
run_sync() {
  local data=$1
  mkdir -p "$data/sync"
  docker run -d --name "$SYNC_CONTAINER" --restart unless-stopped \
    -p 127.0.0.1:8888:8888 \
    -p 55555:55555/tcp -p 55555:55555/udp \
    -v "$data/sync:/mnt/sync" \
    "$SYNC_IMAGE"
}

main() {
  local volume_id=${1:?usage: main VOLUME_ID} device
  device=$(wait_for_data_device "$volume_id")
  prepare_data_volume "$device" "$MOUNT_POINT"
  install_docker
  if ! docker container inspect "$SYNC_CONTAINER" >/dev/null 2>&1; then
    run_sync "$MOUNT_POINT"
  fi
}
