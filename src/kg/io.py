"""Atomic output: a reader sees the old file or the new one, never half of one."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _default_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's temp files are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def replace_dir(staging: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Swap a fully written staging folder into place of `target`.

    The old folder is renamed aside first and removed only after the new one is in place, so a
    failure at any point leaves either the old or the new folder complete.
    """
    staging, target = Path(staging), Path(target)
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)
    return target


def staging_dir_for(target: str | os.PathLike) -> Path:
    """A fresh empty folder beside `target` (same filesystem, so the final rename is atomic)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging.", dir=target.parent))


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
