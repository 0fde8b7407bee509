# The README's commands. Everything installs itself on first use into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PORTICO_PORT ?= 8000
STATE ?= build/local.json
SAM_VENV ?= .venv-sam
SAM := $(SAM_VENV)/bin/sam
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv run site test lint unit e2e browser bench openapi fuzz build deploy destroy clean

help:
	@echo "make run     the whole portal on this machine (local cloud, demo data, one URL)"
	@echo "make test    lint (ruff, mypy, cfn-lint) and the whole test suite"
	@echo "make bench   benchmarks; prints figures"
	@echo "make openapi regenerate openapi.json, the API contract, from the handlers"
	@echo "make fuzz    fuzz the API from openapi.json, longer than in make test"
	@echo "make build   sam build (layer and functions)"
	@echo "make deploy  ENV=dev|prod: sam build, sam deploy, then the site (README: Deploy)"
	@echo "make destroy ENV=dev: delete the dev stack and the data it keeps"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

site: venv
	$(PY) -m infra.site

# glibc gives threads that allocate at once malloc arenas of their own (up to eight a
# core); the local gateway serves each request on a new thread, and RSS crept up where
# Python's heap did not. Two arenas keep `make run` within 50 MB an hour of demo traffic
# (bench/local_soak.py, which `make bench` runs the same way).
run bench: export MALLOC_ARENA_MAX := 2

run: venv site
	$(PY) -m infra.local --port $(PORTICO_PORT) --state $(STATE)

# checkov in a venv of its own: its pins are not the portal's.
CHECKOV_VENV ?= .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

$(CHECKOV):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check 'checkov>=3.2,<4'

# Every checkov finding is fixed, or skipped beside its resource with a one-line reason.
lint: venv $(CHECKOV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml
	BC_SKIP_MAPPING=TRUE $(CHECKOV) -f template.yaml --framework cloudformation --compact \
	  --quiet --skip-download

unit: venv
	$(VENV)/bin/pytest tests/unit -q

AXE := build/npm/node_modules/axe-core/axe.min.js

# What the browser tests need: Debian's Chromium and its driver, axe-core from npm.
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing chromium (Debian packages)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }
	@test -f $(AXE) || npm install --prefix build/npm --no-save --no-audit --no-fund \
	  --silent axe-core@4 >/dev/null

e2e: venv site browser
	$(VENV)/bin/pytest tests/e2e -q

# The SAM CLI too: a test runs `sam build` and imports what it built. Test files run on
# parallel workers, each with a local cloud of its own (tests/conftest.py); most of a test's
# time is waiting on that cloud, so three workers keep two cores busy. Files go out in
# collection order (xdist would send the biggest first): unit tests, which reset the moto
# a worker's cloud runs on, come after every file that uses it.
TEST_WORKERS ?= 3

# The tools install side by side (three virtualenvs and a browser share nothing), and the
# lint (20 s of one core) runs as soon as its two are in, while the SAM CLI and the browser
# install: not beside the tests, whose local clouds start at once and need both cores.
test:
	@$(MAKE) --no-print-directory -j4 --output-sync=target lint $(SAM) browser
	@$(MAKE) --no-print-directory site
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# As modules (python -m bench.x), so that one bench may import another's helpers.
bench: venv browser
	@for b in bench/*.py; do echo "== $$b"; m=$${b%.py}; $(PY) -m $${m//\//.} || exit 1; done

openapi: venv
	$(PY) -m infra.openapi

# Examples per operation and the seed; a failure names its seed, to run it again.
FUZZ_EXAMPLES ?= 100
FUZZ_SEED ?= $(shell date +%s)

fuzz: venv
	PORTICO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PORTICO_FUZZ_SEED=$(FUZZ_SEED) \
	  $(VENV)/bin/pytest tests/integration/test_fuzz.py -q --timeout=1800

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli

build: $(SAM)
	$(SAM) build

# make deploy ENV=dev|prod [MAIL_FROM=you@example.com ALARM_EMAIL=ops@example.com ...]
# [BRAND_FILE=brand.json]: the brand is checked before anything deploys (infra/brand.py).
ENV ?= prod
STACK = $(if $(filter dev,$(ENV)),portico-dev,portico)
LOG_LEVEL = $(if $(filter dev,$(ENV)),DEBUG,INFO)
OVERRIDES = Stage=$(ENV) LogLevel=$(LOG_LEVEL) \
  $(if $(MAIL_FROM),MailFrom=$(MAIL_FROM)) $(if $(ALARM_EMAIL),AlarmEmail=$(ALARM_EMAIL)) \
  $(if $(SITE_DOMAIN),SiteDomainName=$(SITE_DOMAIN)) \
  $(if $(SITE_CERTIFICATE),SiteCertificateArn=$(SITE_CERTIFICATE))

deploy: build venv
	$(PY) -m infra.brand >/dev/null
	$(SAM) deploy --config-env $(ENV) --parameter-overrides $(OVERRIDES)
	$(PY) -m infra.deploy --stack $(STACK)

# Deletes a dev stack and the data it keeps; refuses prod.
destroy: venv
	@test "$(ENV)" != prod || { echo "make destroy ENV=dev: prod is deleted by hand"; exit 1; }
	$(PY) -m infra.deploy --stack $(STACK) --destroy

clean:
	rm -rf build .aws-sam .pytest_cache .mypy_cache .ruff_cache
