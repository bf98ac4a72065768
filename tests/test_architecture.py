"""docs/architecture.md states the import layers that pyproject.toml's contracts enforce: the two agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def test_the_architecture_page_lists_the_layers_the_contract_enforces() -> None:
    layers = next(c["layers"] for c in _contracts() if c["type"] == "layers")
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", page, flags=re.S)
    assert "\n".join(layers) + "\n" in blocks  # type: ignore[arg-type]


def test_every_monitor_module_and_package_is_placed_in_a_layer() -> None:
    layers = next(c["layers"] for c in _contracts() if c["type"] == "layers")
    placed = {name.strip() for layer in layers for name in str(layer).split("|")}  # type: ignore[union-attr]
    top = {p.stem for p in (ROOT / "monitor").glob("*.py") if p.stem != "__init__"}
    top |= {p.name for p in (ROOT / "monitor").iterdir() if (p / "__init__.py").is_file()}
    assert {f"monitor.{name}" for name in top} <= placed
