"""CONTRIBUTING.md's examples are true of the code: the Step line is flows/steps.py's, the files it names exist."""

from __future__ import annotations

import re

from callintel.settings import PROJECT_ROOT

TEXT = (PROJECT_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_step_example_is_a_line_of_flows_steps():
    (example,) = re.findall(r"`(Step\(.*?\))`", TEXT)
    assert example in (PROJECT_ROOT / "flows" / "steps.py").read_text(encoding="utf-8")


def test_every_module_the_folder_table_names_exists():
    rows = [line for line in TEXT.splitlines() if re.match(r"\| `\w+/` \|", line)]
    named = {(folder, name) for line in rows for folder in re.findall(r"^\| `(\w+)/`", line)
             for name in re.findall(r"`(\w+)\.py`", line)}
    assert len(named) > 10
    assert [f"{folder}/{name}.py" for folder, name in sorted(named)
            if not (PROJECT_ROOT / folder / f"{name}.py").is_file()] == []
    qualified = {(folder, mod, fn) for line in rows for folder in re.findall(r"^\| `(\w+)/`", line)
                 for mod, fn in re.findall(r"`(\w+)\.(\w+)`", line)
                 if fn != "py" and (PROJECT_ROOT / folder / f"{mod}.py").is_file()}
    assert qualified and all(re.search(rf"^def {fn}\(", (PROJECT_ROOT / folder / f"{mod}.py").read_text("utf-8"), re.M)
                             for folder, mod, fn in qualified)
