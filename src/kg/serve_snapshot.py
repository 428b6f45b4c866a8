"""What `kg serve` answers from: a pinned snapshot of the last valid build, swapped only on reload.

Why a snapshot: workers that open the live store folder go through open_store, which rebuilds it
when data/ changes. While serving, an edit with a syntax error then made every worker fail to
start, and a valid edit gave new answers from restarted workers beside old ones from the rest.
Here the workers open a private backup of the store (RocksDB checkpoint: hard links to its
immutable files, so it is fast and small) and never call open_store. Nothing reaches them until a
restart or an explicit reload (SIGHUP, or POST /reload from this machine), which builds, snapshots
and starts a whole new worker pool before swapping it in with one assignment; a failed reload
keeps the old snapshot and says why on stderr.

Snapshots live beside the store (same filesystem, so hard links work) as `.NAME.serve.*` folders
holding a `serve.pid`; the server removes its own on exit, and the next server removes those of
servers that died (pid no longer running) — only folders carrying that marker.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kg.errors import KgError

PID_FILE = "serve.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale(store_path: Path) -> None:
    """Remove snapshot folders left by `kg serve` processes that no longer run."""
    for d in store_path.parent.glob(f".{store_path.name}.serve.*"):
        try:
            pid = int((d / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            continue  # not ours, or one being made right now: leave it
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)


def take_snapshot(store_path: Path) -> Path:
    """A private, read-only-opened copy of the built store at `store_path`; checked to open."""
    import pyoxigraph as ox

    from kg.search_index import INDEX_FILE
    from kg.store import META_FILE

    snap = Path(tempfile.mkdtemp(prefix=f".{store_path.name}.serve.", dir=store_path.parent))
    try:
        (snap / PID_FILE).write_text(str(os.getpid()))
        for attempt in range(3):  # a rebuild by another process may swap the folder meanwhile
            try:
                src = ox.Store.read_only(str(store_path / "db"))
                meta = (store_path / META_FILE).read_bytes()
                break
            except OSError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        src.backup(str(snap / "db"))
        del src
        (snap / META_FILE).write_bytes(meta)
        if (store_path / INDEX_FILE).is_file():
            shutil.copy2(store_path / INDEX_FILE, snap / INDEX_FILE)
        open_snapshot(snap).query("ASK { }")
    except BaseException:
        shutil.rmtree(snap, ignore_errors=True)
        raise
    return snap


def open_snapshot(snap: Path):
    """The snapshot as a query backend; never rebuilds (it is not the live store)."""
    import pyoxigraph as ox

    from kg.store import META_FILE, OxigraphBackend

    meta = json.loads((snap / META_FILE).read_text(encoding="utf-8"))
    return OxigraphBackend(ox.Store.read_only(str(snap / "db")), meta["prefixes"], snap)


@dataclass
class Live:
    """One generation of served data: its snapshot, the workers on it, the answers cached from it."""

    pool: object
    cache: object | None
    snapshot: Path
    taken: str


class Served:
    """The live generation and the reload that replaces it whole.

    make_pool(snapshot) starts workers on a snapshot; make_cache() a fresh answer cache (answers
    of one snapshot never serve another). Requests read `live` once and use that generation
    throughout, so a swap in the middle of a request cannot mix two snapshots.
    """

    def __init__(self, store_path: Path, make_pool: Callable, make_cache: Callable, grace: float):
        self.store_path = store_path
        self._make_pool, self._make_cache, self._grace = make_pool, make_cache, grace
        self._lock = threading.Lock()
        self.live: Live | None = None
        self._retiring: list[Live] = []  # swapped out, closed after the grace period or on close()

    def _build(self, quiet: bool) -> Live:
        from kg.store import open_store

        store = open_store(self.store_path, quiet=quiet)  # build or refresh the store from data/, if needed
        errors = getattr(store, "data_errors", None)  # set when open_store fell back to the last valid build
        del store
        if errors and self.live is not None:
            raise KgError(f"the data has errors ({errors}); run `kg build` to see them")
        snap = take_snapshot(self.store_path)
        try:
            pool = self._make_pool(snap)
        except BaseException:
            shutil.rmtree(snap, ignore_errors=True)
            raise
        return Live(pool, self._make_cache(), snap, time.strftime("%Y-%m-%d %H:%M:%S"))

    def start(self) -> None:
        self.store_path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(self.store_path)
        self.live = self._build(quiet=False)

    def reload(self) -> tuple[bool, str]:
        """Build and snapshot the data as it is now, then swap all workers at once."""
        with self._lock:
            old = self.live
            try:
                new = self._build(quiet=True)
            except Exception as exc:  # any failure keeps the old snapshot serving
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                line = f"kg serve: reload failed, still serving the snapshot taken {old.taken}: {msg}"
                print(line, file=sys.stderr, flush=True)
                return False, line
            self.live = new
            # Requests already running on the old workers finish within the query timeout.
            self._retiring.append(old)
            timer = threading.Timer(self._grace, self._retire, (old,))
            timer.daemon = True
            timer.start()
            line = f"kg serve: reloaded; now serving the snapshot taken {new.taken}"
            print(line, file=sys.stderr, flush=True)
            return True, line

    def _retire(self, old: Live) -> None:
        with contextlib.suppress(ValueError):  # the timer and close() may both retire it
            self._retiring.remove(old)
        old.pool.close()
        shutil.rmtree(old.snapshot, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            for old in [*self._retiring, *([self.live] if self.live else [])]:
                self._retire(old)
            self.live = None


def store_folder(store_path: str | None) -> Path:
    from kg import paths

    path = Path(store_path) if store_path else paths.store_dir()
    if path.exists() and not path.is_dir():
        raise KgError(f"--store {path}: not a folder")
    return path.resolve()
