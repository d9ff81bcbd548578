#!/usr/bin/env bash
# Builds the rig guest's kernel + busybox initramfs (cached) and installs them as
# /var/lib/libvirt/boot/virtdeck-rig-{vmlinuz,initrd.img}. Called by up.sh.
# Nothing is downloaded or rebuilt when the kernel package, busybox and this script are unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root "$@"

META=linux-image-cloud-amd64
# Load order (dependencies first). Built-in or absent ones are skipped.
MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
         failover net_failover virtio_net virtio_balloon button evdev)
# Without these (as module or built in) the rig is useless.
ESSENTIAL=(virtio_pci virtio_blk virtio_net virtio_balloon)

debs=$RIG_CACHE/debs
out=$RIG_CACHE/guest
mkdir -p "$debs" "$out"

# --- kernel package: the one the metapackage currently points at; download once -------------
resolve_kernel() {
  local pkg ver
  pkg=$(apt-cache depends "$META" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  [ -n "$pkg" ] || return 1
  ver=$(apt-cache policy "$pkg" | awk '/Candidate:/{print $2}')
  [ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
  printf '%s %s\n' "$pkg" "$ver"
}
# apt-cache is slow (~2 s here): reuse the last answer while the apt lists are unchanged.
# (No lists yet on a new machine: find fails, which is an answer, not an error.)
lists=$( { find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@ %f\n' 2>/dev/null || true; } | sort | sha256sum | cut -c1-64)
kpkg=
if [ "$(sed -n 1p "$debs/resolved" 2>/dev/null)" = "$lists" ]; then
  kpkg=$(sed -n 2p "$debs/resolved")
elif kpkg=$(resolve_kernel); then
  printf '%s\n%s\n' "$lists" "$kpkg" >"$debs/resolved"
else
  kpkg=
fi
if [ -z "$kpkg" ]; then
  log "apt does not know $META yet: running apt-get update"
  apt-get update -q >&2 || true
  kpkg=$(resolve_kernel) || kpkg=
fi
deb=
if [ -n "$kpkg" ]; then
  read -r pkg ver <<<"$kpkg"
  deb=$debs/${pkg}_${ver//:/%3a}_amd64.deb
  if [ ! -s "$deb" ]; then
    log "downloading $pkg $ver"
    if (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); then
      find "$debs" -name 'linux-image-*.deb' ! -path "$deb" -delete
    else
      deb=
    fi
  fi
fi
if [ -z "$deb" ] || [ ! -s "$deb" ]; then
  # Offline or apt trouble: fall back to whatever kernel was cached before.
  deb=$(find "$debs" -name 'linux-image-*.deb' | sort | tail -n1)
  [ -n "$deb" ] || die "cannot resolve or download $META (check apt sources / network)"
  log "WARNING: using cached $(basename "$deb")"
fi

busybox=/bin/busybox
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
  || die "busybox-static is not installed (run tests/rig/install-packages.sh)"

key=$( { basename "$deb"; sha256sum <"$busybox"; sha256sum <"$0"; } | sha256sum | cut -c1-64)

install_artefacts() {
  install -d -m 0755 "$RIG_BOOT"
  cmp -s "$out/vmlinuz" "$RIG_KERNEL" || install -m 0644 "$out/vmlinuz" "$RIG_KERNEL"
  cmp -s "$out/initrd.img" "$RIG_INITRD" || install -m 0644 "$out/initrd.img" "$RIG_INITRD"
}

if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
  install_artefacts
  log "guest artefacts up to date ($(basename "$deb"))"
  exit 0
fi

log "building guest initramfs from $(basename "$deb")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/k"
kver=$(ls "$work/k/lib/modules")
[ "$(wc -w <<<"$kver")" -eq 1 ] || die "unexpected module dirs in $(basename "$deb"): $kver"
moddir=$work/k/lib/modules/$kver
[ -s "$work/k/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $(basename "$deb")"

r=$work/root
mkdir -p "$r"/{bin,dev,proc,sys,tmp,root,etc/acpi/PWRF,lib/modules,var/log,var/run}
ln -s bin "$r/sbin"
cp "$busybox" "$r/bin/busybox"
for a in $("$busybox" --list); do
  [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\n' >"$r/etc/group"
echo virtdeck-guest >"$r/etc/hostname"

# Modules, decompressed (busybox insmod cannot be trusted with .ko.xz/.zst), in load order.
loaded=" "
for m in "${MODULES[@]}"; do
  if grep -Eq "/$m\.ko(\.[a-z]+)?$" "$moddir/modules.builtin"; then
    loaded+="$m "; continue
  fi
  # -quit rather than | head: head closing the pipe early would fail the pipeline (pipefail).
  f=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) -print -quit)
  [ -n "$f" ] || { log "module $m not in $kver, skipped"; continue; }
  dst=$r/lib/modules/$m.ko
  case $f in
    *.xz) xz -dc "$f" >"$dst" ;;
    *.zst) zstd -qdc "$f" >"$dst" ;;
    *.gz) gzip -dc "$f" >"$dst" ;;
    *) cp "$f" "$dst" ;;
  esac
  for d in $(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | tr ',' ' '); do
    [[ $loaded == *" $d "* ]] || die "module $m needs $d, which is not loaded before it"
  done
  loaded+="$m "
  echo "$m" >>"$r/etc/virtdeck-modules"
done
for m in "${ESSENTIAL[@]}"; do
  [[ $loaded == *" $m "* ]] || die "kernel $kver has no $m (neither module nor built in)"
done

# ACPI power button (virsh shutdown) -> power off.
cat >"$r/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
sync
poweroff -f
EOF
chmod 0755 "$r/etc/acpi/PWRF/00000080"

cat >"$r/init" <<EOF
#!/bin/sh
export PATH=/bin HOME=/root
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t proc proc /proc
mount -t sysfs sysfs /sys
hostname -F /etc/hostname
for m in \$(cat /etc/virtdeck-modules); do
  insmod /lib/modules/\$m.ko || echo "virtdeck-init: insmod \$m failed"
done
ip link set lo up
[ -e /sys/class/net/eth0 ] && ip link set eth0 up
acpid -c /etc/acpi
# Keep later kernel messages out of the interactive console.
echo 1 >/proc/sys/kernel/printk
export PS1='$RIG_PROMPT'
echo $RIG_READY
# Interactive shell on ttyS0 with job control (ttyS0 is its controlling tty); respawned on exit.
while :; do
  setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1' || sleep 1
done
EOF
chmod 0755 "$r/init"

(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) \
  | gzip -9 -n >"$work/initrd.img"
cp "$work/k/boot/vmlinuz-$kver" "$work/vmlinuz"
chmod 0644 "$work/initrd.img" "$work/vmlinuz"
mv -f "$work/vmlinuz" "$out/vmlinuz"
mv -f "$work/initrd.img" "$out/initrd.img"
echo "$key" >"$out/key"
install_artefacts
log "guest artefacts built: kernel $kver, initramfs $(du -h "$out/initrd.img" | cut -f1)"
