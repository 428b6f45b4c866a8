"""Safe output: kg replaces only what it made, and a reader sees the old output or the new one.

Files (`-o` of every command): written to a temp file beside the target and renamed over it,
and only when the target is absent or a regular file. A symbolic link, FIFO, device, socket or
folder is refused: renaming over a link would replace the link, not write where it points, and
renaming over /dev/full (as root) would replace the device node.

Folders (the store, dist/): built in a staging folder beside the target and swapped in by
`staged_replace`, the one place that decides whether a folder may be replaced. A folder kg made
carries the marker file MARKER; a non-empty folder without it (someone's documents) and
anything that is not a folder are refused. Every writer takes the lock file `.NAME.lock` beside
the target, so staging folders found while holding it belong to no running kg (an interrupted
run left them) and are removed.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
from pathlib import Path

from kg.errors import KgError

MARKER = ".kg-output"
# How each kind of folder looked before markers existed, so a store or dist/ made by an earlier
# kg is still recognised as ours (and gets the marker when it is next rebuilt).
_LEGACY = {"store": ("kg-store.json", "db"), "dist": ("build-info.json", "kg.nq")}
_FIX = {"store": "choose a new or empty folder with --store / KG_STORE",
        "dist": "choose a new or empty folder with --dist / KG_DIST"}


def _default_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's temp files are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a file" if stat.S_ISREG(mode) else "not a regular file"


def _os_error(path: Path, exc: OSError, fix: str) -> KgError:
    return KgError(f"cannot write: {exc.strerror or exc}; {fix}", file=str(path))


# ------------------------------------------------------------------------------------ files
def check_output_file(path: str | os.PathLike) -> Path:
    """Refuse an output path that exists and is not a regular file (exit 2, one line)."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise _os_error(path, exc, "choose another output path") from None
    if stat.S_ISREG(st.st_mode):
        return path
    if stat.S_ISLNK(st.st_mode):
        raise KgError(f"is a symbolic link (to {os.readlink(path)}); kg does not replace links: give the "
                      "real file's path, or remove the link first", file=str(path))
    raise KgError(f"is {_kind_of(st.st_mode)}, not a regular file; kg writes only regular files: "
                  "choose a file path", file=str(path))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = check_output_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _os_error(path, exc, "make its folder writable or choose another output path") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode())
        check_output_file(path)  # again: it may have become a link while we wrote
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _os_error(path, exc, "free space or choose another output path") from None
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


# ------------------------------------------------------------------------------------ folders
def is_ours(folder: str | os.PathLike, kind: str) -> bool:
    """Whether `folder` is a kg-made folder of `kind` (marker, or the layout of an older kg)."""
    folder = Path(folder)
    if (folder / MARKER).is_file():
        return True
    return all((folder / name).exists() for name in _LEGACY.get(kind, ("\0",)))


def check_replaceable(target: str | os.PathLike, kind: str) -> Path:
    """Refuse (KgError, exit 2) to replace `target` unless it is absent, an empty folder or a kg
    folder of `kind`, and every folder in it can be written (so the old one can be removed)."""
    target = Path(target)
    fix = _FIX.get(kind, "choose a new or empty folder")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise _os_error(target, exc, fix) from None
    if stat.S_ISLNK(st.st_mode):
        raise KgError(f"is a symbolic link (to {os.readlink(target)}); kg does not replace links: give the "
                      f"real folder's path, or {fix}", file=str(target))
    if not stat.S_ISDIR(st.st_mode):
        raise KgError(f"is {_kind_of(st.st_mode)}, not a kg {kind} folder; kg will not replace it: {fix}",
                      file=str(target))
    try:
        empty = not any(os.scandir(target))
    except OSError as exc:
        raise _os_error(target, exc, fix) from None
    if not empty and not is_ours(target, kind):
        raise KgError(f"is a folder kg did not make (no {MARKER} file in it), so kg will not replace its "
                      f"files: {fix}", file=str(target))
    # Deleting the old folder needs write access to it and to every folder inside it; find out
    # before swapping, not after (os.access also sees the immutable flag, even for root).
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir() and not p.is_symlink())]:
        if not os.access(folder, os.W_OK | os.X_OK):
            where = "" if folder == target else f" ({folder} inside it cannot be changed)"
            raise KgError(f"is read-only{where}, so the new {kind} cannot replace it: "
                          f"make it writable (chmod -R u+w; chattr -R -i if immutable), or {fix}",
                          file=str(target))
    return target


_held: dict[str, list] = {}  # lock path -> [open file, depth]
_held_guard = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}


