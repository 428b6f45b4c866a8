"""The embedded, read-only store that answers SPARQL: one interface, pluggable engines.

    store = open_store()                      # pyoxigraph on disk, rebuilt when inputs change
    store = open_store(engine="rdflib")       # in-memory rdflib Dataset, for comparison
    result = store.query("SELECT ...", {"city": Iri(...)})

Engines
- ``oxigraph``: a pyoxigraph Store kept on disk at `kg.paths.store_dir()` (or `path`). Reopening
  it costs ~20 ms, parsing the Turtle again costs ~0.5 s, so the store is kept and only rebuilt
  when the content hash of its inputs (ontology/, data/triples/, src/kg/rules/) changes.
- ``rdflib``: an rdflib Dataset built in memory on every open; slow, but an independent second
  implementation to check the answers against.
- ``memory``: pyoxigraph in memory, from a dataset handed in directly (the fake for tests).

Every engine runs queries with the default graph as the union of all graphs, so users need no
GRAPH clause; `GRAPH ?g` still reaches the named graph of each report. A query that names its own
dataset (FROM / FROM NAMED), or a protocol `dataset=`, gets exactly that dataset instead.
Parameters are bound into the text by `bind_text` (kg.sparql_text) for every engine: one path.

The oxigraph fast path deliberately avoids importing rdflib (≈0.2 s of the ~0.3 s a
`kg query` takes otherwise): prefixes are stored in the store's metadata file and result rows
stay pyoxigraph terms. Use `term_text` / `term_json` / `term_key` to read terms of either kind.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from kg.errors import KgError, KgInvalid
from kg.sparql_text import bind_text, code_layout, names_dataset, projected_vars, with_dataset  # noqa: F401 (re-exported)

ENGINES = ("oxigraph", "rdflib", "memory")
STORE_FORMAT = 1  # bump when the on-disk layout or what goes into it changes
META_FILE = "kg-store.json"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# --------------------------------------------------------------------------- parameter terms
@dataclass(frozen=True)
class Iri:
    """An IRI parameter value (engine-neutral, converted by each backend)."""

    value: str


@dataclass(frozen=True)
class Lit:
    """A literal parameter value: plain string, language-tagged, or typed."""

    value: str
    datatype: str | None = None
    lang: str | None = None


Term = Iri | Lit

# IRIREF characters forbidden by the SPARQL grammar: rejecting them is what keeps a parameter
# from closing the IRI and continuing the query text.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def check_iri(value: str) -> str:
    if not value or _BAD_IRI.search(value) or ":" not in value:
        raise KgError(f"not a valid IRI: {value!r}")
    return value


def term_to_sparql(term: Term) -> str:
    """SPARQL syntax for a parameter term, escaped so it can only ever be one term."""
    if isinstance(term, Iri):
        return f"<{check_iri(term.value)}>"
    text = (
        term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if term.lang:
        if not _LANG.match(term.lang):
            raise KgError(f"not a valid language tag: {term.lang!r}")
        return f'"{text}"@{term.lang}'
    if term.datatype and term.datatype != XSD_STRING:
        return f'"{text}"^^<{check_iri(term.datatype)}>'
    return f'"{text}"'


# --------------------------------------------------------------------------- results
@dataclass
class Result:
    """A query answer. `kind` is select, ask or construct.

    select: `columns` (variable names) and `rows` (tuples of terms, None when unbound).
    ask: `boolean`. construct: `triples` (tuples of three terms); `columns` s/p/o and the same
    triples as `rows`, so tabular output works for every kind.
    """

    kind: str
    columns: list[str]
    rows: list[tuple]
    boolean: bool | None = None
    engine: str = ""
    triples: list[tuple] = field(default_factory=list)


def _is_ox(term: Any) -> bool:
    return type(term).__module__.startswith("pyoxigraph")


def term_parts(term: Any) -> tuple[str, str, str | None, str | None] | None:
    """(kind, value, datatype, lang) of an rdflib or pyoxigraph term; kind is uri/literal/bnode."""
    if term is None:
        return None
    name = type(term).__name__
    if name in ("NamedNode", "URIRef"):
        return ("uri", str(term.value) if _is_ox(term) else str(term), None, None)
    if name == "BlankNode" or name == "BNode":
        return ("bnode", term.value if _is_ox(term) else str(term), None, None)
    if name == "Literal":
        if _is_ox(term):
            lang = term.language
            dt = term.datatype.value if not lang else None
            return ("literal", term.value, dt, lang)
        lang = term.language
        dt = str(term.datatype) if term.datatype is not None else (None if lang else XSD_STRING)
        return ("literal", str(term), dt, lang)
    if name == "Triple":  # RDF-star; not used by the project, rendered as text
        return ("triple", str(term), None, None)
    return ("literal", str(term), XSD_STRING, None)


def term_text(term: Any) -> str | None:
    """The plain text of a term for tables and CSV: IRI, lexical form, or None."""
    parts = term_parts(term)
    return None if parts is None else parts[1]


def term_key(term: Any) -> str:
    """An engine-independent canonical string, to compare answers of different engines."""
    parts = term_parts(term)
    if parts is None:
        return ""
    kind, value, dt, lang = parts
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:b"  # blank node labels differ per engine; compare them as 'some blank node'
    if lang:
        return f'"{value}"@{lang.lower()}'
    if dt and dt != XSD_STRING:
        return f'"{value}"^^<{dt}>'
    return f'"{value}"'


def term_json(term: Any) -> dict | None:
    """One binding in W3C SPARQL 1.1 Query Results JSON."""
    parts = term_parts(term)
    if parts is None:
        return None
    kind, value, dt, lang = parts
    if kind == "literal":
        out = {"type": "literal", "value": value}
        if lang:
            out["xml:lang"] = lang
        elif dt and dt != XSD_STRING:
            out["datatype"] = dt
        return out
    return {"type": kind, "value": value}


# --------------------------------------------------------------------------- syntax helpers
_ERR_POS = re.compile(r"(?:error at |line )(\d+):(\d+)")


class QuerySyntaxError(KgError):
    """A query that does not parse; carries line and column (1-based)."""

    def __init__(self, message: str, line: int | None, column: int | None, file: str | None = None):
        self.column = column
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(f"SPARQL syntax error{where}: {message}", file=file, line=line)


class UpdateRefused(KgError):
    """SPARQL Update sent to the read-only store."""


def refuse_if_update(text: str) -> None:
    """Raise UpdateRefused when `text` parses as a SPARQL Update.

    Called only when the query parser rejected the text, so the (slow) rdflib update parser runs
    on the error path only. Parsing, not a keyword regex, decides: 'INSERT' inside a string or a
    comment is not an update, and an update hidden after a comment still is.
    """
    from rdflib.plugins.sparql.parser import parseUpdate
    from kg.namespaces import sparql_prefixes

    for candidate in (text, sparql_prefixes() + text):
        try:
            parseUpdate(candidate)
        except Exception:
            continue
        raise UpdateRefused(
            "the store is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …) "
            "is refused; change data/triples/ and the store rebuilds itself"
        )


def _ox_syntax_error(exc: Exception) -> QuerySyntaxError:
    msg = str(exc)
    m = _ERR_POS.search(msg)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return QuerySyntaxError(_ERR_POS.sub("", msg).strip(" :") or msg, line, col)


# --------------------------------------------------------------------------- backends
class OxigraphBackend:
    """pyoxigraph Store (on disk or in memory)."""

    engine = "oxigraph"
    data_errors: str | None = None  # set by open_store when answering from the last valid build

    def __init__(self, store, prefixes: dict[str, str], path: Path | None = None):
        self._store = store
        self.prefixes = prefixes
        self.path = path  # the on-disk store folder (None in memory): where its label index lives

    def query(self, text: str, bindings: dict[str, Term] | None = None, *,
              dataset: tuple[list[str], list[str]] | None = None, allow_service=()) -> Result:
        """Run `text` with `bindings` (bound by `bind_text`, as for any store) over the union
        default graph, unless the query names its own dataset (FROM / FROM NAMED) or the protocol
        gives one (`dataset` = default graph IRIs, named graph IRIs; it overrides the query's)."""
        import pyoxigraph as ox
        from kg.guard import check_query, engine_message

        check_query(text, allow_service=allow_service, prefixes=self.prefixes)  # depth, SERVICE
        source = with_dataset(text, dataset)
        bound = bind_text(source, bindings or {})
        try:
            # The union default graph is kg's default; a query's own dataset replaces it, as it
            # does on rdflib and every SPARQL store.
            res = self._store.query(bound, prefixes=self.prefixes,
                                    use_default_graph_as_union=not names_dataset(source))
        except SyntaxError as exc:
            raise self._syntax_error(exc, text, bound != text) from None
        except (RuntimeError, ValueError, OSError) as exc:
            raise KgError(f"query failed: {engine_message(exc)}") from None  # no SERVICE body
        try:  # results are evaluated lazily: a failing SERVICE or read fails while iterating
            if isinstance(res, ox.QueryBoolean):
                return Result("ask", ["boolean"], [(bool(res),)], boolean=bool(res), engine=self.engine)
            if isinstance(res, ox.QueryTriples):
                triples = [(t.subject, t.predicate, t.object) for t in res]
                return Result("construct", ["subject", "predicate", "object"], triples,
                              engine=self.engine, triples=triples)
            return self._select(res)
        except (RuntimeError, ValueError, OSError) as exc:
            raise KgError(f"query failed: {engine_message(exc)}") from None

    def _syntax_error(self, exc: SyntaxError, text: str, rewritten: bool) -> KgError:
        """The error at its place in the text the user wrote, not in the bound rewrite."""
        if rewritten:
            try:
                self._store.query(text, prefixes=self.prefixes)  # parses; evaluation is lazy
            except SyntaxError as own:
                exc = own
            else:
                return KgError(f"a parameter value does not fit where the query uses it: {_ox_syntax_error(exc)}")
        refuse_if_update(text)
        return _ox_syntax_error(exc)

    def _select(self, res) -> Result:
        names = [v.value for v in res.variables]
        return Result("select", names, [tuple(sol) for sol in res], engine=self.engine)


class RdflibBackend:
    """rdflib Dataset with default_union=True (the comparison engine)."""

    engine = "rdflib"

    def __init__(self, dataset, prefixes: dict[str, str]):
        self._ds = dataset
        self.prefixes = prefixes

    def query(self, text: str, bindings: dict[str, Term] | None = None, *,
              dataset: tuple[list[str], list[str]] | None = None, allow_service=()) -> Result:
        """As OxigraphBackend.query: the same bound text, the same dataset rules."""
        from pyparsing import ParseException
        import rdflib.plugins.sparql as rdflib_sparql
        from kg.guard import check_query, engine_message

        check_query(text, allow_service=allow_service, prefixes=self.prefixes)  # depth, SERVICE

        # rdflib would fetch a FROM graph it does not hold from the web; kg makes no request the
        # user did not ask for, and an unknown graph is empty on every other engine.
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
        bound = bind_text(with_dataset(text, dataset), bindings or {})
        try:
            res = self._ds.query(bound, initNs=self.prefixes)
        except ParseException as exc:
            if bound != text:
                from rdflib.plugins.sparql import prepareQuery

                try:
                    prepareQuery(text, initNs=self.prefixes)  # parses only
                except ParseException as own:
                    exc = own
                except Exception:
                    pass
                else:
                    raise KgError("a parameter value does not fit where the query uses it: "
                                  f"{QuerySyntaxError(str(exc.msg), exc.lineno, exc.col)}") from None
            refuse_if_update(text)
            raise QuerySyntaxError(str(exc.msg), exc.lineno, exc.col) from None
        except KgError:
            raise
        except Exception as exc:  # rdflib raises many kinds for bad queries
            raise KgError(f"query failed: {engine_message(exc)}") from None  # no SERVICE body
        if res.type == "ASK":
            return Result("ask", ["boolean"], [(bool(res.askAnswer),)], boolean=bool(res.askAnswer),
                          engine=self.engine)
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            triples = [tuple(t) for t in res.graph]
            return Result("construct", ["subject", "predicate", "object"], triples,
                          engine=self.engine, triples=triples)
        cols = [str(v) for v in res.vars]
        rows = [tuple(r) for r in res]
        return Result("select", cols, rows, engine=self.engine)


# --------------------------------------------------------------------------- inputs and hashing
def input_files(root: Path | None = None) -> list[Path]:
    """Every file whose content decides what the store holds (inputs and derivation rules)."""
    from kg import paths

    root = root or paths.repo_root()
    dirs = [root / "ontology", root / "data" / "triples", Path(__file__).resolve().parent / "rules"]
    files: list[Path] = []
    for d in dirs:
        if d.is_dir():
            files += sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))
    return files


