"""Find entities by name and show everything the graph says about one (an entity card).

`find_entities("兗州")` matches Chinese and English labels and alternative labels, as a
substring, case-insensitively, with 兗 and 兖 treated as the same character (the reports print
both). `describe(...)` gathers types, labels, every claim involving the entity (grouped by claim
class / property, each with its quote and source file) and the derived edges in and out.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from kg.errors import KgError
from kg.store import Iri, Lit, open_store, term_text

# Variant characters printed interchangeably in the reports; folded before comparing.
VARIANTS = str.maketrans({"兗": "兖"})


def _sparql_fold(var: str) -> str:
    """The SPARQL expression folding `var` exactly as `_fold` folds Python text (VARIANTS, then LCASE)."""
    expr = f"STR({var})"
    for src, dst in VARIANTS.items():
        expr = f'REPLACE({expr}, "{chr(src)}", "{dst}")'
    return f"LCASE({expr})"


# The label scan: every rdfs:label/skos:altLabel of an e: entity containing the folded ?needle.
# kg.search_index answers the same from its index, and uses this query as its reference.
FIND_QUERY = f"""
SELECT ?x ?m ?label WHERE {{
  ?x rdfs:label|skos:altLabel ?m .
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), STR(e:)) && isLITERAL(?m))
  FILTER(CONTAINS({_sparql_fold("?m")}, ?needle))
  OPTIONAL {{ ?x rdfs:label ?label FILTER(langMatches(lang(?label), ?lang)) }}
}}"""

_INFO = """
SELECT ?x ?what ?value ?vlang WHERE {
  { ?x a ?t . BIND("type" AS ?what)
    OPTIONAL { ?t rdfs:label ?tl FILTER(langMatches(lang(?tl), ?lang)) }
    BIND(COALESCE(?tl, STR(?t)) AS ?value) }
  UNION { ?x rdfs:label ?value . BIND("label" AS ?what) }
  UNION { ?x skos:altLabel ?value . BIND("altLabel" AS ?what) }
  UNION { ?x skos:exactMatch ?value . BIND("exactMatch" AS ?what) }
  BIND(LANG(?value) AS ?vlang)
}"""

# Every claim involving ?x: its class, the property linking it to ?x (its role in the claim),
# the Statement property if any, the other entities named, quote and source file.
_CLAIMS = """
SELECT ?x ?claim ?class ?role ?property ?other ?quote ?source WHERE {
  ?claim sk:involves ?x ; a ?c ; ?r ?x ; prov:wasDerivedFrom ?src .
  FILTER(?c != sk:Claim && ?r != sk:involves)
  OPTIONAL { ?claim sk:quote ?quote }
  OPTIONAL { ?src sk:fileName ?source }
  OPTIONAL { ?c rdfs:label ?cl FILTER(langMatches(lang(?cl), ?lang)) }
  OPTIONAL { ?claim sk:property ?p . OPTIONAL { ?p rdfs:label ?pl FILTER(langMatches(lang(?pl), ?lang)) } }
  OPTIONAL { ?claim sk:involves ?o FILTER(?o != ?x)
             OPTIONAL { ?o rdfs:label ?ol FILTER(langMatches(lang(?ol), ?lang)) } }
  OPTIONAL { ?claim sk:objectValue ?ov }
  OPTIONAL { ?claim sk:value ?val }
  BIND(COALESCE(?cl, STR(?c)) AS ?class)
  BIND(REPLACE(STR(?r), "^.*[#/]", "") AS ?role)
  BIND(COALESCE(?pl, REPLACE(STR(?p), "^.*[#/]", "")) AS ?property)
  BIND(COALESCE(?ol, STR(?o), STR(?ov), STR(?val)) AS ?other)
}"""

# Derived ("truthy") edges are the ones inside a report's named graph that are not claim nodes.
_EDGES = """
SELECT ?x ?direction ?edge ?other ?g WHERE {
  { GRAPH ?g { ?x ?p ?o } FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?any } BIND("out" AS ?direction) }
  UNION
  { GRAPH ?g { ?o ?p ?x } FILTER(!STRSTARTS(STR(?o), STR(c:))) BIND("in" AS ?direction) }
  FILTER(?p != sk:involves)
  OPTIONAL { ?o rdfs:label ?ol FILTER(langMatches(lang(?ol), ?lang)) }
  BIND(REPLACE(STR(?p), "^.*[#/]", "") AS ?edge)
  BIND(COALESCE(?ol, STR(?o)) AS ?other)
}"""


@dataclass
class Match:
    iri: str
    label: str | None
    matched: str
    score: int  # 0 exact, 1 prefix, 2 substring


@dataclass
class ClaimLine:
    claim: str
    role: str
    property: str | None
    others: list[str]
    quote: str | None
    source: str | None


@dataclass
class Card:
    iri: str
    types: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)
    alt_labels: list[str] = field(default_factory=list)
    exact_match: list[str] = field(default_factory=list)
    claims: dict[str, list[ClaimLine]] = field(default_factory=dict)  # relation → claims
    edges_out: list[tuple[str, str, str]] = field(default_factory=list)  # (edge, other, graph)
    edges_in: list[tuple[str, str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"


def _fold(text: str) -> str:
    return text.translate(VARIANTS).lower()


def find_entities(text: str, store=None, lang: str = "zh", engine: str = "oxigraph",
                  limit: int | None = None) -> list[Match]:
    """Entities whose zh/en label or altLabel contains `text`; exact matches first.

    Uses the store's label index (kg.search_index) when the store is on disk and has a current
    one, else the SPARQL scan; both give the same matches in the same order.
    """
    needle = _fold(text.strip())
    if not needle:
        raise KgError("give some text to look for")
    store = store or open_store(engine=engine)
    path = getattr(store, "path", None)
    if path is not None:
        from kg import search_index

        if search_index.is_current(path):
            return [Match(h.iri, h.label, h.matched, h.score)
                    for h in search_index.search(text, limit=limit, lang=lang, store_dir=path)]
    matches = scan_entities(needle, store, lang)
    return matches if limit is None else matches[:limit]


def scan_entities(needle: str, store, lang: str = "zh") -> list[Match]:
    """find_entities by a SPARQL scan over every label; `needle` is already folded."""
    res = store.query(FIND_QUERY, {"needle": Lit(needle), "lang": Lit(lang)})
    best: dict[str, Match] = {}
    labels: dict[str, str] = {}
    for x, m, label in res.rows:
        iri, name, lab = term_text(x), term_text(m), term_text(label)
        folded = _fold(name)
        score = 0 if folded == needle else 1 if folded.startswith(needle) else 2
        cur = best.get(iri)
        # Ties broken by the text itself, so the answer never depends on the store's row order.
        if cur is None or (score, len(name), name) < (cur.score, len(cur.matched), cur.matched):
            best[iri] = Match(iri, None, name, score)
        if lab is not None and (iri not in labels or lab < labels[iri]):
            labels[iri] = lab
    for iri, match in best.items():
        match.label = labels.get(iri)
    return sorted(best.values(), key=lambda m: (m.score, len(m.matched), m.iri))


def resolve(iri_or_text: str, store, lang: str = "zh") -> str:
    """An IRI (full, <…>, or prefixed) as given, else the best label match."""
    from kg.query import to_iri

    t = iri_or_text.strip()
    prefix = t.partition(":")[0]
    if t.startswith("<") or t.startswith("http") or (":" in t and prefix in store.prefixes):
        return to_iri(t, store.prefixes).value
    matches = find_entities(t, store=store, lang=lang)
    if not matches:
        raise KgError(f"no entity is named {iri_or_text!r}")
    exact = [m for m in matches if m.score == 0]
    if len(exact) > 1:
        names = ", ".join(f"{m.iri} ({m.label})" for m in exact[:8])
        raise KgError(f"{iri_or_text!r} names several entities: {names}; give the IRI")
    return matches[0].iri


def describe(iri_or_text: str, store=None, lang: str = "zh", engine: str = "oxigraph") -> Card:
    """The entity card for an IRI or a name."""
    store = store or open_store(engine=engine)
    iri = resolve(iri_or_text, store, lang)
    b = {"x": Iri(iri), "lang": Lit(lang)}
    card = Card(iri)
    for _x, what, value, vlang in store.query(_INFO, b).rows:
        what, value, vl = term_text(what), term_text(value), term_text(vlang) or ""
        if what == "type":
            card.types.append(value)
        elif what == "label":
            card.labels.setdefault(vl, []).append(value)
        elif what == "altLabel":
            card.alt_labels.append(value)
        else:
            card.exact_match.append(value)
    if not card.types and not card.labels:
        raise KgError(f"nothing is known about {iri}")
    grouped: dict[tuple, ClaimLine] = {}
    for _x, claim, cls, role, prop, other, quote, source in store.query(_CLAIMS, b).rows:
        key_rel = term_text(prop) or term_text(cls)
        key = (key_rel, term_text(claim), term_text(role))
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = ClaimLine(term_text(claim), term_text(role), term_text(prop), [],
                                            term_text(quote), term_text(source))
            card.claims.setdefault(key_rel, []).append(line)
        o = term_text(other)
        if o and o not in line.others:
            line.others.append(o)
    for lines in card.claims.values():
        lines.sort(key=lambda c: c.claim)
        for line in lines:
            line.others.sort()
    for _x, direction, edge, other, g in store.query(_EDGES, b).rows:
        item = (term_text(edge), term_text(other), term_text(g).rsplit("/", 1)[-1])
        (card.edges_out if term_text(direction) == "out" else card.edges_in).append(item)
    card.types.sort()
    card.alt_labels.sort()
    card.edges_out = sorted(set(card.edges_out))
    card.edges_in = sorted(set(card.edges_in))
    return card


def card_rows(card: Card) -> tuple[list[str], list[list]]:
    """The card flattened to rows (section, relation, value, quote, source) for csv/tsv/table."""
    rows: list[list] = [["entity", "iri", card.iri, None, None]]
    rows += [["type", "a", t, None, None] for t in card.types]
    for lang, labels in sorted(card.labels.items()):
        rows += [["label", f"label@{lang}", lab, None, None] for lab in labels]
    rows += [["label", "altLabel", a, None, None] for a in card.alt_labels]
    for rel, lines in card.claims.items():
        for c in lines:
            rows.append(["claim", rel, f"{c.role}: " + "; ".join(c.others), c.quote, c.source])
    rows += [["edge out", e, o, None, g] for e, o, g in card.edges_out]
    rows += [["edge in", e, o, None, g] for e, o, g in card.edges_in]
    return ["section", "relation", "value", "quote", "source"], rows


def card_text(card: Card, lang: str = "zh") -> str:
    """A readable card for the terminal."""
    title = (card.labels.get(lang) or card.labels.get("zh") or card.labels.get("en") or [card.iri])[0]
    out = [f"{title}  <{card.iri}>"]
    out.append("  types: " + ", ".join(card.types))
    for lg, labels in sorted(card.labels.items()):
        out.append(f"  label@{lg}: " + " | ".join(labels))
    if card.alt_labels:
        out.append("  also called: " + " | ".join(card.alt_labels))
    if card.exact_match:
        out.append("  same as: " + " ".join(card.exact_match))
    for rel, lines in card.claims.items():
        out.append(f"\n{rel} ({len(lines)})")
        for c in lines:
            who = "; ".join(c.others)
            out.append(f"  - {c.role}{': ' + who if who else ''}")
            out.append(f"    “{c.quote}” — {c.source}")
    if card.edges_out or card.edges_in:
        out.append("\nderived edges")
        out += [f"  → {e} {o}  [{g}]" for e, o, g in card.edges_out]
        out += [f"  ← {e} {o}  [{g}]" for e, o, g in card.edges_in]
    return "\n".join(out) + "\n"
