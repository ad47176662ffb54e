"""`searchkit daemon` and the client that hands it commands (searchkit.client,
searchkit.daemon): same bytes, same exit codes, as a run in its own process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import client, daemon

from .conftest import LIBRARY, ROOT, SEED_ID
from .terminal import at_a_terminal


def test_command_of_reads_the_subcommand_past_the_global_options() -> None:
    assert client.command_of(["search", "radar"]) == "search"
    assert client.command_of(["-i", "ix", "search", "radar"]) == "search"
    assert client.command_of(["--index-dir=ix", "stats"]) == "stats"
    assert client.command_of(["-iix", "sources"]) == "sources"
    assert client.command_of(["--help"]) == ""
    assert client.command_of([]) == ""
    assert client.command_of(["--colour", "search"]) is None  # click says what is wrong, in process


@pytest.mark.parametrize(
    "args",
    [["index", "corpus"], ["save", "a", "radar"], ["saved", "--delete", "a"], ["alerts"], ["serve"], ["daemon", "stop"]],
)
def test_commands_that_write_or_serve_never_go_to_the_daemon(args: list[str]) -> None:
    assert not client._eligible(args)


def test_show_on_a_terminal_stays_in_process_for_its_pager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert not client._eligible(["show", SEED_ID])
    assert client._eligible(["search", "radar"])
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert client._eligible(["show", SEED_ID])


def test_no_daemon_forces_a_run_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert client._eligible(["search", "radar"])
    monkeypatch.setenv("SEARCHKIT_NO_DAEMON", "1")
    assert not client._eligible(["search", "radar"])


def test_a_folder_others_can_enter_is_refused(tmp_path: Path) -> None:
    where = tmp_path / "d"
    where.mkdir(mode=0o755)
    where.chmod(0o755)
    assert client.private_dir_problem(str(where)) == f"{where} is open to other users (mode 755, needs 700)"
    assert client.connect(str(where)) is None
    where.chmod(0o700)
    assert client.private_dir_problem(str(where)) is None


def _stale_socket(where: Path) -> None:
    where.mkdir(mode=0o700, exist_ok=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(where / client.SOCKET_NAME))
    stale.close()  # the file stays; nobody listens on it


def test_a_stale_socket_is_no_daemon(tmp_path: Path) -> None:
    _stale_socket(tmp_path / "d")
    assert client.connect(str(tmp_path / "d")) is None
    assert not daemon.status(str(tmp_path / "d")).running


def test_a_daemon_of_other_code_or_encoding_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    req = {"code": client.code_identity(), "argv": ["searchkit", "search", "radar"],
           "utf8_mode": sys.flags.utf8_mode, "fs_encoding": sys.getfilesystemencoding()}
    signature = client.code_signature()
    assert daemon._refusal({**req, "code": "x"}, signature).startswith("another searchkit")
    assert daemon._refusal(req, "y") == daemon.CHANGED  # its files are not the ones it started on
    assert daemon._refusal({**req, "fs_encoding": "latin-1"}, signature) == "another text encoding"
    assert daemon._refusal({**req, "argv": ["searchkit", "index"]}, signature) == "not a read-only command"
    assert daemon._refusal(req, signature) is None


def test_the_request_carries_the_signals_this_process_ignores() -> None:
    import signal

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        assert client.request(["search", "radar"])["ignored"] == [signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, before)
    assert client.request(["search", "radar"])["ignored"] == []


# A worker that finishes before the signal the client forwards lands (its
# output drained fast, the signal still on its way through the socket and
# the worker's thread): the client has had the signal all the same.
_LATE_SIGNAL = """
import json, signal, socket, sys, threading, time
from searchkit import client
signum = int(sys.argv[1])
signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a shell (pytest-xdist ignores it)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
ours, worker = socket.socketpair()
main = threading.main_thread().ident or 0
def fake_worker():
    _head, fds, _flags, _addr = socket.recv_fds(worker, client.HEADER.size, 3)
    client.recv_exact(worker, client.HEADER.unpack(_head)[0])
    before = signal.getsignal(signum)
    client.send_frame(worker, b'{"accepted": true}')
    while signal.getsignal(signum) is before:  # until the client forwards it
        time.sleep(0.001)
    signal.pthread_kill(main, signum)  # the user's Ctrl-C (or a kill), once the command runs
    assert worker.recv(1) == (b"I" if signum == signal.SIGINT else b"T")
    client.send_frame(worker, json.dumps({"exit": 0}).encode())  # done before it landed
