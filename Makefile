# One command to serve, one to test; each sets up what it needs first.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve test bench build vendor clean

# The test extra plus the TRL oracle extra (trl 1.16.0), every version pinned by the constraints files.
$(STAMP): pyproject.toml constraints.txt constraints-trl.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -c constraints-trl.txt -e '.[test,trl]'
	touch $@

setup: $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

serve: $(STAMP)
	$(VENV)/bin/mkdocs serve -a 127.0.0.1:8000

test: $(STAMP) /usr/bin/chromium
	$(PY) -m pytest

build: $(STAMP)
	$(VENV)/bin/mkdocs build --strict

bench: $(STAMP)
	$(PY) tools/bench.py

vendor:
	bash tools/vendor.sh

clean:
	rm -rf site .cache
