#!/usr/bin/env python3
"""launcher_probe.py - what only a parent can see of the launcher: how it ended.

    launcher_probe.py signal SIG READY LAUNCHER ARGS...
        Runs LAUNCHER ARGS..., waits until the command has written its pid to
        the file READY, sends SIG to the launcher alone, and prints
        "ended=signal:N|exit:N command=gone|alive" (command: the pid in READY,
        after the launcher ended). The launcher's stderr passes through.

    launcher_probe.py ctrl-c LAUNCHER
        Runs, on a new terminal, a bash loop of three launcher runs, each
        printing ready-I and sleeping; types Ctrl-C once the first is ready,
        and prints what the terminal showed, then "bash=signal:N|exit:N".

Every wait is bounded (20 s): a launcher that does not react is reported,
not waited for forever.
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time

DEADLINE = 20


def how(status):
    if os.WIFSIGNALED(status):
        return 'signal:%d' % os.WTERMSIG(status)
    return 'exit:%d' % os.WEXITSTATUS(status)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose.
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def wait_for(path):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        try:
            with open(path) as f:
                text = f.read()
            if text.endswith('\n'):
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return None


def default_signals():
    """The test runner may have been started with SIGINT ignored (a background
    job): the launcher is to be seen as a foreground command sees it."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(s, signal.SIG_DFL)


def gone(pid):
    """Gone, or going: a killed process takes a moment to be reaped by its new parent."""
    end = time.monotonic() + 5
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


def signal_case(sig, ready, argv):
    p = subprocess.Popen(argv, preexec_fn=default_signals)
    pid = wait_for(ready)
    if pid is None:
        p.kill()
        print('ended=never-ready command=?')
        return
    os.kill(p.pid, sig)
    try:
        p.wait(DEADLINE)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        print('ended=hung command=%s' % ('alive' if alive(pid) else 'gone'))
        return
    rc = p.returncode
    ended = 'signal:%d' % -rc if rc < 0 else 'exit:%d' % rc
    left = not gone(pid)
    print('ended=%s command=%s' % (ended, 'alive' if left else 'gone'))
    if left:
        os.kill(pid, signal.SIGKILL)


def ctrl_c_case(launcher):
    loop = ('for i in 1 2 3; do "$0" --quiet -- sh -c "echo ready-$i; exec sleep 8"; echo next-$i; done; '
            'echo loop-done')
    pid, master = pty.fork()
    if pid == 0:  # a session of its own, the terminal its controlling one
        default_signals()
        os.execvp('bash', ['bash', '-c', loop, launcher])
    seen, typed = b'', False
    end = time.monotonic() + DEADLINE
    status = None
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b''
            seen += data
        if not typed and b'ready-1' in seen:
            time.sleep(0.2)  # the command is sleeping
            os.write(master, b'\x03')
            typed = True
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        print('(still running after %d s)' % DEADLINE)
    sys.stdout.write(seen.decode('utf-8', 'replace').replace('\r', ''))
    print('\nbash=%s' % how(status))


def main():
    if sys.argv[1] == 'signal':
        signal_case(getattr(signal, sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == 'ctrl-c':
        ctrl_c_case(sys.argv[2])


if __name__ == '__main__':
    main()
