"""``searchkit daemon``: a resident process that has imported the query side
and opened an index, and forks a worker per command the client hands it.

A command through the daemon costs a connection, a fork and the query,
instead of the interpreter, numpy, Whoosh and opening the index. The
client (searchkit.client) decides what may come here: read-only commands
of the same user and the same code; everything else runs in its own
process as before.

Why each worker is safe to fork:

- The daemon holds no SQLite connection when it forks (an SQLite
  connection must never cross a fork): ``SearchIndex.prepare`` opens the
  committed generation and lets the catalog go; each worker opens its own.
- The index files the daemon opened are read with seek-then-read, and a
  forked descriptor shares its file offset with every other copy: each
  worker first re-opens every such file on the same descriptor number at
  the same offset (``_own_files``), so no two processes share an offset.
  Should any of them not be re-openable (deleted, replaced), the worker
  opens the index afresh instead.
- Each worker checks the index generation as any reader does
  (``SearchIndex`` reopens when a commit has landed), and the daemon
  itself moves to the new generation after each request.
- Peers are checked with SO_PEERCRED (same user only); the socket lives in
  a directory of this user's only (mode 0700).

How it ends: ``daemon stop``; its socket taken over or removed; after
``idle`` seconds without a command (client.idle_seconds); when its own
files change (checked before each command and every CHECK_EVERY seconds:
it could not run the new code); and, when it was started automatically
(client.autostart), when its index folder is removed. A rebuilt index (a
new generation) is reopened. One daemon a folder: each holds an flock on
``daemon.lock`` from before its start-up to its exit.

Output is the same bytes as a run in the client's own process: the worker
runs the same click ``main`` on the client's own stdin, stdout and stderr
(so terminal checks, width, colour and NO_COLOR see what the client sees),
in its working directory, with its environment, umask and stdio encodings.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import client
from .errors import SearchkitError

if TYPE_CHECKING:
    from .search import SearchIndex

LOG_NAME = client.LOG_NAME
WORKER_LOG = "worker-errors.log"
# Seconds `daemon start` waits for the new daemon to answer.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# Seconds between the idle daemon's checks: its socket still its own, its
# code unchanged, its index still there (reopened when rebuilt), its idle time.
CHECK_EVERY = 10.0
# Seconds an automatically started daemon waits for the folder's lock (a
# daemon exiting, or one started at the same moment) before giving up.
AUTO_LOCK_WAIT = 5.0
# Seconds an accepted connection keeps an idle daemon up: time for its worker
# to say it runs a command (status and stop connections do not count).
GRACE = 1.0


CHANGED = "searchkit changed since the daemon started"


class DaemonError(SearchkitError):
    """The daemon could not be started, stopped or asked."""


@dataclass(frozen=True)
class Status:
    running: bool
    directory: str
    pid: int | None = None
    index: str | None = None
    warm: bool = False
    served: int = 0
    ran: int = 0
    started: float | None = None
    same_code: bool = True
    auto: bool = False
    idle: float = 0.0

    def describe(self) -> str:
        sock = os.path.join(self.directory, client.SOCKET_NAME)
        if not self.running:
            return f"not running (socket {sock})"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started or 0))
        index = f"index {self.index}" + ("" if self.warm else " (not opened: no index there yet)")
        how = "started automatically, " if self.auto else ""
        ends = f"exits after {_duration(self.idle)} without a command" if self.idle > 0 else "no idle timeout"
        line = f"running, pid {self.pid}, since {when} ({how}{ends}); {index}; commands run: {self.ran}; socket {sock}"
        if not self.same_code:
            line += "; another searchkit than this one: commands run without it until `searchkit daemon start`"
        return line


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


# -- asking the daemon ----------------------------------------------------------


def _ask(op: str, directory: str) -> dict[str, Any] | None:
    sock = client.connect(directory)
    if sock is None:
        return None
    with sock:
        try:
            client.send_frame(sock, json.dumps({"op": op, "code": client.code_identity()}).encode())
            answer = client.recv_frame(sock)
        except OSError:
            return None
    return None if answer is None else dict(json.loads(answer))


def status(directory: str | None = None) -> Status:
    directory = directory or client.runtime_dir()
    got = _ask("status", directory)
    if got is None:
        return Status(False, directory)
    # .get: a daemon of older code may answer with fewer fields.
    return Status(
        True,
        directory,
        pid=got.get("pid"),
        index=got.get("index"),
        warm=bool(got.get("warm")),
        served=int(got.get("served", 0)),
        ran=int(got.get("ran", 0)),
        started=got.get("started"),
        same_code=bool(got.get("same_code")),
        auto=bool(got.get("auto")),
        idle=float(got.get("idle") or 0),
    )


def _private_dir(directory: str) -> None:
    with contextlib.suppress(FileExistsError):
        os.makedirs(directory, mode=0o700)
    problem = client.private_dir_problem(directory)
    if problem:
        raise DaemonError(f"cannot use {directory} for the daemon's socket: {problem}")


def start(index_dir: str, directory: str | None = None) -> Status:
    """Starts this user's daemon on ``index_dir`` (a running one of older
    code is stopped first; one of this code is left running)."""
    if not hasattr(socket, "SO_PEERCRED"):
        raise DaemonError("the daemon needs Unix sockets with SO_PEERCRED (Linux)")
    directory = directory or client.runtime_dir()
    _private_dir(directory)
    now = _settled(directory)
    if now.running and now.same_code and now.index == os.path.abspath(index_dir):
        return now
    if now.running:
        stop(directory)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(directory, client.SOCKET_NAME))  # stale: nobody answers on it
    log_path = os.path.join(directory, LOG_NAME)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            client.daemon_argv(index_dir, directory, auto=False),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=client.daemon_cwd(),
            start_new_session=True,
            env=client.daemon_env(dict(os.environ)),
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        now = status(directory)
        if now.running:
            return now
        if proc.poll() is not None:
            tail = Path(log_path).read_text(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise DaemonError(f"the daemon exited at start ({tail[0]}); see {log_path}")
        time.sleep(0.05)
    proc.terminate()
    raise DaemonError(f"the daemon did not answer within {START_TIMEOUT:.0f} s; see {log_path}")


def settings() -> tuple[bool, float, str]:
    """Auto-start on or off, the idle timeout in seconds (0: none), and the settings file."""
    chosen = client.read_settings()
    return client.auto_enabled(chosen), client.idle_seconds(chosen), client.settings_path()


def change_settings(auto: bool | None = None, idle: float | None = None) -> None:
    """Writes the settings file with ``auto`` and ``idle`` changed (None: kept)."""
    chosen = client.read_settings()
    if auto is not None:
        chosen["auto"] = "on" if auto else "off"
    if idle is not None:
        chosen["idle"] = f"{idle:g}"
    path = Path(client.settings_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# searchkit daemon settings (searchkit daemon settings --help)\n"
    text += "".join(f"{key} = {value}\n" for key, value in chosen.items())
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)


def _settled(directory: str) -> Status:
    """The folder's daemon once it answers: one still starting (it holds the
    lock, nothing answers yet) is waited for, up to START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    now = status(directory)
    while not now.running and client.lock_held(directory) and time.monotonic() < deadline:
        time.sleep(0.05)
        now = status(directory)
    return now


