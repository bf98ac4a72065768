"""The README's "Real data, offline" path runs as written: each command, in a fresh directory, no network.

The commands are read from the README itself, so an edit there is what runs here. `minewatch serve` is the
one step not run (it serves until stopped; the dashboard has tests of its own). The path is the README's
SQLite store, so the PostgreSQL pass of the suite has nothing to add and skips it.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ENV
from tests.docs.markdown import ROOT, sections

SECTION = "Real data, offline, from the bundled sample"

pytestmark = pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="the README's path is SQLite only")


def _steps() -> list[str]:
    """The lines of the section's first shell block, comments dropped."""
    text = sections((ROOT / "README.md").read_text(encoding="utf-8"), level=2)[SECTION]
    block = re.search(r"```bash\n(.*?)```", text, flags=re.S)
    assert block, f"README's '{SECTION}' has no bash block"
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines() if line.strip()]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_") and k != "COLUMNS"}
    env.update({"COLUMNS": "200", "PYTHONPATH": str(ROOT)})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_offline_path_runs_step_by_step_in_a_fresh_directory(tmp_path: Path) -> None:
    outputs: dict[str, str] = {}
    for step in _steps():
        if step.startswith("REPO=$PWD && scripts/setup.sh"):
            continue  # the installation this test already runs in
        if step.startswith("mkdir -p ") and " && cd " in step:
            continue  # tmp_path is that fresh directory
        words = shlex.split(step.replace("$REPO", str(ROOT)))
        if words[0] == "cp":
            shutil.copy(words[1], tmp_path / words[2])
            continue
        assert words[0] == "minewatch", f"a step this test does not know how to run: {step}"
        if words[1] == "serve":
            continue
        result = _run(words[1:], tmp_path)
        assert result.returncode == 0, f"{step}\n{result.stderr}"
        outputs[" ".join(words[1:3])] = result.stdout

    assert (tmp_path / "minewatch.db").is_file(), "the store is written where the commands run"
    ranking = outputs["score --as-of"]
    assert re.search(r"^\s*bisie\s+tin\s+100\.0\s+halted\b", ranking, flags=re.M), ranking
    with (tmp_path / "risk.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["site_id"] for row in rows} == {"bisie"}
    assert (rows[0]["date"], rows[-1]["date"]) == ("2025-03-01", "2025-04-15")
    halted = [row["date"] for row in rows if row["status"] == "halted"]
    assert halted[0] == "2025-03-14", "the operator's suspension notice halts Bisie from 14 March"
    assert (tmp_path / "supply.csv").is_file() and (tmp_path / "risk.csv.json").is_file()