threading.Thread(target=fake_worker, daemon=True).start()
print(client.through_daemon(["search", "radar"], ours), flush=True)
"""


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_forwarded_too_late_for_the_worker_still_ends_the_command(signame: str) -> None:
    import signal

    signum = int(getattr(signal, signame))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run([sys.executable, "-c", _LATE_SIGNAL, str(signum)], env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, timeout=60)
    if signum == signal.SIGINT:  # as cli ends a read command Ctrl-C interrupts
        assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"130\n", b"Error: interrupted\n")
    else:  # killed by it, as the command in its own process would be
        assert (ran.returncode, ran.stdout) == (-signum, b"")


def test_the_code_signature_follows_the_package_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(client, "PACKAGE", str(package))
    before = client.code_signature()
    assert client.code_signature() == before
    (package / "a.py").write_text("x = 22\n")
    assert client.code_signature() != before


def test_a_worker_gets_its_own_offset_on_every_inherited_index_file(tmp_path: Path) -> None:
    (tmp_path / "seg.pst").write_bytes(b"0123456789")
    fd = os.open(tmp_path / "seg.pst", os.O_RDONLY)
    shared = os.dup(fd)  # another holder of the same open file (as a forked parent is)
    try:
        os.lseek(fd, 4, os.SEEK_SET)
        assert daemon._own_files(str(tmp_path))
        assert os.lseek(fd, 0, os.SEEK_CUR) == 4  # the same position...
        os.lseek(shared, 8, os.SEEK_SET)
        assert os.read(fd, 2) == b"45"  # ...no longer moved by the other holder
    finally:
        os.close(fd)
        os.close(shared)


def test_an_inherited_catalog_connection_means_no_adopting(tmp_path: Path) -> None:
    (tmp_path / "catalog.sqlite").write_bytes(b"")
    fd = os.open(tmp_path / "catalog.sqlite", os.O_RDONLY)
    try:
        assert not daemon._own_files(str(tmp_path))
    finally:
        os.close(fd)


# -- a real daemon, in its own process ------------------------------------------------


def _env(where: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SEARCHKIT_NO_DAEMON", "NO_COLOR")}
    return {**env, "PYTHONPATH": str(ROOT), "SEARCHKIT_DAEMON_DIR": str(where), "COLUMNS": "80", **extra}


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], env=env, cwd=cwd, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, library_dir: Path) -> Iterator[tuple[Path, Path]]:
    """A daemon on the library index (its folder, the index), stopped afterwards."""
    where = tmp_path_factory.mktemp("daemon") / "run"
    started = _run(["-i", str(library_dir), "daemon", "start"], _env(where))
    assert started.returncode == 0, started.stderr
    assert daemon.status(str(where)).warm  # it opened the index before forking
    try:
        yield where, library_dir
    finally:
        assert _stop(where).startswith(b"searchkit daemon: stopped pid ")


def _stop(where: Path) -> bytes:
    """Stops the daemon in ``where``; kills it when it does not stop (a test failed)."""
    stopped = _run(["daemon", "stop"], _env(where))
    if stopped.returncode != 0 and (where / client.PID_NAME).exists():
        os.kill(int((where / client.PID_NAME).read_text()), 9)
    return stopped.stdout


def _ran(where: Path) -> int:
    """Commands the daemon in ``where`` has run (not those it refused)."""
    return daemon.status(str(where)).ran


CASES = [
    ["search", "radar"],
    ["search", "radar", "--explain"],
    ["search", "missile defense", "--format", "json"],
    ["search", "radar", "--format", "csv", "--fields", "id,date,headline"],
    ["search", "missile date:notadate"],  # Error: ... exit 1
    ["search", "   "],  # a usage error, exit 2
    ["search", "radar", "--limit", "x"],
    ["similar", SEED_ID, "--limit", "3"],
    ["similar", "nope"],
    ["timeline", "radar", "--by", "year"],
    ["terms", "missile", "--min-count", "1"],
    ["show", SEED_ID],
    ["sources", "--format", "json"],
    ["duplicates"],
    ["--help"],
    ["search", "--help"],
]


@pytest.mark.slow
@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_through_the_daemon_the_same_bytes_and_exit_code(running: tuple[Path, Path], args: list[str]) -> None:
    where, index = running
    full = ["-i", str(index), *args]
    before = _ran(where)
    via = _run(full, _env(where))
    # It ran this command (all but the group's --help, which the client prints from its cache).
    assert _ran(where) == before + (args != ["--help"])
    here = _run(full, _env(where, SEARCHKIT_NO_DAEMON="1"))
    assert (via.returncode, via.stdout, via.stderr) == (here.returncode, here.stdout, here.stderr)
    if args == ["search", "missile date:notadate"]:
        assert via.returncode == 1 and via.stderr.startswith(b"Error: cannot read 'notadate' as a date")


@pytest.mark.slow
def test_relative_paths_and_the_environment_are_the_client_s(running: tuple[Path, Path], tmp_path: Path) -> None:
    where, index = running
    shutil.copytree(index, tmp_path / "index")  # the default --index-dir, relative to the working folder
    env = _env(where, SEARCHKIT_INDEX="index")
    args = ["search", "radar", "--manifest", "out.json", "--format", "json"]
    before = _ran(where)
    via = _run(args, env, cwd=tmp_path)
    assert _ran(where) == before + 1
    manifest = _timeless((tmp_path / "out.json").read_bytes())
    here = _run(args, {**env, "SEARCHKIT_NO_DAEMON": "1"}, cwd=tmp_path)
    assert via.returncode == here.returncode == 0
    assert b'"created": ' in via.stdout
    assert _timeless(via.stdout) == _timeless(here.stdout)
    assert _timeless((tmp_path / "out.json").read_bytes()) == manifest
    missing = _run(["search", "radar"], {**env, "SEARCHKIT_INDEX": "nowhere"}, cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        1,
        b"Error: no index at nowhere: create it with `searchkit --index-dir nowhere index PATH...`\n",
    )


def _timeless(document: bytes) -> bytes:
    """A manifest without the second it was made at."""
    return b"\n".join(line for line in document.splitlines() if b'"created": ' not in line)


def _on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """What ``searchkit ARGS`` writes to a terminal (a pseudo-terminal)."""
    return at_a_terminal(args, env, stdin=False)[1]


@pytest.mark.slow
def test_on_a_terminal_the_same_colours_and_wrapping(running: tuple[Path, Path]) -> None:
    where, index = running
    args = ["-i", str(index), "search", "missile defense", "--limit", "3"]
    before = _ran(where)
    via = _on_a_terminal(args, _env(where, COLUMNS="60"))
    assert _ran(where) == before + 1
    here = _on_a_terminal(args, _env(where, COLUMNS="60", SEARCHKIT_NO_DAEMON="1"))
    assert via == here
    assert b"\x1b[" in via  # coloured: both saw a terminal


@pytest.mark.slow
def test_a_stale_socket_runs_the_command_in_process(tmp_path: Path, library_dir: Path) -> None:
    _stale_socket(tmp_path / "d")
    args = ["-i", str(library_dir), "search", "radar"]
    stale = _run(args, _env(tmp_path / "d"))
    here = _run(args, _env(tmp_path / "d", SEARCHKIT_NO_DAEMON="1"))
    assert stale.returncode == 0
    assert (stale.stdout, stale.stderr) == (here.stdout, here.stderr)


@pytest.mark.slow
def test_a_commit_after_the_daemon_started_is_seen(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    index = tmp_path / "ix"
    env = _env(tmp_path / "d")
    assert _run(["-i", str(index), "index", str(corpus)], env).returncode == 0
    assert _run(["-i", str(index), "daemon", "start"], env).returncode == 0
    try:
        query = ["-i", str(index), "search", "zeppelin", "--format", "csv", "--fields", "id"]
        assert _run(query, env).stdout.splitlines()[1:] == []
        (corpus / "30_zeppelin.txt").write_text("Zeppelin returns\n\nA zeppelin flew over the harbour.\n\nOctober 22, 2013\n")
        assert _run(["-i", str(index), "index", str(corpus)], env).returncode == 0
        before = _ran(tmp_path / "d")
        found = _run(query, env)
        assert _ran(tmp_path / "d") == before + 1
        assert found.stdout.splitlines()[1:] == [b"30_zeppelin"]
        assert found.stdout == _run(query, {**env, "SEARCHKIT_NO_DAEMON": "1"}).stdout
    finally:
        _stop(tmp_path / "d")


@pytest.mark.slow
def test_status_start_and_stop_say_what_they_did(tmp_path: Path, library_dir: Path) -> None:
    env = _env(tmp_path / "d")
    assert _run(["daemon", "status"], env).stdout == f"searchkit daemon not running (socket {tmp_path / 'd' / 'daemon.sock'})\n".encode()
    assert _run(["daemon", "status"], env).returncode == 1
    started = _run(["-i", str(library_dir), "daemon", "start"], env)
    try:
        assert started.stdout.startswith(b"searchkit daemon running, pid ")
        assert f"index {library_dir};".encode() in started.stdout
        assert (tmp_path / "d").stat().st_mode & 0o777 == 0o700
        assert (tmp_path / "d" / "daemon.sock").stat().st_mode & 0o777 == 0o600
        again = _run(["-i", str(library_dir), "daemon", "start"], env)
        assert again.stdout.split(b";")[0] == started.stdout.split(b";")[0]  # the same daemon, left running
    finally:
        assert _stop(tmp_path / "d").startswith(b"searchkit daemon: stopped pid ")
    assert _run(["daemon", "stop"], env).stdout == b"searchkit daemon: not running\n"
    assert not (tmp_path / "d" / "daemon.sock").exists()


@pytest.mark.slow
def test_a_daemon_whose_code_changed_runs_nothing_and_exits(tmp_path: Path, library_dir: Path) -> None:
    # A copy of the package, edited here: the real one stays untouched for the
    # daemons other tests (other xdist workers) are running.
    src = tmp_path / "src"
    shutil.copytree(Path(client.__file__).parent, src / "searchkit", ignore=shutil.ignore_patterns("__pycache__"))
    where = tmp_path / "d"
    env = _env(where, PYTHONPATH=str(src))
    # Run from tmp_path: `python -m` puts the working folder first on sys.path.
    assert _run(["-i", str(library_dir), "daemon", "start"], env, cwd=tmp_path).returncode == 0
    args = ["-i", str(library_dir), "search", "radar"]
    source = src / "searchkit" / "client.py"
    try:
        assert daemon.status(str(where)).ran == 0
        kept = source.stat()
        os.utime(source, ns=(kept.st_atime_ns, kept.st_mtime_ns + 1_000_000_000))  # as an edit would
        older = _run(args, env, cwd=tmp_path)
        _gone(where)  # it refused (the command ran in its own process) and made way for a daemon of the new code
    finally:
        _run(["daemon", "stop"], env, cwd=tmp_path)
    assert b"exiting" in (where / daemon.LOG_NAME).read_bytes()
    here = _run(args, _env(where, SEARCHKIT_NO_DAEMON="1"))
    assert (older.returncode, older.stdout, older.stderr) == (here.returncode, here.stdout, here.stderr)


def _gone(where: Path, timeout: float = 30.0) -> None:
    """Waits for the daemon in ``where`` to exit; kills it (and fails) when it does not."""
    deadline = time.monotonic() + timeout
    while (where / client.PID_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if (where / client.PID_NAME).exists():
        _stop(where)
        raise AssertionError(f"the daemon in {where} did not exit within {timeout} s")