def stop(directory: str | None = None) -> Status:
    """Stops this user's daemon; returns its status before (running False: there was none)."""
    directory = directory or client.runtime_dir()
    before = status(directory)
    if not before.running:
        return before
    _ask("stop", directory)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not status(directory).running:
            return before
        time.sleep(0.05)
    raise DaemonError(f"the daemon (pid {before.pid}) did not stop within {STOP_TIMEOUT:.0f} s")


# -- the daemon process -----------------------------------------------------------


def _preload() -> None:
    """Everything a read command imports, so that no worker pays for it."""
    import importlib

    for name in ("cli", "search", "executor", "engine", "export", "render", "snippets", "results", "spelling"):
        importlib.import_module(f"searchkit.{name}")


class Warm:
    """The daemon's open index: reopened on a new generation, exercised once
    per generation so that what searches derive lazily (the vocabulary of
    fuzzy words, similar's term statistics...) is built before the fork."""

    def __init__(self, index_dir: str) -> None:
        self.path = os.path.abspath(index_dir)
        self.index: SearchIndex | None = None
        self.generation: int | None = None
        self.identity: tuple[tuple[int, int], tuple[int, int]] | None = None

    def refresh(self) -> None:
        from . import search

        try:
            if self.index is None:
                self.index = search.SearchIndex(self.path)
            generation = self.index.prepare()
            if generation != self.generation:
                self._exercise(self.index)
                generation = self.index.prepare()
            self.generation = generation
            self.identity = (_identity(self.path), _identity(os.path.join(self.path, "catalog.sqlite")))
        except Exception:  # no index yet, or one being rebuilt: workers open it themselves
            self.let_go()

    def let_go(self) -> None:
        if self.index is not None:
            self.index.close()
        self.index, self.generation, self.identity = None, None, None

    @staticmethod
    def _exercise(ix: SearchIndex) -> None:
        from . import export, render
        from .options import SearchOptions

        for text in ("radar", "radar~", "rad*", '"missile defense"'):
            found = export.run_search(ix, text, SearchOptions(), fields=render.DEFAULT_FIELDS, stream=False)
            list(found.hits())
        first = ix.search("*", limit=1).hits
        if first:
            ix.similar(first[0].id, limit=1)


