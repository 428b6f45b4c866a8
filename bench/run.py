"""Scale benchmark: synthetic graphs of N quads, load / questions / search / views / validation.

    .venv/bin/python bench/run.py [--sizes 100k,1M,5M] [--repeats 5] [--cap 120]
    .venv/bin/python bench/run.py --only questions --store-root /work/scale --sizes 1M,5M

Every measured step runs in a child process (this file with `_step …`), so peak memory is that
step's alone (psutil polls the child's RSS, children included) and a runaway query can be killed
at the time cap instead of hanging the run. Results: bench/out/scale/results.json (merged across
runs, so sizes can be run separately) and bench/RESULTS.md (the table, machine and command).
`--only questions` times the saved questions alone against stores that already exist
(`--store-root DIR` holding DIR/1M/store and DIR/1M/synth-info.json, as `kg synth --load` makes
them); it prints the questions table and writes bench/out/scale/questions.json, leaving
results.json and RESULTS.md to the full run.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
OXIGRAPH = str(Path(PY).parent / "oxigraph")
OUT = Path(os.environ.get("KG_BENCH_OUT", HERE / "out" / "scale"))

# Parameters of the saved questions, taken from the synthetic graph's synth-info.json samples.
PARAMS = {"entity-facts": {"entity": "city"}, "partners-of": {"entity": "college"},
          "collaboration-members": {"group": "group"}, "holders-of": {"recognition": "honour"},
          "find-by-label": {"text": "search_zh"}}
# Targets of the issue: questions about one entity or one city are "indexed" (≤ 100 ms at 5M),
# aggregates ≤ 1 s. Each question's `# scope:` header says which it is; listings (one row per
# fact) are timed twice: the first page (PAGE rows, datasette's default page size) and in full.
PAGE = 100
SEARCH_QUERIES = ["济南", "技师学院", "机电", "青岛", "王", "工业高级", "technician", "co., ltd", "jinan",
                  "training base", "有限公司", "淄博"]


# ================================================================================== child steps
def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def step_generate(size: int, folder: str) -> dict:
    from kg.synth import generate

    t = time.perf_counter()
    info = generate(size, folder)
    return {"seconds": time.perf_counter() - t, "quads": info["quads"], "entities": info["entities"],
            "claims": info["claims"], "reports": info["reports"], "cities": info["cities"]}


def step_load(nq: str, store: str) -> dict:
    from kg.bulk import bulk_load_file

    return bulk_load_file(nq, store)


def _backend(store: str):
    from kg.bulk import open_read_only
    from kg.namespaces import PREFIXES
    from kg.store import OxigraphBackend

    return OxigraphBackend(open_read_only(store), dict(PREFIXES))


def step_question(store: str, name: str, params: str, repeats: int, budget: float, limit: int = 0) -> dict:
    """Median latency of one saved question (all rows, or the first `limit` rows when > 0)."""
    from kg.query import bindings_for, get_question, paged_text

    backend = _backend(store)
    q = get_question(name)
    bindings = bindings_for(q, json.loads(params), "zh", backend.prefixes)
    text = paged_text(q.text, int(limit), None) if int(limit) else q.text
    times, rows, budget, la = [], 0, float(budget), _loadavg()
    start = time.perf_counter()
    for i in range(repeats + 1):  # first run warms caches and is not counted
        t = time.perf_counter()
        res = backend.query(text, bindings)
        dt = time.perf_counter() - t
        rows = len(res.rows)
        if i or repeats == 0:
            times.append(dt)
        elif dt > budget / 4:
            times.append(dt)  # slow: one cold run is all we take
            break
        if time.perf_counter() - start > budget:
            break
    return {"median": statistics.median(times), "runs": len(times), "rows": rows, "loadavg": la}


def step_rdflib(nq: str, names: str, params: str, per_q: int = 20) -> None:
    """Parse into rdflib, then one line of JSON per question as it finishes (parent may kill us)."""
    import rdflib

    from kg.namespaces import PREFIXES
    from kg.query import bindings_for, get_question
    from kg.store import RdflibBackend

    t = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(nq, format="nquads")
    print(json.dumps({"parse": time.perf_counter() - t, "rss": _rss()}), flush=True)
    backend = RdflibBackend(ds, dict(PREFIXES))
    allp = json.loads(params)
    import signal

    def give_up(*_):
        raise TimeoutError

    # rdflib is pure Python, so an alarm can stop one slow question and let the next one run.
    signal.signal(signal.SIGALRM, give_up)
    for name in names.split(","):
        q = get_question(name)
        b = bindings_for(q, allp.get(name, {}), "zh", backend.prefixes)
        t = time.perf_counter()
        signal.alarm(int(per_q))
        try:
            res = backend.query(q.text, b)
            print(json.dumps({"q": name, "seconds": time.perf_counter() - t, "rows": len(res.rows)}), flush=True)
        except TimeoutError:
            print(json.dumps({"q": name, "seconds": None, "timeout": per_q}), flush=True)
        finally:
            signal.alarm(0)


def step_search(store: str, queries: str, repeats: int) -> dict:
    from kg.search_index import build_index, scan, search

    t = time.perf_counter()
    n = build_index(store)
    build = time.perf_counter() - t
    idx, mismatches = [], 0
    qs = json.loads(queries)
    for q in qs:
        search(q, 20, store_dir=store)  # warm
        for _ in range(repeats):
            t = time.perf_counter()
            search(q, 20, store_dir=store)
            idx.append(time.perf_counter() - t)
    scans = []
    for q in qs[:4]:
        t = time.perf_counter()
        ref = scan(q, store)
        scans.append(time.perf_counter() - t)
        mismatches += {h.iri for h in search(q, 10**9, store_dir=store)} != ref
    idx.sort()
    return {"labels": n, "build": build, "index_mb": (Path(store) / "label-index.sqlite").stat().st_size / 2**20,
            "p50": statistics.median(idx), "p95": idx[int(len(idx) * 0.95) - 1],
            "scan_p50": statistics.median(scans), "mismatches": mismatches}


def step_viz(store: str, out: str) -> dict:
    from kg.bulk import open_read_only
    from kg.viz import build_view
    from kg.viz_render import write_view

    db = open_read_only(store)
    t = time.perf_counter()
    G, meta = build_view(db, "membership")
    t1 = time.perf_counter()
    write_view(G, meta, out)
    return {"query_graph": t1 - t, "render": time.perf_counter() - t1, "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges()}


def step_checks(store: str) -> dict:
    from kg.bulk import run_checks_on_store

    t, cpu = time.perf_counter(), time.process_time()
    res = run_checks_on_store(store)
    # CPU seconds beside wall: on a shared machine they are what compares between runs.
    return {"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - cpu,
            "violations": sum(len(r) for r, _ in res.values()), "checks": len(res),
            "slowest": max(((s, n) for n, (_, s) in res.items())), "per_check": {n: s for n, (_, s) in res.items()},
            "loadavg": _loadavg()}


def step_shacl(nq: str) -> dict:
    import rdflib

    from kg.validate import run_shacl

    ds = rdflib.Dataset()
    t = time.perf_counter()
    ds.parse(nq, format="nquads")
    t1 = time.perf_counter()
    violations, _ = run_shacl(ds, ROOT / "ontology" / "shapes.ttl")
    return {"parse": t1 - t, "seconds": time.perf_counter() - t1, "violations": len(violations)}


STEPS = {"generate": step_generate, "load": step_load, "question": step_question, "rdflib": step_rdflib,
         "search": step_search, "viz": step_viz, "checks": step_checks, "shacl": step_shacl}


# ================================================================================== parent side
def measured(cmd: list[str], cap: float, lines: list | None = None) -> dict:
    """Run `cmd`, polling its peak RSS (with children); kill at `cap` seconds."""
    import psutil

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    ps, peak, out = psutil.Process(proc.pid), 0, []
    import threading

    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    timed_out = False
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True)))
        except psutil.Error:
            pass
        if time.perf_counter() - t > cap:
            proc.kill()
            timed_out = True
            break
        time.sleep(0.05)
    proc.wait()
    reader.join(5)
    wall = time.perf_counter() - t
    if lines is not None:
        lines.extend(json.loads(x) for x in out if x.startswith("{"))
    result = {"wall": wall, "peak_rss": peak, "timed_out": timed_out, "rc": proc.returncode}
    if not timed_out and proc.returncode == 0 and lines is None:
        last = [x for x in out if x.startswith("{")]
        result.update(json.loads(last[-1]) if last else {})
    elif proc.returncode and not timed_out:
        result["error"] = proc.stderr.read()[-800:]
    return result


def child(step: str, *args, cap: float = 3600, lines=None) -> dict:
    return measured([PY, str(Path(__file__).resolve()), "_step", step, *map(str, args)], cap, lines)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def bench_load(nq: Path, store: Path, raw_dir: Path, runs: int, log) -> tuple[dict, dict, list]:
    """Raw `oxigraph load` CLI and ours, alternately `runs` times (raw first: both read the file
    from a warm page cache). Returns the fastest run of each, and every run with its load average."""
    every = []
    for i in range(runs):
        shutil.rmtree(raw_dir, ignore_errors=True)
        log(f"[{nq.parent.name}] oxigraph load (raw CLI), run {i + 1}/{runs}")
        la = _loadavg()
        raw = measured([OXIGRAPH, "load", "--location", str(raw_dir), "--file", str(nq)], 3600)
        # The CLI's own compaction of what it loaded: the same extra work ours does after loading
        # (bulk_load_file(optimize=True)), so "with compaction" compares equal work.
        raw["compact"] = measured([OXIGRAPH, "optimize", "--location", str(raw_dir)], 3600)["wall"]
        shutil.rmtree(raw_dir, ignore_errors=True)
        every.append({"kind": "raw", "loadavg": la, **raw})
        log(f"[{nq.parent.name}] kg bulk load, run {i + 1}/{runs}")
        la = _loadavg()
        every.append({"kind": "ours", "loadavg": la, **child("load", nq, store)})
    best = {k: min((r for r in every if r["kind"] == k), key=lambda r: r["wall"]) for k in ("raw", "ours")}
    return best["raw"], best["ours"], every


def question_params(info: dict) -> dict:
    """Each parametrised question's arguments: PARAMS' sample kinds resolved to this graph's IRIs."""
    return {q: {k: info["samples"][v] for k, v in p.items()} for q, p in PARAMS.items()}


