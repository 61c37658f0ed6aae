# The README's two commands: `make demo` and `make test`. Both set up from nothing first.
.PHONY: setup setup-browser demo test lint bench

setup:
	@bash scripts/setup.sh

# As setup, plus Chromium for the browser test of report.html (only the tests need it).
setup-browser:
	@bash scripts/setup.sh --browser

demo: setup
	.venv/bin/callintel demo

test: setup-browser
	.venv/bin/ruff check .
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .

bench: setup
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
