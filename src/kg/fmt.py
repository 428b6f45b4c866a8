"""Canonical Turtle for the hand-edited files, so diffs show meaning, not whitespace.

The form: the header comment block kept, then a prefix block (only prefixes used, in the order of
kg.namespaces.PREFIXES), then one block per subject sorted by IRI (claims c:sNNN-KKK sort by serial),
predicates in a fixed order (rdf:type, labels, definitions, the claim's own predicates, then
provenance), objects sorted, blank nodes written inline (`[ … ]`, `( … )`). Formatting twice gives
the same bytes. Every result is re-parsed and compared with the input graph before it is written.

Comments inside the body cannot survive a re-serialization, so a file with such comments is
refused unless `drop_comments=True`; comments above the first statement are kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from kg import paths
from kg.errors import KgError
from kg.io import atomic_write_text, read_text
from kg.namespaces import ORG, PREFIXES, SK

# Predicates listed here come first, in this order; all others follow sorted by name, and TAIL last.
HEAD = [RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SK.englishNameInSource,
        SH.name, SH.description, SH.targetClass, SH.target, SH.path,
        SKOS.definition, RDFS.comment, SKOS.scopeNote, SKOS.note, SKOS.inScheme, SKOS.topConceptOf,
        SKOS.broader, SKOS.narrower, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
        OWL.equivalentProperty, OWL.inverseOf, RDFS.domain, RDFS.range,
        # claims: what the claim says, in the order a reader follows it
        SK.subject, SK.property, SK.object, SK.objectValue,
        ORG.member, ORG.organization, ORG.role,
        SK.party, SK.partnershipKind, SK.product,
        SK.recipient, SK.recognition, SK.conferredBy, SK.batch, SK.event,
        SK.participant, SK.competition, SK.result, SK.medal, SK.skill,
        SK.observationAbout, SK.indicator, SK.concerning, SK.value, SK.minValue, SK.maxValue, SK.unit,
        SK.statedValue, SK.qualifier, SK.figureKind, SK.periodLabel, SK.refDate, SK.periodStart,
        SK.periodEnd, SK.date]
TAIL = [SKOS.exactMatch, SKOS.closeMatch, SK.quote, SK.article, PROV.wasDerivedFrom, SK.note]
_HEAD_RANK = {p: i for i, p in enumerate(HEAD)}
_TAIL_RANK = {p: i for i, p in enumerate(TAIL)}
_LANG_RANK = {"zh": 0, "en": 1}
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_INLINE_WIDTH = 100


# ---------------------------------------------------------------- comments

def find_comments(text: str) -> list[tuple[int, str]]:
    """(line, comment) for every `#` comment outside strings and IRIs."""
    out, i, n, line = [], 0, len(text), 1
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "<":
            j = text.find(">", i + 1)
            if j != -1 and "\n" not in text[i:j]:
                i = j
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\":
                    j += 1
                j += 1
            line += text.count("\n", i, j)
            i = j + len(quote) - 1
        elif ch == "#":
            j = text.find("\n", i)
            j = n if j == -1 else j
            out.append((line, text[i:j]))
            i = j - 1
        i += 1
    return out


def split_header(text: str) -> tuple[list[str], list[str], list[int]]:
    """Comments above the prefix block, comments between prefixes and the first statement, and
    the line numbers of any comment inside the body (which formatting would lose)."""
    before, after, body = [], [], []
    seen_prefix, in_body = False, False
    comments = dict(find_comments(text))
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if in_body:
            if no in comments:
                body.append(no)
            continue
        if not s:
            continue
        if s.startswith("#"):
            (after if seen_prefix else before).append(raw.rstrip())
        elif re.match(r"(@prefix|@base|PREFIX|BASE)\b", s, flags=re.I):
            seen_prefix = True
            if no in comments:
                body.append(no)
        else:
            in_body = True
            if no in comments:
                body.append(no)
    return before, after, body


# ---------------------------------------------------------------- terms

class _Writer:
    def __init__(self, graph: Graph):
        self.g = graph
        self.used: set[str] = set()
        self.refs: dict[BNode, int] = {}
        for o in graph.objects():
            if isinstance(o, BNode):
                self.refs[o] = self.refs.get(o, 0) + 1
        self.labels: dict[BNode, str] = {}
        self._active: set[BNode] = set()

    # A blank node is written inline when exactly one triple points to it and it is not part of
    # a cycle; otherwise it gets a label (rare in hand-written files).
    def inlinable(self, b: BNode) -> bool:
        return self.refs.get(b, 0) == 1 and b not in self.labels

    def iri(self, u: URIRef) -> str:
        s = str(u)
        best = None
        for p, ns in PREFIXES.items():
            if s.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
                best = p
        if best is not None:
            local = s[len(PREFIXES[best]):]
            if _LOCAL.match(local):
                self.used.add(best)
                return f"{best}:{local}"
        return f"<{s}>"

    def literal(self, lit: Literal) -> str:
        lex = str(lit)
        if lit.language:
            return f"{_quote(lex)}@{lit.language}"
        dt = lit.datatype
        if dt == XSD.integer and re.fullmatch(r"[+-]?\d+", lex):
            return lex
        if dt == XSD.decimal and re.fullmatch(r"[+-]?\d*\.\d+", lex):
            return lex
        if dt == XSD.boolean and lex in ("true", "false"):
            return lex
        if dt is None:
            return _quote(lex)
        return f"{_quote(lex)}^^{self.iri(dt)}"

    def term(self, t, indent: int) -> str:
        if isinstance(t, URIRef):
            return self.iri(t)
        if isinstance(t, Literal):
            return self.literal(t)
        if t in self.labels:
            return self.labels[t]
        items = self.collection(t)
        if items is not None:
            return "( " + " ".join(self.term(x, indent) for x in items) + " )" if items else "()"
        return self.bnode_body(t, indent)

    def collection(self, b: BNode) -> list | None:
        """The items of an RDF list starting at `b`, if it is a well-formed, unshared list."""
        items, node, seen = [], b, set()
        while node != RDF.nil:
            if not isinstance(node, BNode) or node in seen or self.refs.get(node, 0) != 1:
                return None
            preds = sorted(set(self.g.predicates(node, None)))
            if preds != sorted([RDF.first, RDF.rest]) or len(list(self.g.objects(node, RDF.first))) != 1 \
                    or len(list(self.g.objects(node, RDF.rest))) != 1:
                return None
            seen.add(node)
            items.append(self.g.value(node, RDF.first))
            node = self.g.value(node, RDF.rest)
        return items

    def bnode_body(self, b: BNode, indent: int) -> str:
        self._active.add(b)
        parts = self.predicate_lines(b, indent + 4)
        self._active.discard(b)
        if not parts:
            return "[]"
        one = "[ " + " ; ".join(parts) + " ]"
        if len(one) + indent <= _INLINE_WIDTH and "\n" not in one:
            return one
        pad = " " * (indent + 4)
        return "[\n" + " ;\n".join(pad + p for p in parts) + "\n" + " " * indent + "]"

    def objects_text(self, objs: list, indent: int) -> str:
        pairs = sorted(((o, self.term(o, indent)) for o in objs), key=lambda pr: _object_key(*pr))
        one = " , ".join(r for _, r in pairs)
        if len(pairs) > 1 and (len(one) + indent > _INLINE_WIDTH):
            # Long lists (sh:property, altLabels) read better one object per line.
            return (" ,\n" + " " * (indent + 4)).join(r for _, r in pairs)
        return one

    def predicate_lines(self, s, indent: int) -> list[str]:
        preds = sorted(set(self.g.predicates(s, None)), key=lambda p: _pred_key(p, self.iri(p)))
        lines = []
        for p in preds:
            name = "a" if p == RDF.type else self.iri(p)
            objs = sorted(set(self.g.objects(s, p)), key=str)
            lines.append(f"{name} {self.objects_text(objs, indent)}")
        return lines


def _quote(s: str) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{s}"'


def _pred_key(p, name: str):
    if p in _HEAD_RANK:
        return (0, _HEAD_RANK[p], "")
    if p in _TAIL_RANK:
        return (2, _TAIL_RANK[p], "")
    return (1, 0, name)


def _object_key(o, rendered: str):
    if isinstance(o, URIRef):
        return (0, 0, rendered)
    if isinstance(o, BNode):
        return (1, 0, rendered)
    lang = o.language or ""
    return (2, _LANG_RANK.get(lang.split("-")[0], 2), lang, str(o.datatype or ""), rendered)


# ---------------------------------------------------------------- whole files

def canonical_turtle(graph: Graph, header_before=(), header_after=()) -> str:
    w = _Writer(graph)
    subjects = set(graph.subjects())
    # Shared or cyclic blank nodes get stable labels, numbered by a content signature.
    shared = sorted((b for b in subjects if isinstance(b, BNode) and w.refs.get(b, 0) > 1),
                    key=lambda b: sorted((str(p), str(o) if not isinstance(o, BNode) else "_")
                                         for p, o in graph.predicate_objects(b)))
    for i, b in enumerate(shared):
        w.labels[b] = f"_:b{i}"
    blocks = []
    for s in subjects:
        if isinstance(s, BNode) and s not in w.labels and w.refs.get(s, 0) > 0:
            continue  # written inline where it is used
        lines = w.predicate_lines(s, 4)
        if isinstance(s, BNode) and s not in w.labels:
            head = "[]"
            block = head + " " + " ;\n    ".join(lines) + " ."
        else:
            block = w.term(s, 0) + " " + " ;\n    ".join(lines) + " ."
        blocks.append((_subject_key(s, w), block))
    blocks.sort()
    body = "\n\n".join(b for _, b in blocks)
    out = []
    if header_before:
        out += [*header_before, ""]
    out += [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in w.used]
    if header_after:
        out += ["", *header_after]
    return "\n".join(out) + "\n\n" + body + "\n" if body else "\n".join(out) + "\n"


def _subject_key(s, w: _Writer):
    if isinstance(s, URIRef):
        return (0, str(s))
    return (1, w.term(s, 0) if s in w.labels else " ".join(w.predicate_lines(s, 4)))


def format_text(text: str, name: str = "<text>", drop_comments: bool = False) -> str:
    """The canonical form of a Turtle document (raises KgError on a syntax error or lost comment)."""
    from kg.build import syntax_error_line, syntax_error_message
    g = Graph()
    try:
        g.parse(data=text, format="turtle")
    except Exception as exc:
        raise KgError(syntax_error_message(exc), file=name, line=syntax_error_line(exc)) from exc
    before, after, body = split_header(text)
    if body and not drop_comments:
        raise KgError("has comments inside the body that formatting would drop; move them to the "
                      "header above the first statement (or run `kg fmt --drop-comments`)",
                      file=name, line=body[0])
    out = canonical_turtle(g, before, after)
    check = Graph().parse(data=out, format="turtle")
    if not isomorphic(g, check):  # a formatter bug must never change data
        raise KgError("internal error: canonical form changes the graph; file left as is", file=name)
    return out


# ---------------------------------------------------------------- files on disk

def default_files(root: Path | None = None) -> list[Path]:
    root = Path(root) if root else paths.repo_root()
    return sorted((root / "ontology").glob("*.ttl")) + sorted((root / "data" / "triples").rglob("*.ttl"))


@dataclass
class FmtResult:
    changed: list[Path] = field(default_factory=list)  # would change (check) / were rewritten
    unchanged: list[Path] = field(default_factory=list)
    errors: list[KgError] = field(default_factory=list)


def format_files(files: list[Path] | None = None, check: bool = False, drop_comments: bool = False,
                 root: Path | None = None) -> FmtResult:
    """Format (or with check=True only inspect) files; each file is written atomically."""
    res = FmtResult()
    for path in files if files is not None else default_files(root):
        path = Path(path)
        try:
            text = read_text(path)
        except KgError as exc:  # unreadable, binary or not UTF-8: reported like a syntax error
            res.errors.append(exc)
            continue
        try:
            out = format_text(text, str(path), drop_comments=drop_comments)
        except KgError as exc:
            res.errors.append(exc)
            continue
        if out == text:
            res.unchanged.append(path)
            continue
        res.changed.append(path)
        if not check:
            atomic_write_text(path, out)
    return res