def bench_questions(store: Path, info: dict, args, log) -> dict:
    """Every saved question in its own child: full answer, and for listings also the first page.

    Result per question: the full run's fields (median, rows, …), its `scope` and `page` (the
    first-page run, listings only)."""
    from kg.query import list_questions

    params = question_params(info)
    wanted = set(args.questions.split(",")) if args.questions else None
    out = {}
    for q in list_questions(("questions",)):
        if wanted and q.id not in wanted:
            continue
        given = json.dumps(params.get(q.id, {}), ensure_ascii=False)
        r = {**child("question", store, q.id, given, args.repeats, args.cap / 2, 0, cap=args.cap), "scope": q.scope}
        if q.scope == "listing":
            r["page"] = child("question", store, q.id, given, args.repeats, args.cap / 2, PAGE, cap=args.cap)
        out[q.id] = r
        show = lambda x: f"{x['median'] * 1000:.0f} ms ({x['rows']} rows)" if "median" in x else (  # noqa: E731
            "killed" if x["timed_out"] else x.get("error", "?")[-200:])
        log(f"{q.id} [{q.scope}]: {show(r)}" + (f"; first {PAGE}: {show(r['page'])}" if "page" in r else ""))
    return out


def bench_size(size: int, args, log) -> dict:
    folder = OUT / label(size)
    nq, store = folder / "kg.nq", folder / "store"
    res: dict = {"size": size}
    log(f"[{label(size)}] generate")
    res["generate"] = child("generate", size, folder)
    info = json.loads((folder / "synth-info.json").read_text(encoding="utf-8"))
    res["file_mb"] = nq.stat().st_size / 2**20
    res["raw_load"], res["load"], res["load_runs"] = bench_load(nq, store, folder / "raw-store", args.load_runs, log)
    res["questions"] = bench_questions(store, info, args, lambda m: log(f"[{label(size)}] {m}"))
    params = question_params(info)
    if size <= args.rdflib_max:
        log(f"[{label(size)}] rdflib")
        lines: list = []
        names = ",".join(sorted(res["questions"]))
        r = child("rdflib", nq, names, json.dumps(params, ensure_ascii=False), int(args.rdflib_q_cap),
                  cap=args.rdflib_cap, lines=lines)
        res["rdflib"] = {"parse": next((x["parse"] for x in lines if "parse" in x), None), "peak_rss": r["peak_rss"],
                         "timed_out": r["timed_out"], "questions": {x["q"]: x["seconds"] for x in lines if "q" in x},
                         "q_cap": args.rdflib_q_cap}
    log(f"[{label(size)}] label search")
    res["search"] = child("search", store, json.dumps(SEARCH_QUERIES, ensure_ascii=False), args.repeats, cap=1800)
    log(f"[{label(size)}] view")
    res["viz"] = child("viz", store, folder / "membership.html", cap=args.cap)
    log(f"[{label(size)}] checks")
    res["checks"] = child("checks", store, cap=1800)
    if size <= args.shacl_max:
        log(f"[{label(size)}] pyshacl")
        res["shacl"] = child("shacl", nq, cap=1800)
    res["info"] = {k: info[k] for k in ("quads", "reports", "cities", "provinces", "entities", "claims")}
    return res


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M,5M")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cap", type=float, default=120.0, help="seconds allowed per saved question")
    ap.add_argument("--rdflib-max", default="100k", help="largest size rdflib is tried on")
    ap.add_argument("--rdflib-cap", type=float, default=1200.0, help="seconds for the whole rdflib step")
    ap.add_argument("--rdflib-q-cap", type=float, default=20.0, help="seconds per rdflib question")
    ap.add_argument("--shacl-max", default="100k")
    ap.add_argument("--load-runs", type=int, default=2, help="raw CLI / ours load runs, alternated")
    ap.add_argument("--keep", action="store_true", help="keep the generated files and stores")
    ap.add_argument("--only", choices=["questions"], help="run only this step, against existing stores")
    ap.add_argument("--store-root", type=Path,
                    help="with --only: folder holding <size>/store and <size>/synth-info.json")
    ap.add_argument("--questions", help="comma-separated question ids (default: all)")
    args = ap.parse_args(argv)
    from kg.synth import parse_scale

    sizes = [parse_scale(s) for s in args.sizes.split(",")]
    args.rdflib_max, args.shacl_max = parse_scale(args.rdflib_max), parse_scale(args.shacl_max)
    OUT.mkdir(parents=True, exist_ok=True)
    store_json = OUT / "results.json"
    allres = json.loads(store_json.read_text()) if store_json.exists() else {}

    def log(msg: str) -> None:
        print(time.strftime("%H:%M:%S"), msg, flush=True)

    if args.only == "questions":
        return questions_only(sizes, args, argv, log)
    for size in sizes:
        res = bench_size(size, args, log)
        res["command"] = " ".join([".venv/bin/python", "bench/run.py", *argv])
        res["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        allres[label(size)] = res
        store_json.write_text(json.dumps(allres, ensure_ascii=False, indent=1))
        from report import write_results  # bench/report.py

        write_results(allres, HERE / "RESULTS.md")
        if not args.keep:
            shutil.rmtree(OUT / label(size), ignore_errors=True)
    return 0


def questions_only(sizes: list[int], args, argv: list[str], log) -> int:
    """The question step alone on existing stores; results to questions.json and stdout."""
    from report import questions_table  # bench/report.py

    root = args.store_root or OUT
    path = OUT / "questions.json"
    allres = json.loads(path.read_text()) if path.exists() else {}
    for size in sizes:
        folder = root / label(size)
        if not (folder / "store").is_dir():
            print(f"no store at {folder / 'store'}: build it with kg synth --load, or give --store-root",
                  file=sys.stderr)
            return 2
        info = json.loads((folder / "synth-info.json").read_text(encoding="utf-8"))
        res = {"size": size, "store": str(folder / "store"), "loadavg_before": _loadavg(),
               "questions": bench_questions(folder / "store", info, args, lambda m: log(f"[{label(size)}] {m}")),
               "loadavg_after": _loadavg(), "command": " ".join([".venv/bin/python", "bench/run.py", *argv]),
               "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        allres[label(size)] = res
        path.write_text(json.dumps(allres, ensure_ascii=False, indent=1))
    print("".join(questions_table({label(s): allres[label(s)] for s in sizes})))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_step":
        out = STEPS[sys.argv[2]](*[int(a) if a.isdigit() else a for a in sys.argv[3:]])
        if out is not None:
            out["rss"] = _rss()
            print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
        sys.exit(0)
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv[1:]))
