"""The ``searchkit`` entry point: hands a read-only command to a running
``searchkit daemon`` when there is one of this user and this code, and
runs it in this process otherwise.

Imports the standard library only (no click, numpy or Whoosh): talking to
the daemon must cost a few milliseconds, not the start-up it saves.

The daemon (searchkit.daemon) listens on a Unix socket in a directory of
this user's only (mode 0700): ``$SEARCHKIT_DAEMON_DIR``, else
``$XDG_RUNTIME_DIR/searchkit``, else ``searchkit-<uid>`` in ``$TMPDIR`` (or
/tmp). The client sends its arguments, working directory, environment,
umask and stdio encodings, and its stdin, stdout and stderr themselves
(SCM_RIGHTS); a forked worker runs the command on those descriptors,
exactly as this process would have, and sends back the exit status. Any
doubt (no socket, a stale one, another user's, a daemon of other code, a
command that writes, ``SEARCHKIT_NO_DAEMON`` set) runs the command here.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import struct
import sys
import zlib

TYPE_CHECKING = False  # typing itself is a few milliseconds this module exists to save
if TYPE_CHECKING:
    from collections.abc import Sequence

# Commands that only read the index: the ones a daemon's worker may run.
# `index`, `save`, `saved --delete`, `alerts` (marks seen), `serve` and
# `daemon` always run in the calling process.
READ_ONLY = frozenset({"search", "timeline", "terms", "similar", "duplicates", "stats", "sources", "show"})
SOCKET_NAME = "daemon.sock"
PID_NAME = "daemon.pid"
# Frames: a 4-byte big-endian length, then that many bytes of JSON.
HEADER = struct.Struct(">I")
PACKAGE = os.path.dirname(os.path.abspath(__file__))
# Signals the client passes on to the worker (SIGINT as b"I", the others as b"T").
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def runtime_dir() -> str:
    """The directory holding this user's daemon socket (it may not exist yet)."""
    chosen = os.environ.get("SEARCHKIT_DAEMON_DIR")
    if chosen:
        return os.path.abspath(chosen)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "searchkit")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"searchkit-{os.getuid()}")


def private_dir_problem(path: str) -> str | None:
    """Why ``path`` is not a directory of this user's only (None: it is)."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"{path}: {exc.strerror}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a directory"
    if st.st_uid != os.getuid():
        return f"{path} belongs to another user"
    if st.st_mode & 0o077:
        return f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}, needs 700)"
    return None


def code_signature() -> str:
    """This searchkit's code: its version, where it lives, the environment,
    and every package file's size and modification time. A daemon started
    on other code (an upgrade, an edited file) is not used."""
    from . import __version__

    # sys.prefix, not sys.executable: python and python3 are one interpreter.
    parts = [__version__, PACKAGE, sys.prefix, sys.version]
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            parts.append(f"{os.path.relpath(os.path.join(folder, name), PACKAGE)}:{st.st_size}:{st.st_mtime_ns}")
    text = "\n".join(parts).encode("utf-8", "surrogateescape")
    return f"{__version__}-{zlib.crc32(text):08x}-{zlib.adler32(text):08x}"


def command_of(args: Sequence[str]) -> str | None:
    """The subcommand ``args`` run ("" for the group's own --help or
    --version), or None when they cannot be read without click."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-i", "--index-dir"):
            i += 2
        elif arg.startswith("--index-dir=") or (arg.startswith("-i") and not arg.startswith("--")):
            i += 1
        elif arg in ("-h", "--help", "--version"):
            return ""
        elif arg.startswith("-"):
            return None  # an option click will refuse: let it say so, here
        else:
            return arg
    return ""


def _eligible(args: Sequence[str]) -> bool:
    if os.environ.get("SEARCHKIT_NO_DAEMON"):
        return False
    command = command_of(args)
    if command is None or (command and command not in READ_ONLY):
        return False
    # The pager needs this process's controlling terminal, which a worker has not.
    return not (command == "show" and sys.stdout.isatty())


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end (Linux SO_PEERCRED)."""
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    return int(uid)


def connect(directory: str | None = None) -> socket.socket | None:
    """A connection to this user's daemon, or None (no daemon, a stale
    socket, a directory or socket another user could have made)."""
    directory = directory or runtime_dir()
    if not hasattr(socket, "SO_PEERCRED") or private_dir_problem(directory):
        return None
    path = os.path.join(directory, SOCKET_NAME)
    try:
        st = os.lstat(path)
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            raise OSError("daemon of another user")
    except OSError:
        sock.close()
        return None
    return sock


def send_frame(sock: socket.socket, payload: bytes, fds: Sequence[int] = ()) -> None:
    data = HEADER.pack(len(payload)) + payload
    sent = socket.send_fds(sock, [data], list(fds)) if fds else sock.send(data)
    if sent < len(data):  # an empty send to a peer that has read and closed is EPIPE
        sock.sendall(data[sent:])


def recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> bytes | None:
    head = recv_exact(sock, HEADER.size)
    if head is None:
        return None
    return recv_exact(sock, HEADER.unpack(head)[0])


def _stream(stream: object) -> list[object]:
    return [getattr(stream, name, None) for name in ("encoding", "errors", "line_buffering", "write_through")]


def request(args: Sequence[str]) -> dict[str, object]:
    """What a worker needs to run ``args`` as this process would."""
    mask = os.umask(0o022)
    os.umask(mask)
    return {
        "op": "run",
        "argv": [sys.argv[0], *args],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": mask,
        "code": code_signature(),
        "utf8_mode": sys.flags.utf8_mode,
        "fs_encoding": sys.getfilesystemencoding(),
        "stdio": [_stream(sys.stdin), _stream(sys.stdout), _stream(sys.stderr)],
        # A shell starts background jobs with SIGINT ignored, nohup SIGHUP:
        # Python keeps such a disposition, and so must the worker.
        "ignored": [int(signum) for signum in FORWARDED if signal.getsignal(signum) == signal.SIG_IGN],
    }


def through_daemon(args: Sequence[str]) -> int | None:
    """Runs ``args`` in a daemon worker and returns its exit status, or None
    when no daemon took it (nothing has been written then)."""
    sock = connect()
    if sock is None:
        return None
    import json

    forwarded: list[int] = []
    with sock:
        try:
            fds = [sys.stdin.fileno(), sys.stdout.fileno(), sys.stderr.fileno()]
            send_frame(sock, json.dumps(request(args)).encode("utf-8", "surrogateescape"), fds)
            answer = recv_frame(sock)
        except (OSError, ValueError, AttributeError):
            return None
        if answer is None or json.loads(answer).get("accepted") is not True:
            return None

        def forward(signum: int, _frame: object) -> None:
            forwarded.append(signum)
            try:
                sock.send(b"I" if signum == signal.SIGINT else b"T")
            except OSError:
                return  # the worker is gone: the read below sees its end of the connection

        for signum in FORWARDED:
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, forward)
        try:
            done = recv_frame(sock)
        except OSError:
            done = None
    if done is not None:
        return int(json.loads(done)["exit"])
    if forwarded:  # the worker died of the signal sent to us: so do we, as a run here would
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    sys.stderr.write("Error: the searchkit daemon's worker ended without an exit status\n")
    return 1


def main() -> None:
    args = sys.argv[1:]
    if _eligible(args):
        status = through_daemon(args)
        if status is not None:
            sys.stdout.flush()
            raise SystemExit(status)
    from .cli import main as run_here

    run_here()
