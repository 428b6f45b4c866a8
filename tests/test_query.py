"""Saved questions, parameters, engines, output formats, read-only store, describe, golden answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg import query as q
from kg.cli import main
from kg.errors import KgError
from kg.store import Iri, Lit, UpdateRefused, bind_text, open_store, term_key

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "query"
QUESTIONS = [x.id for x in q.list_questions(("questions",))]
EXPORTS = [x.id for x in q.list_questions(("exports",))]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
INJECTIONS = ["e:x> } ; DROP ALL ; #", '" . } INSERT DATA { <a> <b> <c> } #', "x'); DROP ALL; --",
              '\\" } DROP ALL #']


def canonical(result):
    import sys

    sys.path.insert(0, str(HERE))
    from update_golden import canonical as c

    if result.kind == "construct":
        return sorted(" ".join(term_key(t) for t in tr) for tr in result.triples)
    return c(result)


@pytest.fixture(scope="session")
def fx(tmp_path_factory):
    """The small fixture dataset in both engines."""
    return {"oxigraph": open_store(tmp_path_factory.mktemp("st") / "store", source=FIXTURE, quiet=True),
            "rdflib": open_store(engine="rdflib", source=FIXTURE)}


@pytest.fixture(scope="session")
def repo():
    """The repository's own data (whatever the curators have written so far)."""
    return {"oxigraph": open_store(quiet=True), "rdflib": open_store(engine="rdflib")}


@pytest.fixture
def fx_env(monkeypatch, tmp_path_factory, fx):
    monkeypatch.setenv("KG_DATASET", str(FIXTURE))
    monkeypatch.setenv("KG_STORE", str(tmp_path_factory.getbasetemp() / "cli-store"))


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ catalogue
def test_at_least_30_questions_with_metadata():
    qs = q.list_questions(("questions",))
    assert len(qs) >= 30
    for x in qs:
        assert x.titles.get("en") and x.titles.get("zh") and x.description and x.returns, x.id
        assert x.path.stem == x.id


