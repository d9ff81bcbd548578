#!/usr/bin/env bash
# Starts (once) a private sshd on 127.0.0.1 only, with a key for root, so tests can reach the
# rig's libvirtd through qemu+ssh:// exactly as a remote user would. Prints the URI to use.
# Usage: sshd.sh [--stop]
# Port: VIRTDECK_RIG_SSH_PORT (default 2222). Keys, config and pid live in $RIG_CACHE/ssh.
# Nothing of the host's own ssh configuration is read or changed; the daemon accepts only that
# key, only for root, only on 127.0.0.1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root "$@"

dir=$RIG_CACHE/ssh
pidfile=$dir/sshd.pid
running_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then echo "$pid"; fi
}

if [ "${1:-}" = --stop ]; then
  pid=$(running_pid)
  [ -z "$pid" ] || { kill "$pid"; log "stopped the rig's sshd (pid $pid)"; }
  exit 0
fi
[ $# -eq 0 ] || die "usage: $(basename "$0") [--stop]"

command -v /usr/sbin/sshd >/dev/null || die "sshd is missing (package openssh-server: tests/rig/install-packages.sh)"
install -d -m 0700 "$dir"
install -d -m 0755 /run/sshd
[ -s "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C virtdeck-rig-host -f "$dir/host_ed25519"
[ -s "$dir/root_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C virtdeck-rig-root -f "$dir/root_ed25519"
cp "$dir/root_ed25519.pub" "$dir/authorized_keys"
chmod 0600 "$dir/authorized_keys"
# The client side: the host key is known in advance, so tests verify it like a careful user.
printf '[127.0.0.1]:%s %s\n' "$RIG_SSH_PORT" "$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"

cat >"$dir/sshd_config" <<CONF
# Written by virtdeck tests/rig/sshd.sh: a private, loopback-only sshd for qemu+ssh:// tests.
Port $RIG_SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $pidfile
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers root
X11Forwarding no
PrintMotd no
LogLevel ERROR
CONF

if [ -z "$(running_pid)" ]; then
  /usr/sbin/sshd -t -f "$dir/sshd_config" || die "sshd rejects $dir/sshd_config"
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || die "sshd failed to start (see $dir/sshd.log)"
  for i in $(seq 50); do [ -n "$(running_pid)" ] && break; sleep 0.1; done
  [ -n "$(running_pid)" ] || die "sshd did not start (see $dir/sshd.log)"
  log "sshd listening on 127.0.0.1:$RIG_SSH_PORT"
fi
# qemu+ssh:// runs the ssh program: no_verify=1 accepts the (new) host key once, into root's
# known_hosts, and still refuses a changed one; no_tty=1 keeps ssh from ever prompting.
# qemu+libssh:// checks the host key against the rig's own known_hosts file.
ssh_uri="qemu+ssh://root@127.0.0.1:$RIG_SSH_PORT/system?keyfile=$dir/root_ed25519&no_verify=1&no_tty=1"
libssh_uri="qemu+libssh://root@127.0.0.1:$RIG_SSH_PORT/system?keyfile=$dir/root_ed25519&known_hosts=$dir/known_hosts&known_hosts_verify=normal&sshauth=privkey"
for uri in "$ssh_uri" "$libssh_uri"; do
  virsh -q -c "$uri" version >/dev/null 2>&1 \
    || die "libvirtd is not reachable at $uri: $(virsh -q -c "$uri" version 2>&1 | head -n3 || true)"
done
echo "$ssh_uri" >"$dir/ssh-uri"
echo "$libssh_uri" >"$dir/libssh-uri"
echo "$ssh_uri"
