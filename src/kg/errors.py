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
