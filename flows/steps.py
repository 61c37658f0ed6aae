"""The night's analytics steps: what each requires, and the order that follows from it.

Every step has one shape (as a Dagster asset or a dbt model): `load` reads its inputs from the
warehouse (warehouse/<area>.py), `compute` turns them into results with nlp/ alone (pure: tested
without DuckDB or Prefect), `store` writes its tables and returns a summary (warehouse/<area>.py).
A step that builds night on night (topics: taxonomy match then clustering; each night's ids depend on the
nights before) runs
load/compute/store once per night, oldest first; `prepare` picks and undoes the nights to redo, and
`finish` recomputes the derived SQL tables (warehouse/sql/derived/) once at the end.
Each table has one writer, and no step copies another's result: a call's topic lives in call_topics and
everything else joins it (warehouse/sql/views/), so when tonight's re-clustering changes an earlier
night's call topics, nothing else needs redoing.

A new step is a Step(...) line in STEPS plus its name in [night] steps of configs/callintel.toml.
Nothing here imports Prefect: flows/night.py wraps `run_step` in a task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from callintel.nlp import call_topics as call_topics_nlp
from callintel.nlp import intent as intent_nlp
from callintel.nlp import outcomes as outcomes_nlp
from callintel.nlp import profiles as profiles_nlp
from callintel.nlp import questions as questions_nlp
from callintel.nlp import replies as replies_nlp
from callintel.nlp import topic_step as topics_nlp
from callintel.settings import Settings
from callintel.warehouse import leads as leads_wh
from callintel.warehouse import outcomes as outcomes_wh
from callintel.warehouse import profiles as profiles_wh
from callintel.warehouse import replies as replies_wh
from callintel.warehouse import topics as topics_wh

log = logging.getLogger(__name__)
Con = duckdb.DuckDBPyConnection


class StepError(ValueError):
    """The configured steps cannot run: an unknown name, or a prerequisite left out."""


@dataclass(frozen=True)
class Step:
    name: str
    requires: tuple[str, ...]
    load: Callable[[Con, list[date], Settings], Any]
    compute: Callable[[Any, Settings], Any]
    store: Callable[[Con, Any, Settings], dict[str, Any]]
    per_night: bool = False
    prepare: Callable[[Con, list[date], Settings], list[date]] | None = None
    finish: Callable[[Con, list[date], Settings], dict[str, Any]] | None = None


STEPS: tuple[Step, ...] = (
    Step("questions", (), topics_wh.load_turns, questions_nlp.compute, topics_wh.store_questions, per_night=True),
    Step("topics", ("questions",), topics_wh.load_night, topics_nlp.compute, topics_wh.store_night, per_night=True,
         prepare=topics_wh.prepare),
    Step("call_topics", ("topics",), topics_wh.load_call_topics, call_topics_nlp.compute, topics_wh.store_call_topics,
         per_night=True, prepare=topics_wh.call_topic_nights, finish=topics_wh.finish),
    Step("outcomes", ("call_topics",), outcomes_wh.load, outcomes_nlp.compute, outcomes_wh.store,
         finish=outcomes_wh.finish),
    Step("profiles", (), profiles_wh.load, profiles_nlp.compute, profiles_wh.store),
    Step("replies", ("outcomes",), replies_wh.load, replies_nlp.compute, replies_wh.store),
    Step("leads", ("profiles", "outcomes", "call_topics"), leads_wh.load, intent_nlp.compute, leads_wh.store,
         prepare=leads_wh.nights_to_score),
)
BY_NAME = {s.name: s for s in STEPS}
MERGED = {"taxonomy": "topics"}  # steps of earlier releases -> the step that does their work now


def ordered(names: Sequence[str]) -> list[Step]:
    """The named steps, each after what it requires; an unknown name or a missing prerequisite is an error."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        merged = "".join(f" ('{n}' is now part of '{MERGED[n]}': remove it)" for n in unknown if n in MERGED)
        raise StepError(f"unknown analytics step(s) {', '.join(unknown)} in [night] steps{merged}; "
                        f"known: {', '.join(BY_NAME)}")
    for name in names:
        missing = [r for r in BY_NAME[name].requires if r not in names]
        if missing:
            raise StepError(f"step '{name}' requires {', '.join(repr(m) for m in missing)}, which [night] steps "
                            f"leaves out; add it before '{name}'")
    done: list[Step] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in path:
            raise StepError(f"analytics steps require each other in a circle: {' -> '.join((*path, name))}")
        for req in BY_NAME[name].requires:
            visit(req, (*path, name))
        seen.add(name)
        done.append(BY_NAME[name])

    for name in names:
        visit(name, ())
    return done


def check_night_settings(settings: Settings, names: Sequence[str] | None = None) -> None:
    """What a night's steps read of the settings beyond types and ranges, checked before the night starts: the steps
    exist and come with what they require ([night] steps), and the taxonomy the topics step matches against loads
    ([topics] taxonomy_file or taxonomy). Why: found by the step itself, the error came after every call of the
    night had been imported or transcribed, as a failed night; it is a configuration error (ConfigError: exit 2,
    nothing started)."""
    from callintel.settings import ConfigError

    names = list(names if names is not None else settings["night"]["steps"])
    try:
        ordered(names)
    except StepError as exc:
        raise ConfigError(str(exc)) from None
    if "topics" in names:
        from callintel.nlp.taxonomy import load_taxonomy

        cfg = settings["topics"]
        try:
            load_taxonomy(settings)
        except Exception as exc:   # a missing file, bad TOML, a topic without a slug: the message says which
            key = "taxonomy_file" if cfg["taxonomy_file"] else "taxonomy"
            raise ConfigError(f"[topics] {key} = {cfg[key]!r}: {exc}") from None


def run_step(step: Step, con: Con, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    """load -> compute -> store (per night for per-night steps), then finish; returns the summary."""
    t0 = time.perf_counter()
    nights = sorted(set(nights))
    if step.prepare is not None:
        nights = step.prepare(con, nights, settings)
    summary: dict[str, Any] = {}
    if step.per_night:
        per_night = {}
        for night in nights:
            per_night[str(night)] = step.store(con, step.compute(step.load(con, [night], settings), settings),
                                               settings)
        totals: dict[str, Any] = {}
        for figures in per_night.values():
            for key, value in figures.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    totals[key] = totals.get(key, 0) + value
        summary = {**totals, "nights": per_night}
    elif nights:
        summary = step.store(con, step.compute(step.load(con, nights, settings), settings), settings)
    if step.finish is not None and nights:
        summary |= step.finish(con, nights, settings)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    log.info("step %s: %s", step.name, {k: v for k, v in summary.items() if k != "nights"})
    return summary


def each_step(names: Sequence[str], nights: Sequence[date],
              run: Callable[[Step, list[date]], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`run(step, nights)` for every named step in dependency order; the summaries.

    The night flow passes a Prefect task as `run`, `run_steps` the plain `run_step`.
    """
    ran = sorted(set(nights))
    return {s.name: run(s, ran) for s in ordered(list(names))}


def run_steps(con: Con, nights: Sequence[date], settings: Settings,
              names: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Every configured step ([night] steps, or `names`) in dependency order: the analytics of a night."""
    return each_step(names if names is not None else settings["night"]["steps"], nights,
                     lambda step, ran: run_step(step, con, ran, settings))
