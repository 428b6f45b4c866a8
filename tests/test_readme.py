"""The README is the front door: its two commands exist and its command reference is current."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "bash scripts/main.sh" in first_block and "bash scripts/test.sh" in first_block
    for script in ("scripts/main.sh", "scripts/test.sh", "scripts/setup.sh"):
        assert (ROOT / script).is_file(), f"README names {script}, which does not exist"


def test_ci_runs_the_readme_test_command():
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_command_reference_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
