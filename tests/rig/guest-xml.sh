#!/usr/bin/env bash
# Prints the libvirt domain XML of rig guest NAME (TCG, direct kernel boot, qcow2 disk,
# tap NIC, balloon with stats, serial console logged to /var/log/libvirt/qemu/NAME-serial.log).
# Usage: guest-xml.sh NAME
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $(basename "$0") NAME"
name=$1
check_guest_name "$name"
cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <currentMemory unit='MiB'>256</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$RIG_KERNEL</kernel>
    <initrd>$RIG_INITRD</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$(disk_of "$name")'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='ethernet'>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='$(serial_log_of "$name")' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='virtio'>
      <stats period='2'/>
    </memballoon>
  </devices>
</domain>
EOF
