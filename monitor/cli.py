"""The ``minewatch`` command (also ``python -m monitor``).

Every command builds its objects here, at the edge: settings from the config file and the environment,
the store from its URL, the clock and the HTTP client. Errors become one line on stderr and exit code 1.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from feeds.base import Batch, Kind
from monitor import demo as demo_mod
from monitor import reads, redact, sites, tables
from monitor.config import Settings, load_settings
from monitor.environment import resolve_environment, secret_values
from monitor.errors import InputError, MinewatchError
from monitor.exports.explanations import NOTHING_SCORED, explained_score
from monitor.exports.files import write_file
from monitor.exports.panels import risk_frame
from monitor.exports.query import parse_query, parse_site_day
from monitor.observability import logs
from monitor.observability.logs import LogFormat, LogLevel
from monitor.pipeline import HISTORY_SITE_DAYS_PER_TICK, OWED_HISTORY_HINT, FeedReport, Pipeline
from monitor.progress import console_progress, silent
from monitor.store import Store, safe_url

app = typer.Typer(
    name="minewatch",
    help="Critical-minerals supply-chain disruption monitor.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _console(*, stderr: bool = False) -> Console:
    """On a terminal, rich fits tables to its width; piped or redirected, nothing is cut or folded (ids and
    dates stay whole, one row per line) since the reader is a program or a file, not an 80-column screen."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=_PIPED_WIDTH)


#: Line width when not on a terminal: wide enough that no table is ever squeezed.
_PIPED_WIDTH = 10_000
out = _console()
err = _console(stderr=True)


class ImportKind(StrEnum):
    acled = "acled"
    gdelt = "gdelt"
    ucdp = "ucdp"
    notices = "notices"
    sites = "sites"


class ExportKind(StrEnum):
    sites = "sites"
    risk = "risk"
    events = "events"
    notices = "notices"
    supply = "supply"
    alerts = "alerts"
    feedback = "feedback"


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


class Context:
    """What every command needs, built lazily from the global options."""

    def __init__(self, config: Path | None, environ: Mapping[str, str], now: Callable[[], datetime]) -> None:
        self.config = config
        self.environ = environ
        self.now = now
        self._settings: Settings | None = None
        self._env: dict[str, str] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment with ``*_FILE`` secrets read (a bad one is an error here, when first needed)."""
        if self._env is None:
            self._env = resolve_environment(self.environ)
            redact.remember(secret_values(self._env))  # masked in every line shown from here on
        return self._env

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, self.env)
        return self._settings

    def store(self, *, check: bool = True, deferred_checkpoints: bool = False) -> Store:
        store = Store.from_url(self.settings.database.url, deferred_checkpoints=deferred_checkpoints)
        if check:
            store.check_schema()
        return store

    def pipeline(self, store: Store | None = None, *, progress: bool = True) -> Pipeline:
        """The pipeline; its long steps report progress on stderr (a bar on a terminal, else a line each)."""
        report = console_progress(err) if progress else silent
        return Pipeline(store or self.store(), self.settings, self.now, report)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"minewatch {metadata.version('minewatch')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="config.yaml to use (env MINEWATCH_CONFIG).", dir_okay=False),
    ] = None,
    log_level: Annotated[
        LogLevel | None,
        typer.Option("--log-level", help="Log level (default: warning; info for `run`)."),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="Log lines as text or JSON (one object per line).")
    ] = "text",
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Critical-minerals supply-chain disruption monitor."""
    logs.configure(log_level or ("info" if ctx.invoked_subcommand == "run" else "warning"), log_format)
    ctx.obj = Context(config, os.environ, _utcnow)


def _ctx(ctx: typer.Context) -> Context:
    obj = ctx.obj
    assert isinstance(obj, Context)
    return obj


# ---- init / sites ----
@app.command()
def init(ctx: typer.Context) -> None:
    """Create the store, or upgrade an older one in place (safe to re-run), and load the site registry."""
    c = _ctx(ctx)
    store = c.store(check=False)
    upgraded = store.create_schema()
    pipeline = c.pipeline(store)
    changed = _load_sites(pipeline, _registry(c))
    sites_line = f"{reads.sites.count(store)} sites ({changed} new or changed)"
    out.print(f"store ready at {safe_url(c.settings.database.url)}: {upgraded.describe()}; {sites_line}")
    _say_owed(pipeline)
    files = reads.space.file_space(store)
    if files is not None and files.worth_vacuum:
        free = f"{files.free_mb:,.0f} MB of the file are free pages"
        out.print(f"{free}: `minewatch vacuum`, with the scheduler stopped, gives them back to the disk")


