#!/usr/bin/env bash
# chaos.sh short|full — the crash harness of issue 12 §1 (package chaos, TestChaos): two
# `feerecon serve` processes on a PostgreSQL and a Kafka of its own (scripts/services.sh),
# a seeded stream, SIGKILLs, one PostgreSQL and one Kafka restart, then the invariants.
# The full log goes to $FEERECON_CHAOS_LOG (default ${TMPDIR:-/tmp}/feerecon-chaos-<mode>-$$.log);
# the harness's steps are printed, and the last line is the verdict:
#   chaos: kills=N pg_restarts=N kafka_restarts=N events=N stored=N lost=N duplicated=N dlq=N confirmations=N duplicate_confirmations=N report_identical=true|false
# Knobs: FEERECON_CHAOS_EVENTS, _KILLS, _RATE (events/s), _SEED, _SERVICES_DIR (running servers).
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-short}
log=${FEERECON_CHAOS_LOG:-${TMPDIR:-/tmp}/feerecon-chaos-$mode-$$.log}
timeout=30m
[[ $mode == full ]] && timeout=120m
FEERECON_CHAOS=$mode go test -count=1 -v -run '^TestChaos$' -timeout "$timeout" ./chaos/ >"$log" 2>&1
rc=$?
# The harness's own lines (not the servers' logs, which stay in its work directory).
grep -v '^chaos: kills=' "$log" | grep -E '^\s+(chaos_test|run)\.go:|^--- |^(ok|FAIL|PASS)' | sed 's/^ *//' | cut -c1-2000
echo "log: $log"
if ! grep '^chaos: kills=' "$log" | tail -n 1; then
	echo "chaos: the harness stopped before its verdict (exit $rc; see $log)" >&2
	[[ $rc -eq 0 ]] && rc=1
fi
exit $rc
