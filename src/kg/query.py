"""Saved questions (named SPARQL queries with metadata beside them), parameters and output.

A saved query is a `.rq` file whose leading comment lines are its metadata:

    # id: cities-by-indicator
    # title@en: Cities ranked by an indicator
    # title@zh: 各市某项指标排名
    # description: …
    # param: indicator iri default=ind:skilled-talent-total "the indicator"
    # param: concerning iri optional "only figures counting this"
    # returns: one row per figure …
    # scope: listing

`scope` says how the answer grows with the graph, for paging and the benchmark's targets:
`indexed` (about one given entity, city or group), `aggregate` (counts over the graph, a bounded
number of rows) or `listing` (one row per fact or entity: thousands at national size; page it).

Folders are categories: queries/questions (user questions), queries/checks (data-quality checks,
`*-violation.rq`, written by the validation side), queries/exports (CONSTRUCT exports).

Parameters are turned into RDF terms, escaped, and bound into the query text by
`kg.store.bind_text` (a constant in place of the variable), the same text for every engine and
store, so a question answers the same everywhere; user text is never pasted into the query. Every question may use `?lang`, bound to the chosen language (zh or en).
"""
from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError
from kg.io import read_text
from kg.store import (Iri, Lit, Result, Term, code_layout, open_store, projected_vars, term_json, term_parts,
                      term_text)

CATEGORIES = ("questions", "checks", "exports")
PARAM_TYPES = ("iri", "string", "integer", "decimal", "lang")
SCOPES = ("indexed", "aggregate", "listing")
LANGS = ("zh", "en")
XSD = "http://www.w3.org/2001/XMLSchema#"
SELECT_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "ntriples")


@dataclass
class Param:
    name: str
    type: str = "string"
    default: str | None = None
    optional: bool = False
    help: str = ""


@dataclass
class Question:
    id: str
    category: str
    path: Path
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    description: str = ""
    returns: str = ""
    scope: str = ""
    params: list[Param] = field(default_factory=list)

    def title(self, lang: str = "zh") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.titles.get("") or self.id

    @property
    def kind(self) -> str:
        body = _strip_comments(self.text).upper()
        m = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body)
        return m.group(1).lower() if m else "select"


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("PREFIX") else line
                     for line in text.splitlines())


_HEADER = re.compile(r"^#\s*([A-Za-z]+)(?:@([A-Za-z-]+))?\s*:\s*(.*)$")


def parse_param(spec: str, file: str, line: int) -> Param:
    """`NAME TYPE [default=VALUE | optional] ["help"]`."""
    try:
        parts = shlex.split(spec)
    except ValueError as exc:
        raise KgError(f"bad param line: {exc}", file=file, line=line) from None
    if len(parts) < 2 or parts[1] not in PARAM_TYPES:
        raise KgError(f"param needs a name and a type ({', '.join(PARAM_TYPES)})", file=file, line=line)
    p = Param(parts[0], parts[1])
    for extra in parts[2:]:
        if extra.startswith("default="):
            p.default = extra[len("default="):]
        elif extra == "optional":
            p.optional = True
        else:
            p.help = (p.help + " " + extra).strip()
    return p


def parse_question(path: Path, category: str) -> Question:
    text = read_text(path)
    q = Question(id=path.stem, category=category, path=path, text=text)
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break  # the header is the leading block of comments
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        key, lang, value = m.group(1).lower(), m.group(2) or "", m.group(3).strip()
        if key == "id":
            q.id = value
        elif key == "title":
            q.titles[lang] = value
        elif key == "description":
            q.description = value
        elif key == "returns":
            q.returns = value
        elif key == "scope":
            if value not in SCOPES:
                raise KgError(f"scope must be one of {', '.join(SCOPES)}, got {value!r}", file=str(path), line=n)
            q.scope = value
        elif key == "param":
            q.params.append(parse_param(value, str(path), n))
    return q


def list_questions(categories: tuple[str, ...] | None = None) -> list[Question]:
    """Every saved query, in category order (questions, checks, exports), then by id."""
    from kg import paths

    out: list[Question] = []
    for cat in categories or CATEGORIES:
        folder = paths.queries_dir() / cat
        if folder.is_dir():
            out += sorted((parse_question(p, cat) for p in folder.glob("*.rq")), key=lambda q: q.id)
    return out


