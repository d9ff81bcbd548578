#!/usr/bin/env python3
"""Runs one shell command in a rig guest through `virsh console` in a pty.

Usage: guest_console.py DOMAIN COMMAND [TIMEOUT_SECONDS]
Prints what the guest wrote between the command and the next prompt; exits 1 on timeout.
Answers busybox ash's cursor-position query (ESC [ 6 n) so it never eats typed input.
"""
import os
import pty
import select
import sys
import time

PROMPT = b"virtdeck-guest# "
QUERY = b"\x1b[6n"


def main():
    dom, cmd = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("virsh", ["virsh", "-c", "qemu:///system", "console", "--force", dom])
    buf = bytearray()
    answered = 0

    def pump(until, limit):
        nonlocal answered
        deadline = time.time() + limit
        while time.time() < deadline:
            if until():
                return True
            r, _, _ = select.select([fd], [], [], 0.1)
            if not r:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return until()
            if not chunk:
                return until()
            buf.extend(chunk)
            while buf.count(QUERY) > answered:
                answered += 1
                os.write(fd, b"\x1b[1;17R")
        return until()

    ok = pump(lambda: b"Escape character" in buf or b"Connected to domain" in buf, 15)
    # A fresh prompt, so the command starts on a clean line. Enter is repeated: a shell
    # restored from a snapshot may be waiting for a cursor-position reply first.
    deadline = time.time() + timeout
    got = False
    while ok and not got and time.time() < deadline:
        mark = len(buf)
        os.write(fd, b"\r")
        got = pump(lambda: PROMPT in buf[mark:], 3)
    ok = ok and got
    mark = len(buf)
    if ok:
        os.write(fd, cmd.encode() + b"\r")
        # The echo of the command comes first; the prompt after it ends the output.
        ok = pump(lambda: PROMPT in buf[mark + len(cmd):], timeout)
        # Answer the query that follows the prompt before leaving, so the shell is not
        # left waiting for it (and a snapshot taken now does not capture it waiting).
        pump(lambda: QUERY in buf[mark + len(cmd):] and buf.count(QUERY) <= answered, 2)
    os.write(fd, b"\x1d")  # Ctrl-], virsh's detach key
    pump(lambda: False, 0.5)
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    os.waitpid(pid, 0)
    if not ok:
        sys.stderr.write("guest_console: timed out; guest wrote: %r\n" % bytes(buf[-400:]))
    sys.stdout.write(buf[mark:].decode("utf-8", "replace"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
