#!/usr/bin/env python3
"""Runs one shell command in a rig guest through its serial console (`virsh console` in a
pty) and prints what the console showed. Used by the live stats tests to put load on the
guest's disk and NIC.

Usage: guest_run.py NAME TIMEOUT_SECS COMMAND
Exit status: 0 when the command finished (its end marker came back), 1 otherwise.
"""
import os
import pty
import select
import sys
import time

READY = b"Escape character is ^]"
PROMPT = b"virtdeck-guest# "


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    name, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    # The marker is computed by the guest shell, so the echo of the typed line never matches.
    marker = b"VD-END-42"
    line = f"{command}; echo VD-END-$((6*7))\r".encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("virsh", ["virsh", "-c", "qemu:///system", "console", "--force", name])
    seen = b""
    deadline = time.monotonic() + timeout
    stage = "connect"
    ok = False
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            if stage == "connect" and READY in seen:
                stage = "prompt"
                mark = len(seen)
                os.write(fd, b"\r")
                poked = time.monotonic()
            elif stage == "prompt" and PROMPT not in seen[mark:] and time.monotonic() - poked > 2:
                # The first Enter can be lost while the console attaches, or eaten by ash
                # while it waits for the answer to its cursor query (ESC [6n): ask again.
                os.write(fd, b"\r")
                poked = time.monotonic()
            elif stage == "prompt" and PROMPT in seen[mark:]:
                stage = "run"
                mark = len(seen)
                os.write(fd, line)
            elif stage == "run" and marker in seen[mark:]:
                ok = True
                break
    finally:
        try:
            os.write(fd, b"\x1d")  # Ctrl-] leaves virsh console
        except OSError:
            pass
        time.sleep(0.2)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    sys.stdout.write(seen.decode("utf-8", "replace"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
