"""Bulk loading a large N-Quads/TriG file into the on-disk store, and checks that scale.

    bulk_load_file("out/5M/kg.nq", "out/5M/store")     # -> stats (seconds, quads, quads/s)
    store = open_store("out/5M/store", source="out/5M/kg.nq")   # reuses it, no rebuild

kg.store builds its store from the checkout; a multi-million-quad file wants the bulk loader
(pyoxigraph `Store.bulk_load`: sorted runs written straight to RocksDB SST files, no transaction
log) and a hash that is computed while streaming instead of reading the whole file into memory.
The folder layout (`db/` + `kg-store.json` with the same digest `kg.store.source_hash` computes)
is the one kg.store expects, so `open_store(path, source=file)` opens it as is.

Memory. One `bulk_load` call over a whole file parses the next million quads while the previous
million is written: ~2.1 GB peak from 5M quads on. N-Quads is one quad per line, so
`load_nquads` cuts the file at line ends into slices (at most SLICE_BYTES and SLICE_QUADS lines)
and runs LOADERS `bulk_load` calls on them at once (the call releases the GIL): the peak is set
by the slices, not the file size (~1.4 GB at 5M, bench/RESULTS-notes.md), and both cores stay
busy. Blank-node labels are scoped to one `bulk_load` call (pyoxigraph renames them per call),
so every line that mentions `_:` is set aside and loaded in one last call, which keeps `_:o0`
one node across the whole file. TriG (prefixes, multi-line blocks) is loaded whole.

`run_checks_on_store` runs queries/checks/*-violation.rq on the on-disk store: the SPARQL form of
the rules, which scales where pyshacl (in-memory rdflib) does not.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.errors import KgError

CHUNK = 1 << 20
# 96 MiB is ~480k quads of the synthetic graph; two such loads in flight peaked at 1.35-1.41 GB
# at 5M, against 2.0-2.2 GB for one call over the file. Smaller slices cost more CPU per quad
# (more SST files to ingest and compact): 64 MiB peaked at 0.9 GB but took ~8 % more CPU.
SLICE_BYTES = 96 << 20
SLICE_QUADS = 480_000  # the same limit for files of short lines (~100 bytes/quad: 48 MiB)
LOADERS = 2


def source_hasher(path: Path):
    """sha256 primed the way kg.store.content_hash([path]) starts; feed the bytes, then b"\\0"."""
    from kg.store import STORE_FORMAT

    h = hashlib.sha256(f"kg-store-{STORE_FORMAT}".encode())
    h.update(Path(path).name.encode() + b"\0")
    return h


def stream_source_hash(path: str | os.PathLike) -> str:
    """Same value as kg.store.source_hash(file) (= content_hash([file])), without loading the file."""
    h = source_hasher(Path(path))
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    h.update(b"\0")
    return h.hexdigest()


def file_stamp(path: Path) -> dict:
    """What says a data file is unchanged without reading it: absolute path, size, mtime (ns)."""
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def cached_source_hash(path: Path, meta: dict | None, stamp: dict | None = None) -> str:
    """The file's digest: the one recorded in a store's metadata when the file's stamp (taken
    before, if given) still matches, since opening a 5M store must not reread 1 GB; else streamed."""
    if meta and meta.get("hash") and meta.get("source_stamp") == (stamp or file_stamp(path)):
        return meta["hash"]
    return stream_source_hash(path)


def remember_stamp(store_dir: Path, meta: dict, stamp: dict) -> None:
    """Record `stamp` in a store whose digest was just verified by reading the file (a store built
    before stamps were recorded, or a file touched but unchanged), so the next open skips the
    hash. Best effort: where the folder is not writable the next open simply hashes again."""
    from kg.io import atomic_write_text
    from kg.store import META_FILE

    try:
        atomic_write_text(Path(store_dir) / META_FILE, json.dumps({**meta, "source_stamp": stamp}, indent=1))
    except OSError:
        pass


def _format(path: Path):
    import pyoxigraph as ox

    fmt = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}.get(path.suffix.lower())
    if fmt is None:
        raise KgError(f"bulk load needs an N-Quads (.nq) or TriG (.trig) file, not {path.name}")
    return fmt


# ================================================================================ N-Quads slices
@dataclass
class Slice:
    """Whole lines of the file. `first_line`: file line of its first line; `moved`: file lines
    taken out of it (blank-node lines), ascending; `lines`: for the blank-node slice, the file
    line of each of its lines."""

    data: bytes
    first_line: int = 1
    moved: list[int] = field(default_factory=list)
    lines: list[int] | None = None

    def file_line(self, n: int) -> int:
        """The file line of line `n` (1-based) of this slice, for error messages."""
        if self.lines is not None:
            return self.lines[min(n, len(self.lines)) - 1]
        line = self.first_line + n - 1
        for m in self.moved:
            line += m <= line
        return line


def _set_aside_blank_nodes(data: bytes, first_line: int, out: list[bytes], out_lines: list[int]) -> Slice:
    """`data` without the lines that contain `_:` (appended to out / out_lines)."""
    kept, moved, start, line, counted = [], [], 0, first_line, 0
    i = data.find(b"_:")
    while i >= 0:
        begin = data.rfind(b"\n", 0, i) + 1
        end = data.find(b"\n", i)
        end = len(data) if end < 0 else end + 1
        line += data.count(b"\n", counted, begin)
        counted = begin
        kept.append(data[start:begin])
        out.append(data[begin:end])
        out_lines.append(line)
        moved.append(line)
        start = i = end
        i = data.find(b"_:", end)
    kept.append(data[start:])
    return Slice(b"".join(kept), first_line, moved)


def _end_of_line(data: bytes, n: int) -> int:
    """Offset just after the n-th newline of `data` (which has more than n): a proportional guess,
    corrected line by line (lines of one file are of similar length, so few steps)."""
    pos = data.rfind(b"\n", 0, len(data) * n // data.count(b"\n")) + 1
    k = data.count(b"\n", 0, pos)
    while k < n:
        pos, k = data.index(b"\n", pos) + 1, k + 1
    while k > n:
        pos, k = data.rfind(b"\n", 0, pos - 1) + 1, k - 1
    return pos


def _read_into(fh, view: memoryview) -> int:
    """Fill `view` from `fh` (raw reads may come short); the byte count, less only at end of file."""
    got = 0
    while got < len(view) and (n := fh.readinto(view[got:])):
        got += n
    return got


def nquads_slices(path: Path, slice_bytes: int = SLICE_BYTES, slice_quads: int = SLICE_QUADS,
                  hasher=None) -> Iterator[Slice]:
    """Cut an N-Quads file at line ends into slices of at most ~`slice_bytes` and `slice_quads`
    lines (the loader's memory grows with both: string bytes, and a fixed cost per quad); the
    lines with blank nodes come last, as one slice. `hasher` is fed every byte of the file in order.

    Each slice is read straight into a bytearray and cut in place, then handed over as bytes
    (one copy): at 5M 4 s of CPU against 6.7 s for read()+concatenation."""
    blank, blank_lines, line, carry = [], [], 1, b""
    with open(path, "rb", buffering=0) as fh:
        while True:
            data = bytearray(max(slice_bytes, len(carry) + 1))
            view = memoryview(data)
            view[:len(carry)] = carry
            got = _read_into(fh, view[len(carry):])
            if hasher is not None:
                hasher.update(view[len(carry):len(carry) + got])
            view.release()
            del data[len(carry) + got:]
            if not data:
                break
            # Whole lines only: the part after the last newline starts the next slice.
            cut = data.rfind(b"\n") + 1 if got else len(data)
            lines = data.count(b"\n", 0, cut)
            if lines > slice_quads:
                cut, lines = _end_of_line(data, slice_quads), slice_quads
            if not cut:  # one line longer than a slice: read on until it ends
                carry = bytes(data)
                slice_bytes *= 2
                continue
            carry = bytes(data[cut:])
            del data[cut:]
            if b"_:" in data:
                piece = _set_aside_blank_nodes(data, line, blank, blank_lines)
            else:
                piece = Slice(bytes(data), line)  # pyoxigraph copies a bytearray it is given, bytes not
            line += lines
            del data
            if piece.data:
                yield piece
    if blank:
        yield Slice(b"".join(blank), lines=blank_lines)


def load_nquads(db, path: Path, *, slice_bytes: int = SLICE_BYTES, slice_quads: int = SLICE_QUADS,
                loaders: int = LOADERS, hasher=None) -> None:
    """Bulk-load an N-Quads file into `db` slice by slice, `loaders` slices at a time."""
    import pyoxigraph as ox

    def load(piece: Slice) -> None:
        try:
            db.bulk_load(input=piece.data, format=ox.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            msg = str(exc.args[0] if exc.args else exc).split(": ", 1)[-1]
            raise KgError(f"N-Quads syntax error: {msg}", file=str(path),
                          line=piece.file_line(exc.lineno) if exc.lineno else None) from None

    with ThreadPoolExecutor(max_workers=loaders, thread_name_prefix="bulk-load") as pool:
        running: set = set()
        try:
            for piece in nquads_slices(path, slice_bytes, slice_quads, hasher):
                while len(running) >= loaders:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for f in done:
                        f.result()
                running.add(pool.submit(load, piece))
                del piece  # the worker holds the only reference: freed as soon as it is loaded
            for f in running:
                f.result()
        finally:
            for f in running:
                f.cancel()


def load_file(db, path: Path, hasher=None, **slicing) -> None:
    """Bulk-load an N-Quads (sliced, bounded memory) or TriG (whole) file into `db`."""
    import pyoxigraph as ox

    fmt = _format(path)
    if fmt == ox.RdfFormat.N_QUADS:
        return load_nquads(db, path, hasher=hasher, **slicing)
    try:
        db.bulk_load(path=str(path), format=fmt)
    except SyntaxError as exc:
        raise KgError(f"TriG syntax error: {exc}", file=str(path), line=exc.lineno) from None
    if hasher is not None:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                hasher.update(chunk)


def bulk_load_file(path: str | os.PathLike, store_dir: str | os.PathLike, *, optimize: bool = True,
                   hash_file: bool = True, slice_bytes: int = SLICE_BYTES, slice_quads: int = SLICE_QUADS,
                   loaders: int = LOADERS) -> dict:
    """Load `path` into a fresh store at `store_dir` (built aside, swapped in atomically).

    optimize: compact RocksDB after loading, as kg.store.build_store does. A bulk-loaded store is
        many overlapping SST files; compacting it costs ~1/3 of the load time and makes each
        index lookup ~3x faster (measured on the 5M synthetic store; bench/RESULTS.md).
    hash_file: write the content digest so kg.store.open_store(store_dir, source=path) reuses
        the store; skip it only for throughput measurements.
    slice_bytes, slice_quads, loaders: N-Quads slice limits and concurrent loads (module docstring).
    Returns {"quads", "seconds", "quads_per_second", "load_seconds", "compact_seconds"}:
    load_seconds is the load alone (what the raw `oxigraph load` CLI does), seconds the whole call.
    The digest is computed while the file is read for loading, so it costs no second pass.
    """
    import pyoxigraph as ox
    from kg.io import atomic_write_text, check_replaceable, staged_replace
    from kg.namespaces import PREFIXES
    from kg.store import META_FILE, STORE_FORMAT

    path, store_dir = Path(path), Path(store_dir)
    if not path.is_file():
        raise KgError(f"no such file: {path}")
    _format(path)
    check_replaceable(store_dir, "store")  # before minutes of loading, not after
    t0 = time.perf_counter()
    with staged_replace(store_dir, "store") as staging:
        stamp = file_stamp(path)
        hasher = source_hasher(path) if hash_file else None
        db = ox.Store(str(staging / "db"))
        load_file(db, path, hasher, slice_bytes=slice_bytes, slice_quads=slice_quads, loaders=loaders)
        db.flush()
        t_load = time.perf_counter() - t0
        if optimize:
            db.optimize()
        t_compact = time.perf_counter() - t0 - t_load
        quads = len(db)
        del db  # release RocksDB's lock before the folder moves
        digest = None
        if hasher is not None:
            hasher.update(b"\0")
            digest = hasher.hexdigest()
        if file_stamp(path) != stamp:
            raise KgError(f"{path} changed while it was being loaded; load it again")
        meta = {"format": STORE_FORMAT, "hash": digest, "prefixes": dict(PREFIXES), "source": str(path),
                "source_stamp": stamp if digest else None}
        atomic_write_text(staging / META_FILE, json.dumps(meta, indent=1))
    total = time.perf_counter() - t0
    return {"quads": quads, "seconds": round(total, 3), "load_seconds": round(t_load, 3),
            "compact_seconds": round(t_compact, 3), "quads_per_second": round(quads / max(t_load, 1e-9))}


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