def get_question(name: str) -> Question:
    """The saved query `name`; an unknown name raises KgError suggesting the closest ids."""
    questions = list_questions()
    for q in questions:
        if q.id == name:
            return q
    ids = [q.id for q in questions]
    close = difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `kg query --list`"
    raise KgError(f"no saved query named {name!r}{hint}")


# --------------------------------------------------------------------------- parameters
def to_iri(value: str, prefixes: dict[str, str]) -> Iri:
    """A full IRI (optionally in <>) or a prefixed name like e:jinan."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    prefix, sep, local = v.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        v = prefixes[prefix] + local
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v):
        raise KgError(f"not an IRI or known prefixed name: {value!r}")
    return Iri(v)


def coerce(param: Param, value: str, prefixes: dict[str, str]) -> Term:
    """Turn the text a user typed into the RDF term the header's type asks for."""
    t = param.type
    if t == "iri":
        return to_iri(value, prefixes)
    if t == "integer":
        try:
            return Lit(str(int(value)), datatype=XSD + "integer")
        except ValueError:
            raise KgError(f"parameter {param.name} must be an integer, got {value!r}") from None
    if t == "decimal":
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", value.strip()):
            raise KgError(f"parameter {param.name} must be a decimal, got {value!r}")
        return Lit(value.strip(), datatype=XSD + "decimal")
    if t == "lang":
        if not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", value):
            raise KgError(f"parameter {param.name} must be a language tag, got {value!r}")
        return Lit(value)
    return Lit(value)


