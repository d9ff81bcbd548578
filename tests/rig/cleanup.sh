#!/usr/bin/env bash
# Destroys and undefines every domain whose name starts with the rig prefix (with snapshot
# metadata and managed save) and removes their disks and logs.
# Usage: cleanup.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 0 ] || die "usage: $(basename "$0")   (prefix from VIRTDECK_RIG_PREFIX, now '$RIG_PREFIX')"
need_root "$@"

if rig_virsh version >/dev/null 2>&1; then
  mapfile -t names < <(rig_virsh list --all --name)
  for n in "${names[@]}"; do
    [[ -n $n && $n == "$RIG_PREFIX"* ]] || continue
    remove_domain "$n"
    log "removed domain $n"
  done
  mapfile -t names < <(rig_virsh list --all --name)
  for n in "${names[@]}"; do
    [[ -n $n && $n == "$RIG_PREFIX"* ]] && die "domain $n still exists"
  done
else
  log "WARNING: libvirtd not reachable at $RIG_URI: removing files only"
fi
rm -f "$RIG_IMAGES/$RIG_PREFIX"* "$RIG_QEMU_LOGS/$RIG_PREFIX"*.log