def content_hash(files: Sequence[Path], root: Path | None = None) -> str:
    h = hashlib.sha256(f"kg-store-{STORE_FORMAT}".encode())
    for p in files:
        rel = str(p.relative_to(root)) if root and p.is_relative_to(root) else p.name
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def source_hash(source: Path | None) -> str:
    """Hash of the inputs: a dataset file, a repository-like folder, or the checkout itself."""
    from kg import paths

    if source is not None and source.is_file():
        from kg.bulk import stream_source_hash  # = content_hash([source]), read in chunks

        return stream_source_hash(source)
    root = source or paths.repo_root()
    return content_hash(input_files(root), root)


def _prefixes() -> dict[str, str]:
    from kg.namespaces import PREFIXES

    return dict(PREFIXES)


def compiled_dataset(source: Path | None = None):
    """An rdflib Dataset of everything: a TriG/N-Quads file, else kg.build.compile_dataset(root)."""
    import rdflib

    if source is not None and source.is_file():
        ds = rdflib.Dataset(default_union=True)
        fmt = {".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".nt": "nt"}.get(
            Path(source).suffix.lower(), "nquads")
        ds.parse(str(source), format=fmt)
        return ds
    try:
        from kg.build import compile_dataset
    except ImportError as exc:
        raise KgError(
            "kg.build.compile_dataset is not available yet; set KG_DATASET to a .trig/.nq file"
        ) from exc
    ds = compile_dataset(source)
    ds.default_union = True
    return ds


