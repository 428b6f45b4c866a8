"""Checks every query passes before any engine sees it, and the CLI's query deadline.

    check_query(text)                                   # every backend's query() calls this first
    check_query(text, allow_service=("https://query.wikidata.org/sparql",))
    with deadline(60): result = run(...)                # kg query --timeout

Why here, in one place: the embedded engines (pyoxigraph, rdflib), `kg serve`'s workers and
`kg query --endpoint` all go through a backend's `query()`, so a limit checked here holds on
every path.

- Nesting depth. pyoxigraph's parser recurses once per `{`, `(` or `[`: about 2,500 nested
  braces or 10,000 parentheses overflow the native stack and kill the process with SIGSEGV
  (exit 139, no message; measured with pyoxigraph 0.5.13). The saved questions nest at most 11
  deep, so MAX_NESTING = 128 leaves room for any hand-written query and stays far below the crash.
  rdflib hits Python's recursion limit earlier (~30 parentheses), which it reports as an error.
- SERVICE. A federated query makes the engine send HTTP requests to whatever server the query
  names — from the user's machine, or from `kg serve` on behalf of any web page (request
  forgery). Refused unless the endpoint IRI is on the caller's allow-list (`--allow-service`),
  compared *exactly*: a prefix rule would let `https://good.example` admit
  `https://good.example.evil.net`. `SERVICE ?var` names its server only at run time, so it is
  always refused. The scan reads code only (kg.sparql_text.code_layout skips strings, IRIs and comments),
  so the word inside a literal, an IRI or a comment is not a SERVICE; `ex:service`, `?service`,
  `service:x` and `_:service` are names, not the keyword.
"""
from __future__ import annotations

import os
import re
import sys
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator

from kg.errors import KgError

MAX_NESTING = 128
DEFAULT_TIMEOUT = 60.0  # seconds; kg query --timeout (0 = none). The slowest saved question at 5M is ~7 s.

_OPEN, _CLOSE = "{([", "})]"
# The keyword, not part of a name: not after ?/$ (variable), ':' (prefixed name, blank node),
# a name character, '.' or '-' (inside a local name); not before ':' (a prefix called service).
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:.\-])", re.I)
_SILENT = re.compile(r"SILENT(?![\w:.\-])", re.I)
_SKIP = re.compile(r"(?:\s+|#[^\n]*)*")
_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_PNAME = re.compile(r"([^\W\d_][\w.\-]*)?:([\w.\-:%]*)")
_PREFIX_DECL = re.compile(r"PREFIX\s+([^\W\d_][\w.\-]*)?:\s*<([^<>\s]*)>", re.I)


class QueryRefused(KgError):
    """A query the guard will not hand to an engine (too deep, or an outbound SERVICE)."""


def check_query(text: str, *, allow_service: Iterable[str] = (),
                prefixes: dict[str, str] | None = None) -> None:
    """Raise QueryRefused when `text` nests deeper than MAX_NESTING or calls a SERVICE that is
    not on `allow_service` (exact endpoint IRIs). `prefixes` resolve `SERVICE ex:endpoint`."""
    from kg.sparql_text import code_layout

    positions, flat, _ = code_layout(text)
    depth = 0
    for i, ch in enumerate(flat):
        if ch in _OPEN:
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, positions[i][0]) + 1
                raise QueryRefused(f"the query nests {{ ( [ deeper than {MAX_NESTING} levels (line {line}); "
                                   "flatten it (the engine would crash on deep nesting)", line=None)
        elif ch in _CLOSE:
            depth -= 1
    if "service" not in flat.lower():  # the fast path: almost no query federates
        return
    allowed = set(allow_service)
    for m in _SERVICE.finditer(flat):
        start = positions[m.end() - 1][0] + 1  # back in the original text, after the keyword
        target = _service_target(text, start, prefixes)
        line = text.count("\n", 0, positions[m.start()][0]) + 1
        if target is None:
            raise QueryRefused(f"line {line}: SERVICE with a variable endpoint is refused: the server it "
                               "would call is known only at run time; name the endpoint IRI")
        if target not in allowed:
            from kg.remote import mask_url

            shown = mask_url(target)
            how = (f"pass --allow-service {shown} to allow it" if not allowed else
                   f"it is not on the --allow-service list (exact IRIs: {', '.join(sorted(map(mask_url, allowed)))})")
            raise QueryRefused(f"line {line}: SERVICE <{shown}> would send a request from this machine "
                               f"to another server; refused: {how}")


def _service_target(text: str, i: int, prefixes: dict[str, str] | None) -> str | None:
    """The endpoint IRI after `SERVICE [SILENT]` at text[i:]; None for a variable."""
    i = _SKIP.match(text, i).end()
    m = _SILENT.match(text, i)
    if m:
        i = _SKIP.match(text, m.end()).end()
    if text[i:i + 1] in ("?", "$"):
        return None
    m = _IRI.match(text, i)
    if m:
        return m.group(1)
    m = _PNAME.match(text, i)
    if m:
        known = dict(prefixes or {})
        known.update({p or "": ns for p, ns in _PREFIX_DECL.findall(text)})
        ns = known.get(m.group(1) or "")
        return ns + m.group(2) if ns is not None else m.group(0)
    return text[i:i + 40].split()[0] if text[i:].strip() else ""


def engine_message(exc: BaseException) -> str:
    """An engine's error as one line without what a remote server sent: pyoxigraph quotes a
    SERVICE endpoint's whole reply after 'with payload:', and a server's text is not ours to
    show (it can carry anything, secrets included)."""
    from kg.remote import redact

    text = re.split(r"\s+with payload:|\n", str(exc).strip(), maxsplit=1)[0]
    return redact(" ".join(text.split()))[:300]


# --------------------------------------------------------------------------- deadline
def timeout_message(seconds: float) -> str:
    return (f"kg: the query ran longer than --timeout {seconds:g} s and was stopped; narrow it "
            "(bind a parameter, add LIMIT, or page with --limit) or raise --timeout (0 = no limit)")


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Stop the process with one line and exit 2 if the body runs longer than `seconds`.

    pyoxigraph cannot cancel a running query from Python, but it releases the GIL while it
    evaluates, so a watchdog thread gets to run (measured: a 4-way cartesian product is stopped
    at 1.01 s of a 1 s deadline). The watchdog ends the process with os._exit: nothing has been
    written to stdout yet (results are printed after the body), and the store is open read-only,
    so there is nothing to flush or unlock. No thread is started when there is no deadline.
    """
    if not seconds or seconds <= 0:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        if not done.wait(seconds):
            sys.stderr.write(timeout_message(seconds) + "\n")
            sys.stderr.flush()
            os._exit(2)

    threading.Thread(target=watch, name="kg-query-deadline", daemon=True).start()
    try:
        yield
    finally:
        done.set()
