# Platina: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
PLATINA := target/debug/platina

.PHONY: run test build venv web web-deps test-rust test-web test-e2e contract openapi check-generated lint lint-web clean bench bench-peer bench-rounds

## run: build the web app and the server, then serve on http://127.0.0.1:8080 with the demo data (SQLite under data/)
run: build web
	@mkdir -p data
	$(PLATINA) --config config/demo.toml serve

## test: every test — Rust on SQLite (and PostgreSQL when PLATINA_TEST_POSTGRES_URL is set), web unit tests, browser end-to-end
test: test-rust test-web test-e2e

# --all-targets: the same feature set as `cargo test --workspace`, so switching between the two
# rebuilds nothing (STACK.md trap 8; plain `cargo build --workspace` rebuilt ~5 min of dependencies).
build:
	$(CARGO) build --workspace --all-targets

web-deps: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web: web-deps
	cd web && npm run build

## venv: the Python test tools pinned in requirements-test.txt (schemathesis, the SMTP server the mail tests talk to), in .venv/
venv: .venv/.installed

.venv/.installed: requirements-test.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

test-rust: venv
	$(CARGO) test --workspace

test-web: web-deps
	cd web && npm test

test-e2e: build web
	web/scripts/e2e.sh $(PLATINA)

## contract: schemathesis (pinned in requirements-test.txt, installed into .venv/) with every check against the
## real server, as admin and viewer, on SQLite and (with PLATINA_TEST_POSTGRES_URL) PostgreSQL
contract: build
	tests/contract/run.sh $(PLATINA)

## openapi: rewrite openapi/openapi.json from the code and regenerate the web client from it
# The same `cargo test --workspace` shape as `make test`, so no dependency is rebuilt.
openapi: web-deps
	UPDATE_OPENAPI=1 $(CARGO) test --workspace openapi
	cd web && npm run gen:api

## check-generated: fail when openapi/openapi.json or the web client is stale
check-generated: web-deps
	$(CARGO) test --workspace openapi
	cd web && npm run check:api

## bench: a synthetic city at national scale on SQLite and PostgreSQL, driven by oha (release build);
## results in bench/results/ and the table in docs/performance.md. BENCH_ARGS="--scale 0.1 --seconds 5" for a quick look.
bench:
	$(CARGO) build --release -p platina-server
	@command -v oha >/dev/null || $(CARGO) install oha --version 1.16.0 --locked
	python3 bench/run.py $(BENCH_ARGS)

## bench-rounds: a reporting round for every owner over the synthetic city (issue 17): preview, open and
## the notifications, an editor's inbox, close and the closed report beside the dashboard; results in
## bench/results/<time>-rounds.json. ROUNDS_ARGS="--scale 0.01 --seconds 5" for a quick look.
bench-rounds:
	$(CARGO) build --release -p platina-server
	@command -v oha >/dev/null || $(CARGO) install oha --version 1.16.0 --locked
	python3 bench/rounds.py $(ROUNDS_ARGS)

## bench-peer: Platina beside Directus 12.4 (installed from npm under bench/peer/) on the same 100,000
## reform rows, both servers in turn, two rounds; results in bench/results/ and docs/performance.md.
## PEER_ARGS="--rows 5000 --seconds 5 --rounds 1" for a quick look; "--reuse" keeps the loaded data.
bench-peer:
	$(CARGO) build --release -p platina-server
	@command -v oha >/dev/null || $(CARGO) install oha --version 1.16.0 --locked
	bench/peer/install.sh
	python3 bench/peer/run.py $(PEER_ARGS)

## lint: rustfmt, clippy, and the web's ESLint (TypeScript, React hooks, the layer boundaries of web/src)
lint: lint-web
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-web: web-deps
	cd web && npm run lint

clean:
	$(CARGO) clean
	rm -rf web/dist web/node_modules