@app.command()
def vacuum(ctx: typer.Context) -> None:
    """Give a SQLite store's free pages back to the disk (stop the scheduler first)."""
    c = _ctx(ctx)
    store = c.store()
    before = reads.space.file_space(store)
    if before is None:
        raise MinewatchError(
            "`minewatch vacuum` is for a SQLite store: PostgreSQL's autovacuum reuses free space, and "
            "docs/operations.md says how to give a table's files back"
        )
    path = Path(store.engine.url.database or "")
    needed_mb = (before.file_bytes - before.free_bytes) / 2**20
    disk_mb = shutil.disk_usage(path.resolve().parent).free / 2**20
    if disk_mb < needed_mb:
        raise MinewatchError(
            f"VACUUM writes the store's {needed_mb:,.0f} MB in use again beside {path}, and that disk has "
            f"{disk_mb:,.0f} MB free: free some space first; nothing was changed"
        )
    store.vacuum()
    after = reads.space.file_space(store) or before  # the same SQLite file: never None
    given = (before.file_bytes - after.file_bytes) / 2**20
    sizes = f"{before.file_mb:,.0f} MB -> {after.file_mb:,.0f} MB"
    out.print(f"vacuumed {path}: {sizes} ({given:,.0f} MB given back)")


def _load_sites(pipeline: Pipeline, parsed: sites.SitesParse) -> int:
    """Load ``parsed`` into the registry, then match and score what it changed: a change to most of the
    registry leaves every event to match and every stored day to score again, done here (a smaller one is
    done by the load). Return how many sites were new or changed."""
    changed = pipeline.load_sites(parsed)
    if changed:
        pipeline.match()
        pipeline.rescore_stale_days()
    return changed


class SitesFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


@app.command("sites")
def list_sites(
    ctx: typer.Context,
    coverage: Annotated[
        bool,
        typer.Option(
            "--coverage", help="Per commodity: sites, output unknown, tonnes, % of world production."
        ),
    ] = False,
    fmt: Annotated[
        SitesFormat, typer.Option("--format", help="text (plain columns), csv or json.")
    ] = SitesFormat.text,
) -> None:
    """List the sites of the registry with their latest risk, or (--coverage) how much of world mine
    production they cover."""
    store = _ctx(ctx).store()
    frame = sites.sites_frame(store)
    if coverage:
        meta = sites.registry_meta()
        table = sites.coverage(frame, sites.commodities_frame(), meta.coverage_targets_pct)
        text = tables.coverage(table) if fmt is SitesFormat.text else _frame_text(table, fmt)
        print(text if fmt is not SitesFormat.text else f"{text}\n\nregistry researched {meta.research_date}")
        return
    latest = reads.scores.latest(store).set_index("site_id")
    listing = pd.DataFrame(
        {
            "id": frame["id"],
            "name": frame["name"],
            "commodity": frame["commodity"],
            "country": frame["country"],
            "output_t": frame["annual_output_t"],
            "risk": frame["id"].map(latest["risk"]) if "risk" in latest else np.nan,
            "level": frame["id"].map(latest["level"]) if "level" in latest else None,
        }
    ).sort_values(["commodity", "id"])
    if fmt is not SitesFormat.text:
        print(_frame_text(listing, fmt))
        return
    rows = [
        (
            r.id,
            r.commodity,
            r.country,
            tables.num(r.output_t),
            tables.num(r.risk),
            str(r.level or "-"),
            r.name,
        )
        for r in listing.itertuples()
    ]
    header = ("id", "commodity", "country", "output t/yr", "risk", "level", "name")
    print(tables.plain(header, rows, (False, False, False, True, True, False, False)))


def _frame_text(frame: pd.DataFrame, fmt: SitesFormat) -> str:
    """A frame as CSV or as a JSON array of records (NaN as null)."""
    if fmt is SitesFormat.json:
        return frame.to_json(orient="records", indent=2, double_precision=10)
    return frame.to_csv(index=False, lineterminator="\n").rstrip("\n")


