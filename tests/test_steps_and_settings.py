"""One shape for the analytics steps, and settings with one source of defaults (no model needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from callintel.flows.steps import BY_NAME, STEPS, StepError, ordered
from callintel.nlp.cluster import ClusterOptions
from callintel.nlp.topics import TopicOptions
from callintel.settings import PROJECT_ROOT, ConfigError, load_settings, options
from callintel.speech.band import BandSettings
from callintel.speech.guards import GuardSettings
from callintel.speech.normalize import NormalizeSettings
from callintel.speech.terms import TermSettings
from callintel.speech.vad import VadSettings, WindowSettings
from callintel.warehouse.db import connect


def test_steps_run_after_what_they_require():
    names = [s.name for s in ordered(["outcomes", "call_topics", "topics", "questions"])]
    assert names == ["questions", "topics", "call_topics", "outcomes"]
    assert [s.name for s in ordered(load_settings()["night"]["steps"])] == [
        "questions", "topics", "call_topics", "outcomes", "profiles", "replies", "leads"]
    for step in STEPS:  # every step's prerequisites are steps too
        assert set(step.requires) <= set(BY_NAME), step.name


def test_a_missing_prerequisite_is_an_error_that_names_it():
    with pytest.raises(StepError, match="step 'outcomes' requires 'call_topics'"):
        ordered(["questions", "topics", "outcomes"])
    with pytest.raises(StepError, match=r"unknown analytics step.*topcis"):
        ordered(["questions", "topcis"])
    # a [night] steps list of an earlier release says where the taxonomy step went
    with pytest.raises(StepError, match="'taxonomy' is now part of 'topics'"):
        ordered(["questions", "taxonomy", "topics"])


def test_a_misspelt_setting_stops_the_run_naming_key_and_section(tmp_path):
    user = tmp_path / "prod.toml"
    user.write_text("[topics.cluster]\nsmall_treshold = 0.3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown setting 'small_treshold' in \[topics.cluster\].*small_threshold"):
        load_settings(user)
    user.write_text("[outcome]\nmin_topic_calls = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown setting 'outcome' in the top level.*outcomes"):
        load_settings(user)
    user.write_text('[prefect.env]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n', encoding="utf-8")
    assert load_settings(user)["prefect"]["env"]["PREFECT_API_URL"].endswith("/api")  # free-form tables stay free
    assert load_settings(PROJECT_ROOT / "configs/demo.toml")["outcomes"]["min_topic_calls"] == 3


def test_option_dataclasses_take_every_value_from_the_toml():
    """No second set of defaults in code: each option dataclass has no default, and the TOML fills every field."""
    settings = load_settings()
    speech, topics = settings["speech"], settings["topics"]
    built = [NormalizeSettings.from_settings(speech), BandSettings.from_settings(speech),
             GuardSettings.from_settings(speech), VadSettings.from_settings(speech),
             WindowSettings.from_settings(speech), TermSettings.from_settings(speech),
             ClusterOptions.from_settings(topics["cluster"]), TopicOptions.from_settings(topics)]
    for opts in built:
        assert all(f.default is f.default_factory for f in fields(opts)), type(opts).__name__  # both MISSING
    assert built[-1].cluster.small_threshold == topics["cluster"]["small_threshold"]
    with pytest.raises(ConfigError, match=r"\[speech.band\] has no 'order'"):
        options(BandSettings, {"lowpass_hz": 3400, "narrowband_db": -42}, "speech.band")


@pytest.mark.slow
def test_run_config_reaches_the_flow_environment(tmp_path):
    """`callintel run --config prod.toml` set PREFECT_HOME and threads from the defaults before (bug)."""
    user = tmp_path / "prod.toml"
    user.write_text(f'[paths]\nprefect_home = "{tmp_path / "prefect"}"\n[speech]\ncpu_threads = 2\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PREFECT_HOME", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    code = ("import os, sys; from pathlib import Path; from callintel.flows import cli; cli._flows(Path(sys.argv[1])); "
            "print(os.environ['PREFECT_HOME'], os.environ['OMP_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code, str(user)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == [str(tmp_path / "prefect"), "2"]


def test_topic_ids_join_without_casts(tmp_path: Path):
    con = connect(tmp_path / "x.duckdb")
    types = con.execute("""SELECT DISTINCT data_type FROM duckdb_columns()
                           WHERE column_name = 'topic_id' AND NOT internal""").fetchall()
    assert types == [("INTEGER",)]
    assert con.execute("""SELECT count(*) FROM call_topics c JOIN topics t USING (topic_id)
                          JOIN v_calls v USING (call_id, topic_id)""").fetchone() == (0,)


def test_a_call_topic_lives_in_call_topics_alone(tmp_path: Path):
    """One writer per table: no other table holds a copy of a call's topic, the views join call_topics."""
    con = connect(tmp_path / "x.duckdb")
    holders = {t for (t,) in con.execute("""SELECT DISTINCT c.table_name FROM duckdb_columns() c
                                             JOIN duckdb_tables() t USING (table_name)
                                             WHERE c.column_name = 'topic_id'""").fetchall()}
    assert holders == {"topics", "question_topics", "call_question_topics", "call_topics", "topic_daily"}


def test_a_misspelt_turn_source_is_refused_not_silently_unjoined():
    """[night] turn_sources names callintel's speech or a transcript reader: anything else would quietly store
    every recognised piece as its own turn."""
    assert load_settings(overrides={"night": {"turn_sources": ["asr", "whisper"]}})["night"]["turn_sources"]
    with pytest.raises(ConfigError, match=r"turn_sources.*must be a list of 'asr'"):
        load_settings(overrides={"night": {"turn_sources": ["whispr"]}})


def test_a_packed_window_reads_the_whole_pack_or_seconds_around_it():
    """[speech] pack_context_s: seconds (0 and up) or -1 for the whole pack; any other negative is refused."""
    for ok in (-1.0, 0.0, 1.5):
        assert load_settings(overrides={"speech": {"pack_context_s": ok}})["speech"]["pack_context_s"] == ok
    with pytest.raises(ConfigError, match=r"pack_context_s.*-1 \(the whole pack\)"):
        load_settings(overrides={"speech": {"pack_context_s": -0.5}})
