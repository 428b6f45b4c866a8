"""open_store(source=file): the file is hashed by streaming, and not at all while its stamp matches."""
from __future__ import annotations

import json
import os

import pytest

import kg.bulk
from kg.store import open_store, source_hash

EX = "http://example.org/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def write_nq(path, n: int, word: str = "value") -> None:
    path.write_text("".join(f'<{EX}s{i}> <{EX}p> "{word} {i}" <{EX}g> .\n' for i in range(n)), encoding="utf-8")


def count(backend) -> int:
    return int(backend.query(COUNT).rows[0][0].value)


@pytest.fixture
def hashes(monkeypatch):
    """Counts the times the source file is read to hash it."""
    calls = []
    real = kg.bulk.stream_source_hash
    monkeypatch.setattr(kg.bulk, "stream_source_hash", lambda p: calls.append(p) or real(p))
    return calls


def meta(store) -> dict:
    return json.loads((store / "kg-store.json").read_text())


def test_unchanged_file_is_not_rehashed(tmp_path, hashes):
    nq, store = tmp_path / "g.nq", tmp_path / "store"
    write_nq(nq, 50)
    assert count(open_store(store, source=nq, quiet=True)) == 50
    assert meta(store)["hash"] == source_hash(nq)
    assert meta(store)["source_stamp"]["size"] == nq.stat().st_size
    hashes.clear()
    assert count(open_store(store, source=nq, quiet=True)) == 50
    assert hashes == []


def test_changed_file_triggers_a_rebuild(tmp_path, hashes):
    nq, store = tmp_path / "g.nq", tmp_path / "store"
    write_nq(nq, 50)
    open_store(store, source=nq, quiet=True)
    write_nq(nq, 60)
    assert count(open_store(store, source=nq, quiet=True)) == 60
    # Same size, new content, an mtime that moved: the stamp differs, the hash decides.
    before = meta(store)["hash"]
    write_nq(nq, 60, word="VALUE")
    st = nq.stat()
    os.utime(nq, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    backend = open_store(store, source=nq, quiet=True)
    assert meta(store)["hash"] != before and meta(store)["hash"] == source_hash(nq)
    assert backend.query(f'ASK {{ <{EX}s1> <{EX}p> "VALUE 1" }}').boolean


def test_touched_but_unchanged_file_is_hashed_once_and_not_rebuilt(tmp_path, hashes):
    nq, store = tmp_path / "g.nq", tmp_path / "store"
    write_nq(nq, 50)
    open_store(store, source=nq, quiet=True)
    db_before = (store / "db").stat().st_ino
    os.utime(nq, ns=(nq.stat().st_atime_ns, nq.stat().st_mtime_ns + 5_000_000))
    hashes.clear()
    open_store(store, source=nq, quiet=True)
    assert len(hashes) == 1 and (store / "db").stat().st_ino == db_before  # verified, kept
    open_store(store, source=nq, quiet=True)
    assert len(hashes) == 1  # the new stamp was recorded


def test_store_without_stamp_gets_one(tmp_path, hashes):
    """Stores bulk-loaded before stamps existed are verified once by hash, then trusted."""
    nq, store = tmp_path / "g.nq", tmp_path / "store"
    write_nq(nq, 50)
    kg.bulk.bulk_load_file(nq, store)
    m = meta(store)
    del m["source_stamp"]
    (store / "kg-store.json").write_text(json.dumps(m))
    hashes.clear()
    assert count(open_store(store, source=nq, quiet=True)) == 50
    assert len(hashes) == 1 and meta(store)["source_stamp"]["mtime_ns"] == nq.stat().st_mtime_ns
    open_store(store, source=nq, quiet=True)
    assert len(hashes) == 1