# ---- collect / import ----
@app.command()
def collect(
    ctx: typer.Context,
    feeds: Annotated[list[str] | None, typer.Argument(help="Feeds to run (default: all enabled).")] = None,
) -> None:
    """Collect new rows from the configured feeds, then match and rescore."""
    from feeds.registry import build_collectors
    from monitor.net.http import RetryingRequester, make_client

    c = _ctx(ctx)
    pipeline = c.pipeline()
    collectors = build_collectors(c.settings, pipeline.site_filter(), c.now, only=feeds or None)
    with make_client(c.settings.http) as client:
        report = pipeline.run_once(collectors, RetryingRequester(client, c.settings.http, time.sleep))
    for feed in report.feeds:
        out.print(tables.feed_line(feed), highlight=False)
    scored = len(report.scored_days)
    links = report.notice_matches
    out.print(f"{report.matched_events} events newly near a site, {links} notice links; scored {scored} days")
    history = pipeline.score_history(HISTORY_SITE_DAYS_PER_TICK)  # as a feed run of `minewatch run` does
    if history:
        out.print(f"scored {len(history)} days of history ({history[0]} to {history[-1]})")
    _say_owed(pipeline)
    if report.failed:
        raise MinewatchError(
            f"{len(report.failed)} feed(s) failed: " + ", ".join(f.feed for f in report.failed)
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    path: Annotated[
        Path, typer.Argument(help="The file (CSV, TSV/zip, JSON or RSS/Atom XML).", exists=False)
    ],
) -> None:
    """Import a file: ACLED CSV export, GDELT export, UCDP JSON, RSS/Atom notices, or a sites CSV."""
    c = _ctx(ctx)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    pipeline = c.pipeline()
    if kind is ImportKind.sites:
        parsed = _read_sites(path, c.now())
        for bad in parsed.errors:
            err.print(f"{path}: {bad.ref}: {bad.reason}", highlight=False)
        if parsed.unknown_columns:
            err.print(
                f"{path}: unknown columns ignored: {', '.join(parsed.unknown_columns)}", highlight=False
            )
        count = _load_sites(pipeline, parsed)
        out.print(f"{count} sites added or updated, {len(parsed.errors)} rows rejected")
        _say_owed(pipeline)
        if parsed.errors and not parsed.rows:
            raise InputError(f"{path}: no valid site rows")
        return
    report = _import_file(pipeline, kind.value, path)
    out.print(tables.feed_line(report), highlight=False)
    matched, links = pipeline.match()
    pipeline.rescore_since(report.earliest_known)
    out.print(f"{matched} events newly near a site, {links} notice links")
    _say_owed(pipeline)
    if report.status == "failed":
        raise MinewatchError(f"import {kind.value} {path} failed: {report.error}")


def _say_owed(pipeline: Pipeline) -> None:
    """One line on the score history a rescore left to later (``Pipeline.owed_days``), if any."""
    owed = pipeline.owed_days()
    if owed:
        out.print(
            f"{len(owed)} earlier days ({owed[0]} to {owed[-1]}) are left to score: {OWED_HISTORY_HINT}; "
            "until then a read computes them"
        )


