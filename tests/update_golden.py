"""Regenerate tests/golden/questions/<id>.json: the answer of every saved question.

    .venv/bin/python tests/update_golden.py            # against the repository's data
    .venv/bin/python tests/update_golden.py --check    # exit 1 if any golden file differs

Answers are stored as sorted rows of canonical term strings (engine independent), with default
parameters and --lang zh, so a review of the diff shows exactly which answers changed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "questions"


def unordered(key: str) -> str:
    """A kg.store.term_key with a GROUP_CONCAT list ("a; b") sorted inside (its order is free)."""
    if "; " in key and key.startswith('"') and key.endswith('"'):
        return '"' + "; ".join(sorted(key[1:-1].split("; "))) + '"'
    return key


def canonical(result) -> dict:
    """Columns and sorted rows; GROUP_CONCAT lists are sorted inside the cell (order is free)."""
    from kg.store import term_key

    rows = sorted([unordered(term_key(t)) for t in row] for row in result.rows)
    return {"columns": list(result.columns), "rows": rows}


def answers(store=None) -> dict[str, dict]:
    from kg.query import list_questions, run_question
    from kg.store import open_store

    store = store or open_store(quiet=True)
    return {q.id: canonical(run_question(q.id, {}, lang="zh", store=store))
            for q in list_questions(("questions",))}


def dump(answer: dict) -> str:
    return json.dumps(answer, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    GOLDEN.mkdir(parents=True, exist_ok=True)
    changed = []
    got = answers()
    for qid, answer in got.items():
        path = GOLDEN / f"{qid}.json"
        text = dump(answer)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(qid)
            if not check:
                path.write_text(text, encoding="utf-8")
    for stale in GOLDEN.glob("*.json"):
        if stale.stem not in got:
            changed.append(stale.stem)
            if not check:
                stale.unlink()
    print(("differ: " if check else "updated: ") + (", ".join(changed) or "none"))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
