"""describe.find_entities: the label index and the SPARQL scan give the same answers on the real graph."""
from __future__ import annotations

import random

import pytest

from kg import describe, search_index
from kg.store import open_store, term_text

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The checkout's own graph in a fresh on-disk store (a rebuild, which also builds the index)."""
    return open_store(tmp_path_factory.mktemp("real") / "store", quiet=True)


@pytest.fixture(scope="module")
def labels(real):
    rows = real.query("SELECT ?x ?p ?l WHERE { ?x ?p ?l . VALUES ?p { rdfs:label skos:altLabel } "
                      "FILTER(STRSTARTS(STR(?x), STR(e:))) }").rows
    return [(term_text(x), term_text(p), term_text(lab)) for x, p, lab in rows]


def _queries(labels) -> list[str]:
    """Many queries cut from the real labels: substrings of 1–6 characters, whole labels, case and
    variant-character changes, words of English labels, and text that matches nothing."""
    rnd = random.Random(20240601)
    texts = [t for _, _, t in labels]
    out = set()
    for t in rnd.sample(texts, min(150, len(texts))):
        i = rnd.randrange(len(t))
        out.add(t[i:rnd.randrange(i + 1, min(len(t), i + 6) + 1)])
    for t in rnd.sample(texts, 25):
        out |= {t, t.upper(), t.replace("兖", "兗")}
    out |= {w for t in texts for w in t.split(" ") if len(w) > 3 and rnd.random() < 0.05}
    out |= {"兗州", "兖州", "兗矿", "Technician College", "e", "不存在的名称", "zz9"}
    return sorted(q for q in out if q.strip())


def test_store_rebuild_builds_the_index(real):
    assert real.path is not None and search_index.is_current(real.path)


def test_index_and_scan_agree_on_the_real_graph(real, labels):
    queries = _queries(labels)
    assert len(queries) > 150
    found = 0
    for lang, some in (("zh", queries), ("en", queries[::4])):  # the language only picks the label shown
        for q in some:
            by_index = describe.find_entities(q, store=real, lang=lang)
            by_scan = describe.scan_entities(describe._fold(q.strip()), real, lang)
            assert by_index == by_scan, q  # same entities, labels, matched texts, scores and order
            found += bool(by_index)
    assert found > 150  # the comparison is not between two empty lists


def test_alt_labels_and_variant_characters_are_found(real, labels):
    alts = [(x, t) for x, p, t in labels if p.endswith("altLabel")]
    assert alts
    for iri, alt in alts[:30]:
        assert iri in {m.iri for m in describe.find_entities(alt, store=real)}
    variant = [(x, t) for x, _, t in labels if "兖" in t or "兗" in t]
    assert variant  # the reports print both characters
    for iri, t in variant:
        for spelling in (t.replace("兗", "兖"), t.replace("兖", "兗")):
            hits = describe.find_entities(spelling, store=real)
            assert iri in {m.iri for m in hits} and hits[0].score == 0


def test_find_entities_reads_the_index_when_current(real, monkeypatch):
    def no_scan(*_a, **_k):
        raise AssertionError("scanned although the store has a current index")

    monkeypatch.setattr(describe, "scan_entities", no_scan)
    assert describe.find_entities("技师学院", store=real)
    assert len(describe.find_entities("技师学院", store=real, limit=2)) == 2


def test_find_entities_scans_without_an_index(real, monkeypatch):
    monkeypatch.setattr(search_index, "is_current", lambda _path: False)

    def no_index(*_a, **_k):
        raise AssertionError("searched an index that is not current")

    monkeypatch.setattr(search_index, "search", no_index)
    assert describe.find_entities("技师学院", store=real)
    assert describe.describe("兗矿能源", store=real).iri.endswith("/yankuang-energy")


def test_search_index_scan_is_describes_scan(real):
    for q in ("技师", "Jining", "兗矿"):
        assert search_index.scan(q, real.path) == {m.iri for m in describe.scan_entities(describe._fold(q), real)}
