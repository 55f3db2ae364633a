#!/usr/bin/env bash
# make test: real PostgreSQL and Kafka up, Debian's chromium installed when missing (browser
# tests), lint (vet, golangci-lint), race tests with the integration and browser tests on,
# schemathesis against a live serve, brief fuzzing, the short chaos harness, the Kafka round trip again on a 4.x broker,
# and the servers down again whatever happens (trap).
set -euo pipefail
cd "$(dirname "$0")/.."

# Both directories are fixed here: the 4.x broker's exports set
# FEERECON_SERVICES_DIR again, and cleanup must still stop both.
MAIN_DIR=${FEERECON_SERVICES_DIR:-${TMPDIR:-/tmp}/feerecon-test-$$}
K4_DIR=${MAIN_DIR}-kafka4
export FEERECON_SERVICES_DIR=$MAIN_DIR
# What outlives the run (screenshots/ of the browser tests, schemathesis/), outside
# the services' directory that cleanup deletes.
export FEERECON_ARTIFACTS_DIR=${FEERECON_ARTIFACTS_DIR:-${TMPDIR:-/tmp}/feerecon-artifacts-$$}
cleanup() {
	rc=$?
	FEERECON_SERVICES_DIR=$K4_DIR scripts/services.sh down || true
	FEERECON_SERVICES_DIR=$MAIN_DIR scripts/services.sh down || true
	exit $rc
}
trap cleanup EXIT INT TERM

step() { printf '\n==> %s\n' "$*"; }

step "services: PostgreSQL and Kafka ${KAFKA_VERSION:-3.9.1} on 127.0.0.1"
if ! exports=$(scripts/services.sh up); then
	echo "FAILED: PostgreSQL or Kafka could not be started (see above); no test ran" >&2
	exit 1
fi
eval "$exports"
echo "FEERECON_TEST_PG=$FEERECON_TEST_PG"
echo "FEERECON_TEST_KAFKA=$FEERECON_TEST_KAFKA (Kafka $FEERECON_TEST_KAFKA_VERSION)"

step "chromium: Debian's chromium for the browser tests (testenv.Browser)"
if exports=$(scripts/chromium.sh); then
	eval "$exports"
	echo "FEERECON_TEST_CHROMIUM=$FEERECON_TEST_CHROMIUM"
elif [[ ${CI:-} == true ]]; then
	echo "FAILED: no working Chromium under CI=true (see above); no test ran" >&2
	exit 1
else
	echo "chromium: none; the browser tests skip outside CI" >&2
fi

step "lint: go vet, golangci-lint (.golangci.yaml), the labelled-set generator"
bash scripts/lint.sh

step "proof the real servers are used: migrations, conformance suite on PostgreSQL, Kafka round trip, the browser"
proof=${MAIN_DIR}/proof.log
if ! go test -count=1 -v -run 'TestConformance$|TestSchemaGuards|TestRoundTripCommittedOffset' ./store/postgres/ ./kafkabus/ >"$proof" 2>&1; then
	cat "$proof"
	exit 1
fi
grep -E -- '--- (PASS|FAIL)|^ok|schema version' "$proof" | sed 's/^ *//' | awk '!seen[$0]++'
if [[ -n ${FEERECON_TEST_CHROMIUM:-} ]]; then
	if ! go test -count=1 -v -run 'TestBrowser$' ./testenv/ >"$proof" 2>&1; then
		cat "$proof"
		exit 1
	fi
	grep -E -- '--- (PASS|FAIL)|browser: |screenshot: ' "$proof" | sed 's/^ *//'
fi

step "go test -race (integration tests on)"
# -p 1: the packages share one PostgreSQL and one broker on a 2-core machine.
go test -race -count=1 -p 1 -timeout 30m ./... 2>&1 | tee "${MAIN_DIR}/go-test.log"
if [[ -d $FEERECON_ARTIFACTS_DIR/screenshots ]]; then
	echo "screenshots: $FEERECON_ARTIFACTS_DIR/screenshots/ ($(find "$FEERECON_ARTIFACTS_DIR/screenshots" -name '*.png' | wc -l) PNG)"
fi

step "schemathesis: the API contract (api/openapi.yaml) against a live serve"
# Kept after the run (the services' directory is deleted on the way out).
ST_DIR=$FEERECON_ARTIFACTS_DIR/schemathesis
bash scripts/schemathesis.sh "$ST_DIR"
echo "schemathesis log: $ST_DIR/schemathesis.log"

step "fuzz every parser briefly"
bash scripts/fuzz.sh "${FUZZTIME:-5s}"

step "chaos (short): two serve processes, a SIGKILL, a PostgreSQL and a Kafka restart (scripts/chaos.sh; servers of its own)"
bash scripts/chaos.sh short

step "Kafka round trip on a 4.x broker"
if ! exports=$(FEERECON_SERVICES=kafka KAFKA_VERSION=${KAFKA4_VERSION:-4.x} FEERECON_SERVICES_DIR=$K4_DIR scripts/services.sh up); then
	echo "FAILED: the Kafka 4.x broker could not be started (see above)" >&2
	exit 1
fi
eval "$exports"
echo "FEERECON_TEST_KAFKA=$FEERECON_TEST_KAFKA (Kafka $FEERECON_TEST_KAFKA_VERSION)"
# Every package that talks to Kafka, whole, against the 4.x broker (PostgreSQL stays as it was).
go test -race -count=1 -p 1 ./kafkabus/... ./ingress/... ./ingest/... ./noticefeed/... ./outbox/... ./dailyrun/... ./cmd/... 2>&1

step "all tests passed"