def _identity(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _own_files(root: str) -> bool:
    """Re-opens every inherited descriptor of a file under ``root`` on the
    same number at the same offset: this process's own offset from now on.
    False when one cannot be (the caller then opens the index afresh)."""
    prefix = root.rstrip(os.sep) + os.sep
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if not target.startswith(prefix):
            continue
        if os.path.basename(target).startswith("catalog.sqlite"):
            return False  # an SQLite connection crossed the fork: never use it
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return False
            offset = os.lseek(fd, 0, os.SEEK_CUR)
            fresh = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False  # deleted or replaced since the daemon opened it
        try:
            again = os.fstat(fresh)
            if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino):
                return False
            os.lseek(fresh, offset, os.SEEK_SET)
            os.dup2(fresh, fd, inheritable=os.get_inheritable(fd))
        finally:
            os.close(fresh)
    return True


# The index the daemon opened, for its worker's command (set in the worker).
_adoptable: Warm | None = None


def adopt(index_dir: str) -> SearchIndex | None:
    """In a worker: the daemon's open index, when ``index_dir`` names that
    same folder and catalog (cli._open asks), its files made this process's
    own first. Once per worker."""
    global _adoptable
    warm, _adoptable = _adoptable, None
    if warm is None or warm.index is None or warm.identity is None:
        return None
    try:
        here = (_identity(index_dir), _identity(os.path.join(index_dir, "catalog.sqlite")))
    except OSError:
        return None
    if here != warm.identity or not _own_files(warm.path):
        return None
    # Messages name the folder as the user wrote it, as a run in their own process does.
    warm.index.path = Path(index_dir)
    return warm.index


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _stdio(settings: list[list[Any]]) -> None:
    """sys.stdin/stdout/stderr on descriptors 0/1/2, buffered and encoded as the client's are."""
    import io

    streams = []
    for fd, mode, (encoding, errors, line_buffering, write_through) in zip(
        (0, 1, 2), ("rb", "wb", "wb"), settings, strict=True
    ):
        raw = open(fd, mode, closefd=False)  # noqa: SIM115  (the process's standard streams)
        streams.append(
            io.TextIOWrapper(
                raw,
                encoding=encoding,
                errors=errors,
                line_buffering=bool(line_buffering),
                write_through=bool(write_through),
            )
        )
    sys.stdin, sys.stdout, sys.stderr = streams


def _refusal(req: dict[str, Any], signature: str) -> str | None:
    if req.get("code") != client.code_identity():
        return "another searchkit (version, folder or interpreter) than the daemon's"
    if client.code_signature() != signature:
        return CHANGED
    if req.get("utf8_mode") != sys.flags.utf8_mode or req.get("fs_encoding") != sys.getfilesystemencoding():
        return "another text encoding"
    argv = req.get("argv") or [""]
    command = client.command_of(argv[1:])
    if command is None or (command and command not in client.READ_ONLY):
        return "not a read-only command"
    return None


def _watch(conn: socket.socket) -> None:
    """The client's signals, forwarded; its going away ends the command."""
    import threading

    while True:
        try:
            got = conn.recv(1)
        except OSError:
            got = b""
        if got == b"I":
            # To the main thread: a signal the kernel gave this thread would
            # not interrupt a write the command is blocked in.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        elif got == b"T":
            os.kill(os.getpid(), signal.SIGTERM)
            return
        elif not got:  # the client was killed outright: so is its command
            os.kill(os.getpid(), signal.SIGKILL)
            return


