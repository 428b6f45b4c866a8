"""Streaming N-Quads output for kg.synth: terms as text, one line per quad, nothing kept.

The generator never builds a graph; it hands quads here as already-formatted N-Triples terms and
this class writes them through a buffer, counting as it goes (the count is what the generator
steers by to hit its target size).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
XSD = "http://www.w3.org/2001/XMLSchema#"


def iri(value: str) -> str:
    return f"<{value}>"


def zh(text: str) -> str:
    return f'"{text.translate(_ESC)}"@zh'


def en(text: str) -> str:
    return f'"{text.translate(_ESC)}"@en'


def plain(text: str) -> str:
    return f'"{text.translate(_ESC)}"'


def typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{XSD}{datatype}>'


def integer(n: int) -> str:
    return typed(str(n), "integer")


class QuadWriter:
    """Writes `s p o g .` lines to a temp file beside `path`; `commit()` renames it into place."""

    FLUSH_LINES = 20000

    def __init__(self, path: str | os.PathLike):
        from kg.io import check_output_file

        self.path = check_output_file(path)  # a FIFO, link or device there is refused, never replaced
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._buf: list[str] = []
        self.count = 0

    def quad(self, s: str, p: str, o: str, g: str | None = None) -> None:
        self._buf.append(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
        self.count += 1
        if len(self._buf) >= self.FLUSH_LINES:
            self._flush()

    def raw_line(self, line: str) -> None:
        """A line already in N-Quads syntax (the ontology, serialized by pyoxigraph)."""
        self._buf.append(line if line.endswith("\n") else line + "\n")
        self.count += 1

    def _flush(self) -> None:
        self._fh.write("".join(self._buf))
        self._buf.clear()

    def commit(self) -> Path:
        self._flush()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        from kg.io import check_output_file

        check_output_file(self.path)  # again: it may have changed during a long generation
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._fh.close()
        Path(self._tmp).unlink(missing_ok=True)
