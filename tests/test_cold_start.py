"""A command run in its own process (no daemon): what it loads, and what it asks of numpy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit import client

ROOT = Path(__file__).resolve().parents[1]


def test_one_blas_thread_unless_the_user_chose() -> None:
    env: dict[str, str] = {}
    client.one_blas_thread(env)
    assert env == {"OPENBLAS_NUM_THREADS": "1"}
    chosen = {"OPENBLAS_NUM_THREADS": "4"}
    client.one_blas_thread(chosen)
    assert chosen == {"OPENBLAS_NUM_THREADS": "4"}
    empty = {"OPENBLAS_NUM_THREADS": ""}  # OpenBLAS reads an empty value as unset
    client.one_blas_thread(empty)
    assert empty == {"OPENBLAS_NUM_THREADS": "1"}


def test_a_command_run_here_asks_for_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("SEARCHKIT_NO_DAEMON", "1")
    monkeypatch.setattr(sys, "argv", ["searchkit", "--version"])
    with pytest.raises(SystemExit):
        client.main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.slow
def test_numpy_then_starts_no_thread_of_its_own() -> None:
    # What the setting is for: OpenBLAS starts a thread per core when numpy
    # loads unless told otherwise (this machine has 2 cores, CI's too).
    script = (
        "import os\nfrom searchkit import client\nclient.one_blas_thread()\nimport numpy\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1"]
    if (os.cpu_count() or 1) > 1:  # the check above could not fail on one core
        many = subprocess.run([sys.executable, "-c", "import os, numpy; print(len(os.listdir('/proc/self/task')))"],
                              env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        assert int(many.stdout) > 1
