# feerecon — the whole set-up is `make demo` and `make test`.
SHELL := /bin/bash
GO    ?= go
PKGS  ?= ./...

.PHONY: demo demo-serve test test-unit lint fuzz bench chaos build vet services-up services-down clean

## demo: the main job on the embedded default (in-memory store, in-process transport); needs only Go.
demo:
	$(GO) run ./cmd/feerecon demo

## demo-serve: the same, then the console over the demo day on http://127.0.0.1:8080/console/ (two demo accounts, their passwords printed) until Ctrl-C.
demo-serve:
	$(GO) run ./cmd/feerecon demo --serve

## test: start PostgreSQL and Kafka (3.9 and 4.x), lint (vet, golangci-lint), race-test everything with the integration tests on, fuzz briefly, stop the servers.
test:
	bash scripts/test.sh

## test-unit: the tests that need no server (integration tests skip outside CI).
test-unit:
	$(GO) vet $(PKGS)
	$(GO) test -race $(PKGS)

## lint: go vet and golangci-lint (.golangci.yaml; the pinned version is installed if missing), and the labelled-set generator checked.
lint:
	bash scripts/lint.sh

## fuzz: every fuzz target for FUZZTIME each (default 10s).
fuzz:
	bash scripts/fuzz.sh $${FUZZTIME:-10s}

## bench: benchmarks on the real servers, figures for BENCHMARKS.md.
bench:
	bash scripts/bench.sh

## chaos: the crash harness in full (issue 12 §1; RELIABILITY.md "## Chaos"): ≥100,000 events, 10 SIGKILLs, a PostgreSQL and a Kafka restart on servers of its own; the last line is the verdict.
chaos:
	bash scripts/chaos.sh full

build:
	$(GO) build -o bin/feerecon ./cmd/feerecon

vet:
	$(GO) vet $(PKGS)

services-up:
	@bash scripts/services.sh up

services-down:
	@bash scripts/services.sh down

clean:
	rm -rf bin
