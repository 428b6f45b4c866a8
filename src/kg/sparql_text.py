"""Reading and rewriting SPARQL query text at the token level (no parser, no rdflib import).

`code_layout` finds the query's code outside strings, IRIs and comments, with the brace depth of
each character; the rest builds on it:

- `bind_text(text, bindings)`: the query with its parameters bound, as plain SPARQL 1.1 that any
  engine or store runs the same way. It is the only way parameters reach an engine: the embedded
  engines run this text too, so a question answers the same everywhere.
- `names_dataset(text)`: whether the query has its own FROM / FROM NAMED clauses.

Why substitute terms rather than hand the engine bindings: pyoxigraph 0.5's substitutions treat
the variable as unbound inside `FILTER(!BOUND(?x) || …)` (an optional parameter was ignored), and a
`VALUES` block — the only binding form a remote store accepts — does not reach a variable inside
nested OPTIONAL / FILTER scopes (labels came back as IRIs, rows went missing). A constant in place
of the variable means the same thing in every scope on every engine.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

from kg.errors import KgError

_KW = r"(?<![?$\w:])"  # a keyword, not the end of a variable (?values) or prefixed name (sk:limit)
_VAR = re.compile(r"[?$]([\w\u00B7\u0300-\u036F\u203F\u2040]+)")


# What is not code: comments, strings (long and short) and IRIs. An unclosed string runs to the end.
_NOT_CODE = re.compile(r"""#[^\n]*|\"\"\"[\s\S]*?(?:\"\"\"|$)|'''[\s\S]*?(?:'''|$)"""
                       r"""|"(?:[^"\\]|\\[\s\S])*"?|'(?:[^'\\]|\\[\s\S])*'?|<[^<>"{}|^`\\\x00-\x20]*>""")


@lru_cache(maxsize=128)
def code_layout(text: str) -> tuple[list[tuple[int, str]], str, list[int]]:
    """The query's code outside comments, strings and IRIs: (index in text, char) pairs, those
    chars as one string, and the brace depth before each char (0 = top level).

    Cached (saved questions are run again and again); callers must not change the lists."""
    index: list[int] = []
    parts, pos = [], 0
    for m in _NOT_CODE.finditer(text):
        if m.start() > pos:
            index.extend(range(pos, m.start()))
            parts.append(text[pos:m.start()])
        pos = m.end()
    index.extend(range(pos, len(text)))
    parts.append(text[pos:])
    flat = "".join(parts)
    depth = list(accumulate((ch == "{") - (ch == "}") for ch in flat))
    return list(zip(index, flat)), flat, [0] + depth[:-1]


