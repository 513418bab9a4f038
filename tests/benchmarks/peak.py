"""Peak resident memory, CPU and wall time of a child process, not masked by this process.

Why a launcher: on Linux a process's ``ru_maxrss`` survives fork and exec.  A child started
by ``subprocess`` (``vfork`` + ``exec``, or ``fork`` + ``exec``) gets, at its ``exec``, the
high-water mark of the address space it leaves (the kernel keeps ``signal->maxrss`` across
exec): with ``vfork`` that is *this* process's peak, with ``fork`` its resident set at the
fork.  So every child of a benchmark that once held 57 MiB reported at least 57 MiB, through
``os.wait4`` as through its own ``getrusage(RUSAGE_SELF)``.

:func:`run` starts the command from a small launcher (``python -I -S``, a few MiB of its own):
the launcher ``fork``\\s (a new ``signal`` struct, its ``maxrss`` zero) and the copy
``exec``\\s the command, whose inherited peak is then the launcher's anonymous memory at the
fork (:attr:`Usage.floor_mib`, reported; about 3 MiB, below any Python process's own).  The
launcher ``wait4``\\s it and hands back, on a pipe, the command's wall time, its CPU time and
peak together with those of the children it waited for (``--jobs`` workers: the kernel's
``RUSAGE_BOTH``, so the peak is the **largest process**, the command or one worker, never a
sum), and its exit code.

A Python process measuring itself uses :func:`self_peak_mib`: ``VmHWM`` from
``/proc/self/status``, the high-water mark of its own address space (new at exec).

``python tests/benchmarks/peak.py`` checks both on this machine (a child allocating 200 MiB
against one allocating nothing; a 20 MiB child under a 60 MiB parent).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

__all__ = ["Usage", "run", "self_peak_mib"]

MIB = 1 << 20

_LAUNCHER = r"""
import os, sys, time
def anon():
    with open("/proc/self/status") as f:
        return next((int(l.split()[1]) for l in f if l.startswith("RssAnon:")), 0)
fd, argv = int(sys.argv[1]), sys.argv[2:]
floor = anon()
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
os.write(fd, ("%r %r %r %r %r" % (os.waitstatus_to_exitcode(status), wall,
              ru.ru_utime + ru.ru_stime, ru.ru_maxrss, floor)).encode())
"""


@dataclass(frozen=True)
class Usage:
    """One run: exit code, wall and CPU seconds (the command and the children it waited
    for), peak resident set of the largest of those processes, the launcher's floor, and
    the command's standard output when asked for."""

    code: int
    wall: float
    cpu: float
    peak_mib: float
    floor_mib: float
    stdout: str = ""


def run(argv: list[str], *, stdout: str | int | None = None, capture: bool = False,
        env: dict[str, str] | None = None) -> Usage:
    """Run ``argv`` (stdin closed, stderr discarded, stdout to /dev/null, to the file
    ``stdout``, or captured as text with ``capture``) and measure it (see the module)."""
    read, write = os.pipe()
    try:
        if capture:
            sink: int | None = subprocess.PIPE
        elif isinstance(stdout, str):
            sink = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        else:
            sink = subprocess.DEVNULL if stdout is None else stdout
        try:
            done = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, str(write),
                                   *argv], stdin=subprocess.DEVNULL, stdout=sink,
                                  stderr=subprocess.DEVNULL, env=env, pass_fds=(write,),
                                  text=True, check=True)
        finally:
            if isinstance(stdout, str) and isinstance(sink, int):
                os.close(sink)
        os.close(write)
        write = -1
        with os.fdopen(read, "rb") as pipe:
            read = -1
            code, wall, cpu, maxrss_kib, floor_kib = pipe.read().split()
    finally:
        for fd in (read, write):
            if fd >= 0:
                os.close(fd)
    return Usage(int(code), float(wall), float(cpu), int(maxrss_kib) / 1024,
                 int(floor_kib) / 1024, done.stdout or "")


def self_peak_mib() -> float:
    """This process's peak resident set (``VmHWM``: its own address space, new at exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def _allocating(mib: int) -> list[str]:
    code = (f"b = bytearray({mib} << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
            "import json, sys; sys.path.insert(0, sys.argv[1]); from peak import self_peak_mib\n"
            "print(json.dumps(self_peak_mib()))")
    return [sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__))]


def check() -> None:
    """The measurement against known allocations (printed, and an error if it fails)."""
    ballast = bytearray(60 * MIB)  # this process: 60 MiB touched, as a benchmark's lines
    for at in range(0, len(ballast), 4096):
        ballast[at] = 1
    runs = {mib: run(_allocating(mib), capture=True) for mib in (0, 20, 200)}
    for mib, usage in runs.items():
        print(f"child allocating {mib:3} MiB under a 60 MiB parent: peak {usage.peak_mib:6.1f}"
              f" MiB (its own VmHWM {json.loads(usage.stdout):6.1f}), launcher floor "
              f"{usage.floor_mib:.1f} MiB")
    naive = subprocess.Popen(_allocating(0), stdout=subprocess.DEVNULL)
    masked = os.wait4(naive.pid, 0)[2].ru_maxrss / 1024
    print(f"the same empty child by subprocess + wait4: {masked:.1f} MiB (masked by this process)")
    worker = run([sys.executable, "-c", "import os\nif os.fork() == 0:\n"
                  "    b = bytearray(100 << 20)\n    for i in range(0, len(b), 4096): b[i] = 1\n"
                  "    os._exit(0)\nos.wait()"])
    print(f"empty child whose forked worker allocates 100 MiB: peak {worker.peak_mib:.1f} MiB")
    assert worker.peak_mib >= 100, worker
    grow = runs[200].peak_mib - runs[0].peak_mib
    assert 195 <= grow <= 210, grow
    assert runs[20].peak_mib - runs[0].peak_mib >= 18, runs
    assert runs[20].peak_mib < 55, runs[20]
    print(f"ok: 200 MiB child - empty child = {grow:.1f} MiB; the 20 MiB child is not masked")
    del ballast


if __name__ == "__main__":
    check()