def test_list_includes_checks_and_exports(capsys):
    cats = {x.category for x in q.list_questions()}
    assert {"questions", "exports"} <= cats
    code, out, _ = run_cli(capsys, "query", "--list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 30 and list(rows[0])[0] == "id"
    code, out, _ = run_cli(capsys, "query", "--list", "--format", "csv")
    assert out.splitlines()[0].startswith("id,") and len(out.splitlines()) > 30


def test_unknown_name_suggests_closest(capsys):
    with pytest.raises(KgError, match="did you mean cities-by-indicator"):
        q.get_question("citys-by-indicator")
    code, _, err = run_cli(capsys, "query", "partnership")
    assert code == 2 and "partnerships" in err


# ------------------------------------------------------------------ every question, every format
@pytest.mark.parametrize("data", ["fx", "repo"])
@pytest.mark.parametrize("qid", QUESTIONS + EXPORTS)
def test_question_runs_in_every_format(request, data, qid):
    store = request.getfixturevalue(data)["oxigraph"]
    for lang in ("zh", "en"):
        res = q.run_question(qid, {}, lang=lang, store=store)
        formats = q.GRAPH_FORMATS + ("table", "csv", "tsv") if res.kind == "construct" else q.SELECT_FORMATS
        for fmt in formats:
            text = q.format_result(res, fmt, store.prefixes)
            assert isinstance(text, str)
        if res.kind == "select":
            doc = json.loads(q.format_result(res, "json"))
            assert doc["head"]["vars"] == res.columns
            assert len(doc["results"]["bindings"]) == len(res.rows)


@pytest.mark.parametrize("data", ["fx", "repo"])
@pytest.mark.parametrize("qid", QUESTIONS + EXPORTS)
def test_engines_agree(request, data, qid):
    stores = request.getfixturevalue(data)
    for lang in ("zh", "en"):
        a = q.run_question(qid, {}, lang=lang, store=stores["oxigraph"])
        b = q.run_question(qid, {}, lang=lang, store=stores["rdflib"])
        assert canonical(a) == canonical(b)


def test_fixture_answers_make_sense(fx):
    s = fx["oxigraph"]
    res = q.run_question("cities-by-indicator", {}, store=s)
    assert [r[0].value for r in res.rows][:1] == ["潍坊市"] and len(res.rows) == 4
    res = q.run_question("cities-by-indicator", {"indicator": "ind:honour-holder-count",
                                                 "concerning": "e:honour-bohai-craftsman"}, lang="en", store=s)
    assert [(r[0].value, r[1].value) for r in res.rows] == [("Binzhou", "38")]
    res = q.run_question("disagreements", {}, store=s)
    assert len(res.rows) == 1
    res = q.run_question("education-groups", {}, store=s)
    assert sorted(r[4].value for r in res.rows) == ["217", "219"]


# ------------------------------------------------------------------ parameters are terms
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_in_string_parameter(fx, engine, evil):
    store = fx[engine]
    before = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    res = q.run_question("find-by-label", {"text": evil}, store=store)
    assert res.rows == []
    echo = q.run_sparql("SELECT ?t ?lang WHERE { BIND(STRLEN(?t) AS ?n) }", {"t": evil}, store=store)
    assert [r[0] for r in echo.rows] and str(echo.rows[0][0].value if engine == "oxigraph" else echo.rows[0][0]) == evil
    after = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    assert term_key(before) == term_key(after)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_in_iri_parameter_is_rejected(fx, engine, evil):
    with pytest.raises(KgError):
        q.run_question("entity-facts", {"entity": evil}, store=fx[engine])


def test_bind_text_escapes_terms(fx):
    evil = '" } DROP ALL #\n'
    text = bind_text("SELECT ?x ?t WHERE { ?x ?p ?o FILTER(?o != ?t) }", {"t": Lit(evil), "x": Iri("https://e/x")})
    assert '"\\" } DROP ALL #\\n"' in text and "(<https://e/x> AS ?x)" in text
    res = fx["oxigraph"].query(text)  # one query: the value stayed one literal
    assert res.columns == ["x", "t"] and res.rows == []
    with pytest.raises(KgError):
        bind_text("SELECT ?x WHERE { ?x ?p ?o }", {"x": Iri("e:x> } ; DROP ALL ; #")})


def test_cli_injection_does_not_change_query(capsys, fx_env):
    code, out, _ = run_cli(capsys, "query", "find-by-label", "--param", f"text={INJECTIONS[1]}", "--format", "json")
    assert code == 0 and json.loads(out)["results"]["bindings"] == []
    code, _, err = run_cli(capsys, "query", "entity-facts", "--param", f"entity={INJECTIONS[0]}")
    assert code == 2 and "IRI" in err


# ------------------------------------------------------------------ read-only, syntax errors
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("update", ["INSERT DATA { <a:a> <b:b> <c:c> }", "DROP ALL",
                                    "# a comment\nDELETE WHERE { ?s ?p ?o }", "CLEAR DEFAULT"])
def test_updates_refused(fx, engine, update):
    with pytest.raises(UpdateRefused):
        q.run_sparql(update, store=fx[engine])


def test_update_keyword_in_string_is_not_an_update(fx):
    res = q.run_sparql('SELECT ?x WHERE { BIND("INSERT DATA" AS ?x) } # DROP ALL', store=fx["oxigraph"])
    assert res.rows[0][0].value == "INSERT DATA"


def test_cli_update_refused(capsys, fx_env):
    code, _, err = run_cli(capsys, "query", "--sparql", "INSERT DATA { <a:a> <b:b> <c:c> }")
    assert code == 2 and "read-only" in err


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_syntax_error_line_and_column(capsys, fx_env, engine):
    code, _, err = run_cli(capsys, "query", "--engine", engine, "--sparql", "SELECT ?s WHERE {\n  ?s ?p }")
    assert code == 2 and "line 2" in err and "column" in err


def test_syntax_error_in_file(capsys, fx_env, tmp_path):
    f = tmp_path / "bad.rq"
    f.write_text("SELECT ?s\nWHERE {\n  ?s ?p ?o ) .\n}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "query", "--file", str(f))
    assert code == 2 and re.search(r"line \d+, column \d+", err) and "bad.rq" in err


# ------------------------------------------------------------------ CLI output
def test_cli_formats(capsys, fx_env):
    for fmt in ("table", "csv", "tsv", "json"):
        code, out, _ = run_cli(capsys, "query", "partnerships", "--format", fmt, "--lang", "en")
        assert code == 0 and out
    code, out, _ = run_cli(capsys, "query", "claims-prov", "--format", "turtle")
    assert code == 0 and "prov:" in out
    code, out, _ = run_cli(capsys, "query", "observations-qb", "--format", "ntriples")
    assert code == 0 and "cube#Observation" in out
    code, _, err = run_cli(capsys, "query", "partnerships", "--format", "turtle")
    assert code == 2


# ------------------------------------------------------------------ describe
@pytest.mark.parametrize("name", ["兗州", "兖州", "兖州区", "Yanzhou"])
def test_find_entities_variants(fx, name):
    from kg.describe import find_entities

    assert find_entities(name, store=fx["oxigraph"])[0].iri.endswith("/id/yanzhou")


def test_cli_describe(capsys, fx_env):
    code, out, _ = run_cli(capsys, "describe", "兗矿能源")
    assert code == 0 and "兖矿能源集团股份有限公司" in out and "订单班" in out or "sk:" not in out
    code, out, _ = run_cli(capsys, "describe", "兖州", "--format", "json", "--lang", "en")
    card = json.loads(out)
    assert card["iri"].endswith("/id/yanzhou") and "兗州" in card["alt_labels"]
    assert any(e[0] == "partOf" for e in card["edges_out"])
    code, _, err = run_cli(capsys, "describe", "不存在的东西")
    assert code == 2


# ------------------------------------------------------------------ golden answers
@pytest.mark.parametrize("qid", QUESTIONS)
def test_golden(repo, qid):
    path = HERE / "golden" / "questions" / f"{qid}.json"
    assert path.exists(), f"no golden answer for {qid}: run tests/update_golden.py"
    expected = json.loads(path.read_text(encoding="utf-8"))
    got = canonical(q.run_question(qid, {}, lang="zh", store=repo["oxigraph"]))
    assert got == expected, f"{qid} changed: review and run tests/update_golden.py"


# ------------------------------------------------------------------ Python API
def test_python_api(fx_env):
    import kg

    g = kg.open(engine="oxigraph")
    rows = g.query("cities-by-indicator")
    assert rows and rows[0]["city"] == "潍坊市"
    rows = g.query("SELECT ?s WHERE { ?s a sk:EducationGroup }")
    assert [r["s"] for r in rows] == ["https://w3id.org/shandong-skills/id/jining-technical-education-group"]
    assert g.query("find-by-label", text="兖州", lang="en")[0]["label"] == "Yanzhou District"
    df = g.dataframe("education-groups")
    assert len(df) == 2 and "lead" in df.columns
    assert g.describe("兗州").iri.endswith("/yanzhou")
    assert len(g.questions("questions")) >= 30


def test_import_kg_is_light():
    import subprocess
    import sys

    code = "import sys, kg; print('rdflib' in sys.modules, 'pyoxigraph' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
