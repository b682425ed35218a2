#!/usr/bin/env python3
"""Drives a command through a pseudo-terminal, for the terminal tests.

Usage: ptydrive.py [--rows R --cols C] STEP... -- CMD [ARG]...
Steps, in order:
  send:TEXT      write TEXT to the terminal (\\r, \\n, \\x10 escapes work)
  expect:REGEX   wait (at most 20 s) until the output so far matches REGEX
  resize:RxC     set the window size (the kernel sends SIGWINCH)
  modes          record the terminal's modes (stty -g style) now
Then waits for CMD to exit. Prints, on its own stdout: everything CMD wrote
(\\r removed), then a line "EXIT <status>" and, when `modes` was used, a line
"MODES same" or "MODES changed" comparing them with the modes at the end.
Exits 3 if an expect timed out (the output so far is still printed).
"""
import os, re, select, signal, struct, sys, termios, fcntl, time


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def main():
    args = sys.argv[1:]
    rows, cols = 24, 80
    if args[:1] == ["--rows"]:
        rows, cols = int(args[1]), int(args[3])
        args = args[4:]
    sep = args.index("--")
    steps, cmd = args[:sep], args[sep + 1:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execvp(cmd[0], cmd)
    out = b""
    modes = None
    code = 0

    def pump(timeout):
        """Reads what comes within TIMEOUT; False when nothing came."""
        nonlocal out
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(master, 65536)
        except OSError:
            return False
        out += data
        return bool(data)

    for st in steps:
        kind, _, val = st.partition(":")
        if kind == "send":
            os.write(master, unescape(val))
        elif kind == "expect":
            deadline = time.time() + 20
            while not re.search(val.encode(), out):
                pump(0.2)
                if time.time() > deadline:
                    sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
                    print("TIMEOUT expecting %r" % val)
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    sys.exit(3)
        elif kind == "resize":
            r, c = val.split("x")
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
            os.kill(pid, signal.SIGWINCH)
        elif kind == "modes":
            modes = termios.tcgetattr(slave)
    # the slave stays open here (for its modes): no EOF on the master, so
    # read until the child has exited and nothing more comes
    while True:
        pump(0.2)
        wpid, status = os.waitpid(pid, os.WNOHANG)
        if wpid:
            break
    while pump(0.2):
        pass
    sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
    print("\nEXIT %d" % os.waitstatus_to_exitcode(status))
    if modes is not None:
        print("MODES " + ("same" if termios.tcgetattr(slave) == modes else "changed"))
    return code


sys.exit(main())
