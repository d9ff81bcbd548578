# Shared settings and helpers for the virtdeck rig scripts. Sourced, not run.
# shellcheck shell=bash

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_URI=qemu:///system
RIG_PREFIX=${VIRTDECK_RIG_PREFIX:-vdtest-}
RIG_CACHE=${VIRTDECK_RIG_CACHE:-/var/cache/virtdeck-rig}
RIG_IMAGES=/var/lib/libvirt/images
RIG_BOOT=/var/lib/libvirt/boot
RIG_KERNEL=$RIG_BOOT/virtdeck-rig-vmlinuz
RIG_INITRD=$RIG_BOOT/virtdeck-rig-initrd.img
RIG_QEMU_LOGS=/var/log/libvirt/qemu
RIG_PROMPT='virtdeck-guest# '
RIG_READY=VIRTDECK-GUEST-READY
RIG_SSH_PORT=${VIRTDECK_RIG_SSH_PORT:-2222}

log() { printf 'rig: %s\n' "$*" >&2; }
# A step that fails under set -e (a failing command substitution, a pipeline under pipefail)
# would otherwise end the script without a word: say which script, line and command.
set -E
trap 'rc=$?; printf "rig: ERROR: %s line %s: \`%s\` exited %s\n" "$(basename "$0")" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR
die() { printf 'rig: ERROR: %s\n' "$*" >&2; exit 1; }

# The prefix ends up in globs passed to rm: keep it to a safe, non-empty charset.
[[ $RIG_PREFIX =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] \
  || die "VIRTDECK_RIG_PREFIX='$RIG_PREFIX' must match [A-Za-z0-9][A-Za-z0-9_-]*"

rig_virsh() { virsh -q -c "$RIG_URI" "$@"; }

serial_log_of() { printf '%s/%s-serial.log\n' "$RIG_QEMU_LOGS" "$1"; }
disk_of() { printf '%s/%s.qcow2\n' "$RIG_IMAGES" "$1"; }

# Re-runs the calling script as root (through sudo) when needed.
need_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  command -v sudo >/dev/null || die "$(basename "$0") must run as root (sudo not found)"
  log "re-running $(basename "$0") with sudo"
  exec sudo -E "$0" "$@"
}

check_guest_name() {
  local name=$1
  [[ $name == "$RIG_PREFIX"* ]] || die "domain name '$name' does not start with the rig prefix '$RIG_PREFIX'"
  [[ $name =~ ^[A-Za-z0-9_-]+$ ]] || die "domain name '$name' may only contain [A-Za-z0-9_-]"
}

# Stops and undefines domain $1 if it exists, with its snapshot metadata and managed save.
remove_domain() {
  local name=$1
  rig_virsh domstate "$name" >/dev/null 2>&1 || return 0
  if [ "$(rig_virsh domstate "$name" 2>/dev/null)" != "shut off" ]; then
    rig_virsh destroy "$name" >/dev/null 2>&1 || true
  fi
  # A transient domain is gone once destroyed; a persistent one is undefined here.
  if rig_virsh dominfo "$name" >/dev/null 2>&1; then
    rig_virsh undefine "$name" --snapshots-metadata --managed-save >/dev/null \
      || die "could not undefine domain '$name'"
  fi
  ! rig_virsh dominfo "$name" >/dev/null 2>&1 || die "domain '$name' still exists after removal"
}
