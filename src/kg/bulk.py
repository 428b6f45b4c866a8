"""Bulk loading a large N-Quads/TriG file into the on-disk store, and checks that scale.

    bulk_load_file("out/5M/kg.nq", "out/5M/store")     # -> stats (seconds, quads, quads/s)
    store = open_store("out/5M/store", source="out/5M/kg.nq")   # reuses it, no rebuild

kg.store builds its store from the checkout; a multi-million-quad file wants the bulk loader
(pyoxigraph `Store.bulk_load(path=…)`: sorted runs written straight to RocksDB SST files, no
transaction log) and a hash that is computed while streaming instead of reading the whole file
into memory. The folder layout (`db/` + `kg-store.json` with the same digest `kg.store.source_hash`
computes) is the one kg.store expects, so `open_store(path, source=file)` opens it as is.

`run_checks_on_store` runs queries/checks/*-violation.rq on the on-disk store: the SPARQL form of
the rules, which scales where pyshacl (in-memory rdflib) does not.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from kg.errors import KgError

CHUNK = 1 << 20


def stream_source_hash(path: str | os.PathLike) -> str:
    """Same value as kg.store.source_hash(file) (= content_hash([file])), without loading the file."""
    from kg.store import STORE_FORMAT

    path = Path(path)
    h = hashlib.sha256(f"kg-store-{STORE_FORMAT}".encode())
    h.update(path.name.encode() + b"\0")
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    h.update(b"\0")
    return h.hexdigest()


def _format(path: Path):
    import pyoxigraph as ox

    fmt = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}.get(path.suffix.lower())
    if fmt is None:
        raise KgError(f"bulk load needs an N-Quads (.nq) or TriG (.trig) file, not {path.name}")
    return fmt


def bulk_load_file(path: str | os.PathLike, store_dir: str | os.PathLike, *, optimize: bool = False,
                   hash_file: bool = True) -> dict:
    """Load `path` into a fresh store at `store_dir` (built aside, swapped in atomically).

    optimize: also compact RocksDB afterwards (slower load, slightly faster first queries).
    hash_file: write the content digest so kg.store.open_store(store_dir, source=path) reuses
        the store; skip it only for throughput measurements.
    Returns {"quads", "seconds", "quads_per_second", "load_seconds", "hash_seconds"}.
    """
    import pyoxigraph as ox
    from kg.io import atomic_write_text, replace_dir, staging_dir_for
    from kg.namespaces import PREFIXES
    from kg.store import META_FILE, STORE_FORMAT

    path, store_dir = Path(path), Path(store_dir)
    if not path.is_file():
        raise KgError(f"no such file: {path}")
    fmt = _format(path)
    t0 = time.perf_counter()
    staging = staging_dir_for(store_dir)
    try:
        db = ox.Store(str(staging / "db"))
        db.bulk_load(path=str(path), format=fmt)
        if optimize:
            db.optimize()
        db.flush()
        quads = len(db)
        del db  # release RocksDB's lock before the folder moves
        t1 = time.perf_counter()
        digest = stream_source_hash(path) if hash_file else None
        t2 = time.perf_counter()
        meta = {"format": STORE_FORMAT, "hash": digest, "prefixes": dict(PREFIXES), "source": str(path)}
        atomic_write_text(staging / META_FILE, json.dumps(meta, indent=1))
        replace_dir(staging, store_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    total = time.perf_counter() - t0
    return {"quads": quads, "seconds": round(total, 3), "load_seconds": round(t1 - t0, 3),
            "hash_seconds": round(t2 - t1, 3), "quads_per_second": round(quads / max(total, 1e-9))}


def open_read_only(store_dir: str | os.PathLike):
    """The raw pyoxigraph Store of a kg store folder, read-only (for checks and benchmarks)."""
    import pyoxigraph as ox

    try:
        return ox.Store.read_only(str(Path(store_dir) / "db"))
    except OSError as exc:
        raise KgError(f"cannot open the store at {store_dir}: {exc}") from None


def run_checks_on_store(store_dir_or_store, folder: str | os.PathLike | None = None) -> dict:
    """Run every *-violation check on an on-disk store. Returns {check: (rows, seconds)}."""
    from kg import paths
    from kg.validate import load_checks, run_checks

    store = (open_read_only(store_dir_or_store) if isinstance(store_dir_or_store, (str, os.PathLike))
             else store_dir_or_store)
    out = {}
    for chk in load_checks(Path(folder) if folder else paths.queries_dir() / "checks"):
        t = time.perf_counter()
        rows = run_checks(store, [chk])
        out[chk.name] = (rows, round(time.perf_counter() - t, 3))
    return out
