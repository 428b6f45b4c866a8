"""kg.bulk: N-Quads loaded in slices give the same store as one load; errors name the file line."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.bulk import Slice, bulk_load_file, load_nquads, nquads_slices, source_hasher, stream_source_hash
from kg.errors import KgError
from kg.store import source_hash

EX = "http://example.org/"


def quad_line(i: int) -> str:
    return f'<{EX}s{i}> <{EX}p{i % 7}> "value {i}"@zh <{EX}g{i % 3}> .\n'


def write_nq(path, n: int, blank_at: dict[int, str] | None = None, bad_at: int | None = None) -> list[str]:
    """`n` lines; `blank_at` replaces line i (1-based) by a blank-node line; `bad_at` breaks a line."""
    lines = [quad_line(i) for i in range(1, n + 1)]
    for i, text in (blank_at or {}).items():
        lines[i - 1] = text
    if bad_at:
        lines[bad_at - 1] = f'<{EX}broken> <{EX}p> "no closing quote .\n'
    path.write_text("".join(lines), encoding="utf-8")
    return lines


# Blank node _:list is used on line 3 and line 1900: far apart, in different slices.
BLANKS = {3: f"_:list <{EX}first> <{EX}a> .\n", 1900: f"<{EX}holder> <{EX}list> _:list <{EX}g1> .\n",
          1000: f"_:other <{EX}first> <{EX}b> .\n"}


def sorted_without_blanks(store) -> list[str]:
    return sorted(str(q) for q in store if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object)))


@pytest.mark.parametrize("slice_bytes,slice_quads", [(4096, 10**9), (1 << 20, 100), (4096, 7), (64, 10**9)])
def test_slices_cover_every_line_once_and_blank_nodes_come_last(tmp_path, slice_bytes, slice_quads):
    nq = tmp_path / "g.nq"
    lines = write_nq(nq, 2000, BLANKS)
    h = source_hasher(nq)
    pieces = list(nquads_slices(nq, slice_bytes=slice_bytes, slice_quads=slice_quads, hasher=h))
    h.update(b"\0")
    assert len(pieces) > 10
    assert all(len(p.data) <= slice_bytes + 200 and p.data.count(b"\n") <= slice_quads for p in pieces[:-1])
    assert h.hexdigest() == stream_source_hash(nq) == source_hash(nq)
    assert all(p.data.endswith(b"\n") for p in pieces)
    assert b"".join(p.data for p in pieces[:-1]).count(b"_:") == 0
    assert pieces[-1].data.decode().splitlines(keepends=True) == [BLANKS[k] for k in sorted(BLANKS)]
    assert sorted(b"".join(p.data for p in pieces).decode().splitlines(keepends=True)) == sorted(lines)
    # Every slice line maps back to the file line it came from.
    for p in pieces:
        for n, text in enumerate(p.data.decode().splitlines(keepends=True), start=1):
            assert lines[p.file_line(n) - 1] == text


def test_sliced_load_equals_one_load(tmp_path):
    nq = tmp_path / "g.nq"
    write_nq(nq, 2000, BLANKS)
    whole = ox.Store()
    whole.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    sliced = ox.Store(str(tmp_path / "db"))
    load_nquads(sliced, nq, slice_bytes=4096, loaders=2)
    assert len(sliced) == len(whole) == 2000
    assert sorted_without_blanks(sliced) == sorted_without_blanks(whole)
    # The blank node of line 3 and line 1900 is still one node: the list hangs off its holder.
    ask = f"ASK {{ <{EX}holder> <{EX}list> ?l . ?l <{EX}first> <{EX}a> }}"
    assert sliced.query(ask, use_default_graph_as_union=True)
    assert len({q.subject for q in sliced if isinstance(q.subject, ox.BlankNode)}) == 2


def test_file_line_skips_lines_set_aside():
    piece = Slice(b"", first_line=101, moved=[102, 104])
    assert [piece.file_line(n) for n in (1, 2, 3)] == [101, 103, 105]
    assert Slice(b"", lines=[7, 70]).file_line(2) == 70


@pytest.mark.parametrize("bad_at", [5, 1500, 1901])
def test_syntax_error_names_the_file_line(tmp_path, bad_at):
    nq = tmp_path / "bad.nq"
    write_nq(nq, 2000, BLANKS, bad_at=bad_at)
    with pytest.raises(KgError) as err:
        load_nquads(ox.Store(str(tmp_path / "db")), nq, slice_bytes=4096)
    assert err.value.file == str(nq) and err.value.line == bad_at, str(err.value)


def test_bulk_load_file_records_hash_and_stamp_and_is_atomic(tmp_path):
    nq = tmp_path / "g.nq"
    write_nq(nq, 300, {3: BLANKS[3]})
    store = tmp_path / "store"
    stats = bulk_load_file(nq, store)
    assert stats["quads"] == 300
    meta = json.loads((store / "kg-store.json").read_text())
    assert meta["hash"] == source_hash(nq)
    assert meta["source_stamp"]["size"] == nq.stat().st_size
    # A broken file leaves the previous store as it was, and no staging folder behind.
    write_nq(tmp_path / "bad.nq", 300, bad_at=200)
    with pytest.raises(KgError):
        bulk_load_file(tmp_path / "bad.nq", store)
    assert len(ox.Store.read_only(str(store / "db"))) == 300
    # the lock file stays: it is what lets the next run clear staging safely
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.lock", "bad.nq", "g.nq", "store"]


def test_compaction_is_timed_apart_and_keeps_the_content(tmp_path):
    """bulk_load_file compacts by default (lookups ~3x faster at 5M); the store holds the same quads
    either way, and the load and compaction times are reported apart (the raw CLI only loads)."""
    nq = tmp_path / "g.nq"
    write_nq(nq, 2000, BLANKS)
    plain = bulk_load_file(nq, tmp_path / "plain", optimize=False, slice_bytes=4096)
    compacted = bulk_load_file(nq, tmp_path / "compacted", slice_bytes=4096)
    for stats in (plain, compacted):
        assert stats["quads"] == 2000
        assert stats["load_seconds"] + stats["compact_seconds"] <= stats["seconds"]
        assert stats["quads_per_second"] == pytest.approx(2000 / max(stats["load_seconds"], 1e-3), rel=0.02)  # per load second
    dumps = [sorted_without_blanks(ox.Store.read_only(str(tmp_path / name / "db"))) for name in ("plain", "compacted")]
    assert dumps[0] == dumps[1] and len(dumps[0]) == 2000 - 3  # three lines have a blank node
