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

From an interactive terminal (stdin and stdout both terminals), a read
command that finds no daemon runs here as before and also starts one, fully
detached, for the commands after it (``autostart``), and so does an index
run (``after_index``: the first search after it is the daemon's); it exits
after ``idle`` seconds without a command. Scripts, pipes and CI never start one.
"""

from __future__ import annotations

import os
import signal
import stat
import struct
import sys
import zlib

TYPE_CHECKING = False  # typing itself is a few milliseconds this module exists to save
if TYPE_CHECKING:
    import socket
    from collections.abc import MutableMapping, Sequence

# Commands that only read the index: the ones a daemon's worker may run.
# `index`, `save`, `saved --delete`, `alerts` (marks seen), `serve` and
# `daemon` always run in the calling process.
READ_ONLY = frozenset({"search", "timeline", "terms", "similar", "duplicates", "stats", "sources", "show"})
SOCKET_NAME = "daemon.sock"
PID_NAME = "daemon.pid"
LOG_NAME = "daemon.log"
# Held (flock) by the daemon from before its start-up to its exit: one daemon a folder.
LOCK_NAME = "daemon.lock"
# Seconds without a command after which a daemon exits (0: never); the
# `idle` setting and $SEARCHKIT_DAEMON_IDLE change it.
DEFAULT_IDLE = 900.0
# Frames: a 4-byte big-endian length, then that many bytes of JSON.
HEADER = struct.Struct(">I")
PACKAGE = os.path.dirname(os.path.abspath(__file__))
# Signals the client passes on to the worker (SIGINT as b"I", the others as b"T").
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The exit status of a read command Ctrl-C ended (cli.INTERRUPTED: 128 + SIGINT).
INTERRUPTED = 130


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


def code_identity() -> str:
    """Which searchkit this is, without reading its files: its version, where
    it lives and the interpreter. The client sends this; the daemon checks
    that its own files have not changed since it started (code_signature)."""
    from . import __version__

    # sys.prefix, not sys.executable: python and python3 are one interpreter.
    return "\n".join((__version__, PACKAGE, sys.prefix, sys.version))


def code_signature() -> str:
    """This searchkit's code: its identity and every package file's size and
    modification time. A daemon whose files changed since it started (an
    upgrade, an edited file) runs no more commands."""
    from . import __version__

    parts = [code_identity()]
    folders = [PACKAGE]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif not entry.name.endswith((".pyc", ".pyo")):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
    parts[1:] = sorted(parts[1:])
    text = "\n".join(parts).encode("utf-8", "surrogateescape")
    return f"{__version__}-{zlib.crc32(text):08x}-{zlib.adler32(text):08x}"


def _index_dir_width(arg: str) -> int:
    """How many arguments the group's --index-dir at ``arg`` takes: 2 for
    `-i DIR`, 1 for `-iDIR` or `--index-dir=DIR`, 0 when ``arg`` is not it."""
    if arg in ("-i", "--index-dir"):
        return 2
    if arg.startswith("--index-dir=") or (arg.startswith("-i") and not arg.startswith("--")):
        return 1
    return 0


def command_of(args: Sequence[str]) -> str | None:
    """The subcommand ``args`` run ("" for the group's own --help or
    --version), or None when they cannot be read without click."""
    i = 0
    while i < len(args):
        arg = args[i]
        if width := _index_dir_width(arg):
            i += width
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
    import socket

    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    return int(uid)


def connect(directory: str | None = None) -> socket.socket | None:
    """A connection to this user's daemon, or None (no daemon, a stale
    socket, a directory or socket another user could have made)."""
    directory = directory or runtime_dir()
    if private_dir_problem(directory):
        return None  # the usual case without a daemon: decided before socket is imported (4 ms)
    import socket

    if not hasattr(socket, "SO_PEERCRED"):
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
    import socket

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
        "code": code_identity(),
        "utf8_mode": sys.flags.utf8_mode,
        "fs_encoding": sys.getfilesystemencoding(),
        "stdio": [_stream(sys.stdin), _stream(sys.stdout), _stream(sys.stderr)],
        # A shell starts background jobs with SIGINT ignored, nohup SIGHUP:
        # Python keeps such a disposition, and so must the worker.
        "ignored": [int(signum) for signum in FORWARDED if signal.getsignal(signum) == signal.SIG_IGN],
    }


class Refused(Exception):
    """The daemon answered but would not run the command (its ``reason``)."""

    def __init__(self, reason: str, changed: bool) -> None:
        super().__init__(reason)
        self.changed = changed  # its own files changed: it is exiting


def through_daemon(args: Sequence[str], sock: socket.socket | None = None) -> int | None:
    """Runs ``args`` in a daemon worker and returns its exit status, or None
    when no daemon answers; raises Refused when one answers but refuses
    (nothing has been written then, in either case)."""
    sock = sock or connect()
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
        got = {} if answer is None else json.loads(answer)
        if got.get("accepted") is not True:
            raise Refused(str(got.get("reason")), bool(got.get("changed")))

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
        code = int(json.loads(done)["exit"])
        if code == 0 and forwarded:
            # The signal reached this process while the command ran, but the
            # worker finished before the forwarded one landed (it arrives
            # through the socket and a thread of the worker's: a command
            # whose output was being drained can end within that time). In
            # its own process the command would have been ended by it: so it
            # is now, or a Ctrl-C that happened to land in the last moment
            # would be ignored (exit 0, a script's loop going on).
            if forwarded[-1] == signal.SIGINT:
                sys.stderr.write("Error: interrupted\n")  # as cli says it, with its status
                return INTERRUPTED
            signal.signal(forwarded[-1], signal.SIG_DFL)
            os.kill(os.getpid(), forwarded[-1])
        return code
    if forwarded:  # the worker died of the signal sent to us: so do we, as a run here would
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    sys.stderr.write("Error: the searchkit daemon's worker ended without an exit status\n")
    return 1


# -- settings ---------------------------------------------------------------------


def settings_path() -> str:
    """This user's daemon settings: ``auto = on|off`` and ``idle = SECONDS``."""
    home = os.environ.get("XDG_CONFIG_HOME")
    if not home or not os.path.isabs(home):
        home = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(home, "searchkit", "daemon.conf")