def projected_vars(head: str) -> list[str]:
    """Variables a SELECT head projects: `?x` and the `?y` of `(… AS ?y)`, in order."""
    plain = re.sub(r"\(.*?\bAS\b", " ", head, flags=re.I | re.S)
    return list(dict.fromkeys(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", plain)))


def names_dataset(text: str) -> bool:
    """True when the query names its own dataset (FROM or FROM NAMED at the top level)."""
    _, flat, depth_at = code_layout(text)
    return any(depth_at[m.start()] == 0 for m in re.finditer(rf"{_KW}FROM\b", flat, re.I))


# --------------------------------------------------------------------------- binding
def _clause_span(flat: str, start: int, end: int, head: str, stops: str) -> tuple[int, int] | None:
    """Where the clause `head` (GROUP BY, ORDER BY) sits in flat[start:end]: up to the next
    keyword of `stops` or `end`."""
    m = re.compile(rf"{_KW}{head}\b", re.I).search(flat, start, end)
    if not m:
        return None
    stop = re.compile(rf"{_KW}(?:{stops})\b", re.I).search(flat, m.end(), end)
    return m.end(), stop.start() if stop else end


def _find(flat: str, depth_at: list[int], ch: str, depth: int, start: int) -> int | None:
    """The first `ch` at or after `start` whose brace depth (before it) is `depth`."""
    k = flat.find(ch, start)
    while k >= 0 and depth_at[k] != depth:
        k = flat.find(ch, k + 1)
    return None if k < 0 else k


_HEAD_END = re.compile(rf"\{{|{_KW}(?:WHERE|FROM)\b", re.I)


class _Level:
    """One SELECT (the query's or a subquery's): its head, WHERE group and modifiers in `flat`."""

    def __init__(self, flat: str, depth_at: list[int], sel: re.Match):
        d = self.depth = depth_at[sel.start()]
        i = len(flat)
        for m in _HEAD_END.finditer(flat, sel.end()):  # outside brackets: `(EXISTS { … } AS ?x)` is in the head
            if flat.count("(", sel.end(), m.start()) == flat.count(")", sel.end(), m.start()):
                i = m.start()
                break
        self.head = (sel.end(), i)
        self.star = flat[sel.end():i].strip().startswith("*")
        self.open = _find(flat, depth_at, "{", d, i)
        self.close = None if self.open is None else _find(flat, depth_at, "}", d + 1, self.open + 1)
        self.group = self.order = None
        if self.close is None:
            return
        end = _find(flat, depth_at, "}", d, self.close + 1)
        end = len(flat) if end is None else end
        if d == 0:  # the query's trailing VALUES block is not a modifier
            values = re.compile(rf"{_KW}VALUES\b", re.I).search(flat, self.close + 1, end)
            end = values.start() if values else end
        self.group = _clause_span(flat, self.close + 1, end, r"GROUP\s+BY", r"HAVING|ORDER|LIMIT|OFFSET|VALUES")
        self.order = _clause_span(flat, self.close + 1, end, r"ORDER\s+BY", r"LIMIT|OFFSET|VALUES")


def _refuse(name: str, why: str) -> KgError:
    return KgError(f"cannot bind parameter ?{name}: the query {why}; rename that variable in the "
                   f"query or do not pass the parameter")


def bind_text(text: str, bindings: dict) -> str:
    """`text` with each bound parameter variable replaced by its escaped term.

    bindings: variable name → kg.store.Iri / Lit. The result is plain SPARQL 1.1:
    `BOUND(?p)` → `true`; a projected `?p` → `(TERM AS ?p)` (the column stays), or
    `GROUP BY (TERM AS ?p)` where that SELECT groups by it; `ORDER BY ?p` → `(TERM)`; anywhere
    else the term itself, in every scope (nested OPTIONAL, FILTER, subqueries). A `SELECT *` that
    uses the parameter keeps it as a column through a `BIND` at the end of its WHERE group.
    Refused (KgError): a parameter the query assigns (`AS ?p`) or lists in `VALUES`. Terms go
    through kg.store.term_to_sparql, which escapes literals and rejects IRIs that could end the
    term early, so a value can never become query syntax. Unbound names are left as variables.
    """
    return _bind_text(text, tuple(bindings.items())) if bindings else text


@lru_cache(maxsize=512)  # terms are frozen dataclasses: (text, bindings) is a key
def _bind_text(text: str, items: tuple) -> str:
    from kg.store import term_to_sparql

    terms = {name: term_to_sparql(term) for name, term in items}
    positions, flat, depth_at = code_layout(text)
    names = "|".join(re.escape(n) for n in terms)
    edits: list[tuple[int, int, str]] = []  # (flat start, flat end, replacement); start == end inserts

    bound_calls = [m for m in re.finditer(rf"{_KW}BOUND\s*\(\s*[?$]({names})\s*\)", flat, re.I)]
    edits += [(m.start(), m.end(), " true ") for m in bound_calls]
    values_lists = []
    for m in re.finditer(rf"{_KW}VALUES\s*", flat, re.I):
        if flat.startswith("(", m.end()):
            close = flat.find(")", m.end())
            values_lists.append((m.end(), len(flat) if close < 0 else close))
        else:
            var = _VAR.match(flat, m.end())
            values_lists.append((m.end(), var.end() if var else m.end()))
    levels = [_Level(flat, depth_at, m) for m in re.finditer(rf"{_KW}SELECT\b(\s+(?:DISTINCT|REDUCED)\b)?",
                                                              flat, re.I)]

    def parens(i: int) -> int:  # bracket depth before flat[i]
        return flat.count("(", 0, i) - flat.count(")", 0, i)

    # GROUP BY: a bound key beside others groups nothing and is dropped; the only key stays as
    # `(TERM AS ?p)` (a bare constant fails on rdflib 7; a constant beside others on Virtuoso 7).
    kept, sole = {}, {}  # level → the bound name its GROUP BY keeps; subquery → the one bound column it keeps
    for n, lv in enumerate(levels):
        if lv.group:
            a, b = lv.group
            bare = [v for v in _VAR.finditer(flat, a, b) if v.group(1) in terms and parens(v.start()) == parens(a)]
            others = flat[a:b]
            for v in reversed(bare):
                others = others[:v.start() - a] + others[v.end() - a:]
            if bare and not others.strip():
                kept[n] = bare[0].group(1)
        head = projected_vars(flat[lv.head[0]:lv.head[1]])
        if lv.depth and head and not set(head) - set(terms):
            sole[n] = head[0]
    star_uses: dict[int, set[str]] = {}
    for v in _VAR.finditer(flat):
        name = v.group(1)
        if name not in terms or any(m.start() <= v.start() < m.end() for m in bound_calls):
            continue
        if re.search(rf"{_KW}AS\s*$", flat[max(0, v.start() - 40):v.start()], re.I):
            raise _refuse(name, f"assigns it (AS ?{name})")
        if any(a <= v.start() < b for a, b in values_lists):
            raise _refuse(name, "lists it in a VALUES block")
        term = terms[name]
        new = f" {term} "
        for n, lv in enumerate(levels):
            if lv.star and lv.open is not None and lv.close is not None and lv.open < v.start() < lv.close:
                star_uses.setdefault(n, set()).add(name)
            for kind, span in (("head", lv.head), ("group", lv.group), ("order", lv.order)):
                if not (span and span[0] <= v.start() < span[1] and parens(v.start()) == parens(span[0])):
                    continue
                # The query's own SELECT keeps the column; a subquery need not export it (every use
                # outside is the constant too) and must not: the enclosing SELECT may project it as
                # well, and a variable can be assigned only once.
                if kind == "order":
                    new = f" ({term}) "
                elif kind == "group":
                    new = f" ({term} AS ?{name}) " if kept.get(n) == name else " "
                elif not lv.depth or sole.get(n) == name:
                    new = f" ?{name} " if kept.get(n) == name else f" ({term} AS ?{name}) "
                else:
                    new = " "
        edits.append((v.start(), v.end(), new))
    for n, used in star_uses.items():
        lv = levels[n]
        binds = "".join(f" BIND({terms[name]} AS ?{name})" for name in sorted(used))
        body = flat[lv.open + 1:lv.close]
        if re.match(r"\s*SELECT\b", body, re.I):  # a group holding a subquery holds only that
            edits += [(lv.open + 1, lv.open + 1, " { "), (lv.close, lv.close, " } " + binds + " ")]
        else:
            edits.append((lv.close, lv.close, binds + " "))

    out = text
    for a, b, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        start = positions[a][0]
        end = positions[b - 1][0] + 1 if b > a else start
        out = out[:start] + new + out[end:]
    return out


# --------------------------------------------------------------------------- dataset
def _dataset_spans(text: str, positions, flat: str, depth_at: list[int]) -> list[tuple[int, int]]:
    """Text spans of the query's own `FROM [NAMED] <iri>` clauses (top level)."""
    spans = []
    for m in re.finditer(rf"{_KW}FROM\b(\s+NAMED\b)?", flat, re.I):
        if depth_at[m.start()] != 0:
            continue
        start = positions[m.start()][0]
        after = positions[m.end() - 1][0] + 1
        iri = re.compile(r"\s*(<[^<>\"{}|^`\\\x00-\x20]*>|[\w.\-]*:[\w.\-:%]*)").match(text, after)
        spans.append((start, iri.end() if iri else after))
    return spans


def with_dataset(text: str, dataset: tuple[list[str], list[str]] | None) -> str:
    """`text` with its dataset set to `dataset` = (default graph IRIs, named graph IRIs).

    The SPARQL 1.1 Protocol's `default-graph-uri` / `named-graph-uri` take precedence over the
    query's own FROM / FROM NAMED (Protocol §2.1.4), so those are removed and the protocol's
    written in their place as FROM / FROM NAMED clauses, which every engine honours the same way.
    None (no dataset in the request) leaves the text as it is.
    """
    from kg.store import check_iri

    if dataset is None or not (dataset[0] or dataset[1]):
        return text
    defaults, named = dataset
    clause = "".join(f" FROM <{check_iri(g)}>" for g in defaults)
    clause += "".join(f" FROM NAMED <{check_iri(g)}>" for g in named) + " "
    positions, flat, depth_at = code_layout(text)
    own = _dataset_spans(text, positions, flat, depth_at)
    if own:
        out = text
        for a, b in reversed(own[1:]):
            out = out[:a] + out[b:]
        a, b = own[0]
        return out[:a] + clause + out[b:]
    form = re.search(rf"{_KW}(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", flat, re.I)
    if form is None:
        raise KgError("cannot apply the dataset: not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    kind = form.group(1).upper()
    if kind == "SELECT":
        at = _Level(flat, depth_at, form).head[1]
    else:
        groups = [i for i, ch in enumerate(flat) if ch == "{" and depth_at[i] == 0 and i > form.end()]
        where = re.compile(rf"{_KW}WHERE\b", re.I).search(flat, form.end())
        template = kind == "CONSTRUCT" and groups and not (where and where.start() < groups[0])
        at = groups[1] if template and len(groups) > 1 else (groups[0] if groups and not template else len(flat))
        if where and depth_at[where.start()] == 0 and where.start() < at:
            at = where.start()
    pos = positions[at][0] if at < len(flat) else len(text)
    return text[:pos] + clause + text[pos:]
