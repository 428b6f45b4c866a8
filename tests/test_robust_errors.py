"""Issue 12, unclear errors: each bad input is exit 2 and one line naming the file (and line) or the
option, what is wrong and the fix; never a traceback. Run through the `kg` console script, as a
user would, on a copy of the real data (its Chinese text is what shifted line numbers)."""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KG = Path(sys.executable).parent / "kg"


@pytest.fixture
def home(tmp_path):
    """A writable copy of the checkout's inputs; dist/ and the store go beside it, not in the repo."""
    root = tmp_path / "home"
    for d in ("ontology", "data", "queries"):
        shutil.copytree(REPO / d, root / d)
    return root


def kg(home: Path | None, *args, cwd=None, env=None, preexec_fn=None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    if home is not None:
        # The copy's quotes are checked against the real reports (required under CI=true).
        base |= {"KG_HOME": str(home), "KG_DIST": str(home.parent / "dist"),
                 "KG_STORE": str(home.parent / "store"),
                 "KG_SOURCES": os.environ.get("KG_SOURCES", str(REPO.parent / "shared" / "seeds"))}
    return subprocess.run([str(KG), *args], capture_output=True, text=True, cwd=cwd or home,
                          env=base | (env or {}), preexec_fn=preexec_fn, timeout=600)


def one_line(proc: subprocess.CompletedProcess, pattern: str) -> str:
    """Exit 2, no traceback, and exactly one `kg…:` error line matching `pattern` (a regex)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("kg") and "reformatted" not in ln]
    assert len(errors) == 1, proc.stderr
    assert re.search(pattern, errors[0]), errors[0]
    return errors[0]


# ---------------------------------------------------------------- Turtle line numbers

def test_turtle_syntax_error_line_after_chinese_text(home):
    """Line 800 of a file with Chinese text above it was reported as 706 (a character offset was
    used to count newlines in the UTF-8 bytes)."""
    claims = home / "data" / "triples" / "claims" / "s000.ttl"
    lines = claims.read_text(encoding="utf-8").split("\n")
    assert any(re.search(r"[\u4e00-\u9fff]", ln) for ln in lines[:799])  # else the test proves nothing
    lines[799] = "@@@ " + lines[799]
    claims.write_text("\n".join(lines), encoding="utf-8")
    want = r"^kg( fmt)?: \S*data/triples/claims/s000\.ttl:800: syntax error: "
    for args in (["build"], ["validate"], ["fmt", "--check"], ["fmt", "data/triples/claims/s000.ttl"]):
        one_line(kg(home, *args), want)
    assert not (home.parent / "dist").exists()  # nothing written


def test_turtle_syntax_error_line_in_shapes(home):
    """The shapes file is read by the same reader (kg validate): its line is right too."""
    shapes = home / "ontology" / "shapes.ttl"
    lines = shapes.read_text(encoding="utf-8").split("\n")
    n = next(i for i, ln in enumerate(lines) if re.search(r"[\u4e00-\u9fff]", ln)) + 2
    lines[n - 1] = "@@@ " + lines[n - 1]
    shapes.write_text("\n".join(lines), encoding="utf-8")
    one_line(kg(home, "validate"), rf"^kg: \S*shapes\.ttl:{n}: syntax error")


# ---------------------------------------------------------------- unreadable inputs

def _without_dac_override():
    """Run the child like an ordinary user would be: root normally reads a chmod 000 file anyway
    (CAP_DAC_OVERRIDE). Dropping that capability (and CAP_DAC_READ_SEARCH) from the bounding set
    makes the kernel refuse the read for real, while the child keeps uid 0 and can still run the
    venv. Raises (failing the test) if the capability cannot be dropped."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop():
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    return drop


def test_unreadable_file(home):
    """chmod 000 on a data file and on a --file query: a real EACCES from the kernel, not a mock."""
    data = home / "data" / "triples" / "claims" / "s001.ttl"
    query = home / "secret.rq"
    query.write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    data.chmod(0)
    query.chmod(0)
    try:
        drop = _without_dac_override()
        one_line(kg(home, "build", "--no-validate", preexec_fn=drop),
                 r"^kg: data/triples/claims/s001\.ttl: permission denied; give your user access")
        one_line(kg(home, "fmt", "--check", preexec_fn=drop), r"s001\.ttl: permission denied")
        # --file is checked by click first: its usage error, one line like every bad option value.
        one_line(kg(home, "query", "--file", "secret.rq", preexec_fn=drop),
                 r"^kg query: Invalid value for '--file': File 'secret.rq' is not readable\. \(see `kg query --help`\)$")
        # A saved query under queries/ goes through kg.io.read_text.
        saved = home / "queries" / "questions" / "timeline.rq"
        saved.chmod(0)
        one_line(kg(home, "query", "--list", preexec_fn=drop), r"queries/questions/timeline\.rq: permission denied")
    finally:
        for p in (data, query, home / "queries" / "questions" / "timeline.rq"):
            p.chmod(0o644)
    assert not (home.parent / "dist").exists()


def test_folder_where_a_file_is_expected(home):
    (home / "data" / "triples" / "claims" / "s009.ttl").mkdir()
    one_line(kg(home, "build", "--no-validate"),
             r"^kg: data/triples/claims/s009\.ttl: is a folder where a file is expected")


def test_symlink_loop(home):
    (home / "data" / "triples" / "claims" / "s998.ttl").symlink_to("s998.ttl")
    (home / "loop.rq").symlink_to("loop.rq")
    want = r"data/triples/claims/s998\.ttl: is a symlink loop .*; fix or remove the link"
    one_line(kg(home, "build", "--no-validate"), "^kg: " + want)
    one_line(kg(home, "fmt", "--check"), want)
    one_line(kg(home, "query", "education-groups"), "^kg: " + want)  # the store rebuild reads it too
    one_line(kg(home, "query", "--file", "loop.rq"), r"^kg: loop\.rq: is a symlink loop")


def test_dangling_symlink(home):
    (home / "data" / "triples" / "claims" / "s997.ttl").symlink_to("gone.ttl")
    (home / "queries" / "questions" / "gone.rq").symlink_to("nowhere.rq")
    # The link is named as the user sees it (not its target), with the target it misses.
    one_line(kg(home, "build", "--no-validate"),
             r"^kg: data/triples/claims/s997\.ttl: is a symlink to gone\.ttl, which does not exist; fix or remove")
    one_line(kg(home, "query", "--list"), r"queries/questions/gone\.rq: is a symlink to nowhere\.rq")


def test_binary_query_file(home):
    query = home / "a.out"
    query.write_bytes(b"SELECT ?s\n# two lines of text, then an ELF header\n\x7fELF\x02\x01\x01\x00\x00\x00")
    one_line(kg(home, "query", "--file", "a.out"),
             r"^kg: a\.out:3: is a binary file, not UTF-8 text; give the text file you meant$")


def test_non_utf8_query_file(home):
    text = "# 按城市统计\nSELECT ?s WHERE { ?s ?p \"济南\" } LIMIT 1\n"
    (home / "gbk.rq").write_bytes(text.encode("gbk"))
    one_line(kg(home, "query", "--file", "gbk.rq"), r"^kg: gbk\.rq:1: is not UTF-8 \(byte 0x[0-9a-f]{2} at column 3\); "
             r"save it as UTF-8, e.g. `iconv -f GBK")
    # A saved query under queries/ is read by the same reader.
    (home / "queries" / "questions" / "gbk.rq").write_bytes(("# id: gbk\n" + text).encode("gbk"))
    one_line(kg(home, "query", "--list"), r"queries/questions/gbk\.rq:2: is not UTF-8")


def test_gbk_data_file(home):
    data = home / "data" / "triples" / "claims" / "s001.ttl"
    text = data.read_text(encoding="utf-8")
    line = next(i for i, ln in enumerate(text.split("\n"), 1) if not ln.isascii())
    data.write_bytes(text.encode("gbk", errors="replace"))
    want = rf"data/triples/claims/s001\.ttl:{line}: is not UTF-8 \(byte 0x[0-9a-f]{{2}} at column \d+\)"
    for args in (["build"], ["validate"], ["fmt", "--check"], ["query", "education-groups"]):
        one_line(kg(home, *args), want)


# ---------------------------------------------------------------- KG_HOME, --offset

def test_kg_home_without_ontology_and_data(tmp_path):
    empty = tmp_path / "not-a-checkout"
    empty.mkdir()
    for args in (["build"], ["validate"], ["fmt"], ["query", "--list"], ["query", "education-groups"]):
        one_line(kg(empty, *args), rf"^kg: KG_HOME={re.escape(str(empty))} has no ontology/ and no data/ folder; "
                 "set KG_HOME to a checkout holding ontology/ and data/triples/")
    assert list(empty.iterdir()) == []  # no empty dist/ written
    (empty / "ontology").mkdir()
    one_line(kg(empty, "build"), r"has no data/ folder")


def test_offset_huge_names_the_option(home):
    proc = kg(home, "query", "timeline", "--offset", "99999999999999999999999")
    # One usage line, like every other bad option value: it names --offset, not the file.
    one_line(proc, r"^kg query: Invalid value for '--offset': 99999999999999999999999 is not in the range "
                   r"0<=x<=1000000000000000000\. \(see `kg query --help`\)$")
    assert "timeline.rq" not in proc.stderr


def test_offset_huge_in_the_api_names_the_argument():
    from kg import query as q
    from kg.cli.query import _PAGE
    from kg.errors import KgError

    assert _PAGE.max == q.MAX_PAGE  # the CLI's range is the library's
    with pytest.raises(KgError) as err:
        q.run_question("timeline", offset=10**23, store=object())  # refused before the store is used
    assert err.value.file is None and str(err.value).startswith("offset must be a whole number from 0 to")


# ---------------------------------------------------------------- the catch-all

def test_no_traceback_for_an_os_error(tmp_path, home):
    """An OSError no reader caught (here: --dist under a regular file) is one line with the path."""
    (tmp_path / "afile").write_text("x")
    proc = kg(home, "build", "--no-validate", "--dist", str(tmp_path / "afile" / "dist"))
    one_line(proc, rf"^kg: {re.escape(str(tmp_path / 'afile'))}/dist: cannot write: Not a directory; choose ")
    assert (tmp_path / "afile").read_text() == "x"  # the file in the way is untouched


def test_no_traceback_for_an_unexpected_exception(monkeypatch, capsys):
    """Any other exception is a bug in kg: one line that says so and how to see the traceback.

    In-process (no input reaches such a bug on purpose): main() is what the console script runs."""
    import kg.build
    from kg.cli import main

    def boom(*a, **k):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(kg.build, "build", boom)
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert err == ("kg: internal error: RuntimeError: boom (a bug in kg: please report it; "
                   "run with KG_DEBUG=1 to see the traceback)\n")
    monkeypatch.setenv("KG_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["build"])


def test_catch_all_keeps_kgerror_click_and_ctrl_c(monkeypatch, capsys):
    import kg.build
    from kg.cli import main
    from kg.errors import KgError, KgInvalid

    def raise_(exc):
        def f(*a, **k):
            raise exc
        return f

    monkeypatch.setattr(kg.build, "build", raise_(KgInvalid("bad", file="x.ttl", line=3)))
    assert main(["build"]) == 1 and capsys.readouterr().err == "kg: x.ttl:3: bad\n"
    monkeypatch.setattr(kg.build, "build", raise_(KgError("worse")))
    assert main(["build"]) == 2 and capsys.readouterr().err == "kg: worse\n"
    monkeypatch.setattr(kg.build, "build", raise_(KeyboardInterrupt()))
    assert main(["build"]) == 2 and capsys.readouterr().err.endswith("kg: aborted\n")
    assert main(["build", "--format", "xml"]) == 2
    assert capsys.readouterr().err.startswith("kg build: Invalid value for '--format'")


# ---------------------------------------------------------------- chart --concerning

@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    """The real data in a store of its own (built once for this module)."""
    from kg.store import open_store

    return open_store(str(tmp_path_factory.mktemp("chart") / "store"), quiet=True)


def test_chart_concerning_filters(real_store, tmp_path):
    """`--concerning` never filtered (`&` binds tighter than `|`): now the bars narrow to it."""
    from kg.chart import make_chart

    every = make_chart(real_store, "ind:college-count", tmp_path / "all.svg", fmt="svg")
    for c in ("sk:TechnicalCollege", "e:designation-national-integrated-teaching-pilot"):
        prefix, local = c.split(":")
        rows = make_chart(real_store, "ind:college-count", tmp_path / "some.svg",
                          concerning=real_store.prefixes[prefix] + local, fmt="svg")
        assert 0 < len(rows) < len(every), c
        # Every bar left is an observation concerning c (asked of the store, not of the chart code).
        assert all(real_store.query(f"ASK {{ {r['claim']} sk:concerning {c} }}").boolean for r in rows), c


def test_chart_concerning_filters_cli(home):
    """The same through `kg chart`, and an unmatched value is one clear line, not a crash."""
    out = home.parent / "c.svg"
    bars = {}
    for extra in ([], ["--concerning", "sk:TechnicalCollege"]):
        proc = kg(home, "chart", "ind:college-count", "-o", str(out), "--format", "svg", *extra)
        assert proc.returncode == 0, proc.stderr
        bars[bool(extra)] = int(re.search(r": (\d+) bars", proc.stderr).group(1))
    assert 0 < bars[True] < bars[False]
    one_line(kg(home, "chart", "ind:college-count", "-o", str(out), "--concerning", "e:no-such-thing"),
             r"^kg: no observation of ind:college-count concerning e:no-such-thing is about a city")
