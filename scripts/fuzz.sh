#!/usr/bin/env bash
# fuzz.sh [TIME]: run every Fuzz target of the module for TIME (default 10s).
# New crashers land in the package's testdata/fuzz/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
n=0
while IFS= read -r dir; do
	pkg=./$dir
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
		echo "fuzz $pkg $target ($t)"
		if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -fuzzminimizetime 10s "$pkg" 2>&1); then
			printf '%s\n' "$out"
			echo "fuzz $pkg $target FAILED: the crasher is in $dir/testdata/fuzz/$target/" >&2
			exit 1
		fi
		n=$((n + 1))
	done
done < <(grep -l '^func Fuzz' --include='*_test.go' -r . | xargs -n1 dirname | sed 's|^\./||' | sort -u)
echo "fuzzed $n targets for $t each"
