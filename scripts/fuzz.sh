#!/usr/bin/env bash
# fuzz.sh [TIME]: run every Fuzz target of the module for TIME (default 10s).
# A new crasher lands in the package's testdata/fuzz/<target>/ and fails the
# run. A failure that leaves no crasher (the fuzzing engine itself stopping
# early, which happens on a loaded machine) is retried once, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
n=0
corpus_count() {
	if [[ -d $1 ]]; then find "$1" -type f | wc -l; else echo 0; fi
}
while IFS= read -r dir; do
	pkg=./$dir
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
		corpus=$dir/testdata/fuzz/$target
		for attempt in 1 2; do
			echo "fuzz $pkg $target ($t)"
			before=$(corpus_count "$corpus")
			if out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -fuzzminimizetime 10s "$pkg" 2>&1); then
				break
			fi
			printf '%s\n' "$out"
			if [[ $(corpus_count "$corpus") -gt $before ]]; then
				echo "fuzz $pkg $target FAILED: the crasher is in $corpus/" >&2
				exit 1
			fi
			if [[ $attempt -eq 2 ]]; then
				echo "fuzz $pkg $target FAILED twice without a crasher" >&2
				exit 1
			fi
			echo "fuzz $pkg $target: the fuzzing engine stopped without a crasher; retrying once" >&2
		done
		n=$((n + 1))
	done
done < <(grep -l '^func Fuzz' --include='*_test.go' -r . | xargs -n1 dirname | sed 's|^\./||' | sort -u)
echo "fuzzed $n targets for $t each"
