"""Real processes: SIGKILL during a rebuild, and concurrent saves (issue 11)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchkit import SearchIndex

from .test_robustness import SMALL_BATCHES, _env, _ids, _write_corpus

pytestmark = pytest.mark.slow


def _generations(index_dir: Path) -> list[int]:
    return [int(p.stem.split("_")[-1]) for p in index_dir.glob("_MAIN_*.toc")]


def test_sigkill_mid_rebuild_leaves_the_old_index_searchable(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 200)
    SearchIndex(index_dir, create=True).update([corpus])
    with SearchIndex(index_dir) as ix:
        ix.save_search("radar", "radar")
    before = sorted(_ids(index_dir))
    start = max(_generations(index_dir))
    args = [sys.executable, "-c", SMALL_BATCHES, "30", "-i", str(index_dir), "index", "--rebuild", str(corpus)]
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if max(_generations(index_dir), default=0) >= start + 2:  # two rebuild batches written aside
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.returncode == 0:
        pytest.skip("the rebuild finished before the kill landed")
    assert sorted(_ids(index_dir)) == before  # the old index, whole
    with SearchIndex(index_dir) as ix:
        assert ix.alerts()[0].results.total == 0
    done = subprocess.run(
        [sys.executable, "-m", "searchkit", "-i", str(index_dir), "index", "--rebuild", str(corpus)],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(_ids(index_dir)) == before
    with SearchIndex(index_dir) as ix:
        # Resuming reported nothing old as new, and the saved search is there.
        assert [a.results.total for a in ix.alerts()] == [0]


def test_four_processes_saving_lose_nothing(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 3)
    SearchIndex(index_dir, create=True).update([corpus])
    script = (
        "import sys; from searchkit.cli import main\n"
        "where, me = sys.argv[1:3]\n"
        "for k in range(25):\n"
        "    sys.argv = ['searchkit', '-i', where, 'save', f'p{me}-{k}', 'radar']\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), exc.code\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(index_dir), str(p)], env=_env(), stderr=subprocess.PIPE)
        for p in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with SearchIndex(index_dir) as ix:
        names = [s.name for s in ix.saved_searches()]
    assert sorted(names) == sorted(f"p{p}-{k}" for p in range(4) for k in range(25))
