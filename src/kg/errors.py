"""Exit codes and the one error type the CLI turns into a clean message.

Exit codes (every command): 0 ok, 1 invalid (the data breaks a rule), 2 error (bad input,
syntax error, missing file, unreachable server).
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2


class KgError(Exception):
    """A problem the user can fix. Printed as `file:line: message` when a place is known."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class KgInvalid(KgError):
    """The data parsed but breaks a rule (SHACL or a violation check)."""

    exit_code = EXIT_INVALID


def os_error(exc: OSError, file: str | None = None) -> KgError:
    """One line for a failed file operation: the path, what is wrong, and what to do.

    Every input reader (kg.io.read_text) and the CLI's last-resort handler use this, so an
    unreadable file, a symlink loop or a dangling symlink reads the same wherever it is met.
    """
    import errno
    import os

    name = file or exc.filename
    if name is None:  # e.g. a socket error: no path to name
        return KgError(f"{(exc.strerror or str(exc)).lower()} (errno {exc.errno})")
    path = exc.filename if isinstance(exc.filename, (str, os.PathLike)) else None
    code = exc.errno
    if code == errno.ENOENT and path is not None and os.path.islink(path):
        why = f"is a symlink to {os.readlink(path)}, which does not exist; fix or remove the link"
    elif code == errno.ELOOP:
        why = "is a symlink loop (it points back to itself); fix or remove the link"
    elif code == errno.ENOENT:
        why = "does not exist; check the path"
    elif code in (errno.EACCES, errno.EPERM):
        why = "permission denied; give your user access to it (e.g. chmod u+rw) or use another path"
    elif code == errno.EISDIR:
        why = "is a folder where a file is expected; give a file"
    elif code == errno.ENOTDIR:
        why = "a part of this path is a file where a folder is expected; check the path"
    elif code == errno.EEXIST:
        why = "is in the way (it already exists, and is not what is needed there); move it or choose another path"
    elif code == errno.ENOSPC:
        why = "no space left on the device; free some space and run again"
    elif code == errno.EROFS:
        why = "is on a read-only file system; use a writable place"
    else:
        why = f"{(exc.strerror or str(exc)).lower()}; check the path"
    return KgError(why, file=str(name))
