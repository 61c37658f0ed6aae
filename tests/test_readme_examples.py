"""Every query example in README.md and docs/ runs as written, on a warehouse like the demo's.

Python and SQL blocks run whole; from bash blocks, the `callintel query` / `callintel export` lines run
(the others start nights or set up the machine). They run in a folder holding var/demo.duckdb (the sample
calls landed without Whisper) and a link to this project's .venv, so `.venv/bin/callintel ...` and
`duckdb.connect("var/demo.duckdb")` resolve as they would after `make demo`.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from callintel.settings import CONFIG_DIR, PROJECT_ROOT

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
RUNNABLE = re.compile(r"^\.venv/bin/callintel (query|export) ")


def _blocks(kind: str) -> list[tuple[str, str]]:
    return [(f"{p.name}#{i}", body) for p in DOCS for i, (k, body) in enumerate(FENCE.findall(p.read_text("utf-8")))
            if k == kind]


def _commands() -> list[tuple[str, str]]:
    return [(name, line.strip()) for name, body in _blocks("bash") for line in body.splitlines()
            if RUNNABLE.match(line.strip())]


@pytest.fixture(scope="module")
def demo_dir(sample_warehouse, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    (folder / "var").mkdir()
    shutil.copy(sample_warehouse[0], folder / "var" / "demo.duckdb")
    (folder / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return folder


def test_the_docs_have_query_examples():
    assert len(_commands()) >= 4 and _blocks("python") and _blocks("sql")


@pytest.mark.parametrize("name,command", _commands())
def test_command_examples_run(demo_dir, name, command):
    argv = shlex.split(command.split(" > ")[0].split("#")[0])
    proc = subprocess.run(argv, cwd=demo_dir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{name}: {command}\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip(), f"{name}: printed nothing"


@pytest.mark.parametrize("name,code", _blocks("python"))
def test_python_examples_run(demo_dir, name, code):
    proc = subprocess.run([sys.executable, "-c", code], cwd=demo_dir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{name}:\n{code}\n{proc.stderr[-2000:]}"
    assert "09:12:37" in proc.stdout or "calls" in proc.stdout


@pytest.mark.parametrize("name,sql", _blocks("sql"))
def test_sql_examples_run(demo_dir, name, sql):
    con = duckdb.connect(str(demo_dir / "var" / "demo.duckdb"), read_only=True)
    try:
        for statement in [s for s in sql.split(";") if s.strip()]:
            assert con.execute(statement).fetchall(), f"{name}: no rows from {statement.strip()}"
    finally:
        con.close()


def test_the_readme_lists_every_config_file():
    """The Configuration table names each file shipped in configs/ (what it is for, where a user looks)."""
    listed = set(re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)? \|", (PROJECT_ROOT / "README.md").read_text("utf-8"),
                            re.MULTILINE))
    names = {n for pair in listed for n in pair if n}
    shipped = {p.relative_to(CONFIG_DIR).as_posix() for p in CONFIG_DIR.rglob("*")
               if p.is_file() and p.suffix in (".toml", ".txt", ".json")}
    assert shipped - names == set()
