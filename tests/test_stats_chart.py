"""kg stats and kg chart over the fixture dataset."""
from __future__ import annotations

import json

import pytest

from kg.chart import chart_rows, list_indicators, make_chart, observations, svg_chart
from kg.cli import main
from kg.errors import KgError
from kg.stats import stats
from kg.viz import entity_info
from viz_helpers import FIXTURE, fixture_dataset

IND = "https://w3id.org/shandong-skills/indicator/skilled-talent-total"


@pytest.fixture(scope="module")
def ds():
    return fixture_dataset()


def test_stats(ds):
    r = stats(ds)
    assert {c["class"]: c["count"] for c in r["classes"]}["Enterprise"] == 4
    assert r["graph"] == {"organizations": 8, "edges": 8, "components": 1, "largest_component": 8, "isolated": 0}
    assert r["top_degree"][0]["iri"] == "e:jining-education-group"
    assert r["top_betweenness"][0]["iri"] == "e:jining-education-group"
    assert [b["iri"] for b in r["bridges"]] == ["e:yankuang-energy"]


def test_stats_cli_json(capsys):
    assert main(["stats", "--format", "json", "--data", str(FIXTURE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bridges"][0]["collaborations"] == 2


def test_chart_rows(ds):
    obs = observations(ds)
    assert list_indicators(obs)[0][0] == "ind:skilled-talent-total" and list_indicators(obs)[0][3] == 4
    rows = chart_rows(obs, entity_info(ds), IND)
    assert [r["about"] for r in rows] == ["e:shandong", "e:jining", "e:jining", "e:zaozhuang"]
    assert rows[0]["province"] and rows[0]["hi"] == 18400000
    rng = next(r for r in rows if r["period"] == "2023年")
    assert (rng["lo"], rng["hi"]) == (1000000, 1300000)
    assert next(r for r in rows if r["about"] == "e:zaozhuang")["qualifier"] == "more-than"
    # group member counts are about a group, not a place: no bars
    assert chart_rows(obs, entity_info(ds), "https://w3id.org/shandong-skills/indicator/member-unit-count") == []


def test_svg_labels_period_and_source_and_escapes():
    row = {"zh": "<b>x</b>", "en": "&", "about": "e:x", "province": False, "lo": 5, "hi": 5, "qualifier": "about",
           "unit": "人", "period": "2024年", "file": "s001.txt", "quote": "</svg><script>", "claim": "c:s001-001"}
    svg = svg_chart([row], "t")
    assert "<b>" not in svg and "<script>" not in svg and "&lt;b&gt;x&lt;/b&gt; &amp;" in svg
    assert "2024年 · s001.txt" in svg and "约5" in svg


def test_chart_formats(ds, tmp_path):
    make_chart(ds, "ind:skilled-talent-total", tmp_path / "c.html")
    html = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "<svg" in html and "十四五以来 · s001.txt" in html and "<script" not in html and "http-equiv" in html
    make_chart(ds, "技能人才总量", tmp_path / "c.svg", fmt="svg")
    assert (tmp_path / "c.svg").read_text(encoding="utf-8").startswith("<?xml")
    with pytest.raises(KgError):
        make_chart(ds, "no-such-indicator", tmp_path / "x.html")


def test_chart_png(ds, tmp_path, monkeypatch):
    from kg import chart

    if chart.chromium_path() is None:
        pytest.skip("no chromium")
    make_chart(ds, "skilled-talent-total", tmp_path / "c.png", fmt="png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(chart, "chromium_path", lambda: None)
    with pytest.raises(KgError, match="chromium"):
        make_chart(ds, "skilled-talent-total", tmp_path / "d.png", fmt="png")


def test_chart_cli_list(capsys):
    assert main(["chart", "--list", "--data", str(FIXTURE)]) == 0
    assert "ind:skilled-talent-total" in capsys.readouterr().out
    assert main(["chart", "--data", str(FIXTURE)]) == 2
