# The README's two commands: `make demo` and `make test`. Both set up from nothing first.
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/callintel demo

test: setup
	.venv/bin/ruff check .
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .

bench: setup
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
