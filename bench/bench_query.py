"""Time `kg query NAME` (whole process, store already built) against a baseline process that
parses the graph with rdflib and runs the same query. Writes bench/out/query.md.

    .venv/bin/python bench/bench_query.py [--question cities-by-indicator] [-n 7]

Not a unit test: numbers depend on the machine. Target: the store is ≥ 3× faster.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "query.md"

# The baseline: what a user without the store does — parse the data with rdflib, then query.
BASELINE = r"""
import sys
from pathlib import Path
import rdflib
from kg.namespaces import PREFIXES
from kg.query import get_question
src = Path(sys.argv[1])
ds = rdflib.Dataset(default_union=True)
if src.is_file():
    ds.parse(str(src), format="trig")
else:
    for p in sorted(src.glob("ontology/*.ttl")) + sorted(src.glob("data/triples/**/*.ttl")):
        ds.graph(rdflib.URIRef("urn:x:" + p.stem) if "claims" in p.parts else None).parse(p, format="turtle")
q = get_question(sys.argv[2])
rows = list(ds.query(q.text, initNs=PREFIXES, initBindings={"lang": rdflib.Literal("zh")}))
print(len(rows))
"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--question", default="cities-by-indicator")
    ap.add_argument("-n", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
    kg = [str(Path(py).parent / "kg"), "query", args.question, "--format", "csv"]
    subprocess.run(kg, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)  # build the store if stale
    trig = ROOT / "dist" / "kg.trig"
    source = trig if trig.exists() else ROOT
    base = [py, "-c", BASELINE, str(source), args.question]
    store_t = [timed(kg) for _ in range(args.n)]
    base_t = [timed(base) for _ in range(args.n)]
    ms, mb = statistics.median(store_t), statistics.median(base_t)
    ratio = mb / ms
    what = "dist/kg.trig" if source == trig else "the Turtle sources"
    text = (
        f"# Query benchmark\n\n"
        f"Question `{args.question}`, {args.n} runs each, whole processes, store already built.\n\n"
        f"| run | median (s) | min (s) | max (s) |\n|---|---|---|---|\n"
        f"| `kg query {args.question}` (pyoxigraph store) | {ms:.3f} | {min(store_t):.3f} | {max(store_t):.3f} |\n"
        f"| baseline: rdflib parses {what}, same query | {mb:.3f} | {min(base_t):.3f} | {max(base_t):.3f} |\n\n"
        f"Ratio baseline / store: **{ratio:.1f}×** (target ≥ 3×).\n"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
