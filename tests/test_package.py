"""callintel installs like any other package: the wheel carries its configs, SQL and sample calls.

The wheel is built from a copy of the checkout and installed NON-editable (`pip install --no-deps`) in a
fresh virtual environment whose only view of the checkout's environment is its dependencies (a .pth line
naming their site-packages: no editable finder, no checkout on the path). From an empty folder it runs
`callintel demo --text`, `callintel query`, and a night whose calls a `dask worker` of that environment
transcribes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import duckdb
import pytest
from daskcluster import dask_cluster

from callintel.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow  # builds and installs a wheel, runs nights in subprocesses (minutes)

# What a build needs; never the checkout's environments, warehouses or build leftovers.
IGNORE = shutil.ignore_patterns(".venv*", "var", ".git", "build", "dist", "*.egg-info", "__pycache__",
                                ".pytest_cache", ".ruff_cache")


def _environ(**extra: str) -> dict[str, str]:
    """This process's environment without what callintel or the tests set in it (Prefect's home and server,
    thread pinning, hub offline): the installed package must set those itself."""
    own = ("PREFECT_", "CALLINTEL_", "OMP_", "MKL_", "OPENBLAS_", "HF_", "TRANSFORMERS_", "DASK_")
    return {k: v for k, v in os.environ.items() if not k.startswith(own)} | extra


def _run(args: list, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    env = env or _environ()
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with the callintel wheel installed; returns its bin/ folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(PROJECT_ROOT, tmp / "src", ignore=IGNORE)
    # setuptools of this environment when it is recent enough (no download), else pip's isolated build
    isolation = ["--no-build-isolation"] if _setuptools_major() >= 68 else []
    built = _run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", *isolation, "-w", tmp / "dist",
                  tmp / "src"], cwd=tmp)
    # pyproject.toml lists every folder it ships (tests/test_package_layout.py): setuptools leaves nothing out
    assert "BuildBackendWarning" not in built.stdout + built.stderr, built.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("callintel-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
         cwd=tmp)
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp).stdout.strip())
    # the dependencies only: a plain path line adds that folder, without running its .pth files
    (purelib / "callintel-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def _setuptools_major() -> int:
    try:
        return int(metadata.version("setuptools").split(".")[0])
    except metadata.PackageNotFoundError:
        return 0


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_installed_package_reads_its_own_files(installed: Path, empty: Path):
    where = _run([installed / "python", "-c", "import callintel.settings as s, callintel.warehouse.db as d; "
                  "print(s.CONFIG_DIR, s.SAMPLES_DIR, d.SQL_DIR, s.CHECKOUT, s.base_dir(), sep='\\n')"],
                 cwd=empty).stdout.split("\n")
    site = installed.parent / "lib"
    assert all(Path(p).is_relative_to(site) for p in where[:3]), where
    assert (Path(where[0]) / "callintel.toml").is_file() and (Path(where[0]) / "models").is_dir()
    assert (Path(where[1]) / "dialogues.json").is_file()
    assert list(Path(where[2]).glob("derived/*.sql")), "derived SQL missing from the wheel"
    assert where[3] == "None" and Path(where[4]) == empty  # relative [paths] are the current folder's


def test_demo_text_from_an_empty_folder_then_query_finds_its_warehouse(installed: Path, empty: Path):
    _run([installed / "callintel", "demo", "--text", "--nights", "2", "--calls", "40"], cwd=empty)
    db = empty / "var" / "demo-text.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 80
    finally:
        con.close()
    assert list((empty / "var" / "demo-text-exports").glob("*/report.html"))
    # no --db: [paths].warehouse (var/callintel.duckdb) does not exist, so the demo's is opened, and said so
    done = _run([installed / "callintel", "query", "--csv", "SELECT count(*) AS n FROM calls"], cwd=empty)
    assert done.stdout.splitlines() == ["n", "80"]
    assert str(db) in done.stderr.replace("\n", "")


@pytest.fixture
def worker(installed: Path, empty: Path, night) -> Iterator[tuple[str, dict[str, str]]]:
    """`dask scheduler` and one `dask worker` of the installed environment, started as
    docs/operations-dask.md says (the variables `python -m callintel.flows.environment` prints, and the address
    of a running Prefect server, here the tests', which the workers and the night both report to)."""
    from prefect.settings import PREFECT_API_URL

    python = installed / "python"
    printed = _run([python, "-m", "callintel.flows.environment"], cwd=empty).stdout
    env = _environ(CALLINTEL_CALLER_HASH_KEY="wheel-test-key-not-a-secret") | dict(
        shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in printed.splitlines()) | {
        "PREFECT_API_URL": PREFECT_API_URL.value()}
    with dask_cluster(python, empty, env, worker_args=["--nworkers", "1"]) as running:
        yield running.address, env


def test_a_dask_worker_of_the_installed_package_transcribes_the_night(installed: Path, empty: Path, worker):
    from distributed import Client

    import callintel.speech.asr as asr

    address, env = worker
    audio = PROJECT_ROOT / "samples" / "calls" / "C20261121-006.ogg"
    (empty / "m.csv").write_text("call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"
                                 f"W1,{audio},13800000001,A1,2026-11-21T09:00:00+08:00,stereo_agent_left\n")
    (empty / "site.toml").write_text(f'[night]\ndask_address = "{address}"\naudio_root = "{audio.parent}"\n')
    _run([installed / "callintel", "run", "m.csv", "--runner", "dask", "--config", "site.toml",
          "--db", "out/night.duckdb"], cwd=empty, env=env)
    con = duckdb.connect(str(empty / "out" / "night.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM utterances WHERE call_id = 'W1'").fetchone()[0] > 0
    finally:
        con.close()
    assert list((empty / "out" / "night-exports").glob("*/v_calls.csv")), "exports not beside --db"
    assert not (empty / "var" / "exports").exists()
    with Client(address, timeout=60) as client:
        (models,) = client.run(asr.loaded_models).values()
        (where,) = client.run(lambda: __import__("callintel").__file__).values()
    assert models, "the worker did not transcribe the call"
    assert Path(where).is_relative_to(installed.parent)
