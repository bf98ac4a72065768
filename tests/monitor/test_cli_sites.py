"""`minewatch export sites`, `import sites` of what it wrote, `sites --coverage`: as a user runs them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from monitor import sites
from monitor.store import Store
from tests.monitor.test_cli import Cli

#: What differs between two stores holding the same registry: when and from where each row was loaded.
_BOOKKEEPING = ["origin", "updated_at"]


@pytest.fixture
def initialised(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path, database_url)
    cli("init")
    return cli


def _registry(url: str) -> pd.DataFrame:
    store = Store.from_url(url)
    try:
        return sites.sites_frame(store).drop(columns=_BOOKKEEPING)
    finally:
        store.engine.dispose()


@pytest.mark.parametrize(
    ("name", "extra"), [("sites.csv", []), ("sites.parquet", []), ("out.bin", ["--format", "parquet"])]
)
def test_an_exported_registry_imports_into_a_fresh_store_as_the_same_registry(
    initialised: Cli, tmp_path: Path, name: str, extra: list[str]
) -> None:
    path = tmp_path / name
    result = initialised("export", "sites", "--out", str(path), *extra)
    exported = _registry(initialised.env["MINEWATCH_DATABASE_URL"])
    assert f"wrote {len(exported)} sites to {path}" in result.stdout
    if name == "out.bin":  # --format wins over the extension; import reads Parquet by extension
        path = path.rename(tmp_path / "out.parquet")
    (tmp_path / "fresh").mkdir()
    fresh = Cli(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.config.write_text(
        "sites:\n  bundled: false\nfeeds:\n  gdelt:\n    enabled: false\n", encoding="utf-8"
    )
    fresh("init")
    assert _registry(fresh.env["MINEWATCH_DATABASE_URL"]).empty
    imported = fresh("import", "sites", str(path))
    assert f"{len(exported)} sites added or updated, 0 rows rejected" in imported.stdout
    assert imported.stderr == ""
    pd.testing.assert_frame_equal(_registry(fresh.env["MINEWATCH_DATABASE_URL"]), exported)
    again = fresh("import", "sites", str(path))  # the same file: nothing to write, match or score
    assert "0 sites added or updated, 0 rows rejected" in again.stdout
    assert "0 sites (0 new or changed)" in fresh("init").stdout


def test_the_exported_csv_has_the_columns_import_reads_and_the_outputs_of_every_commodity(
    initialised: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "sites.csv"
    initialised("export", "sites", "--out", str(path))
    table = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("id")
    assert list(table.reset_index().columns) == list(sites.SITE_COLUMNS)
    kamoto = table.loc["kamoto"]
    assert kamoto["outputs"].startswith("copper:") and ";cobalt:" in kamoto["outputs"]
    assert float(kamoto["lat"]) == pytest.approx(-10.714798)


def test_sites_coverage_prints_every_commodity_in_plain_columns_that_a_pipe_keeps_whole(
    initialised: Cli,
) -> None:
    initialised.env["COLUMNS"] = "40"  # a narrow terminal: nothing may be cut or wrapped
    text = initialised("sites", "--coverage").stdout
    lines = text.splitlines()
    assert lines[0].split() == ["commodity", "sites", "output", "unknown", "tonnes/yr", "world", "t/yr",
                                "coverage", "%", "target", "%"]  # fmt: skip
    expected = sites.coverage(
        _registry_with_outputs(initialised),
        sites.commodities_frame(),
        sites.registry_meta().coverage_targets_pct,
    ).set_index("commodity")
    rows = {line.split()[0]: line.split() for line in lines[1:] if line and not line.startswith("registry")}
    assert set(rows) == set(expected.index)
    for commodity, cells in rows.items():
        assert int(cells[1]) == expected.loc[commodity, "sites"]
        assert int(cells[2]) == expected.loc[commodity, "sites_output_unknown"]
        assert float(cells[5]) == pytest.approx(expected.loc[commodity, "coverage_pct"], abs=0.05)
    assert lines[-1] == f"registry researched {sites.registry_meta().research_date}"


def _registry_with_outputs(cli: Cli) -> pd.DataFrame:
    store = Store.from_url(cli.env["MINEWATCH_DATABASE_URL"])
    try:
        return sites.sites_frame(store)
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_sites_coverage_as_csv_or_json_holds_the_same_figures(initialised: Cli, fmt: str) -> None:
    text = initialised("sites", "--coverage", "--format", fmt).stdout
    frame = pd.read_csv(io.StringIO(text)) if fmt == "csv" else pd.DataFrame(json.loads(text))
    assert list(frame.columns) == list(sites.COVERAGE_COLUMNS)
    expected = sites.coverage(
        _registry_with_outputs(initialised),
        sites.commodities_frame(),
        sites.registry_meta().coverage_targets_pct,
    )
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_the_site_list_keeps_long_ids_whole_on_a_narrow_terminal(initialised: Cli) -> None:
    initialised.env["COLUMNS"] = "40"
    text = initialised("sites").stdout
    ids = {line.split()[0] for line in text.splitlines()[1:]}
    assert ids == set(_registry_with_outputs(initialised)["id"])


def test_importing_a_file_that_is_not_utf8_csv_or_parquet_is_one_clear_line(
    initialised: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "sites.parquet"
    bad.write_bytes(b"not parquet at all")
    result = initialised("import", "sites", str(bad), ok=False)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}: not a readable Parquet file")
    assert "Traceback" not in result.stderr
