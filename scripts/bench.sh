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
run() { echo; echo "==> go test -run '^\$' -bench '$2' -benchmem $3 $1"; go test -run '^$' -bench "$2" -benchmem $3 "$1" 2>&1 | grep -v 'level='; }
# Consumer throughput next to its baselines (raw kafka-go read, raw INSERT), same run, same servers.
run ./ingest/ 'KafkaRead|PGInsert|Pipeline|RecordPostgres|RecordMemory' "-benchtime 2000x -count $COUNT"
# Matching on the in-memory engine: 10k and 1M notices x payments.
run ./reconcile/ 'Decide10k$|References' "-count $COUNT"
run ./reconcile/ 'Decide1M$' "-benchtime 1x -count 3 -timeout 60m"
# Daily three-way reconciliation: 100k and 1M notices / events / statement lines, time and peak heap.
run ./reconcile/daily/ 'DailyReconcile' "-benchtime 1x -count 3 -timeout 60m"
# Gateway decoders (signature + parse + normalise).
run ./gateways/... 'Decode$|EncodeDecode' "-count $COUNT"
