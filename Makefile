# Cảnh giác: the two commands of README.md, and the steps they are made of.
#   make course  - install, build the book and the quizzes, and run the hosted course
#                  (JupyterHub, its proxy, the course service, a grader) at http://127.0.0.1:8000
#   make serve   - the static book alone, at the same address
#   make test    - install what the tests need (Chromium too) and run them
#   make test-fast - the unit tests only (pytest -m "not slow"), in under a minute
# Both work on a fresh machine with Python 3.11+; everything goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# A warning is an error: a broken reference or a missing fact fails the build.
JB_STRICT := -W -n --keep-going

.PHONY: install course book serve pdf quizzes test test-fast test-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled when the dependencies change; constraints.txt pins the versions tested.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

# Workbox (npm) writes the book's service worker when the book is built
# (canhgiac.sphinxext.pwa); Debian's npm if there is none.
WORKBOX := src/canhgiac/sphinxext/workbox
$(WORKBOX)/node_modules/.package-lock.json: $(WORKBOX)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix $(WORKBOX) --no-audit --no-fund --silent
	touch $@


# JupyterHub's proxy (the hosted course, canhgiac.hub) from the npm registry, into the venv:
# canhgiac.hub finds it at .venv/node/node_modules/.bin/configurable-http-proxy.
CHP_VERSION := 5.3.0
CHP := $(VENV)/node/node_modules/.bin/configurable-http-proxy

$(CHP): | $(BIN)/python
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --silent configurable-http-proxy@$(CHP_VERSION)

install: $(VENV)/.installed $(WORKBOX)/node_modules/.package-lock.json $(CHP)

book: install
	$(BIN)/jupyter-book build . $(JB_STRICT)

serve:
	$(BIN)/canhgiac serve --port $(PORT) _build/html

# The hosted course on this machine with embedded defaults: the course folder quizzes/
# (SQLite gradebook), the hub's state in quizzes/hub/; prints the first trainer's
# initial password the first time.  Ctrl+C stops it all, losing nothing.
course: book quizzes
	$(BIN)/canhgiac hub run --course quizzes --port $(PORT)

# The course on paper, printed by Chromium from the built pages:
# _build/pdf/khoa-hoc.pdf (the book) and _build/pdf/to-roi.pdf (the one-page handout).
pdf: book test-deps
	$(BIN)/canhgiac pdf _build/html --out _build/pdf

# The nbgrader quizzes: source notebooks from the bank, then nbgrader's release
# folder.  nbgrader calls `alembic` and `jupyter` by name: the venv goes on PATH.
quizzes: install
	$(BIN)/canhgiac assign --course quizzes
	cd quizzes && for a in source/*/; do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/nbgrader generate_assignment "$$(basename $$a)" --force || exit 1; done

# Debian's Chromium (Playwright drives it; no browser download), Debian's
# PostgreSQL server (tests/postgres.py starts a throwaway one for the gradebook
# tests), nginx, logrotate and systemd-analyze (deploy/server's files, checked
# by their own tools; nginx runs on 127.0.0.1 in the tests, never as a service)
# and axe-core from the npm registry for the accessibility checks.
test-deps: install
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql (the tests start their own throwaway server)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 \
	  && { command -v logrotate || [ -x /usr/sbin/logrotate ]; } >/dev/null 2>&1 \
	  && command -v systemd-analyze >/dev/null 2>&1 || { \
	  echo "Installing Debian's nginx, logrotate and systemd (deploy/server's tests check their files with them)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx logrotate systemd >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite, as CI runs it; the slowest tests listed at the end (the suite must stay under 20 min).
test: test-deps lint
	$(BIN)/pytest --durations=25

# The fast tier, for the edit-test loop: no Chromium, PostgreSQL, JupyterLab, kernel, nbgrader
# command or book build (the marks in pyproject.toml; tests/conftest.py adds them); under a minute.
test-fast: install
	$(BIN)/pytest -q -m "not slow"

bench: install test-deps
	$(BIN)/python benchmarks/book.py
	$(BIN)/python benchmarks/grading.py
	$(BIN)/python benchmarks/jail.py
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf _build