def read_settings() -> dict[str, str]:
    """The settings file's ``key = value`` lines (none when it is missing or unreadable)."""
    found: dict[str, str] = {}
    try:
        with open(settings_path(), encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.partition("=")
                if sep and not key.lstrip().startswith("#"):
                    found[key.strip()] = value.strip()
    except (OSError, UnicodeDecodeError):
        pass
    return found


def auto_enabled(settings: dict[str, str] | None = None) -> bool:
    value = (read_settings() if settings is None else settings).get("auto", "on")
    return value.lower() not in ("off", "no", "false", "0")


def idle_seconds(settings: dict[str, str] | None = None) -> float:
    """Seconds without a command before a daemon exits ($SEARCHKIT_DAEMON_IDLE,
    else the ``idle`` setting, else DEFAULT_IDLE); 0 or less: never."""
    chosen = read_settings() if settings is None else settings
    for value in (os.environ.get("SEARCHKIT_DAEMON_IDLE"), chosen.get("idle")):
        if value:
            try:
                return float(value)
            except ValueError:
                continue
    return DEFAULT_IDLE


# -- starting a daemon from a terminal -----------------------------------------------


def index_of(args: Sequence[str]) -> str:
    """The --index-dir ``args`` give (as cli reads it: the option, else $SEARCHKIT_INDEX, else index)."""
    chosen = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-i", "--index-dir"):
            chosen = args[i + 1] if i + 1 < len(args) else None
            i += 2
        elif arg.startswith("--index-dir="):
            chosen, i = arg.partition("=")[2], i + 1
        elif arg.startswith("-i") and not arg.startswith("--"):
            chosen, i = arg[2:], i + 1
        else:
            break
    return chosen or os.environ.get("SEARCHKIT_INDEX") or "index"


def interactive() -> bool:
    """A person at a terminal: stdin and stdout both are one."""
    try:
        return os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def _may_autostart() -> bool:
    """The rule every auto-start shares: a person at a terminal, daemons not
    switched off by SEARCHKIT_NO_DAEMON (the auto setting is read after the
    caller's own checks: it is a file read)."""
    return not os.environ.get("SEARCHKIT_NO_DAEMON") and interactive()


def wants_daemon(args: Sequence[str]) -> bool:
    """Whether a run of ``args`` here should start a daemon for the next
    command: a read command, typed at a terminal, auto-start not switched off."""
    if not _may_autostart():
        return False
    command = command_of(args)
    if not command or command not in READ_ONLY or "--help" in args or "-h" in args:
        return False
    return auto_enabled()


def lock_held(directory: str) -> bool:
    """Whether a daemon holds the folder's lock (running, or still starting)."""
    import fcntl

    try:
        fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def daemon_env(env: dict[str, str]) -> dict[str, str]:
    """The environment a daemon starts with: the caller's, with PYTHONPATH
    made absolute (the daemon does not run in the caller's folder)."""
    env = dict(env)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else p for p in env["PYTHONPATH"].split(os.pathsep))
    # searchkit makes no BLAS calls; one thread keeps the daemon's forks simple.
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["SEARCHKIT_NO_DAEMON"] = "1"
    return env