def _env_source() -> Path | None:
    env = os.environ.get("KG_DATASET")
    return Path(env) if env else None


# --------------------------------------------------------------------------- open
def _read_meta(store_path: Path) -> dict | None:
    try:
        return json.loads((store_path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class DataError(KgError):
    """The checkout's data does not compile or breaks a rule: no store is built from it."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def gated_dataset(source: Path | None):
    """The compiled dataset, only if it is valid the way `kg build` requires (SHACL, the checks,
    quotes against their reports): the store is loaded only from a valid build.

    A TriG/N-Quads file is served as given (a build output or a synthetic graph: no shapes or
    reports beside it). Raises DataError with a one-line summary.
    """
    from kg.errors import KgInvalid

    if source is not None and source.is_file():
        return compiled_dataset(source)
    from kg import paths
    from kg.build import compile_dataset
    from kg.validate import validate

    try:
        ds = compile_dataset(source)
        report = validate(ds, root=source or paths.repo_root())
    except KgInvalid as exc:
        raise DataError(str(exc), exc.exit_code) from None
    except KgError as exc:  # a syntax error: file:line: message
        raise DataError(str(exc), exc.exit_code) from None
    if not report.ok:
        first = report.errors[0]
        what = " ".join(f"{first.rule} on {first.focus}: {first.message}".split())
        raise DataError(f"{len(report.errors)} violation(s), first {what[:160]}", KgInvalid.exit_code)
    ds.default_union = True
    return ds


def build_store(store_path: Path, source: Path | None, digest: str, stamp: dict | None = None) -> None:
    """(Re)build the on-disk store in a staging folder and swap it in atomically.

    Raises DataError, leaving the store as it was, when the data is invalid (gated_dataset).
    stamp: kg.bulk.file_stamp of a source file, taken before `digest` was computed; recorded so
    the next open can trust the digest without rereading the file while the stamp still matches.
    """
    import pyoxigraph as ox
    from kg.io import atomic_write_text, check_replaceable, staged_replace

    check_replaceable(store_path, "store")
    bulk = source is not None and source.is_file() and source.suffix.lower() in (".nq", ".trig")
    data = None if bulk else gated_dataset(source).serialize(format="nquads", encoding="utf-8")
    with staged_replace(store_path, "store") as staging:
        db = ox.Store(str(staging / "db"))
        if bulk:
            from kg.bulk import load_file

            load_file(db, Path(source))  # N-Quads in slices: bounded memory at any size
        else:
            db.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        db.flush()
        db.optimize()
        del db  # release RocksDB's lock before the folder moves
        meta = {"format": STORE_FORMAT, "hash": digest, "prefixes": _prefixes(),
                "source": str(source) if source else None, "source_stamp": stamp}
        atomic_write_text(staging / META_FILE, json.dumps(meta, indent=1))
        # The label index for describe/find_entities: ~0.2 s beside a ~5 s rebuild at the checkout's size;
        # built before the swap so a new store never comes without its index.
        from kg.search_index import build_index

        build_index(staging)


def _open_db(store_path: Path):
    """The read-only pyoxigraph Store, or the error that says it is damaged or missing."""
    import pyoxigraph as ox

    try:
        return ox.Store.read_only(str(store_path / "db"))
    except (OSError, RuntimeError, ValueError) as exc:  # RocksDB "Corruption: …" is a RuntimeError
        return exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _warn_data_errors(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"kg: warning: the data has errors ({message}); answering from the last valid build: "
              "run `kg build` to see them", file=sys.stderr, flush=True)


def _open_oxigraph(path: Path | None, source: Path | None, quiet: bool) -> OxigraphBackend:
    from kg import paths
    from kg.io import atomic_write_text, check_replaceable, is_ours, target_lock

    store_path = Path(path) if path else paths.store_dir()
    meta = _read_meta(store_path)
    stamp = None
    if source is not None and source.is_file():
        from kg.bulk import cached_source_hash, file_stamp, remember_stamp

        stamp = file_stamp(source)
        digest = cached_source_hash(source, meta, stamp)
    else:
        digest = source_hash(source)

    def usable(m):  # a store holding these inputs, or the last valid build while they are invalid
        if not m or not (store_path / "db").is_dir():
            return None
        if m.get("hash") == digest:
            return "current"
        return "rejected" if (m.get("rejected") or {}).get("hash") == digest else None

    state = usable(meta)
    db = _open_db(store_path) if state else None
    if state and isinstance(db, Exception):
        state = None  # damaged: rebuilt below, under the lock
    if not state:
        with target_lock(store_path):  # one rebuild at a time; others wait, then reuse it
            meta = _read_meta(store_path)
            state = usable(meta)
            db = _open_db(store_path) if state else None
            if not state or isinstance(db, Exception):
                check_replaceable(store_path, "store")  # refuse someone's folder before any work
                if not quiet:
                    why = ("store damaged (" + _first_line(db) + ")" if isinstance(db, Exception) else
                           "store out of date (inputs changed)" if meta else "no store yet")
                    print(f"{why}: rebuilding…", file=sys.stderr, flush=True)
                try:
                    build_store(store_path, source, digest, stamp)
                    state = "current"
                except DataError as exc:
                    old = _open_db(store_path) if meta and is_ours(store_path, "store") else None
                    if old is None or isinstance(old, Exception):
                        if exc.exit_code != KgInvalid.exit_code:
                            raise  # a file that cannot be read or parsed: its own file:line is the one line
                        raise DataError(f"the data has errors ({exc}) and there is no valid build to answer "
                                        "from: run `kg build` to see them", exc.exit_code) from None
                    # Remember the verdict so the next query with the same inputs answers at once.
                    meta = {**meta, "rejected": {"hash": digest, "message": str(exc)}}
                    try:
                        atomic_write_text(store_path / META_FILE, json.dumps(meta, indent=1))
                    except KgError:
                        pass  # a read-only store: the next query validates again
                    state, db = "rejected", old
                if state == "current":
                    meta = _read_meta(store_path)
                    db = _open_db(store_path)
                if isinstance(db, Exception):
                    raise KgError(f"cannot open the store at {store_path}: {_first_line(db)}; remove the "
                                  f"folder (rm -r {store_path}) and run again to rebuild it") from None
    if state == "rejected":
        _warn_data_errors(meta["rejected"]["message"], quiet)
    if stamp and meta.get("source_stamp") != stamp:
        remember_stamp(store_path, meta, stamp)  # hash verified by reading: trust it next time
    backend = OxigraphBackend(db, meta["prefixes"], store_path)
    backend.data_errors = meta["rejected"]["message"] if state == "rejected" else None
    return backend


def open_store(path: str | os.PathLike | None = None, engine: str = "oxigraph", *,
               source: str | os.PathLike | None = None, dataset=None, quiet: bool = False):
    """Open the store and return a backend with `.query(sparql, params) -> Result`.

    path: on-disk store folder (oxigraph engine); default `KG_STORE` or .kg-store/.
    engine: oxigraph (on disk), rdflib (in memory), memory (pyoxigraph in memory).
    source: a TriG/N-Quads file, or a folder laid out like the repository (ontology/,
        data/triples/), to serve instead of the checkout (env KG_DATASET).
    dataset: an rdflib Dataset to serve directly (memory and rdflib engines; for tests).
    """
    if engine not in ENGINES:
        raise KgError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    src = Path(source) if source else _env_source()
    if src is not None and not src.exists():
        raise KgError(f"dataset not found: {src}")
    if engine == "oxigraph" and dataset is None:
        return _open_oxigraph(Path(path) if path else None, src, quiet)
    ds = dataset if dataset is not None else compiled_dataset(src)
    if engine == "rdflib":
        ds.default_union = True
        return RdflibBackend(ds, _prefixes())
    import pyoxigraph as ox

    db = ox.Store()
    db.load(ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    return OxigraphBackend(db, _prefixes())
