#!/usr/bin/env bash
# make bench: benchmarks on the real servers (durable PostgreSQL settings),
# printed with the machine they ran on: a few go-test micro-benchmarks, then
# the harness's one table (cmd/feerecon-bench) run BENCH_RUNS times, its
# medians in bench/results.json. Compare within one run only (the machine is
# shared).
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
# Micro-benchmarks the harness below does not cover: reference extraction,
# Decide at 10k × 10k, the gateway decoders (signature + parse + normalise).
run ./reconcile/ 'Decide10k$|References' "-count $COUNT"
run ./gateways/... 'Decode$|EncodeDecode' "-count $COUNT"
# The table of issue 13 §4 (cmd/feerecon-bench, package bench): baselines,
# ingest end to end, latency, the daily run, the engine, scale-out — every
# row measured in each run; BENCH_RUNS runs (default 3), their medians in
# bench/results.json. BENCH_N events (default 1,000,000).
RUNS=${BENCH_RUNS:-3}
N=${BENCH_N:-1000000}
BIN=${TMPDIR:-/tmp}/feerecon-bench-bin-$$ # not the services directory (feerecon-bench-$$)
go build -o "$BIN" ./cmd/feerecon-bench
trap 'rm -f "$BIN" || true; scripts/services.sh down || true' EXIT INT TERM
files=()
for i in $(seq 1 "$RUNS"); do
	echo; echo "==> feerecon-bench -n $N --out bench/results-$i.json   (run $i of $RUNS)"
	"$BIN" -n "$N" --out "bench/results-$i.json" ${BENCH_CPUPROFILE:+--cpuprofile "$BENCH_CPUPROFILE.$i"}
	files+=("bench/results-$i.json")
done
echo; echo "==> medians of $RUNS runs: bench/results.json"
"$BIN" median --out bench/results.json "${files[@]}"
