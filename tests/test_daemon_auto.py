"""The daemon a terminal's read command starts by itself (client.autostart),
and how any daemon ends: idle, Ctrl-C through it, its index removed."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import client, daemon

from .conftest import ROOT, SEED_ID
from .terminal import at_a_terminal

# -- deciding, without a process ------------------------------------------------------


def test_index_of_reads_the_option_then_the_environment_then_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEARCHKIT_INDEX", raising=False)
    assert client.index_of(["search", "radar"]) == "index"
    assert client.index_of(["-i", "a", "search", "radar"]) == "a"
    assert client.index_of(["-ib", "search"]) == "b"
    assert client.index_of(["--index-dir=c", "search"]) == "c"
    assert client.index_of(["--index-dir", "d", "search", "-i", "not-global"]) == "d"
    monkeypatch.setenv("SEARCHKIT_INDEX", "e")
    assert client.index_of(["search", "radar"]) == "e"
    assert client.index_of(["-i", "a", "search"]) == "a"


def test_only_a_read_command_at_a_terminal_wants_a_daemon(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SEARCHKIT_NO_DAEMON", raising=False)
    monkeypatch.setattr(client, "interactive", lambda: True)
    assert client.wants_daemon(["search", "radar"])
    assert client.wants_daemon(["-i", "ix", "similar", SEED_ID])
    for args in (["index", "corpus"], ["save", "a", "b"], ["alerts"], ["serve"], ["daemon", "start"],
                 ["--help"], ["search", "--help"], [], ["--colour", "search"]):
        assert not client.wants_daemon(args), args
    monkeypatch.setenv("SEARCHKIT_NO_DAEMON", "1")
    assert not client.wants_daemon(["search", "radar"])
    monkeypatch.delenv("SEARCHKIT_NO_DAEMON")
    daemon.change_settings(auto=False)
    assert not client.wants_daemon(["search", "radar"])
    daemon.change_settings(auto=True)
    assert client.wants_daemon(["search", "radar"])
    monkeypatch.setattr(client, "interactive", lambda: False)  # a pipe, a script, CI
    assert not client.wants_daemon(["search", "radar"])


def test_a_pipe_is_not_a_terminal() -> None:
    read, write = os.pipe()
    try:
        script = "import sys; from searchkit import client; print(client.interactive())"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", script], stdin=read, capture_output=True, env=env, check=True)
        assert out.stdout == b"False\n"
    finally:
        os.close(read)
        os.close(write)


def test_settings_keep_other_lines_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SEARCHKIT_DAEMON_IDLE", raising=False)
    assert daemon.settings() == (True, client.DEFAULT_IDLE, str(tmp_path / "config" / "searchkit" / "daemon.conf"))
    daemon.change_settings(idle=60)
    daemon.change_settings(auto=False)
    assert daemon.settings()[:2] == (False, 60.0)
    monkeypatch.setenv("SEARCHKIT_DAEMON_IDLE", "5")
    assert client.idle_seconds() == 5.0
    monkeypatch.setenv("SEARCHKIT_DAEMON_IDLE", "soon")  # unreadable: the setting
    assert client.idle_seconds() == 60.0


def test_the_daemon_gets_an_absolute_pythonpath(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    env = client.daemon_env({"PYTHONPATH": f"src{os.pathsep}/abs", "X": "1"})
    assert env["PYTHONPATH"] == f"{tmp_path / 'src'}{os.pathsep}/abs"
    assert env["X"] == "1" and env["SEARCHKIT_NO_DAEMON"] == "1"


def test_a_held_lock_means_a_daemon_is_there(tmp_path: Path) -> None:
    assert not client.lock_held(str(tmp_path))
    fd = os.open(tmp_path / client.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        assert not client.lock_held(str(tmp_path))
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert client.lock_held(str(tmp_path))
    finally:
        os.close(fd)
    assert not client.lock_held(str(tmp_path))


# -- real processes ---------------------------------------------------------------------


@pytest.fixture()
def where(tmp_path: Path) -> Iterator[Path]:
    """A daemon folder of this test's own; any daemon in it is stopped at the end."""
    folder = tmp_path / "d"
    try:
        yield folder
    finally:
        _end(folder)


def _end(folder: Path) -> None:
    """Stops the folder's daemon, one still starting included (killed if it will not stop)."""
    deadline = time.monotonic() + 60
    while client.lock_held(str(folder)) and not (folder / client.PID_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # still starting: it writes its pid once it listens
    if not (folder / client.PID_NAME).exists():
        return
    pid = int((folder / client.PID_NAME).read_text())
    with contextlib.suppress(daemon.DaemonError):
        daemon.stop(str(folder))
    if (folder / client.PID_NAME).exists():
        os.kill(pid, signal.SIGKILL)


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SEARCHKIT_NO_DAEMON", "NO_COLOR", "SEARCHKIT_DAEMON_IDLE")}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "SEARCHKIT_DAEMON_DIR": str(folder),
        "XDG_CONFIG_HOME": str(folder.parent / "config"),
        "COLUMNS": "80",
        **extra,
    }


