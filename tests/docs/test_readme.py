"""The README is the quick path: short, with the test command CI runs and the reliability markers."""

from __future__ import annotations

import re

from tests.docs.markdown import ROOT, sections

README = ROOT / "README.md"
MAX_LINES = 250


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def test_the_readme_stays_under_250_lines() -> None:
    lines = len(_readme().splitlines())
    assert lines < MAX_LINES, f"README.md has {lines} lines: move reference material to docs/"


def test_the_readme_s_test_command_is_the_one_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = re.findall(r"^exec (\S+)", ci, flags=re.M)
    assert runs == ["scripts/test.sh"], ".ci/run should end by running the README's test command"
    commands = re.findall(r"```bash\n(.*?)```", sections(_readme(), level=2)["Two commands"], flags=re.S)
    assert any(line.split()[0] == runs[0] for block in commands for line in block.splitlines() if line), (
        f"README's 'Two commands' do not run {runs[0]}"
    )


def test_the_reliability_section_holds_the_markers_another_script_fills() -> None:
    text = sections(_readme(), level=2)["Reliability"]
    start, end = text.find("<!-- reliability:start -->"), text.find("<!-- reliability:end -->")
    assert 0 <= start < end
    assert _readme().count("<!-- reliability:start -->") == 1
