"""``searchkit`` run at a pseudo-terminal, for the tests of what a command
does when a person types it (colours, the daemon's auto-start)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from .conftest import ROOT


def at_a_terminal(
    args: list[str], env: dict[str, str], stdin: bool = True, stderr: int | None = None
) -> tuple[int, bytes]:
    """``searchkit ARGS`` with a pseudo-terminal on stdout, on stdin unless
    ``stdin`` is False and on stderr unless one is given: its exit status
    and what it showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args],
        env=env,
        cwd=ROOT,
        stdin=follower if stdin else None,
        stdout=follower,
        stderr=follower if stderr is None else stderr,
    )
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has finished
            break
        if not chunk:
            break
        out += chunk
    code = proc.wait(timeout=60)
    os.close(leader)
    return code, out