def _read_sites(path: Path, now: datetime) -> sites.SitesParse:
    """A sites CSV, or a Parquet file of the same columns (by its extension)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: not a readable Parquet file: {exc}") from None
        return sites.parse_sites_table(table, origin="user", now=now)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 CSV (a Parquet file needs the .parquet extension)") from None
    return sites.parse_sites_csv(text, origin="user", now=now)


def _import_file(pipeline: Pipeline, kind: str, path: Path) -> FeedReport:
    """Parse a file with its feed's pure parser and store it in chunks under a progress bar. An ACLED
    export is parsed and stored a part at a time (``acled.parse_file_parts``): memory follows the part."""
    from feeds import acled, gdelt, notices, ucdp

    if kind == "acled":
        parts = acled.parse_file_parts(path)
        first = next(parts)  # a file that cannot be read fails here, before any run is recorded
        chunks = (chunk for part in itertools.chain([first], parts) for chunk in _chunks(part, 20_000))
        return pipeline.ingest("import:acled", "events", chunks, use_watermark=False)

    def parse() -> Batch:
        if kind == "gdelt":
            return gdelt.parse_file(path, keep=pipeline.site_filter())
        if kind == "ucdp":
            return ucdp.parse_file(path)
        return notices.parse_file(path)

    with pipeline.progress(f"parse {path.name}", None) as advance:
        batch = parse()
        total = batch.fetched or len(batch.records) + len(batch.rejected)
        advance(total)
    feed_kind: Kind = "notices" if kind == "notices" else "events"
    return pipeline.ingest(
        f"import:{kind}", feed_kind, _chunks(batch, 20_000), use_watermark=False, total=total
    )


def _chunks(batch: Batch, size: int) -> Iterator[Batch]:
    """Split a parsed file into batches so progress shows and memory stays flat."""
    records = batch.records
    for start in range(0, max(len(records), 1), size):
        part = records.iloc[start : start + size]
        first = start == 0
        rejected = batch.rejected if first else []
        yield Batch(part, rejected, batch.watermark, fetched=len(part) + len(rejected))


# ---- score / export ----
@app.command()
def score(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to score, YYYY-MM-DD (default: today UTC).")
    ] = None,
    top: Annotated[int, typer.Option(help="How many sites to print.")] = 20,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="First score and store the days an import left to later (`minewatch run` scores them a"
            " block per feed run).",
        ),
    ] = False,
) -> None:
    """Score every site for one day (point-in-time) and print the ranking."""
    c = _ctx(ctx)
    day = _date(as_of, "--as-of") if as_of else c.now().date()
    pipeline = c.pipeline()
    if history:
        owed = pipeline.score_history()
        out.print(
            f"scored {len(owed)} days of history ({owed[0]} to {owed[-1]})" if owed else "no history to score"
        )
    panel = risk_frame(pipeline, [day])
    out.print(tables.ranking(panel, day, top))


@app.command()
def explain(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="The site id (see `minewatch sites`).")],
    day: Annotated[
        str | None,
        typer.Option(help="YYYY-MM-DD: the newest scored day on or before it (default: today UTC)."),
    ] = None,
    as_known_at: Annotated[
        str | None,
        typer.Option(
            "--as-known-at",
            help="Vintage (date and time, UTC unless an offset is given): the score of --day as a run at"
            " that moment computed it, from the rows stored and public by then.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the answer of the API's explanation.json instead.")
    ] = False,
) -> None:
    """Why a site's risk is what it is: its stored score on a day (or a vintage's), the incidents behind it,
    the notice in force."""
    c = _ctx(ctx)
    store = c.store()
    wanted = parse_site_day(store, c.now(), site=site, day=day, as_known_at=as_known_at)
    answer = explained_score(store, c.settings, wanted, c.now)
    if answer is None:
        raise InputError(f"no day is scored on or before {wanted.day}: {NOTHING_SCORED}")
    if as_json:
        out.print_json(data=answer)
        return
    events = answer["explanation"].get("events", [])
    details = reads.events.details(store, [int(e["event_id"]) for e in events])
    for part in tables.explanation(answer, details):
        out.print(part)


@app.command()
def export(
    ctx: typer.Context,
    kind: Annotated[ExportKind, typer.Argument(help="Which panel.")],
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: --to minus 29 days).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today UTC).")
    ] = None,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", help="csv or parquet (default: by the file's extension, else csv)."),
    ] = None,
    site: Annotated[
        list[str] | None, typer.Option("--site", help="Only these sites (repeat, or comma-separate).")
    ] = None,
    commodity: Annotated[
        list[str] | None, typer.Option("--commodity", help="Only sites of these main commodities.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Only these countries (ISO alpha-2).")
    ] = None,
    as_known_at: Annotated[
        str | None,
        typer.Option(
            "--as-known-at",
            help="Vintage: the panel as exported at this moment, e.g. 2025-03-14T18:00:00Z (UTC).",
        ),
    ] = None,
    derived_only: Annotated[
        bool, typer.Option("--derived-only", help="Leave ACLED's raw text out (actors, places, notes).")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="CSV: do not neutralise cells that start like a formula.")
    ] = False,
) -> None:
    """Write the site registry (in the columns `import sites` reads), or a risk, supply, events, notices,
    alerts or feedback panel, as CSV (+ sidecar JSON for panels) or Parquet."""
    c = _ctx(ctx)
    chosen = fmt or (ExportFormat.parquet if out_path.suffix.lower() == ".parquet" else ExportFormat.csv)
    if kind is ExportKind.sites:
        count = sites.write_export(sites.sites_frame(c.store()), out_path, chosen.value)
        out.print(f"wrote {count} sites to {out_path}", highlight=False)
        return
    pipeline = c.pipeline()
    query = parse_query(
        kind.value, pipeline.store, c.now(), start=start, end=end, site=site or (), commodity=commodity or (),
        country=country or (), as_known_at=as_known_at, derived_only=derived_only, raw=raw,
    )  # fmt: skip
    result = write_file(pipeline, query, out_path, chosen.value)
    beside = f" (metadata: {result.sidecar})" if result.sidecar else ""
    out.print(
        f"wrote {result.rows} rows ({query.start} to {query.end}) to {out_path}{beside}", highlight=False
    )


# ---- alerts ----
@app.command()
def alerts(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send and store nothing.")
    ] = False,
    test: Annotated[
        bool,
        typer.Option("--test", help="Send one test message to each configured channel now; store nothing."),
    ] = False,
) -> None:
    """Evaluate the alert rules and deliver pending alerts (e-mail, Slack, webhook)."""
    from monitor.alerting.tick import alert_tick, report_lines
    from monitor.net.http import make_client

    c = _ctx(ctx)
    if test:
        _test_channels(c)
        return
    store = c.store()
    try:
        with make_client(c.settings.http) as client:
            report = alert_tick(store, c.settings, c.env, c.now, client, dry_run=dry_run)
    finally:
        store.engine.dispose()
    # A channel that is down is not a failure of the command: its deliveries stay pending.
    for line in report_lines(report):
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def _test_channels(c: Context) -> None:
    from monitor.alerting.probe import send_test_messages
    from monitor.net.http import make_client

    with make_client(c.settings.http) as client:
        results = send_test_messages(c.settings, c.env, c.now(), client, time.sleep)
    if not results:
        raise MinewatchError(
            "no alert channel is configured: set MINEWATCH_SMTP_URL and MINEWATCH_ALERT_EMAIL_TO (e-mail), "
            "MINEWATCH_SLACK_WEBHOOK_URL (Slack) or MINEWATCH_WEBHOOK_URL (webhook)"
        )
    for result in results:
        line = f"{result.channel}: sent" if result.ok else f"{result.channel}: failed: {result.error}"
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    failed = [r for r in results if not r.ok]
    if failed:
        raise MinewatchError(f"{len(failed)} of {len(results)} channels failed")


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check config, environment, database, schema, sites, feeds and alert channels; list every problem."""
    from monitor.doctor import diagnose
    from monitor.net.http import make_client

    c = _ctx(ctx)
    findings = diagnose(c.config, c.environ, c.now, make_client)
    for finding in findings:
        out.print(f"[{finding.status}] {finding.check}: {finding.detail}", markup=False, highlight=False)
    problems = [f for f in findings if f.status == "fail"]
    if problems:
        raise MinewatchError(f"{len(problems)} problems found (the lines marked [fail])")


