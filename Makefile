# The README's two commands: `make demo` and `make test`. Both set up from nothing first.
# `make test-fast` is the inner loop: the tests not marked slow (no Whisper model, no browser, no wheel install,
# no whole night, no Dask workers transcribing). pytest prints how many ran and how long they took.
.PHONY: setup setup-browser demo test test-fast lint bench

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

test-fast: setup
	.venv/bin/ruff check .
	.venv/bin/pytest -m "not slow"

lint: setup
	.venv/bin/ruff check .

bench: setup
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