def daemon_argv(index_dir: str, directory: str, auto: bool) -> list[str]:
    # Run from the folder holding this package (see daemon_cwd): `-m` puts it first on sys.path.
    flag = ["--auto"] if auto else []
    return [sys.executable, "-m", "searchkit.daemon", os.path.abspath(index_dir), directory, *flag]


def daemon_cwd() -> str:
    """Where a daemon starts: the folder holding this package, so that `python
    -m searchkit.daemon` imports this very searchkit whatever the caller's
    folder holds (the daemon then moves to /)."""
    return os.path.dirname(PACKAGE)


def autostart(args: Sequence[str], replacing: bool = False) -> bool:
    """Starts a daemon on the index ``args`` name (see autostart_on)."""
    return autostart_on(index_of(args), replacing)


def after_index(index_dir: str) -> bool:
    """After an index run typed at a terminal, a daemon on that index for the
    searches that follow it, so that the first one is answered at the
    daemon's speed instead of paying the start-up; True when one was
    started. The rules of a read command's own auto-start: stdin and stdout
    terminals, auto-start on, SEARCHKIT_NO_DAEMON unset; scripts, pipes and
    CI never start one. A daemon that holds the folder already is left
    alone (it sees the new commit at its next command)."""
    if not _may_autostart() or not auto_enabled():
        return False
    return autostart_on(index_dir)


def autostart_on(index_dir: str, replacing: bool = False) -> bool:
    """Starts a daemon on ``index_dir``, detached from this process (its own
    session, no inherited descriptors, stdio on /dev/null and its log), and
    returns at once; True when one was started. Nothing when the index does
    not exist, or a daemon holds the folder (one still starting) unless
    ``replacing`` one that is exiting."""
    directory = runtime_dir()
    index_dir = os.path.abspath(index_dir)
    try:
        if not os.path.isfile(os.path.join(index_dir, "catalog.sqlite")):
            return False
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if private_dir_problem(directory) or (not replacing and lock_held(directory)):
            return False
        spawn_detached(daemon_argv(index_dir, directory, auto=True), daemon_env(dict(os.environ)),
                       daemon_cwd(), os.path.join(directory, LOG_NAME))
    except OSError:
        return False  # no daemon this time: the command itself is unaffected
    return True


