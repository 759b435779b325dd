# Listener: `make demo` and `make test` are all a new user needs (README.md).
PYTHON      ?= 3.11
UV_VERSION  := 0.13.9
TOOLS       := .tools
UV          := $(TOOLS)/bin/uv
VENV        := .venv
BIN         := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: install browser demo airflow compose-env docs quality-docs test lint format eval bench clean-data

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The virtual environment, exactly as pinned in uv.lock, with the deploy group (Celery, FAB,
# PostgreSQL drivers): the tests run the compose stack's configuration without Docker.
# Bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on CI), every
# process would otherwise compile Great Expectations, dbt and Airflow from source on import
# (6.2 s instead of 2.8 s for `import great_expectations`, in every gate task).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --group deploy --compile-bytecode --python $(PYTHON)
	touch $@

# Debian's chromium renders the dashboard's PNG and PDF and runs the browser tests (Playwright
# drives it; nothing is downloaded from a browser hub). Installed with apt when missing and
# possible; otherwise say how, since reports then go out without their PNG and PDF.
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-noto-color-emoji
browser:
	@if command -v chromium >/dev/null || [ -n "$$LISTENER_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) >/dev/null \
		|| { apt-get update >/dev/null && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; }; \
	else echo "make: install chromium for the dashboard's PNG/PDF and browser tests:" \
		"sudo apt-get install $(BROWSER_PACKAGES) (or set LISTENER_CHROMIUM)"; fi

install: $(VENV)/.installed browser

# Generate the sample month, run the real DAGs in-process for every day, publish, summarize.
demo: install
	$(BIN)/listener generate
	$(BIN)/listener run
	$(BIN)/listener summary

# A local Airflow with its UI on http://127.0.0.1:8080 (api-server, scheduler, dag-processor,
# triggerer in one command); it prints the generated admin password. docs/orchestration.md.
airflow: install
	$(BIN)/listener airflow

# The compose stack's .env with every secret generated (Airflow admin password, database
# passwords, keys); refuses to overwrite an existing one. Standard library only: no install.
compose-env:
	python3 -m transforms.compose_env

# The dbt docs site (models, columns, tests, lineage, catalog) of the demo warehouse, as one page.
docs: install
	$(BIN)/listener docs

# The Great Expectations Data Docs site: every validation of every gate.
quality-docs: install
	$(BIN)/listener quality-docs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Two workers, one test module each at a time (module fixtures build a pipeline once): the
# slow modules wait on dbt, Airflow and subprocesses, so this halves the wall time on 2 cores.
# Modules are handed out in collection order, where tests/conftest.py puts the slow ones first
# (xdist's default order, most tests first, started the longest module last).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

# Accuracy on the real, human-labelled sets in ../shared/data, next to VADER, TextBlob and TF-IDF.
eval: install
	$(BIN)/python -m transforms.real_eval --json data/eval.json

# The whole pipeline timed on a generated day of one million posts, against the peer baseline
# and an incremental day (docs/performance.md); the baseline alone takes about 16 minutes.
bench: install
	$(BIN)/listener bench --posts 1000000 --json data/bench.json

clean-data:
	rm -rf data
