"""Shared fixtures: the real shared data, settings pointing at a temporary warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callintel.flows.environment import configure
from callintel.settings import PROJECT_ROOT, Settings, load_settings

# As `callintel` does first thing: hub offline and the thread variables pinned to [speech].cpu_threads,
# before any test module imports CTranslate2 or torch (OpenMP reads them once; Whisper's text depends
# on the thread count, and the Dask workers get the same pinning).
configure(load_settings())
# Tests hash invented callers with a fixed key of their own (production refuses to run without one;
# tests/test_settings_privacy.py unsets it to check that).
os.environ.setdefault("CALLINTEL_CALLER_HASH_KEY", "callintel-tests-key-not-secret")
SHARED_DATA = Path(os.environ.get("CALLINTEL_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
SAMPLES = PROJECT_ROOT / "samples"
FAST_TIER = "not slow"  # `make test-fast`: pytest -m "not slow"


def pytest_configure(config: pytest.Config) -> None:
    """In the fast tier a Whisper model refuses to load, so a test that needs one and lacks the `slow`
    mark fails saying so, rather than quietly making the inner loop minutes long."""
    if FAST_TIER not in (config.getoption("markexpr") or ""):
        return
    from faster_whisper import WhisperModel

    def refuse(self, *args, **kwargs):
        raise RuntimeError(f"the fast tier (-m '{FAST_TIER}') loads no Whisper model: mark this test "
                           "@pytest.mark.slow (or its module: pytestmark = pytest.mark.slow)")

    WhisperModel.__init__ = refuse


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, read in place; tests that need it skip with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA} (set CALLINTEL_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the warehouse and exports in a temporary folder (models stay in var/)."""
    return load_settings(overrides={"paths": {"warehouse": str(tmp_path / "callintel.duckdb"),
                                              "exports": str(tmp_path / "exports")}})


@pytest.fixture(scope="session")
def night():
    """The flow module, with Prefect configured offline and one temporary Prefect server for the session."""
    import importlib

    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):
        yield importlib.import_module("callintel.flows.night")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """The sample calls' scripted turns landed as a night would land them, topics and outcomes run
    (flows/sample_warehouse.py, no Whisper); min_topic_calls 2 so every view has rows. Open it read-only
    or copy it: tests share it."""
    from callintel.flows.sample_warehouse import build
    from callintel.warehouse.db import connect

    tmp = tmp_path_factory.mktemp("samples")
    settings = load_settings(PROJECT_ROOT / "configs" / "demo.toml",
                             overrides={"paths": {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "exports")},
                                        "outcomes": {"min_topic_calls": 2}})
    con = connect(settings.path("warehouse"))
    build(con, settings)
    con.close()
    return settings.path("warehouse"), settings
