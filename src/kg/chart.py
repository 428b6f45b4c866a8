"""Bar charts comparing cities (and the province) on one indicator, as SVG we write ourselves.

No chart library and no script: an inline SVG opens offline anywhere, and every text from the
data is XML-escaped. Each bar carries the period as printed and the source file, because two
reports often give the same city different figures for different times.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kg.errors import KgError
from kg.io import atomic_write_bytes, atomic_write_text
from kg.viz import curie, entity_info, local_name
from kg.viz_source import run

OBS_QUERY = """
SELECT ?obs ?about ?ind ?indZh ?indEn ?concerning ?value ?min ?max ?unit ?unitZh ?qualifier ?period ?refDate
       ?pStart ?pEnd ?quote ?src ?file WHERE {
  GRAPH ?g { ?obs a sk:Observation ; sk:observationAbout ?about ; sk:indicator ?ind ;
                  sk:quote ?quote ; prov:wasDerivedFrom ?src .
    OPTIONAL { ?obs sk:concerning ?concerning } OPTIONAL { ?obs sk:value ?value }
    OPTIONAL { ?obs sk:minValue ?min } OPTIONAL { ?obs sk:maxValue ?max } OPTIONAL { ?obs sk:unit ?unit }
    OPTIONAL { ?obs sk:qualifier ?qualifier } OPTIONAL { ?obs sk:periodLabel ?period }
    OPTIONAL { ?obs sk:refDate ?refDate } OPTIONAL { ?obs sk:periodStart ?pStart } OPTIONAL { ?obs sk:periodEnd ?pEnd } }
  OPTIONAL { ?ind rdfs:label ?indZh FILTER(LANGMATCHES(LANG(?indZh), "zh")) }
  OPTIONAL { ?ind rdfs:label ?indEn FILTER(LANGMATCHES(LANG(?indEn), "en")) }
  OPTIONAL { ?unit rdfs:label ?unitZh FILTER(LANGMATCHES(LANG(?unitZh), "zh")) }
  OPTIONAL { ?src sk:fileName ?file }
}"""

PLACE_CLASSES = {"Province", "PrefectureCity", "CountyLevelDivision", "City"}
QUALIFIER_SIGN = {"more-than": "超", "nearly": "近", "about": "约", "at-most": "≤"}
_FONT = "'WenQuanYi Zen Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"


def _v(r: dict, k: str) -> str | None:
    return r[k].value if k in r else None


def observations(source: Any) -> list[dict]:
    """Every observation as a flat dict (one per observation; several concerning values are joined)."""
    out: dict[str, dict] = {}
    for r in run(source, OBS_QUERY).rows:
        o = out.setdefault(r["obs"].value, {k: _v(r, k) for k in r} | {"concerning": set()})
        if "concerning" in r:
            o["concerning"].add(r["concerning"].value)
    return list(out.values())


def list_indicators(obs: list[dict]) -> list[tuple[str, str, str, int]]:
    counts = Counter(o["ind"] for o in obs)
    names = {o["ind"]: (o.get("indZh") or "", o.get("indEn") or "") for o in obs}
    return [(curie(i), *names[i], n) for i, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def resolve_indicator(obs: list[dict], name: str) -> str:
    """An indicator by IRI, ind:prefixed name, slug or label."""
    for o in obs:
        i = o["ind"]
        if name in (i, curie(i), local_name(i), o.get("indZh"), o.get("indEn")):
            return i
    raise KgError(f"no observations for indicator {name!r}; see `kg chart --list`")


def chart_rows(obs: list[dict], info: dict[str, dict], indicator: str, concerning: str | None = None) -> list[dict]:
    """The bars: observations of `indicator` about a city, county or the province."""
    rows = []
    for o in obs:
        if o["ind"] != indicator:
            continue
        # Parenthesized: `&` binds tighter than `|`, so without them any observation with some
        # concerning value passed the filter.
        if concerning and not ({concerning} & ({curie(c) for c in o["concerning"]} | o["concerning"])):
            continue
        d = info.get(o["about"], {})
        if local_name(d.get("type") or "") not in PLACE_CLASSES:
            continue
        if o.get("value") is None and o.get("max") is None and o.get("min") is None:
            continue
        lo = float(o.get("min") or o.get("value") or o.get("max"))
        hi = float(o.get("max") or o.get("value") or o.get("min"))
        period = o.get("period") or o.get("refDate") or "/".join(x for x in (o.get("pStart"), o.get("pEnd")) if x) or "?"
        rows.append({"zh": d.get("zh") or curie(o["about"]), "en": d.get("en") or "", "about": curie(o["about"]),
                     "province": local_name(d.get("type")) == "Province", "lo": lo, "hi": hi,
                     "qualifier": local_name(o["qualifier"]) if o.get("qualifier") else None,
                     "unit": o.get("unitZh") or (local_name(o["unit"]) if o.get("unit") else ""),
                     "period": period, "file": o.get("file") or local_name(o["src"]), "quote": o["quote"],
                     "claim": curie(o["obs"])})
    rows.sort(key=lambda r: (not r["province"], -r["hi"], r["zh"], r["period"]))
    return rows


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}"


def svg_chart(rows: list[dict], title: str, subtitle: str = "") -> str:
    """A horizontal bar chart; one panel per unit so that people and yuan never share an axis."""
    W, left, bar_w, row_h = 960, 300, 470, 40
    units = list(dict.fromkeys(r["unit"] for r in rows)) or [""]
    height = 70 + sum(30 + row_h * sum(1 for r in rows if r["unit"] == u) for u in units) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" '
           f'font-family="{_FONT}" font-size="13" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
           f'<rect width="{W}" height="{height}" fill="#ffffff"/>',
           f'<text x="16" y="28" font-size="18" font-weight="bold">{escape(title)}</text>',
           f'<text x="16" y="50" fill="#555">{escape(subtitle)}</text>']
    y = 70
    if not rows:
        out.append(f'<text x="16" y="{y + 20}" fill="#a00">no observations about a city or the province</text>')
    for u in units:
        group = [r for r in rows if r["unit"] == u]
        top = max(r["hi"] for r in group) or 1.0
        out.append(f'<text x="16" y="{y + 18}" font-weight="bold" fill="#333">{escape("单位 unit: " + (u or "—"))}</text>')
        y += 30
        for r in group:
            colour = "#c0392b" if r["province"] else "#1f6fb4"
            w_lo, w_hi = bar_w * r["lo"] / top, bar_w * r["hi"] / top
            sign = QUALIFIER_SIGN.get(r["qualifier"] or "", "")
            value = _num(r["lo"]) if r["lo"] == r["hi"] else f"{_num(r['lo'])}–{_num(r['hi'])}"
            out.append(f'<g><title>{escape(r["quote"] + " — " + r["file"] + " " + r["claim"])}</title>')
            out.append(f'<text x="16" y="{y + 15}">{escape(r["zh"] + " " + r["en"])}</text>')
            out.append(f'<text x="16" y="{y + 31}" font-size="11" fill="#666">{escape(r["period"] + " · " + r["file"])}</text>')
            if w_hi > w_lo:  # a range: solid to the low end, lighter to the high end
                out.append(f'<rect x="{left}" y="{y + 4}" width="{w_hi:.1f}" height="24" fill="{colour}" opacity="0.35"/>')
            out.append(f'<rect x="{left}" y="{y + 4}" width="{max(w_lo, 1):.1f}" height="24" fill="{colour}"/>')
            out.append(f'<text x="{left + w_hi + 6:.1f}" y="{y + 21}">{escape(sign + value)}</text></g>')
            y += row_h
    out.append("</svg>")
    return "\n".join(out)


def html_page(svg: str, title: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">\n'
            f'<title>{escape(title)}</title>\n<style>body{{margin:16px;font-family:{_FONT}}}</style></head>\n'
            f'<body>\n{svg}\n</body></html>\n')


def chromium_path() -> str | None:
    return os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") \
        or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


def svg_to_png(svg: str, width: int, height: int) -> bytes:
    """PNG via headless chromium's screenshot of the SVG; a clear error when there is no chromium."""
    exe = chromium_path()
    if not exe:
        raise KgError("--format png needs chromium (set KG_CHROMIUM or install chromium); use svg or html")
    with tempfile.TemporaryDirectory() as tmp:
        src, png = Path(tmp) / "chart.svg", Path(tmp) / "chart.png"
        src.write_text(svg, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}", f"--screenshot={png}",
               src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KgError(f"chromium failed: {exc}") from exc
        if not png.exists():
            raise KgError("chromium produced no screenshot")
        return png.read_bytes()