def spawn_detached(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """Runs ``argv`` in a grandchild in a new session (so no terminal signal
    reaches it and nothing waits for it), stdin on /dev/null, stdout and
    stderr appended to ``log``, every other descriptor closed; the child in
    between is reaped here, so this returns as soon as the grandchild exists."""
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child: nothing here returns)
            try:
                os.setsid()
                if os.fork() == 0:
                    os.chdir(cwd)
                    null = os.open(os.devnull, os.O_RDWR)
                    os.dup2(null, 0)
                    os.dup2(out, 1)
                    os.dup2(out, 2)
                    os.closerange(3, 1 << 20)  # close_range(2) on Linux: one call
                    os.execve(argv[0], argv, env)
            finally:
                os._exit(0)
    finally:
        os.close(out)
    os.waitpid(pid, 0)


# -- `searchkit --help` without click -------------------------------------------------


def _columns() -> int:
    """The terminal width click formats help for (shutil.get_terminal_size's rule)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _click_stamp() -> str:
    """Which click would format the help (its package file), without importing it."""
    for entry in sys.path:
        try:
            st = os.stat(os.path.join(entry or os.getcwd(), "click", "__init__.py"))
        except OSError:
            continue
        return f"{entry}:{st.st_size}:{st.st_mtime_ns}"
    return ""


def help_path() -> str:
    """Where ``searchkit --help``'s text is kept for this code, this click and
    this width (in the package's __pycache__, which the code signature leaves out)."""
    key = f"{code_signature()}\n{_click_stamp()}\n{_columns()}".encode("utf-8", "surrogateescape")
    return os.path.join(PACKAGE, "__pycache__", f"help-{zlib.crc32(key):08x}-{zlib.adler32(key):08x}.txt")


def cached_help() -> str:
    """``searchkit --help``'s output: click's own text, made once per code,
    click and terminal width and then read back (click, the command
    definitions and the option tables are a third of the command's start-up)."""
    path = help_path()
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        pass
    from .cli import help_text

    text = help_text()
    if text.isascii():  # written as is to any stdout encoding, as click would
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, exist_ok=True)
            for old in os.listdir(folder):
                if old.startswith("help-") and old.endswith(".txt"):
                    os.unlink(os.path.join(folder, old))
            fresh = f"{path}.{os.getpid()}"
            with open(fresh, "w", encoding="ascii") as f:
                f.write(text)
            os.replace(fresh, path)
        except OSError:
            pass  # a read-only install: made each time, as without this
    return text


def just_help(args: Sequence[str]) -> bool:
    """Whether ``args`` ask for the group's help alone (after any --index-dir,
    which does not change it)."""
    i = 0
    while i < len(args) and (width := _index_dir_width(args[i])):
        i += width
    return list(args[i:]) in (["--help"], ["-h"])


def one_blas_thread(environ: MutableMapping[str, str] = os.environ) -> None:
    """Asks numpy's OpenBLAS for one thread, unless the user chose a number.

    searchkit makes no BLAS calls, but OpenBLAS starts a thread per core
    when numpy loads: 25-60 ms of a cold command's wall time on 2 cores
    (more on a loaded machine; `python -c "import numpy"` 0.144 s against
    0.086 s with one thread, load 3). Set before numpy loads (OpenBLAS reads
    it then), in this process's environment, so the processes a command
    starts (index workers, a daemon) inherit it too."""
    if not environ.get("OPENBLAS_NUM_THREADS"):
        environ["OPENBLAS_NUM_THREADS"] = "1"


def main() -> None:
    args = sys.argv[1:]
    if just_help(args):
        sys.stdout.write(cached_help())
        sys.stdout.flush()
        raise SystemExit(0)
    if _eligible(args):
        try:
            status = through_daemon(args)
            start, replacing = status is None, False
        except Refused as refused:
            status, start, replacing = None, refused.changed, refused.changed
        except KeyboardInterrupt:
            # Before the worker had the signals forwarded: if it had begun, it
            # sees this end of the connection close and ends too. Said as the
            # worker (cli) says it, and with its status.
            sys.stderr.write("Error: interrupted\n")
            raise SystemExit(INTERRUPTED) from None
        if status is not None:
            sys.stdout.flush()
            raise SystemExit(status)
        if start and wants_daemon(args):
            autostart(args, replacing)
    one_blas_thread()
    from .cli import main as run_here

    run_here()
