#!/usr/bin/env bash
# make bench: benchmarks on the real servers (durable PostgreSQL settings),
# each package's figures printed with the machine they ran on. Medians come
# from -count runs; compare within one run only (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
export FEERECON_SERVICES_DIR=${FEERECON_SERVICES_DIR:-${TMPDIR:-/tmp}/feerecon-bench-$$}
export FEERECON_PG_FAST=0 # fsync on: figures claim durability
trap 'scripts/services.sh down || true' EXIT INT TERM
eval "$(scripts/services.sh up)"
COUNT=${BENCH_COUNT:-5}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "go: $(go version)"
echo "postgres: $FEERECON_TEST_PG (fsync on)  kafka: $FEERECON_TEST_KAFKA ($FEERECON_TEST_KAFKA_VERSION)"
run() { echo; echo "==> go test -run '^\$' -bench '$2' -benchmem -count $COUNT $1 ${3:-}"; go test -run '^$' -bench "$2" -benchmem -count "$COUNT" ${3:-} "$1"; }
run ./ingest/ 'Pipeline|KafkaRead|PGInsert|RecordPostgres|RecordMemory'
run ./reconcile/ 'Decide' '-timeout 60m'
run ./reconcile/daily/ 'DailyReconcile' '-timeout 60m'
run ./gateways/... 'EncodeDecode|Decode'