def make_chart(source: Any, indicator: str, out: str | os.PathLike, *, concerning: str | None = None,
               fmt: str = "html") -> list[dict]:
    obs = observations(source)
    ind = resolve_indicator(obs, indicator)
    rows = chart_rows(obs, entity_info(source), ind, concerning)
    if not rows:  # an empty chart would only hide the mistake (and the scale needs one bar)
        about = f" concerning {curie(concerning)}" if concerning else ""
        raise KgError(f"no observation of {curie(ind)}{about} is about a city, county or the province, "
                      "so there are no bars; choose another --concerning or indicator (`kg chart --list`)")
    any_obs = next(o for o in obs if o["ind"] == ind)
    title = f"{any_obs.get('indZh') or ''} {any_obs.get('indEn') or curie(ind)}".strip()
    sub = f"{curie(ind)}" + (f" · concerning {concerning}" if concerning else "") + f" · {len(rows)} bars"
    svg = svg_chart(rows, title, sub)
    if fmt == "svg":
        atomic_write_text(out, '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n")
    elif fmt == "png":
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        atomic_write_bytes(out, svg_to_png(svg, 960, height))
    elif fmt == "html":
        atomic_write_text(out, html_page(svg, title))
    else:
        raise KgError(f"unknown chart format {fmt!r}; choose html, svg or png")
    return rows
