"""pyproject.toml declares every folder the wheel carries, so building it warns of nothing left out.

setuptools warns ("Package ... would be ignored") about any folder with an importable name inside a package
that is not itself a listed package: sql/derived, configs/models and samples/calls are data folders, listed as
packages with their own package-data. A new one (e.g. warehouse/sql/views) fails here, naming what to add,
instead of being shipped with a warning (the wheel itself: tests/test_package.py).
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from callintel.settings import PROJECT_ROOT

SETUPTOOLS = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
PACKAGES: list[str] = SETUPTOOLS["packages"]
DATA: dict[str, list[str]] = SETUPTOOLS["package-data"]
SKIP = {"__pycache__"}


def folder(package: str) -> Path:
    """Where `package` lives: the longest [tool.setuptools.package-dir] prefix, then the rest of its name."""
    dirs: dict[str, str] = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in dirs:
            return PROJECT_ROOT / dirs[".".join(parts[:n])] / Path(*parts[n:])
    return PROJECT_ROOT / Path(*parts)


def shipped_files(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file() and not SKIP & set(p.parts) and p.suffix != ".pyc"]


def test_every_folder_inside_a_package_is_a_listed_package():
    missing = [f"{package}.{sub.name}" for package in PACKAGES for sub in folder(package).iterdir()
               if sub.is_dir() and sub.name.isidentifier() and sub.name not in SKIP and shipped_files(sub)
               and f"{package}.{sub.name}" not in PACKAGES]
    assert not missing, f"add to [tool.setuptools] packages (and their files to package-data): {missing}"


def test_every_data_file_is_matched_by_its_packages_patterns():
    unmatched = [str(p.relative_to(PROJECT_ROOT)) for package, patterns in DATA.items()
                 for p in folder(package).iterdir()
                 if p.is_file() and p.suffix != ".py" and not any(fnmatch(p.name, pat) for pat in patterns)]
    assert not unmatched, f"files of a data package no [tool.setuptools.package-data] pattern ships: {unmatched}"
    assert all(folder(package).is_dir() for package in PACKAGES)
