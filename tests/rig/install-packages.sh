#!/usr/bin/env bash
# Installs what building virtdeck and running its libvirt/QEMU rig needs, on Debian/Ubuntu.
# Usage: install-packages.sh [--build-only]
# Idempotent: does nothing when everything is present already.
set -euo pipefail

build_only=0
case "${1:-}" in
  "") ;;
  --build-only) build_only=1 ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

installed_ver() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'; }

build_pkgs=(pkg-config libvirt-dev gcc make)
rig_pkgs=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 busybox-static cpio gzip python3 bsdutils)
want=("${build_pkgs[@]}")
[ "$build_only" -eq 1 ] || want+=("${rig_pkgs[@]}")

need=()
for p in "${want[@]}"; do [ -n "$(installed_ver "$p")" ] || need+=("$p"); done

# qemu-utils (qemu-img) must be of the same release as qemu-system-x86: installing the
# distro's qemu-system-x86 removes a newer qemu-utils the image may ship, and libvirtd needs a
# working qemu-img for snapshots (it looks qemu-img up once, at start: install before starting).
fix_qemu_utils=0
if [ "$build_only" -eq 0 ]; then
  sys_ver=$(installed_ver qemu-system-x86)
  if [ -z "$sys_ver" ] || [ "$(installed_ver qemu-utils)" != "$sys_ver" ]; then
    fix_qemu_utils=1
  fi
fi

[ ${#need[@]} -gt 0 ] || [ "$fix_qemu_utils" -eq 1 ] || exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q

extra=()
if [ "$fix_qemu_utils" -eq 1 ]; then
  # Pin both to the candidate of qemu-system-x86 (the installed release may be gone from the
  # archive); apt then installs/downgrades qemu-utils to match.
  ver=$(apt-cache policy qemu-system-x86 | awk '/Candidate:/{print $2}')
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    echo "install-packages: no installable qemu-system-x86 found by apt" >&2
    exit 1
  fi
  need=("${need[@]/qemu-system-x86/}")
  extra=("qemu-system-x86=$ver" "qemu-utils=$ver")
fi

pkgs=()
for p in "${need[@]}" "${extra[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
$SUDO apt-get install -y -q --no-install-recommends --allow-downgrades "${pkgs[@]}"
