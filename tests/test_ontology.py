"""The ontology files: every term named and defined in zh and en, the design contract covered,
alignments present, the skill ladder ordered, both RDF engines agree, and `kg docs` works offline.

Failure messages name the term and say what to add, so a curator can fix the .ttl directly.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection

from kg.namespaces import DCTERMS, IND, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SK, SKOS, V, WD, WDT
from kg.ontology import curie, load_ontology, ontology_files, terms
from kg.paths import repo_root, sources_dir

ROOT = repo_root()
ONTOLOGY = ROOT / "ontology"
DESIGN = ROOT / "docs" / "design.md"

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

SKILL_LADDER = ["学徒工", "初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师"]


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def skills() -> Graph:
    return Graph().parse(ONTOLOGY / "skills.ttl", format="turtle")


def _concept_files() -> list[Path]:
    # vocab, indicators and curators' indicators-extra-sNNN.ttl all follow the concept pattern.
    return [p for p in ontology_files() if p.name != "skills.ttl"]


def _lang_literals(g: Graph, s, p, lang: str) -> list[Literal]:
    return [o for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang]


def _design_tokens(prefix: str, text: str | None = None) -> set[str]:
    """Local names written as `prefix:name` in design.md (ellipsis placeholders such as v:unit-… dropped)."""
    text = DESIGN.read_text(encoding="utf-8") if text is None else text
    found = set()
    for m in re.finditer(rf"(?<![\w:/#-]){prefix}:([A-Za-z][A-Za-z0-9_-]*)", text):
        name = m.group(1)
        if name.endswith("-"):  # `v:level-…` is a pattern, not a term
            continue
        found.add(name)
    return found


def _section(title_start: str) -> str:
    """The text of one '## N. …' section of design.md."""
    text = DESIGN.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^## ", text)
    for part in parts:
        if part.startswith(title_start):
            return part
    raise AssertionError(f"design.md has no section starting '## {title_start}'")


# --------------------------------------------------------------------------- labels and definitions


def test_every_skills_term_has_one_label_and_definition_per_language(skills):
    problems = []
    subjects = sorted({s for t in TERM_TYPES for s in skills.subjects(RDF.type, t) if isinstance(s, URIRef)})
    assert len(subjects) > 100, "skills.ttl declares suspiciously few terms"
    for s in subjects:
        for pred, what in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
            for lang in ("zh", "en"):
                n = len(_lang_literals(skills, s, pred, lang))
                if n != 1:
                    action = "add one" if n == 0 else f"keep one of the {n}"
                    problems.append(f'{curie(s)}: has {n} {what} @{lang}; {action} ({what} "…"@{lang})')
            for lit in skills.objects(s, pred):
                if isinstance(lit, Literal) and not str(lit).strip():
                    problems.append(f"{curie(s)}: empty {what}; write the text")
    assert not problems, "skills.ttl terms missing labels/definitions:\n" + "\n".join(problems)


def test_skills_declares_only_sk_terms(skills):
    # External terms may be mentioned (mappings) but never re-declared as classes or properties.
    foreign = sorted(
        curie(s) for t in TERM_TYPES for s in skills.subjects(RDF.type, t)
        if isinstance(s, URIRef) and not str(s).startswith(str(SK))
    )
    assert not foreign, f"skills.ttl declares non-sk: terms (only map them, do not declare): {foreign}"


def test_every_term_is_typed_once_as_one_kind(skills):
    problems = []
    for s in set(skills.subjects(RDF.type, None)):
        kinds = {t for t in skills.objects(s, RDF.type) if t in TERM_TYPES}
        if len(kinds) > 1:
            problems.append(f"{curie(s)}: typed as {sorted(curie(k) for k in kinds)}; keep one")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", _concept_files(), ids=lambda p: p.name)
def test_every_concept_has_labels_definitions_and_scheme(path):
    g = Graph().parse(path, format="turtle")
    problems = []
    concepts = sorted(set(g.subjects(RDF.type, SKOS.Concept)) | set(g.subjects(RDF.type, SKOS.ConceptScheme)))
    assert concepts, f"{path.name}: no skos:Concept or skos:ConceptScheme found"
    for c in concepts:
        for lang in ("zh", "en"):
            pref = _lang_literals(g, c, SKOS.prefLabel, lang)
            lab = _lang_literals(g, c, RDFS.label, lang)
            if len(pref) != 1:
                problems.append(f'{path.name}: {curie(c)} has {len(pref)} skos:prefLabel @{lang}; need exactly one (skos:prefLabel "…"@{lang})')
            if len(lab) != 1:
                problems.append(f'{path.name}: {curie(c)} has {len(lab)} rdfs:label @{lang}; need exactly one, the same text as skos:prefLabel')
            elif len(pref) == 1 and str(pref[0]) != str(lab[0]):
                problems.append(f"{path.name}: {curie(c)} rdfs:label @{lang} differs from skos:prefLabel; make them the same")
            if not _lang_literals(g, c, SKOS.definition, lang):
                problems.append(f'{path.name}: {curie(c)} has no skos:definition @{lang}; add skos:definition "…"@{lang}')
        if (c, RDF.type, SKOS.Concept) in g and g.value(c, SKOS.inScheme) is None:
            problems.append(f"{path.name}: {curie(c)} has no skos:inScheme; add the scheme it belongs to")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["vocab.ttl", "indicators.ttl"])
def test_schemes_list_their_top_concepts(name):
    # Only the two maintained files: curators' indicators-extra-sNNN.ttl follow the lighter
    # pattern in design.md section 8 (skos:inScheme without hasTopConcept).
    g = Graph().parse(ONTOLOGY / name, format="turtle")
    problems = []
    for scheme in sorted(g.subjects(RDF.type, SKOS.ConceptScheme)):
        members = set(g.subjects(SKOS.inScheme, scheme))
        if not members:
            problems.append(f"{curie(scheme)}: no concepts")
        tops = set(g.objects(scheme, SKOS.hasTopConcept))
        for m in sorted(members - tops):
            if g.value(m, SKOS.broader) is None:
                problems.append(f"{name}: {curie(scheme)}: add skos:hasTopConcept {curie(m)}")
        for t in sorted(tops):
            if (t, SKOS.topConceptOf, scheme) not in g:
                problems.append(f"{name}: {curie(t)}: add skos:topConceptOf {curie(scheme)}")
    assert not problems, "\n".join(problems)


def test_every_indicator_has_a_category(onto):
    categories = set(onto.subjects(SKOS.inScheme, V.IndicatorCategoryScheme))
    problems = []
    for ind in sorted(onto.subjects(SKOS.inScheme, IND.IndicatorScheme)):
        cats = set(onto.objects(ind, SK.category))
        if len(cats) != 1 or not cats <= categories:
            problems.append(f"{curie(ind)}: needs exactly one sk:category from v:IndicatorCategoryScheme (v:cat-…), has {sorted(map(curie, cats))}")
        for unit in onto.objects(ind, SK.defaultUnit):
            if (unit, SKOS.inScheme, V.UnitScheme) not in onto:
                problems.append(f"{curie(ind)}: sk:defaultUnit {curie(unit)} is not in v:UnitScheme")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- design contract


def _defined(onto: Graph, iri: URIRef) -> bool:
    return (iri, RDF.type, None) in onto


def test_every_sk_term_in_design_exists(onto):
    names = _design_tokens("sk")
    assert len(names) > 100, "design.md parsing found too few sk: terms; check the regex"
    missing = sorted(n for n in names if not _defined(onto, SK[n]))
    assert not missing, (
        "design.md names sk: terms the ontology does not define; add each to ontology/skills.ttl "
        f"with rdfs:label and skos:definition @zh and @en: {['sk:' + m for m in missing]}"
    )


def test_every_v_and_ind_term_in_design_exists(onto):
    missing = [f"v:{n}" for n in sorted(_design_tokens("v")) if not _defined(onto, V[n])]
    missing += [f"ind:{n}" for n in sorted(_design_tokens("ind")) if not _defined(onto, IND[n])]
    assert not missing, f"design.md names concepts missing from ontology/vocab.ttl or indicators.ttl: {missing}"


def test_design_section6_classes_are_classes(onto):
    names = {n for n in _design_tokens("sk", _section("6.")) if n[0].isupper() and n != "RecognitionScheme"}
    names |= {n for n in _design_tokens("sk", _section("4.")) if n[0].isupper()}
    wrong = sorted(f"sk:{n}" for n in names if (SK[n], RDF.type, OWL.Class) not in onto)
    assert not wrong, f"declare these as owl:Class in ontology/skills.ttl: {wrong}"
    assert (SK.RecognitionScheme, RDF.type, SKOS.ConceptScheme) in onto


def test_claim_classes_are_claims(onto):
    for cls in (SK.Membership, SK.Partnership, SK.Observation, SK.Conferral, SK.CompetitionResult, SK.Statement):
        assert (cls, RDFS.subClassOf, SK.Claim) in onto, f"add {curie(cls)} rdfs:subClassOf sk:Claim"


def test_statement_properties_are_properties(onto):
    table = re.findall(r"(?m)^\| `sk:([A-Za-z]+)`", _section("4."))
    assert len(table) >= 20, "could not read the sk:Statement property table in design.md"
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty)
    wrong = sorted(f"sk:{n}" for n in table if not any((SK[n], RDF.type, k) in onto for k in kinds))
    assert not wrong, f"declare as owl:ObjectProperty or owl:DatatypeProperty: {wrong}"


def test_no_dangling_own_references(onto):
    """Every sk:/v:/ind: IRI used anywhere in the ontology is declared somewhere in it."""
    own = (str(SK), str(V), str(IND))
    used = {n for t in onto for n in t if isinstance(n, URIRef) and str(n).startswith(own)}
    dangling = sorted(curie(n) for n in used if not _defined(onto, n))
    assert not dangling, f"used but never declared (add a definition): {dangling}"


# --------------------------------------------------------------------------- skill ladder


def test_skill_levels_are_ordered_one_to_eight(onto):
    levels = {int(onto.value(s, SK.rank)): s for s in onto.subjects(SKOS.inScheme, V.SkillLevelScheme)}
    assert sorted(levels) == list(range(1, 9)), f"sk:rank values must be 1..8, got {sorted(levels)}"
    for rank, zh in enumerate(SKILL_LADDER, start=1):
        node = levels[rank]
        assert node == V[f"skill-level-{rank}"], f"rank {rank} should be v:skill-level-{rank}"
        assert (node, RDF.type, SK.SkillLevel) in onto
        labels = [str(x) for x in _lang_literals(onto, node, SKOS.prefLabel, "zh")]
        assert labels == [zh], f"v:skill-level-{rank} should be labelled {zh}@zh, has {labels}"
        nxt = onto.value(node, SK.nextLevel)
        assert nxt == (levels.get(rank + 1)), f"v:skill-level-{rank} sk:nextLevel should be v:skill-level-{rank + 1}"
    seq = onto.value(predicate=RDF.type, object=SKOS.OrderedCollection)
    assert seq is not None, "add an skos:OrderedCollection of the skill levels"
    members = list(Collection(onto, onto.value(seq, SKOS.memberList)))
    assert members == [levels[i] for i in range(1, 9)], "skos:memberList must list the levels in rank order"


def test_skill_ladder_order_matches_source_003():
    files = sorted(sources_dir().glob("003_*.txt")) if sources_dir().is_dir() else []
    if not files:
        pytest.skip("source report 003 not available")
    text = re.sub(r"\s+", "", files[0].read_text(encoding="utf-8"))
    assert "由" + "、".join(SKILL_LADDER) + "构成" in text, "the ladder order no longer matches report 003"


# --------------------------------------------------------------------------- alignments


ALIGNMENTS = [
    (SK.Claim, RDFS.subClassOf, PROV.Entity),
    (SK.SourceDocument, RDFS.subClassOf, PROV.Entity),
    (SK.SourceDocument, RDFS.subClassOf, DCTERMS.BibliographicResource),
    (SK.Article, RDFS.subClassOf, DCTERMS.BibliographicResource),
    (SK.Membership, RDFS.subClassOf, ORG.Membership),
    (SK.Organization, RDFS.subClassOf, ORG.FormalOrganization),
    (SK.VocationalCollaboration, RDFS.subClassOf, ORG.OrganizationalCollaboration),
    (SK.TechnicalCollege, RDFS.subClassOf, SCHEMA.EducationalOrganization),
    (SK.VocationalSchool, RDFS.subClassOf, SCHEMA.EducationalOrganization),
    (SK.Enterprise, RDFS.subClassOf, SCHEMA.Corporation),
    (SK.GovernmentAgency, RDFS.subClassOf, SCHEMA.GovernmentOrganization),
    (SK.City, RDFS.subClassOf, SCHEMA.City),
    (SK.Province, RDFS.subClassOf, SCHEMA.AdministrativeArea),
    (SK.Country, RDFS.subClassOf, SCHEMA.Country),
    (SK.Place, RDFS.subClassOf, SCHEMA.Place),
    (SK.Person, RDFS.subClassOf, SCHEMA.Person),
    (SK.Event, RDFS.subClassOf, SCHEMA.Event),
    (SK.Brand, RDFS.subClassOf, SCHEMA.Brand),
    (SK.Observation, RDFS.subClassOf, URIRef(str(SCHEMA) + "Observation")),
    (SK.Recognition, RDFS.subClassOf, SKOS.Concept),
    (SK.SkillLevel, RDFS.subClassOf, SKOS.Concept),
    (SK.partOf, RDFS.subPropertyOf, SCHEMA.containedInPlace),
    (SK.foundingDate, RDFS.subPropertyOf, SCHEMA.foundingDate),
    (SK.parentOrganization, RDFS.subPropertyOf, SCHEMA.parentOrganization),
    (SK.parentOrganization, RDFS.subPropertyOf, ORG.subOrganizationOf),
    (SK.worksAt, RDFS.subPropertyOf, SCHEMA.worksFor),
    (SK.studentOf, RDFS.subPropertyOf, SCHEMA.alumniOf),
    (SK.received, RDFS.subPropertyOf, SCHEMA.award),
    (SK.locatedIn, RDFS.subPropertyOf, SCHEMA.location),
    (SK.organizedBy, RDFS.subPropertyOf, SCHEMA.organizer),
    (SK.observationAbout, RDFS.subPropertyOf, URIRef(str(SCHEMA) + "observationAbout")),
    (SK.note, RDFS.subPropertyOf, SKOS.editorialNote),
    (V["role-lead"], RDF.type, ORG.Role),
]

WIKIDATA = [
    (ORG.memberOf, WDT.P463),
    (SK.locatedIn, WDT.P131),
    (SK.received, WDT.P166),
    (SK.parentOrganization, WDT.P749),
    (SK.foundingDate, WDT.P571),
    (SK.quote, WDT.P1683),
    (SK.City, WD.Q515),
    (SK.Enterprise, WD.Q4830453),
    (SK.Person, WD.Q5),
    (SK.HonourTitle, WD.Q618779),
]


@pytest.mark.parametrize("triple", ALIGNMENTS, ids=lambda t: f"{curie(t[0])} {curie(t[1])} {curie(t[2])}")
def test_alignment(onto, triple):
    assert triple in onto, f"add to the ontology: {curie(triple[0])} {curie(triple[1])} {curie(triple[2])}"


@pytest.mark.parametrize("pair", WIKIDATA, ids=lambda p: f"{curie(p[0])}~{curie(p[1])}")
def test_wikidata_match(onto, pair):
    s, target = pair
    ok = (s, SKOS.exactMatch, target) in onto or (s, SKOS.closeMatch, target) in onto
    assert ok, f"add {curie(s)} skos:exactMatch (or skos:closeMatch) {curie(target)}"


def test_claims_document_stated_in(onto):
    assert (SK.Claim, RDFS.seeAlso, WD.P248) in onto
    assert "P248" in " ".join(str(c) for c in onto.objects(SK.Claim, RDFS.comment))


def test_technical_colleges_are_not_universities(onto):
    # schema:CollegeOrUniversity means higher education; Chinese 技工院校 are not.
    ancestors = set(onto.transitive_objects(SK.TechnicalCollege, RDFS.subClassOf))
    assert SCHEMA.CollegeOrUniversity not in ancestors
    assert SK.University not in ancestors


def test_every_alignment_vocabulary_is_used(onto):
    objects = {str(o) for o in onto.objects() if isinstance(o, URIRef)}
    for ns in (ORG, SCHEMA, PROV, SKOS, DCTERMS, WD, WDT):
        assert any(o.startswith(str(ns)) for o in objects), f"no alignment to {ns}"


# --------------------------------------------------------------------------- engines


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_parses_in_rdflib_and_pyoxigraph_alike(path):
    g = Graph().parse(path, format="turtle")
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(g), f"{path.name}: rdflib reads {len(g)} triples, pyoxigraph {len(store)}"
    # Spot-check that both engines read the same IRIs and language tags.
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && lang(?o) = 'zh') }"))
    n_zh = sum(1 for _, _, o in g if isinstance(o, Literal) and o.language == "zh")
    assert int(rows[0]["n"].value) == n_zh


def test_terms_lists_everything(onto):
    ts = terms(onto)
    kinds = {t.kind for t in ts}
    assert {"class", "object-property", "datatype-property", "concept-scheme", "concept"} <= kinds
    place = next(t for t in ts if t.curie == "sk:Place")
    assert place.labels == {"zh": "地点", "en": "Place"}
    assert set(place.definitions) == {"zh", "en"}
    assert [t.curie for t in ts] == [t.curie for t in terms(onto)], "terms() must be deterministic"


# --------------------------------------------------------------------------- docs page


class _ResourceCollector(HTMLParser):
    """Collects src/href of tags that make a browser fetch something (script, link, img …)."""

    FETCHING = {"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object"}

    def __init__(self):
        super().__init__()
        self.fetched: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.FETCHING:
            for name, value in attrs:
                if name in ("src", "href", "data", "srcset") and value:
                    self.fetched.append((tag, value))


@pytest.fixture(scope="module")
def docs_page(tmp_path_factory) -> str:
    from kg.cli import main

    out = tmp_path_factory.mktemp("docs") / "ontology.html"
    assert main(["docs", "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_docs_page_has_every_class_label(onto, docs_page):
    import html

    missing = []
    for t in terms(onto):
        for lang in ("zh", "en"):
            if t.kind == "class" and html.escape(t.labels.get(lang, ""), quote=True) not in docs_page:
                missing.append(f"{t.curie}@{lang}")
        if f'id="t-{t.curie.replace(":", "-")}"' not in docs_page:
            missing.append(f"anchor for {t.curie}")
    assert not missing, f"the docs page lacks: {missing}"


def test_docs_page_loads_nothing_from_the_network(docs_page):
    parser = _ResourceCollector()
    parser.feed(docs_page)
    remote = [(tag, url) for tag, url in parser.fetched if re.match(r"(?i)\s*(https?:)?//", url)]
    assert not remote, f"the docs page fetches remote resources: {remote}"
    assert not re.search(r"(?i)@import|url\(\s*['\"]?(https?:)?//", docs_page), "remote CSS in the page"


def test_docs_page_is_deterministic(onto):
    from kg.docs import render_docs

    assert render_docs(onto) == render_docs(onto)


def test_docs_escapes_labels():
    from kg.docs import render_docs

    g = Graph()
    evil = SK.Evil
    g.add((evil, RDF.type, OWL.Class))
    g.add((evil, RDFS.label, Literal('<script>alert("x")</script>', lang="en")))
    g.add((evil, SKOS.definition, Literal("a & b <img src=x>", lang="en")))
    page = render_docs(g)
    assert "<script>alert" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_every_own_term_used_in_data_and_queries_is_defined(onto):
    """Curators and query writers may only use sk:/v:/ind: terms the ontology defines."""
    own = (str(SK), str(V), str(IND))
    problems = []
    for path in sorted((ROOT / "data" / "triples").rglob("*.ttl")):
        g = Graph().parse(path, format="turtle")
        used = {n for t in g for n in t if isinstance(n, URIRef) and str(n).startswith(own)}
        problems += [f"{path.relative_to(ROOT)}: {curie(n)}" for n in sorted(used) if not _defined(onto, n)]
    rule_dirs = [ROOT / "queries", ROOT / "src" / "kg" / "rules"]
    for path in sorted(p for d in rule_dirs if d.is_dir() for p in d.rglob("*.rq")):
        text = path.read_text(encoding="utf-8")
        for prefix, ns in (("sk", SK), ("v", V), ("ind", IND)):
            for name in sorted(_design_tokens(prefix, text)):
                if not _defined(onto, ns[name]):
                    problems.append(f"{path.relative_to(ROOT)}: {prefix}:{name}")
    assert not problems, (
        "terms used but not defined in ontology/ (define them, or fix the spelling):\n" + "\n".join(problems)
    )