def guess_term(value: str, prefixes: dict[str, str]) -> Term:
    """For ad-hoc SPARQL: <iri> or a known prefixed name is an IRI, anything else a string."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        return to_iri(v, prefixes)
    prefix, sep, _ = v.partition(":")
    if sep and prefix in prefixes and " " not in v:
        return to_iri(v, prefixes)
    return Lit(value)


def parse_param_args(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`key=value` strings from the command line → dict."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise KgError(f"--param needs key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def _uses_var(text: str, name: str) -> bool:
    return re.search(rf"[?$]{re.escape(name)}\b", _strip_comments(text)) is not None


def bindings_for(question: Question, given: dict[str, str], lang: str, prefixes: dict[str, str]) -> dict[str, Term]:
    known = {p.name: p for p in question.params}
    unknown = sorted(set(given) - set(known) - {"lang"})
    if unknown:
        names = ", ".join(known) or "none"
        raise KgError(f"{question.id} has no parameter {', '.join(unknown)} (parameters: {names})")
    out: dict[str, Term] = {}
    for p in question.params:
        raw = given.get(p.name, p.default)
        if raw is None:
            if p.optional:
                continue  # left unbound: the query treats an unbound parameter as 'any'
            raise KgError(f"{question.id} needs --param {p.name}=…")
        out[p.name] = coerce(p, raw, prefixes)
    if _uses_var(question.text, "lang") and "lang" not in known:
        out["lang"] = coerce(Param("lang", "lang"), given.get("lang", lang), prefixes)
    return out


# --------------------------------------------------------------------------- paging
# The largest --limit / --offset: pyoxigraph refuses numbers past 2**64 (as a syntax error in the
# query text) and rdflib needs offset + limit ≤ sys.maxsize. A page past 10**18 rows is empty anyway.
MAX_PAGE = 10**18


def check_page(limit, offset) -> tuple[int | None, int | None]:
    """Validate a page request: whole numbers 0…MAX_PAGE (digit strings accepted), None for 'no limit'."""
    def whole(name: str, value):
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise KgError(f"{name} must be a whole number ≥ 0, got {value!r}")
        if not 0 <= value <= MAX_PAGE:
            raise KgError(f"{name} must be a whole number from 0 to {MAX_PAGE}, got {value}")
        return value

    return whole("limit", limit), whole("offset", offset)


_KW = r"(?<![?$\w:])"  # a keyword, not the end of a variable (?values) or prefixed name (sk:limit)


def paged_text(text: str, limit: int | None, offset: int | None) -> str:
    """`text` returning one page of its rows: `limit` rows after skipping `offset`.

    The page is the query's own solution modifiers plus LIMIT/OFFSET, so the engine still sorts
    the whole answer first. A query with its own LIMIT/OFFSET gets them combined arithmetically
    (the page inside its window), which is what wrapping it as a subquery would do, but keeps the
    parameters visible to the engines' bindings. A page must be a slice of one fixed order, so the
    projected variables are appended to ORDER BY as last keys (or become it): rows the query's
    order leaves tied would otherwise come out in whatever order a run produces, and pages could
    overlap or skip rows. Anything that is not a SELECT or CONSTRUCT query is returned unchanged
    (the engine reports it). ASK has no rows to page.
    """
    if limit is None and not offset:
        return text
    positions, flat, depth_at = code_layout(text)
    form = next((m for m in re.finditer(rf"{_KW}(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", flat, re.I)
                 if depth_at[m.start()] == 0), None)
    if form is None:
        return text
    kind = form.group(1).upper()
    if kind in ("ASK", "DESCRIBE"):
        raise KgError(f"limit/offset page the rows of a SELECT or CONSTRUCT query, not {kind}")
    span = _modifiers_span(flat, depth_at)
    if span is None:
        return text
    start, end = span
    tail = flat[start:end]
    # the query's own LIMIT/OFFSET: cut out, folded into the page's
    own = {k.upper(): int(v) for k, v in re.findall(rf"{_KW}(LIMIT|OFFSET)\s+(\d+)", tail, re.I)}
    cuts = [(start + m.start(), start + m.end()) for m in re.finditer(rf"{_KW}(?:LIMIT|OFFSET)\s+\d+", tail, re.I)]
    new_offset = own.get("OFFSET", 0) + (offset or 0)
    new_limit = limit
    if "LIMIT" in own:  # the page inside the window [own OFFSET, own OFFSET + own LIMIT)
        room = max(own["LIMIT"] - (offset or 0), 0)
        new_limit = room if limit is None else min(limit, room)
    clause = (_tie_breakers(flat[form.end():flat.find("{", form.end())], tail) if kind == "SELECT" else "")
    clause += (f" LIMIT {new_limit}" if new_limit is not None else "") + (f" OFFSET {new_offset}" if new_offset else "")
    # The new clauses go right after the last code character of the modifiers that stays (before
    # a trailing VALUES block); edits are applied from the end so earlier positions hold.
    keep = [i for i in range(start, end) if not flat[i].isspace() and not any(a <= i < b for a, b in cuts)]
    insert_at = positions[max([start - 1] + keep)][0] + 1
    out = text
    for a, b in reversed(cuts):
        out = out[:positions[a][0]] + out[positions[b - 1][0] + 1:]
    return out[:insert_at] + clause + out[insert_at:]


def _modifiers_span(flat: str, depth_at: list[int]) -> tuple[int, int] | None:
    """Where the solution modifiers (GROUP BY … LIMIT) sit: after the WHERE group, before VALUES.

    The WHERE group is the last top-level group that is not a trailing VALUES data block."""
    groups, start = [], None
    for i, ch in enumerate(flat):
        if ch == "{" and depth_at[i] == 0:
            start = i
        elif ch == "}" and depth_at[i] == 1:
            groups.append((start, i))
    where_end = next((e for s, e in reversed(groups)
                      if not re.search(rf"{_KW}VALUES\b[^{{}}]*$", flat[:s], re.I)), None)
    if where_end is None:
        return None
    values_at = re.search(rf"{_KW}VALUES\b", flat[where_end + 1:], re.I)
    return where_end + 1, (where_end + 1 + values_at.start() if values_at else len(flat))


def _tie_breakers(head: str, modifiers: str) -> str:
    """` ?a ?b` (or ` ORDER BY ?a ?b`): the projected variables the query does not sort on yet."""
    head = re.sub(r"\bWHERE\b\s*$", "", head.strip(), flags=re.I)
    head = re.sub(r"^(DISTINCT|REDUCED)\b", "", head.strip(), flags=re.I)
    if head.lstrip().startswith("*"):
        return ""
    names = projected_vars(head)
    order_by = re.search(rf"{_KW}ORDER\s+BY\b(.*)", modifiers, re.I | re.S)
    if order_by:  # a variable the query already sorts on needs no second key
        names = [n for n in names if not re.search(rf"[?$]{n}\b", order_by.group(1))]
    if not names:
        return ""
    order = " ".join(f"?{n}" for n in names)
    return f" {order}" if order_by else f" ORDER BY {order}"


# --------------------------------------------------------------------------- running
def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise KgError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")


def run_question(name: str, params: dict[str, str] | None = None, engine: str = "oxigraph",
                 lang: str = "zh", store=None, store_path=None, limit: int | None = None,
                 offset: int | None = None, allow_service=()) -> Result:
    """Run the saved query `name` with `params` (key → text as typed); returns a Result.

    `limit`/`offset` return one page of the rows (see `paged_text`); None means all rows.
    `store` may be any backend, also kg.endpoint.RemoteBackend; `allow_service`: kg.guard.
    """
    _check_lang(lang)
    limit, offset = check_page(limit, offset)
    q = get_question(name)
    store = store or open_store(store_path, engine=engine)
    bindings = bindings_for(q, dict(params or {}), lang, store.prefixes)
    try:
        return store.query(paged_text(q.text, limit, offset), bindings, allow_service=allow_service)
    except KgError as exc:
        if exc.file is None:
            exc.file = str(q.path)
        raise


def run_sparql(text: str, params: dict[str, str] | None = None, engine: str = "oxigraph",
               lang: str = "zh", store=None, store_path=None, limit: int | None = None,
               offset: int | None = None, allow_service=()) -> Result:
    """Run ad-hoc SPARQL; `params` values become IRIs (<…> or prefix:name) or strings."""
    _check_lang(lang)
    limit, offset = check_page(limit, offset)
    store = store or open_store(store_path, engine=engine)
    bindings = {k: guess_term(v, store.prefixes) for k, v in (params or {}).items()}
    if "lang" not in bindings and _uses_var(text, "lang"):
        bindings["lang"] = Lit(lang)
    return store.query(paged_text(text, limit, offset), bindings, allow_service=allow_service)


# --------------------------------------------------------------------------- output
def _nt_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def term_nt(term) -> str:
    """N-Triples syntax for a term of either engine."""
    kind, value, dt, lang = term_parts(term)
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if lang:
        return f'"{_nt_escape(value)}"@{lang}'
    if dt and not dt.endswith("#string"):
        return f'"{_nt_escape(value)}"^^<{dt}>'
    return f'"{_nt_escape(value)}"'


def sparql_json(result: Result) -> str:
    """W3C SPARQL 1.1 Query Results JSON."""
    if result.kind == "ask":
        doc = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = []
        for row in result.rows:
            b = {}
            for col, term in zip(result.columns, row):
                j = term_json(term)
                if j is not None:
                    b[col] = j
            bindings.append(b)
        doc = {"head": {"vars": list(result.columns)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def graph_text(result: Result, fmt: str, prefixes: dict[str, str] | None = None) -> str:
    """A CONSTRUCT result as N-Triples (sorted, so output is stable) or Turtle."""
    nt = "".join(sorted({" ".join(term_nt(t) for t in triple) + " .\n" for triple in result.triples}))
    if fmt == "ntriples":
        return nt
    import pyoxigraph as ox

    triples = [q.triple for q in ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes or {})
    return data.decode("utf-8")


def format_result(result: Result, fmt: str = "table", prefixes: dict[str, str] | None = None) -> str:
    """Render a Result: table/csv/tsv/json for rows; turtle/ntriples for CONSTRUCT."""
    from kg.output import render

    if result.kind == "construct":
        if fmt in GRAPH_FORMATS:
            return graph_text(result, fmt, prefixes)
        if fmt == "json":
            raise KgError("a CONSTRUCT result is a graph: use --format turtle or ntriples")
    elif fmt in GRAPH_FORMATS:
        raise KgError(f"--format {fmt} is for CONSTRUCT queries; use table, csv, tsv or json")
    elif fmt == "json":
        return sparql_json(result)
    if fmt not in SELECT_FORMATS:
        raise KgError(f"unknown format {fmt!r}; choose one of {', '.join(SELECT_FORMATS + GRAPH_FORMATS)}")
    rows = [[term_text(t) for t in row] for row in result.rows]
    return render(rows, result.columns, fmt)


def question_rows(questions: list[Question], lang: str = "zh") -> tuple[list[str], list[list]]:
    """The `--list` table: id first."""
    cols = ["id", "category", "scope", "title", "params", "description"]
    rows = []
    for q in questions:
        params = " ".join(
            f"{p.name}:{p.type}" + (f"={p.default}" if p.default else ("?" if p.optional else ""))
            for p in q.params)
        rows.append([q.id, q.category, q.scope, q.title(lang), params, q.description])
    return cols, rows
