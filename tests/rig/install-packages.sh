#!/usr/bin/env bash
# Installs what building virtdeck and running its libvirt/QEMU rig needs, on Debian/Ubuntu.
# Usage: install-packages.sh [--build-only]
# Idempotent: does nothing (no apt call at all) when everything is present already.
set -euo pipefail
set -E
trap 'rc=$?; printf "install-packages: ERROR: line %s: \`%s\` exited %s\n" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

build_only=0
case "${1:-}" in
  "") ;;
  --build-only) build_only=1 ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

# Installed version of package $1, or nothing. dpkg-query exits 1 for a package it has never
# seen: that is an answer ("not installed"), not a failure, so it must not end the script.
installed_ver() {
  local st
  st=$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null) || return 0
  case $st in "install ok installed "*) printf '%s\n' "${st#install ok installed }" ;; esac
}

# libxml2-utils: xmllint, the reference parser of the XML checker's differential test
# (tests/xml_differential.rs); libvirt parses domain XML with the same libxml2.
build_pkgs=(pkg-config libvirt-dev gcc make libxml2-utils)
# iptables and dnsmasq-base: libvirt's virtual networks (libvirtd looks iptables up once, at
# start); openssh-server: qemu+ssh:// tests against a private sshd on 127.0.0.1; xorriso: ISOs
# for change-media tests; libosinfo-bin + osinfo-db: the create wizard's OS variants
# (osinfo-query).
rig_pkgs=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 busybox-static
          cpio gzip python3 bsdutils iptables dnsmasq-base openssh-server xorriso
          libosinfo-bin osinfo-db)
want=("${build_pkgs[@]}")
[ "$build_only" -eq 1 ] || want+=("${rig_pkgs[@]}")

need=()
for p in "${want[@]}"; do
  v=$(installed_ver "$p")
  [ -n "$v" ] || need+=("$p")
done

# qemu-utils (qemu-img) must be of the same release as qemu-system-x86: installing the
# distro's qemu-system-x86 removes a newer qemu-utils the image may ship, and libvirtd needs a
# working qemu-img for snapshots (it looks qemu-img up once, at start: install before starting).
fix_qemu_utils=0
if [ "$build_only" -eq 0 ]; then
  sys_ver=$(installed_ver qemu-system-x86)
  utils_ver=$(installed_ver qemu-utils)
  if [ -z "$sys_ver" ] || [ "$utils_ver" != "$sys_ver" ]; then
    fix_qemu_utils=1
  fi
fi

[ ${#need[@]} -gt 0 ] || [ "$fix_qemu_utils" -eq 1 ] || exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "install-packages: apt-get update" >&2
$SUDO apt-get update -q || { echo "install-packages: ERROR: apt-get update failed (network or apt sources?)" >&2; exit 1; }

extra=()
if [ "$fix_qemu_utils" -eq 1 ]; then
  # Pin both to the candidate of qemu-system-x86 (the installed release may be gone from the
  # archive); apt then installs/downgrades qemu-utils to match.
  policy=$(apt-cache policy qemu-system-x86) \
    || { echo "install-packages: ERROR: apt-cache policy qemu-system-x86 failed" >&2; exit 1; }
  ver=$(awk '/Candidate:/{print $2; exit}' <<<"$policy")
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    echo "install-packages: ERROR: apt knows no installable qemu-system-x86 (check apt sources)" >&2
    exit 1
  fi
  kept=()
  for p in "${need[@]}"; do [ "$p" = qemu-system-x86 ] || kept+=("$p"); done
  need=("${kept[@]}")
  extra=("qemu-system-x86=$ver" "qemu-utils=$ver")
fi

pkgs=("${need[@]}" "${extra[@]}")
echo "install-packages: installing ${pkgs[*]}" >&2
$SUDO apt-get install -y -q --no-install-recommends --allow-downgrades "${pkgs[@]}" \
  || { echo "install-packages: ERROR: apt-get install ${pkgs[*]} failed" >&2; exit 1; }
