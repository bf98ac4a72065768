from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import Settings, config_path, load_settings, notice_catalogue, settings_from_mapping
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_config_file_is_valid() -> None:
    settings = load_settings(ROOT / "config.yaml", env={})
    assert settings.database.url == "sqlite:///minewatch.db"
    assert settings.matching.site_radius_km == 150


def test_database_url_comes_from_the_environment_when_set(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("database:\n  url: sqlite:///a.db\n")
    settings = load_settings(cfg, env={"MINEWATCH_DATABASE_URL": "sqlite:///b.db"})
    assert settings.database.url == "sqlite:///b.db"


def test_config_path_can_come_from_minewatch_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("matching:\n  site_radius_km: 80\n")
    assert load_settings(None, env={"MINEWATCH_CONFIG": str(cfg)}).matching.site_radius_km == 80


def test_secrets_are_read_from_the_environment_only() -> None:
    env = {"MINEWATCH_ACLED_USERNAME": "a@b.org", "MINEWATCH_ACLED_PASSWORD": "s3cret"}
    settings = settings_from_mapping({}, env)
    assert settings.feeds.acled.password is not None
    assert settings.feeds.acled.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigError, match=r"feeds\.acled\.password: secrets are read from the environment"):
        settings_from_mapping({"feeds": {"acled": {"password": "x"}}}, {})


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("matching:\n  site_radius_km: -5\n", r"matching\.site_radius_km: Input should be greater than 0"),
        ("matching:\n  radius: 5\n", r"matching\.radius: Extra inputs are not permitted"),
        ("scoring:\n  half_life_days: soon\n", r"scoring\.half_life_days: Input should be a valid number"),
        ("- just\n- a list\n", r"the top level must be a mapping"),
        ("matching: [unclosed\n", r"not valid YAML"),
    ],
)
def test_a_bad_config_names_the_key_and_why(tmp_path: Path, yaml_text: str, message: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg, env={})


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "nope.yaml", env={})


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("http:\n  timeout_s: .inf\n", r"http\.timeout_s: Input should be a finite number"),
        ("http:\n  retries: 1000\n", r"http\.retries: Input should be less than or equal to 20"),
        ("scoring:\n  type_weights: {battles: -1}\n", r"scoring\.type_weights: .*must be >= 0: battles"),
        ("scoring:\n  levels: {elevated: 50, high: 25, critical: 75}\n", r"elevated < high < critical"),
        ("feeds:\n  ucdp:\n    base_url: file:///etc/passwd\n", r"feeds\.ucdp\.base_url: .*http\(s\) URL"),
    ],
)
def test_ranges_order_and_schemes_are_checked(tmp_path: Path, yaml_text: str, message: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg, env={})


def test_every_config_error_is_listed_at_once_one_per_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "http:\n  timeout_s: .nan\n  retries: -1\nscoring:\n  p0: 0\n"
        "feeds:\n  notices:\n    feeds:\n      - {name: a, url: 'ftp://a.org/rss'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, env={})
    lines = str(caught.value).splitlines()
    assert lines[0] == "4 errors in the settings:"
    assert [line.split(": ")[1] for line in lines[1:]] == [
        "http.timeout_s", "http.retries", "feeds.notices.feeds.0.url", "scoring.p0",
    ]  # fmt: skip


# ---- notice feeds: the bundled catalogue and per-feed switches ----
def test_a_fresh_install_polls_every_catalogue_feed_every_five_minutes() -> None:
    catalogue = notice_catalogue()
    assert len(catalogue) >= 15
    assert len({f.name for f in catalogue}) == len(catalogue)
    assert {f.language for f in catalogue} >= {"en", "fr", "es", "pt"}
    periods = Settings().feeds.enabled()
    assert all(periods[f"notices:{f.name}"] == timedelta(minutes=5) for f in catalogue)


def test_a_catalogue_feed_can_be_switched_off_and_own_feeds_come_after_it() -> None:
    first, second = (f.name for f in notice_catalogue()[:2])
    settings = settings_from_mapping(
        {"feeds": {"notices": {"catalogue_feeds": {first: False},
                               "feeds": [{"name": "ops", "url": "https://ops.example/rss"},
                                         {"name": "off", "url": "https://o.example", "enabled": False}]}}},
        env={},
    )  # fmt: skip
    names = [f.name for f in settings.feeds.notices.active()]
    assert first not in names and second in names
    assert names[-1] == "ops" and "off" not in names


def test_the_catalogue_can_be_turned_off_as_a_whole() -> None:
    settings = settings_from_mapping({"feeds": {"notices": {"catalogue": False}}}, env={})
    assert settings.feeds.notices.active() == []


@pytest.mark.parametrize(
    ("notices", "message"),
    [
        ({"catalogue_feeds": {"reuters": False}}, "catalogue_feeds names reuters, not in the catalogue"),
        ({"feeds": [{"name": "ops", "url": "https://a.example"}, {"name": "ops", "url": "https://b.example"}]},
         "feed name ops is used twice"),
        ({"feeds": [{"name": "radio_okapi", "url": "https://a.example"}]},
         "feed name radio_okapi is used twice"),
    ],
)  # fmt: skip
def test_feed_names_must_be_known_and_unique(notices: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=f"feeds.notices: Value error, {message}"):
        settings_from_mapping({"feeds": {"notices": notices}}, env={})


def test_the_config_in_use_is_the_flag_then_the_environment_then_a_config_yaml_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {}) is None  # the defaults: what doctor reports as "defaults"
    (tmp_path / "config.yaml").write_text("{}\n", encoding="utf-8")
    assert config_path(None, {}) == Path("config.yaml")
    assert config_path(None, {"MINEWATCH_CONFIG": "/etc/mw.yaml"}) == Path("/etc/mw.yaml")
    assert config_path(Path("given.yaml"), {"MINEWATCH_CONFIG": "/etc/mw.yaml"}) == Path("given.yaml")