def _run(conn: socket.socket, req: dict[str, Any], fds: list[int], warm: Warm) -> int:
    global _adoptable
    for target, fd in zip((0, 1, 2), fds, strict=True):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    time.tzset()
    os.umask(int(req["umask"]))
    import locale

    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    for signum in req.get("ignored", ()):
        signal.signal(signum, signal.SIG_IGN)
    sys.argv = list(req["argv"])
    _stdio(req["stdio"])
    _adoptable = warm
    import threading

    from . import cli

    try:
        # From here on a forwarded Ctrl-C may land at any moment: inside this try.
        threading.Thread(target=_watch, args=(conn,), daemon=True).start()
        cli.main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        code = cli.INTERRUPTED  # Ctrl-C before or after the command proper: ended, no traceback
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    import atexit

    try:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                code = code or 120  # what Python's own shutdown does when stdout cannot be flushed
    except KeyboardInterrupt:  # Ctrl-C while the last output waited on a full pipe: ended, as cli says
        if not code:
            code = cli.INTERRUPTED
            with contextlib.suppress(OSError):
                os.write(2, b"Error: interrupted\n")
    # The status is decided: a Ctrl-C landing now must not cut the exit frame
    # short (the client then exits 130 itself for one it forwarded, client.through_daemon).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


def _worker(
    conn: socket.socket, listener: socket.socket, warm: Warm, info: dict[str, Any], signature: str, ran: int
) -> None:
    listener.close()
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if client.peer_uid(conn) != os.getuid():
        return
    head, fds, _flags, _addr = socket.recv_fds(conn, client.HEADER.size, 3)
    body = client.recv_exact(conn, client.HEADER.unpack(head)[0]) if len(head) == client.HEADER.size else None
    if body is None:
        return
    req = json.loads(body.decode("utf-8", "surrogateescape"))
    op = req.get("op")
    if op == "status":
        same = req.get("code") == client.code_identity() and client.code_signature() == signature
        client.send_frame(conn, json.dumps({**info, "same_code": same}).encode())
        return
    if op == "stop":
        os.kill(os.getppid(), signal.SIGTERM)
        client.send_frame(conn, b'{"stopping": true}')
        return
    refused = _refusal(req, signature) if op == "run" and len(fds) == 3 else "not a request"
    if refused == CHANGED:
        os.kill(os.getppid(), signal.SIGTERM)  # it cannot run the new code: it makes way for a daemon that can
    answer = {"accepted": refused is None, "reason": refused, "changed": refused == CHANGED}
    client.send_frame(conn, json.dumps(answer).encode())
    if refused is not None:
        return
    os.write(ran, b".")  # counted by the daemon (status: commands run)
    os.close(ran)
    code = _run(conn, req, fds, warm)
    client.send_frame(conn, json.dumps({"exit": code}).encode())


def _still_ours(sock_path: str, inode: int) -> bool:
    try:
        return os.stat(sock_path).st_ino == inode
    except OSError:
        return False


class _Stop(BaseException):
    """SIGTERM: past every `except Exception` (a refresh under way), out of the loop."""


def _stop(_signum: int, _frame: object) -> None:
    raise _Stop


