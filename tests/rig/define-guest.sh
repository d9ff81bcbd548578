#!/usr/bin/env bash
# (Re)defines rig guest NAME with a fresh 64 MiB qcow2 disk; prints NAME. Does not start it.
# An existing domain NAME is destroyed and undefined first (snapshot metadata, managed save).
# Usage: define-guest.sh NAME      (NAME must start with $VIRTDECK_RIG_PREFIX, default vdtest-)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $(basename "$0") NAME   (NAME starting with '$RIG_PREFIX')"
name=$1
check_guest_name "$name"
need_root "$@"

[ -s "$RIG_KERNEL" ] && [ -s "$RIG_INITRD" ] || die "guest kernel/initramfs missing in $RIG_BOOT: run tests/rig/up.sh"
rig_virsh version >/dev/null 2>&1 || die "libvirtd not reachable at $RIG_URI: run tests/rig/up.sh"

remove_domain "$name"
# "$name".* is only this guest's: names cannot contain dots. Covers external-snapshot overlays.
rm -f "$RIG_IMAGES/$name".* "$(serial_log_of "$name")" "$RIG_QEMU_LOGS/$name.log"
install -d -m 0755 "$RIG_IMAGES"
qemu-img create -q -f qcow2 "$(disk_of "$name")" 64M || die "qemu-img could not create $(disk_of "$name")"

xml=$(mktemp)
trap 'rm -f "$xml"' EXIT
"$RIG_DIR/guest-xml.sh" "$name" >"$xml"
rig_virsh define "$xml" >/dev/null || die "virsh define failed for $name"
echo "$name"