# ---- demo / serve ----
@app.command()
def demo(
    ctx: typer.Context,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build the demo store and print; do not serve.")
    ] = False,
    db: Annotated[Path, typer.Option(help="SQLite file of the demo store (rebuilt each time).")] = Path(
        "minewatch-demo.db"
    ),
    as_of: Annotated[
        str, typer.Option("--as-of", help="Day of the printed ranking.")
    ] = demo_mod.PEAK_DAY.isoformat(),
    host: Annotated[str, typer.Option(help="Dashboard host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Dashboard port.")] = 8050,
) -> None:
    """Build a fresh SQLite store from the bundled eastern-DRC scenario, print its risk, and serve it."""
    c = _ctx(ctx)
    settings = demo_mod.offline(c.settings).model_copy(
        update={"database": c.settings.database.model_copy(update={"url": f"sqlite:///{db}"})}
    )
    result = demo_mod.build(settings, now=c.now)
    out.print(tables.timeline(result.timeline))
    day = _date(as_of, "--as-of")
    out.print(tables.ranking(result.panel[result.panel["date"] == day], day, 15))
    out.print(tables.demo_alerts(result.alerts))
    if no_serve:
        return
    _serve(settings, result.store, host, port, c.env, initial_as_of=day)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Host to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8050,
) -> None:
    """Serve the analyst dashboard over the configured store."""
    c = _ctx(ctx)
    _serve(c.settings, c.store(), host, port, c.env)