def _lock(directory: str, wait: float) -> int | None:
    """The folder's lock (its descriptor, held until this process exits), or
    None when another daemon still holds it after ``wait`` seconds."""
    import fcntl

    fd = os.open(os.path.join(directory, client.LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.05)


def _folder_stamp(path: str) -> tuple[int, int, int] | None:
    """What changes when an index folder is replaced or a commit lands in it
    (a commit adds a TOC file), or None when it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def serve(index_dir: str, directory: str, auto: bool = False) -> None:
    """The daemon's main loop (``python -m searchkit.daemon INDEX DIR [--auto]``)."""
    _private_dir(directory)
    # Before any start-up work: a second daemon for this folder (two commands
    # at one moment started one each) leaves at once.
    lock = _lock(directory, AUTO_LOCK_WAIT if auto else START_TIMEOUT)
    if lock is None:
        print(f"searchkit daemon {os.getpid()}: another daemon holds {directory}; exiting", flush=True)
        return
    os.chdir("/")  # it holds no folder of the caller's busy (client.daemon_cwd)
    signature = client.code_signature()  # of the files about to be imported
    idle = client.idle_seconds()
    _preload()
    warm = Warm(index_dir)
    warm.refresh()
    stamp = _folder_stamp(warm.path)
    sock_path = os.path.join(directory, client.SOCKET_NAME)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(sock_path)
    listener.bind(sock_path)
    os.chmod(sock_path, 0o600)
    bound = os.stat(sock_path).st_ino
    listener.listen(64)
    pid_path = os.path.join(directory, client.PID_NAME)
    Path(pid_path).write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    info: dict[str, Any] = {
        "pid": os.getpid(), "index": warm.path, "started": time.time(), "served": 0, "ran": 0,
        "auto": auto, "idle": idle,
    }
    # Each worker that runs a command writes a byte here: the count status gives.
    ran_r, ran_w = os.pipe()
    os.set_blocking(ran_r, False)
    print(f"searchkit daemon {os.getpid()} serving {warm.path} on {sock_path}", flush=True)
    last_command = last_accept = time.monotonic()
    try:
        while True:
            if _count_runs(ran_r, info):
                last_command = time.monotonic()
            # Idle from the last command run; a connection just accepted may be
            # one whose worker has not yet said so: it has GRACE seconds to.
            leave_at = max(last_command + idle, last_accept + GRACE) if idle > 0 else float("inf")
            now = time.monotonic()
            if now >= leave_at:
                print(f"searchkit daemon {os.getpid()} exiting: {_duration(idle)} without a command", flush=True)
                break
            listener.settimeout(min(CHECK_EVERY, leave_at - now))
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                why = _why_leave(sock_path, bound, signature)
                now_stamp = _folder_stamp(warm.path)
                if why is None and now_stamp is None and auto:
                    why = f"its index {warm.path} was removed"
                elif why is None and now_stamp is None:
                    warm.let_go()  # its files: a removed index's space is freed
                elif why is None and now_stamp != stamp:
                    warm.refresh()  # rebuilt or committed to: the new generation, the old files closed
                stamp = now_stamp
                if why is not None:
                    print(f"searchkit daemon {os.getpid()} exiting: {why}", flush=True)
                    break
                continue
            last_accept = time.monotonic()
            if _count_runs(ran_r, info):  # so that status counts every command before it
                last_command = last_accept
            info["warm"] = warm.index is not None
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(ran_r)
                    # flock is the open file's: a worker keeping it would keep the
                    # folder locked after the daemon exits, for a long command's time.
                    os.close(lock)
                    _worker(conn, listener, warm, info, signature, ran_w)
                except BaseException:  # the worker's own failure, not its command's: kept for whoever debugs it
                    import traceback

                    with open(os.path.join(directory, WORKER_LOG), "a") as log:
                        traceback.print_exc(file=log)
                finally:
                    os._exit(0)
            conn.close()
            info["served"] += 1
            stamp = _folder_stamp(warm.path)
            if stamp is None:
                warm.let_go()  # removed (opening it would retry for a while): the next tick decides
            else:
                warm.refresh()  # a commit since: the next worker starts on the new generation
    except _Stop:
        # `daemon stop`, or a worker that found the code changed (_worker).
        print(f"searchkit daemon {os.getpid()} exiting: told to stop (SIGTERM)", flush=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            if os.stat(sock_path).st_ino == bound:  # not a newer daemon's
                os.unlink(sock_path)
        with contextlib.suppress(FileNotFoundError):
            if Path(pid_path).read_text().strip() == str(os.getpid()):
                os.unlink(pid_path)
        listener.close()
        os.close(lock)


def _count_runs(ran_r: int, info: dict[str, Any]) -> int:
    """Adds the commands workers have said they run (a byte each) to ``info``; returns how many."""
    try:
        got = len(os.read(ran_r, 65536))
    except BlockingIOError:
        return 0
    info["ran"] += got
    return got


def _why_leave(sock_path: str, bound: int, signature: str) -> str | None:
    """Why the daemon, between commands, should exit (None: it stays)."""
    if not _still_ours(sock_path, bound):
        return "its socket was removed or taken over"
    if client.code_signature() != signature:
        return CHANGED
    return None


if __name__ == "__main__":
    # As searchkit.daemon, not __main__: cli._open looks the worker's index up there.
    from searchkit.daemon import serve as _serve

    _serve(sys.argv[1], sys.argv[2], auto="--auto" in sys.argv[3:])
