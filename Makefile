# The developer loop. `make check` runs what CI runs before the tests; `make test` is the README's
# test command. Every target uses the project's own virtual environment (.venv).
PY := .venv/bin/python

.PHONY: venv check test-fast test bench fix

venv:  ## a virtual environment with the bot and the development tools
	python3 -m venv .venv
	.venv/bin/pip install -q -e ".[dev]"

check:  ## lint, format, types, import contracts
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

fix:  ## apply ruff's fixes and formatting
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

test-fast:  ## every test but the real-process ones (tests/process), on both cores
	$(PY) -m pytest -n 4 -m "not process" --ignore=tests/process

test:  ## the whole suite, as CI runs it
	$(PY) -m pytest -n 4

bench:  ## the benchmarks (commands that print numbers; see docs/performance.md)
	$(PY) -m benchmarks.bench_matching --sizes 10000 100000 --questions 2000
	$(PY) -m benchmarks.bench_interactions
	$(PY) -m benchmarks.bench_reminders
	$(PY) -m benchmarks.bench_process