def _serve(
    settings: Settings,
    store: Store,
    host: str,
    port: int,
    env: dict[str, str],
    initial_as_of: date | None = None,
) -> None:
    try:
        from dashboards.app import create_app
        from dashboards.server import make_server
    except ImportError as exc:
        raise MinewatchError(f"the dashboard is not available: {exc}") from None
    try:  # binds now, so a port in use is reported before anything says "dashboard on"
        dashboard = create_app(store, settings, initial_as_of=initial_as_of, env=env)
        server = make_server(dashboard, host, port, env)
    except OSError as exc:
        raise MinewatchError(f"cannot serve the dashboard on {host}:{port}: {exc.strerror or exc}") from None
    out.print(f"dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    server.run()


@app.command()
def run(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Dashboard host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Dashboard port (0: any free port).")] = 8050,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only the scheduler; serve the dashboard elsewhere.")
    ] = False,
) -> None:
    """Run every enabled feed on its interval (then match, score and alerts) and serve the dashboard."""
    from feeds.registry import build_collectors
    from monitor import scheduler as sched
    from monitor.lease import leases_for
    from monitor.net.http import RetryingRequester, make_client

    c = _ctx(ctx)
    stop = sched.StopFlag()
    stop.install()  # first thing: a SIGTERM during start-up must stop cleanly too
    settings = c.settings
    # The scheduler logs its runs instead of progress; each job checkpoints the store after its alerts.
    pipeline = c.pipeline(c.store(deferred_checkpoints=True), progress=False)
    store = pipeline.store
    feeds = settings.feeds.enabled()
    serving = settings.scheduler.serve and not no_serve
    if not feeds and not serving:
        raise MinewatchError("no feed is enabled in the config: nothing to run")
    leases = leases_for(store, settings.scheduler.lease_seconds, c.now)
    with make_client(settings.http) as client:
        job = sched.FeedJob(
            pipeline,
            lambda feed: build_collectors(settings, pipeline.site_filter(), c.now, only=[feed]),
            RetryingRequester(client, settings.http, stop.sleep),
            leases,
            stop.event,
            alerts=sched.alerts_step(store, settings, c.env, c.now, client, stop.sleep),
        )
        scheduler = sched.build_scheduler(settings, job, on_crash=sched.crash_recorder(store, c.now))
        server = _dashboard_in_thread(settings, store, host, port, c.env) if serving else None
        status = None if serving else _status_in_thread(settings, store, c.now)
        try:
            listing = ", ".join(f"{name} every {every}" for name, every in feeds.items()) or "none"
            out.print(f"running feeds: {listing} (SIGTERM or Ctrl+C stops cleanly)", highlight=False)
            sched.run_until_stopped(scheduler, stop)
        finally:
            if server is not None:
                server.stop()
            if status is not None:
                status.stop()
    store.engine.dispose()
    out.print("stopped")


def _status_in_thread(settings: Settings, store: Store, now: Callable[[], datetime]) -> Any:
    """/health and /metrics for a scheduler-only node (none when ``scheduler.status_port`` is null)."""
    from monitor.observability.node import StatusServer

    host, port = settings.scheduler.status_host, settings.scheduler.status_port
    if port is None:
        return None
    try:
        server = StatusServer(store, settings, now, host, port).start()
    except OSError as exc:
        raise MinewatchError(
            f"cannot serve /health and /metrics on {host}:{port}: {exc.strerror or exc}"
        ) from None
    out.print(f"health and metrics on {server.url}/health and {server.url}/metrics", highlight=False)
    return server


def _dashboard_in_thread(settings: Settings, store: Store, host: str, port: int, env: dict[str, str]) -> Any:
    """Serve the dashboard from a background thread (for `run`); a port in use is the user's to fix."""
    try:
        from dashboards.app import create_app
        from dashboards.server import serve_in_thread
    except ImportError as exc:
        raise MinewatchError(f"the dashboard is not available: {exc}") from None
    try:
        server = serve_in_thread(create_app(store, settings, env=env), host, port, env=env)
    except OSError as exc:
        raise MinewatchError(f"cannot serve the dashboard on {host}:{port}: {exc.strerror or exc}") from None
    out.print(f"dashboard on {server.url}/", highlight=False)
    return server


