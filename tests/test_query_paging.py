"""Paging (--limit/--offset, limit=/offset=) and the scope of saved questions."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import query as q
from kg.cli import main
from kg.errors import KgError
from kg.store import open_store, term_key

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "query"
QUESTIONS = q.list_questions(("questions",))
LISTINGS = [x.id for x in QUESTIONS if x.scope == "listing"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    return {"repo": open_store(quiet=True),
            "fx-oxigraph": open_store(tmp_path_factory.mktemp("pg") / "store", source=FIXTURE, quiet=True),
            "fx-rdflib": open_store(engine="rdflib", source=FIXTURE)}


def keys(result):
    return [tuple(term_key(t) for t in row) for row in result.rows]


def pages(run, size):
    """Every page of `size` rows until an empty one; asserts no page is larger than asked."""
    out, offset = [], 0
    while True:
        page = keys(run(limit=size, offset=offset))
        assert len(page) <= size
        if not page:
            return out
        out.append(page)
        offset += size


# ------------------------------------------------------------------ scope metadata
def test_every_question_says_its_scope():
    assert {x.scope for x in QUESTIONS} == set(q.SCOPES)
    assert {x.id for x in QUESTIONS if x.scope == "indexed"} == {
        "entity-facts", "partners-of", "collaboration-members", "holders-of"}
    for x in QUESTIONS:  # an indexed question is about something the caller names
        assert (x.scope == "indexed") <= bool(x.params), x.id


def test_bad_scope_is_reported_with_file_and_line(tmp_path):
    f = tmp_path / "x.rq"
    f.write_text("# id: x\n# scope: everything\nSELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KgError) as err:
        q.parse_question(f, "questions")
    assert err.value.line == 2 and "scope must be one of" in str(err.value)


def test_list_shows_scope(capsys):
    assert main(["query", "--list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["scope"] for r in rows}["timeline"] == "listing"


# ------------------------------------------------------------------ the rewrite
def test_page_keeps_order_and_adds_tie_breakers():
    text = "SELECT DISTINCT ?a (COUNT(?x) AS ?n) WHERE { ?a ?p ?x } GROUP BY ?a ORDER BY DESC(?n)"
    assert q.paged_text(text, 10, 20).endswith("ORDER BY DESC(?n) ?a LIMIT 10 OFFSET 20")
    assert q.paged_text("SELECT ?a ?b WHERE { ?a ?p ?b }", 5, None).endswith("} ORDER BY ?a ?b LIMIT 5")
    assert q.paged_text(text, None, None) == text


def test_page_inside_the_querys_own_window():
    text = "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 10 OFFSET 5"
    assert q.paged_text(text, 3, 8).split("ORDER BY ?a")[1].split() == ["LIMIT", "2", "OFFSET", "13"]
    assert "LIMIT 0 OFFSET 25" in q.paged_text(text, 10, 20)  # past the window: nothing
    assert q.paged_text(text, None, 4).split("ORDER BY ?a")[1].split() == ["LIMIT", "6", "OFFSET", "9"]


def test_page_ignores_limit_in_strings_comments_and_subqueries():
    text = 'SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p "LIMIT 5 }" } LIMIT 2 } } # LIMIT 7\nORDER BY ?a'
    out = q.paged_text(text, 4, 1)
    assert '"LIMIT 5 }" } LIMIT 2 } } # LIMIT 7\nORDER BY ?a LIMIT 4 OFFSET 1' == out.split("?p ", 1)[1]


def test_page_goes_before_a_trailing_values_block():
    out = q.paged_text("SELECT ?a WHERE { ?a ?p ?b } VALUES ?a { <x:y> }", 1, None)
    assert out == "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 1 VALUES ?a { <x:y> }"


def test_ask_cannot_be_paged_and_updates_stay_refused(stores):
    with pytest.raises(KgError, match="not ASK"):
        q.run_sparql("ASK { ?s ?p ?o }", store=stores["fx-oxigraph"], limit=1)
    with pytest.raises(KgError, match="read-only"):
        q.run_sparql("DROP ALL", store=stores["fx-oxigraph"], limit=1)


@pytest.mark.parametrize("bad", [-1, 1.5, "x", "-3", True, [1]])
def test_bad_page_values(bad):
    with pytest.raises(KgError, match="whole number"):
        q.check_page(bad, None)
    with pytest.raises(KgError, match="whole number"):
        q.check_page(None, bad)


def test_digit_strings_are_accepted():
    assert q.check_page("10", " 3 ") == (10, 3)


# ------------------------------------------------------------------ pages concatenate to the answer
@pytest.mark.parametrize("qid", LISTINGS)
def test_pages_concatenate_to_the_full_answer(stores, qid):
    store = stores["repo"]
    full = q.run_question(qid, {}, store=store)
    one_page = keys(q.run_question(qid, {}, store=store, limit=10**6))
    assert sorted(one_page) == sorted(keys(full))  # the tie-breakers change no row
    size = max(1, len(one_page) // 3)  # three or four pages, the last one short
    got = pages(lambda **page: q.run_question(qid, {}, store=store, **page), size)
    assert [row for page in got for row in page] == one_page


@pytest.mark.parametrize("engine", ["fx-oxigraph", "fx-rdflib"])
@pytest.mark.parametrize("qid", ["partnerships", "cities-by-indicator", "claims-per-source", "timeline"])
def test_both_engines_page_the_same_way(stores, engine, qid):
    store = stores[engine]
    whole = keys(q.run_question(qid, {}, store=store, limit=10**6))
    assert whole, f"{qid} has no rows on the fixture: pick another question"
    got = pages(lambda **page: q.run_question(qid, {}, store=store, lang="en", **page), 2)
    assert sorted(row for page in got for row in page) == sorted(keys(q.run_question(qid, {}, store=store, lang="en")))
    other = "fx-rdflib" if engine == "fx-oxigraph" else "fx-oxigraph"
    assert keys(q.run_question(qid, {}, store=stores[other], limit=2, offset=1)) == whole[1:3]


# ------------------------------------------------------------------ CLI and API
@pytest.fixture
def fx_env(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_DATASET", str(FIXTURE))
    monkeypatch.setenv("KG_STORE", str(tmp_path / "store"))


def test_cli_pages(capsys, fx_env):
    def bindings(*args):
        assert main(["query", "cities-by-indicator", "--format", "json", *args]) == 0
        return json.loads(capsys.readouterr().out)["results"]["bindings"]

    every = bindings("--limit", "100000")
    assert len(every) >= 3 and sorted(map(str, every)) == sorted(map(str, bindings()))
    assert bindings("--limit", "2", "--offset", "1") == every[1:3]
    assert bindings("--offset", "2") == every[2:]
    assert main(["query", "--sparql", "SELECT ?s WHERE { ?s a sk:EducationGroup }", "--format", "csv",
                 "--offset", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["s"]  # one group in the fixture, skipped


@pytest.mark.parametrize("args,word", [(["--limit", "-1"], "--limit"), (["--limit", "ten"], "--limit"),
                                       (["--offset", "1.5"], "--offset"), (["--offset", "-2"], "--offset")])
def test_cli_bad_page_values_exit_2(capsys, fx_env, args, word):
    assert main(["query", "partnerships", *args]) == 2
    err = capsys.readouterr().err
    assert word in err and ("integer" in err or "range" in err)


def test_row_count_note():
    from kg.cli.query import _row_count_note

    assert _row_count_note(1, None, 0) == "(1 row)"
    assert _row_count_note(37, None, 0) == "(37 rows)"
    assert _row_count_note(100, 100, 200) == "(rows 201–300; next page: --offset 300)"
    assert _row_count_note(7, 100, 200) == "(rows 201–207)"
    assert _row_count_note(0, 100, 900) == "(no rows after row 900)"


def test_python_api_pages(fx_env):
    import kg

    g = kg.open()
    rows = g.query("partnerships", lang="en", limit=10**6)
    assert len(rows) >= 2 and sorted(map(str, rows)) == sorted(map(str, g.query("partnerships", lang="en")))
    assert g.query("partnerships", lang="en", limit=1, offset=1) == rows[1:2]
    assert len(g.dataframe("partnerships", limit=1)) == 1
    with pytest.raises(KgError, match="whole number"):
        g.query("partnerships", limit=-5)
    with pytest.raises(KgError, match="whole number"):
        g.dataframe("partnerships", offset="first")