def _at_a_terminal(args: list[str], env: dict[str, str], stderr: int | None = None) -> tuple[int, bytes]:
    """``searchkit ARGS`` typed at a terminal (stdin, stdout and, unless
    given, stderr): its exit status and what it showed."""
    return at_a_terminal(args, env, stderr=stderr)


def _answering(folder: Path, timeout: float = 60.0) -> daemon.Status:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = daemon.status(str(folder))
        if now.running:
            return now
        time.sleep(0.05)
    raise AssertionError(f"no daemon answered in {folder} within {timeout} s")


def _exited(folder: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while (folder / client.PID_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (folder / client.PID_NAME).exists(), f"the daemon in {folder} did not exit within {timeout} s"
    assert not (folder / client.SOCKET_NAME).exists()


@pytest.mark.slow
def test_a_read_command_at_a_terminal_starts_a_daemon_for_the_next(where: Path, library_dir: Path) -> None:
    args = ["-i", str(library_dir), "search", "missile defense", "--limit", "3"]
    first = _at_a_terminal(args, _env(where))
    started = _answering(where)
    assert started.auto and started.ran == 0 and started.index == str(library_dir)
    assert started.idle == client.DEFAULT_IDLE
    second = _at_a_terminal(args, _env(where))
    assert daemon.status(str(where)).ran == 1  # the second went through it
    cold = _at_a_terminal(args, _env(where, SEARCHKIT_NO_DAEMON="1"))
    assert first == second == cold
    assert first[0] == 0 and b"\x1b[" in first[1]  # it saw a terminal: colours
    again = _at_a_terminal(["-i", str(library_dir), "stats"], _env(where))
    assert again[0] == 0 and daemon.status(str(where)).pid == started.pid  # no second daemon


@pytest.mark.slow
def test_pipes_scripts_and_switched_off_settings_start_no_daemon(where: Path, library_dir: Path) -> None:
    args = [sys.executable, "-m", "searchkit", "-i", str(library_dir), "search", "radar"]
    leader, follower = pty.openpty()
    try:
        # stdout a pipe (stdin a terminal, as in `searchkit search radar | less`), then no terminal at all
        piped = subprocess.run(args, env=_env(where), stdin=follower, capture_output=True, timeout=120)
        script = subprocess.run(args, env=_env(where), stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    assert piped.returncode == script.returncode == 0
    assert piped.stdout == script.stdout
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", _env(where)["XDG_CONFIG_HOME"])  # this test's settings file
        daemon.change_settings(auto=False)
    code, _ = _at_a_terminal(["-i", str(library_dir), "search", "radar"], _env(where))
    assert code == 0
    for name in (client.LOG_NAME, client.LOCK_NAME, client.SOCKET_NAME):
        assert not (where / name).exists(), name  # no daemon was even begun


@pytest.mark.slow
def test_the_daemon_it_starts_holds_nothing_of_the_command(where: Path, library_dir: Path, tmp_path: Path) -> None:
    read, write = os.pipe()
    ours = f"pipe:[{os.fstat(read).st_ino}]"
    try:
        code, _ = _at_a_terminal(["-i", str(library_dir), "search", "radar"], _env(where), stderr=write)
        os.close(write)
        write = -1
        # The command has exited; its stderr pipe ends now, though the daemon lives on.
        assert select.select([read], [], [], 30)[0] and os.read(read, 65536) == b""
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
    assert code == 0
    pid = _answering(where).pid
    assert pid is not None
    assert os.getsid(pid) != os.getsid(0)  # its own session: no terminal's Ctrl-C or hang-up reaches it
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    held = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    assert ours not in held and not [h for h in held if h.startswith(("/dev/pts", "/dev/tty"))], held
    assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
    assert os.readlink(f"/proc/{pid}/fd/1") == str(where / client.LOG_NAME)


@pytest.mark.slow
def test_an_idle_daemon_exits(where: Path, library_dir: Path) -> None:
    env = _env(where, SEARCHKIT_DAEMON_IDLE="1")
    assert subprocess.run([sys.executable, "-m", "searchkit", "-i", str(library_dir), "daemon", "start"],
                          env=env, capture_output=True, timeout=120).returncode == 0
    assert daemon.status(str(where)).idle == 1.0
    ran = subprocess.run([sys.executable, "-m", "searchkit", "-i", str(library_dir), "stats"],
                         env=env, capture_output=True, timeout=120)
    assert ran.returncode == 0
    _exited(where)
    assert b"exiting: 1 s without a command" in (where / client.LOG_NAME).read_bytes()
    # and the next command simply runs in its own process
    after = subprocess.run([sys.executable, "-m", "searchkit", "-i", str(library_dir), "stats"],
                           env=env, capture_output=True, timeout=120)
    assert after.returncode == 0 and after.stdout.splitlines()[1:] == ran.stdout.splitlines()[1:]


def _long_article_daemon(where: Path, tmp_path: Path) -> list[str]:
    """A daemon on an index of one long article ("long"); the command line to reach it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = "\n\n".join(f"Paragraph {i} of a long radar report. " * 20 for i in range(200))
    (corpus / "long.txt").write_text(f"A long report\n\n{paragraphs}\n\nOctober 22, 2013\n")
    sk = [sys.executable, "-m", "searchkit", "-i", str(tmp_path / "ix")]
    assert subprocess.run([*sk, "index", str(corpus)], env=_env(where), capture_output=True, timeout=120).returncode == 0
    assert subprocess.run([*sk, "daemon", "start"], env=_env(where), capture_output=True, timeout=120).returncode == 0
    return sk


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _blocked_show(sk: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """`show long` into a pipe nobody reads yet: once this returns, the
    command is under way, blocked on the full pipe (its read end is returned)."""
    read, write = os.pipe()
    fcntl.fcntl(write, 1031, 4096)  # F_SETPIPE_SZ: the article fills it, and the command waits there
    # SIGINT as at a shell: a pytest-xdist worker ignores it, and a child keeps an ignored signal.
    proc = subprocess.Popen([*sk, "show", "long"], env=env, stdout=write, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)
    os.close(write)
    assert select.select([read], [], [], 60)[0]
    assert os.read(read, 1)
    time.sleep(0.3)
    return proc, read


@pytest.mark.slow
def test_a_long_command_keeps_no_lock_after_its_daemon_stops(where: Path, tmp_path: Path) -> None:
    sk = _long_article_daemon(where, tmp_path)
    proc, read = _blocked_show(sk, _env(where))
    try:
        assert client.lock_held(str(where))
        daemon.stop(str(where))
        deadline = time.monotonic() + 30  # the daemon lets its socket go a moment before it exits
        while client.lock_held(str(where)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.lock_held(str(where))  # a new daemon may start while the command runs on
        assert proc.poll() is None
        out = b""
        while chunk := os.read(read, 65536):
            out += chunk
        assert proc.wait(timeout=60) == 0 and len(out) > 100_000  # the whole article, after the stop
    finally:
        os.close(read)
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_ctrl_c_during_a_command_through_the_daemon(where: Path, tmp_path: Path) -> None:
    sk = _long_article_daemon(where, tmp_path)
    env = _env(where)
    whole = (tmp_path / "corpus" / "long.txt").stat().st_size  # what `show long` prints, and a little more
    proc, read = _blocked_show(sk, env)
    try:
        assert proc.stderr is not None
        proc.send_signal(signal.SIGINT)
        # Nothing reads its output until the interrupt is said: the command,
        # blocked on the full pipe, cannot finish first (were the pipe read at
        # once, it could end before the forwarded signal lands, and this would
        # test the client's own answer to that instead, test_daemon's job).
        err = b""
        while b"\n" not in err and select.select([proc.stderr], [], [], 60)[0]:
            if not (chunk := os.read(proc.stderr.fileno(), 4096)):
                break
            err += chunk
        assert err == b"Error: interrupted\n", "the Ctrl-C was lost: the command still waits on its output"
        out = b""
        while chunk := os.read(read, 65536):
            out += chunk
        code = proc.wait(timeout=60)
        err += proc.stderr.read()
    finally:
        os.close(read)
        if proc.poll() is None:
            proc.kill()
    assert (code, err) == (130, b"Error: interrupted\n")
    assert 0 < len(out) < whole // 2  # it stopped before the end of the article
    assert daemon.status(str(where)).ran == 1
    # The daemon itself was untouched: it runs the next command.
    again = subprocess.run([*sk, "search", "radar", "--format", "csv", "--fields", "id"], env=env,
                           capture_output=True, timeout=120)
    assert (again.returncode, again.stdout.splitlines()[1:]) == (0, [b"long"])
    assert daemon.status(str(where)).ran == 2


@pytest.mark.slow
def test_an_automatic_daemon_leaves_when_its_index_is_removed(where: Path, library_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    shutil.copytree(library_dir, index)
    code, _ = _at_a_terminal(["-i", str(index), "stats"], _env(where))
    assert code == 0
    _answering(where)
    shutil.rmtree(index)
    _exited(where, timeout=daemon.CHECK_EVERY + 30)
    assert f"exiting: its index {index} was removed".encode() in (where / client.LOG_NAME).read_bytes()