# ---- backtest ----
@app.command()
def backtest(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    site: Annotated[str | None, typer.Option("--site", help="Only this site id.")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the episode table as CSV.")] = None,
    episodes: Annotated[
        Path | None,
        typer.Option(
            "--episodes", help="CSV of known halts used instead of the bundled one.", dir_okay=False
        ),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option("--horizon-days", min=1, help="N: horizon and lookback in days (default: config, 30)."),
    ] = None,
) -> None:
    """Replay the scores day by day and check them against known halts: lead time, false alarms, precision."""
    from monitor import backtest as backtest_mod

    c = _ctx(ctx)
    first, last = _date(start, "--from"), _date(end, "--to")
    horizon_days = horizon or c.settings.backtest.horizon_days
    path = episodes or c.settings.backtest.episodes_csv
    known = backtest_mod.load_episodes(path)
    label = str(path) if path else "bundled episodes.csv"
    for bad in known.errors:
        err.print(f"{label}: {bad.ref}: {bad.reason}", highlight=False)
    if known.unknown_columns:
        err.print(f"{label}: unknown columns ignored: {', '.join(known.unknown_columns)}", highlight=False)
    result = backtest_mod.run(c.pipeline(), first, last, known.frame, horizon_days=horizon_days, site=site)
    if result.unscored_sites:
        err.print(f"{label}: no such sites in the store: {', '.join(result.unscored_sites)}", highlight=False)
    for table in tables.backtest(result):
        out.print(table)
    out.print(result.summary.line(), highlight=False, soft_wrap=True)
    if out_path is not None:
        backtest_mod.write_csv(result.episodes, out_path)
        out.print(f"wrote {len(result.episodes)} episodes to {out_path}", highlight=False)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a date like 2025-03-14") from None


def _registry(c: Context) -> sites.SitesParse:
    """The bundled registry plus the user's extra site CSVs from config."""
    parsed = sites.load_bundled(c.now()) if c.settings.sites.bundled else sites.SitesParse([], [], [])
    for extra in c.settings.sites.extra_csv:
        more = sites.parse_sites_csv(extra.read_text(encoding="utf-8-sig"), origin="user", now=c.now())
        for bad in more.errors:
            err.print(f"{extra}: {bad.ref}: {bad.reason}", highlight=False)
        parsed = sites.SitesParse(
            [*parsed.rows, *more.rows], [*parsed.errors, *more.errors], parsed.unknown_columns
        )
    return parsed


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; every error becomes one or two lines on stderr, never a traceback.

    Exit codes: 2 for a usage mistake (unknown command or option, missing or bad value), 1 for a failure,
    130 when interrupted. ``MINEWATCH_DEBUG=1`` re-raises unexpected errors with their traceback.
    """
    try:
        app(args=argv, standalone_mode=False, prog_name="minewatch")
    except MinewatchError as exc:
        _fail(f"error: {exc}", 1)
    except (typer.Abort, KeyboardInterrupt):
        _fail("aborted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # typer's own copy of click's usage errors
        _usage_error(exc)
    except OSError as exc:
        _fail(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)
    except Exception as exc:
        if os.environ.get("MINEWATCH_DEBUG"):
            raise
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        _fail(f"internal error: {type(exc).__name__}: {first} (MINEWATCH_DEBUG=1 shows the traceback)", 1)


def _fail(message: str, code: int) -> None:
    err.print(redact.redact(message), highlight=False, soft_wrap=True, markup=False)
    sys.exit(code)


def _usage_error(exc: Exception) -> None:
    """One line for the mistake, one for where to look; exit 2 (usage) or the error's own code."""
    message = " ".join(getattr(exc, "format_message", lambda: str(exc))().split())
    code = getattr(exc, "exit_code", 2)
    if not message:  # `minewatch` alone: the help is already on stdout
        sys.exit(code)
    command = getattr(getattr(exc, "ctx", None), "command_path", "") or "minewatch"
    if code == 2:
        err.print(f"error: {message}", highlight=False, soft_wrap=True, markup=False)
        _fail(f"Try '{command} --help' for help.", 2)
    _fail(f"error: {message}", code or 1)
