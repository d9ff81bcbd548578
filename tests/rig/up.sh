#!/usr/bin/env bash
# Brings the live-test rig up: packages, (opt-in) host configuration, virtlogd + libvirtd,
# guest kernel/initramfs. Idempotent; a second run only checks.
# Usage: up.sh
# Host configuration (users, groups, /etc/libvirt/qemu.conf, restarting libvirtd) is only done
# with CI=true or VIRTDECK_RIG_CONFIGURE_HOST=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 0 ] || die "usage: $(basename "$0")"
need_root "$@"

configure=0
if [ "${CI:-}" = true ] || [ "${VIRTDECK_RIG_CONFIGURE_HOST:-}" = 1 ]; then configure=1; fi

"$RIG_DIR/install-packages.sh" || die "installing packages failed (tests/rig/install-packages.sh)"

QEMU_CONF=/etc/libvirt/qemu.conf
QEMU_CONF_WANT='# Written by virtdeck tests/rig/up.sh: settings for libvirtd inside a container.
# The previous file, if any, is in qemu.conf.virtdeck-rig.orig.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]'

conf_changed=0
configure_host() {
  install -d -m 0755 /var/log/libvirt/qemu /var/lib/libvirt/qemu "$RIG_IMAGES" "$RIG_BOOT" /etc/libvirt
  local g
  for g in kvm libvirt-qemu; do
    getent group "$g" >/dev/null || groupadd -r "$g" || die "groupadd $g failed"
  done
  if ! getent passwd libvirt-qemu >/dev/null; then
    useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu \
      || die "useradd libvirt-qemu failed"
  fi
  if [ "$(cat "$QEMU_CONF" 2>/dev/null)" != "$QEMU_CONF_WANT" ]; then
    if [ -e "$QEMU_CONF" ] && [ ! -e "$QEMU_CONF.virtdeck-rig.orig" ]; then
      cp -p "$QEMU_CONF" "$QEMU_CONF.virtdeck-rig.orig"
    fi
    printf '%s\n' "$QEMU_CONF_WANT" >"$QEMU_CONF"
    conf_changed=1
    log "wrote $QEMU_CONF"
  fi
}
[ "$configure" -eq 0 ] || configure_host

daemon_pid() {
  local pid
  pid=$(cat "/run/$1.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then echo "$pid"; return; fi
  pgrep -xo "$1" || true
}
start_daemon() {
  local env=()
  [ -d /var/log/libvirt ] && env=("LIBVIRT_LOG_OUTPUTS=3:file:/var/log/libvirt/$1.log")
  log "starting $1"
  env "${env[@]}" "$1" -d || die "$1 failed to start (see /var/log/libvirt/$1.log;
  on a throwaway machine or container, VIRTDECK_RIG_CONFIGURE_HOST=1 lets up.sh configure libvirt)"
}
stop_daemon() {
  local pid=$2 i
  log "restarting $1 ($3)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do [ -d "/proc/$pid" ] || return 0; sleep 0.2; done
  die "$1 (pid $pid) did not stop"
}
# Seconds since the epoch at which process $1 started.
proc_start() {
  local ticks btime
  ticks=$(cut -d')' -f2- "/proc/$1/stat" | awk '{print $20}')
  btime=$(awk '/^btime/{print $2}' /proc/stat)
  echo $((btime + ticks / $(getconf CLK_TCK)))
}

if [ -d /run/systemd/system ]; then
  # systemd manages (and socket-activates) the daemons; do not start our own.
  rig_virsh version >/dev/null 2>&1 \
    || die "libvirtd not reachable at $RIG_URI (systemd host: systemctl start libvirtd virtlogd)"
else
  [ -n "$(daemon_pid virtlogd)" ] || start_daemon virtlogd
  pid=$(daemon_pid libvirtd)
  if [ -n "$pid" ]; then
    why=
    [ "$conf_changed" -eq 0 ] || why="qemu.conf changed"
    # libvirtd looks for qemu-img and iptables once, at start: ones installed later are not seen.
    started=$(proc_start "$pid")
    for tool in qemu-img iptables; do
      path=$(command -v "$tool") || die "$tool is not installed (tests/rig/install-packages.sh should have installed it)"
      if [ "$(stat -c %Z "$path")" -ge "$started" ]; then
        why="$tool installed after libvirtd started"
      fi
    done
    if [ -n "$why" ]; then
      if [ "$configure" -eq 1 ]; then
        stop_daemon libvirtd "$pid" "$why"
        start_daemon libvirtd
      else
        log "WARNING: libvirtd should be restarted ($why); set VIRTDECK_RIG_CONFIGURE_HOST=1 to let up.sh do it"
      fi
    fi
  else
    start_daemon libvirtd
  fi
fi

for i in $(seq 60); do
  rig_virsh version >/dev/null 2>&1 && break
  [ "$i" -lt 60 ] || die "libvirtd not reachable at $RIG_URI after 30 s: $(rig_virsh version 2>&1 | head -n3 || true)"
  sleep 0.5
done

rig_virsh domcapabilities --virttype qemu --arch x86_64 >/dev/null \
  || die "libvirtd cannot run QEMU/TCG x86_64 guests (is qemu-system-x86 installed?)"
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: the guest's tap NIC needs it"

"$RIG_DIR/build-guest.sh" || die "building the guest kernel/initramfs failed"
# The private sshd for qemu+ssh:// tests (loopback only, a key for root) is a host change too.
if [ "$configure" -eq 1 ]; then
  "$RIG_DIR/sshd.sh" >/dev/null || die "starting the rig's sshd failed (tests/rig/sshd.sh)"
else
  log "not starting the rig's sshd (qemu+ssh:// tests need CI=true or VIRTDECK_RIG_CONFIGURE_HOST=1, or run tests/rig/sshd.sh)"
fi
log "rig is up: $(rig_virsh version | tr '\n' ' ' | sed 's/  */ /g')"