@contextlib.contextmanager
def target_lock(target: str | os.PathLike):
    """Hold `.NAME.lock` beside `target` (flock): one writer per target across processes.

    Re-entrant within a process (the store rebuild holds it while staged_replace takes it again).
    """
    target = Path(target)
    lock_path = str(target.parent.resolve() / f".{target.name}.lock")
    with _held_guard:
        tl = _thread_locks.setdefault(lock_path, threading.RLock())
    with tl:
        entry = _held.get(lock_path)
        if entry is None:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fh = open(lock_path, "a")
            except OSError as exc:
                raise _os_error(target.parent, exc, "make the folder writable or choose another place") from None
            fcntl.flock(fh, fcntl.LOCK_EX)  # others wait here, then find the work done
            entry = _held[lock_path] = [fh, 0]
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del _held[lock_path]
                entry[0].close()


def _leftovers(target: Path) -> list[Path]:
    """kg's own staging and old folders beside `target` (names only kg gives)."""
    pat = re.compile(rf"^\.{re.escape(target.name)}\.(staging\.[A-Za-z0-9_]{{8}}|old(\.[A-Za-z0-9_]{{8}})?)$")
    try:
        return [p for p in target.parent.iterdir() if pat.match(p.name) and p.is_dir() and not p.is_symlink()]
    except OSError:
        return []


def clear_leftovers(target: str | os.PathLike) -> list[Path]:
    """Remove staging/old folders of interrupted runs. Call with target_lock held: then no running
    kg owns them. Best effort: one that cannot be removed is left, and never blocks a build."""
    removed = []
    for p in _leftovers(Path(target)):
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p)
    return removed


@contextlib.contextmanager
def staged_replace(target: str | os.PathLike, kind: str):
    """Yield a fresh staging folder beside `target`; when the block ends without error, swap it in
    place of `target` (with the kg marker), else remove it. The only way kg replaces a folder.

        with staged_replace(dist, "dist") as staging:
            write_outputs(staging)

    The old folder is renamed aside first and removed only after the new one is in place, so a
    failure at any point leaves either the old or the new folder complete.
    """
    target = Path(target)
    with target_lock(target):
        check_replaceable(target, kind)
        clear_leftovers(target)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging.", dir=target.parent))
        except OSError as exc:
            raise _os_error(target.parent, exc, _FIX.get(kind, "choose another folder")) from None
        try:
            (staging / MARKER).write_text(f"made by kg ({kind}); kg may replace this folder\n", encoding="utf-8")
            yield staging
            check_replaceable(target, kind)  # unchanged while we built?
            _swap(staging, target)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _os_error(target, exc, _FIX.get(kind, "choose another folder")) from None
            raise


def _swap(staging: Path, target: Path) -> None:
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent)) if target.exists() else None
    if old is not None:
        try:
            os.replace(target, old)  # replaces the empty placeholder mkdtemp made
        except OSError:
            old.rmdir()
            raise
    try:
        os.replace(staging, target)
    except OSError:
        if old is not None:
            os.replace(old, target)  # put the old one back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
        if old.exists():
            print(f"kg: warning: could not remove the previous {target.name} (now {old}); the next run "
                  "tries again, or remove it by hand", file=sys.stderr)


# ---------------------------------------------------------------- reading inputs
# Every text input (ontology/*.ttl, data/triples/**, queries/*.rq, `kg query --file`) is read
# here, so a bad file gives the same one line wherever it is met: the path, the line, the fix.

def read_bytes(path: str | os.PathLike, shown: str | None = None) -> bytes:
    """The bytes of an input file; an OSError becomes a KgError naming `shown` (default: path)."""
    from kg.errors import os_error

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise os_error(exc, shown or str(path)) from None


def read_text(path: str | os.PathLike, shown: str | None = None) -> str:
    """An input file as UTF-8 text; unreadable, binary or non-UTF-8 input is a KgError with the line."""
    return decode_utf8(read_bytes(path, shown), shown or str(path))


def decode_utf8(data: bytes, shown: str) -> str:
    from kg.errors import KgError

    # No UTF-8 text holds NUL; a NUL means an executable, image or archive was given by mistake.
    nul = data.find(b"\0")
    if nul >= 0:
        raise KgError("is a binary file, not UTF-8 text; give the text file you meant",
                      file=shown, line=data.count(b"\n", 0, nul) + 1)
    try:
        # A leading BOM is dropped, as rdflib does when it reads the file itself.
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        raise KgError(
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} at column {exc.start - line_start + 1}); "
            "save it as UTF-8, e.g. `iconv -f GBK -t UTF-8 FILE > FILE.utf8` for GBK",
            file=shown, line=data.count(b"\n", 0, exc.start) + 1) from None


__all__ = ["MARKER", "atomic_write_bytes", "atomic_write_text", "check_output_file", "check_replaceable",
           "clear_leftovers", "decode_utf8", "is_ours", "read_bytes", "read_text", "staged_replace",
           "target_lock"]
