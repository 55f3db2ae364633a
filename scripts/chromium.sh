#!/usr/bin/env bash
# chromium.sh — Debian's chromium for the browser tests (testenv.Browser), installed with
# apt-get when missing (with fonts-dejavu-core: Vietnamese glyphs whatever else is installed;
# no recommends). Idempotent: a second run only checks the binary and prints its version.
#
#   eval "$(scripts/chromium.sh)"   # prints `export FEERECON_TEST_CHROMIUM=/usr/bin/chromium`
#
# Knobs (environment):
#   FEERECON_TEST_CHROMIUM  an existing Chromium binary to use instead (nothing is installed)
#
# Progress goes to stderr; only the export line goes to stdout. Exits non-zero when no working
# Chromium can be had (scripts/test.sh then fails the run under CI=true).
set -euo pipefail

log() { printf 'chromium: %s\n' "$*" >&2; }
die() { printf 'chromium: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

t0=$(now_ms)
bin=${FEERECON_TEST_CHROMIUM:-}
if [[ -n $bin ]]; then
	[[ -x $bin ]] || die "FEERECON_TEST_CHROMIUM=$bin is not executable"
else
	bin=$(command -v chromium || true)
	if [[ -z $bin ]]; then
		[[ $(id -u) -eq 0 ]] || die "no chromium on PATH and not root: install Debian's chromium (apt-get install chromium)"
		log "no chromium on PATH; installing Debian's chromium (apt-get, log in ${TMPDIR:-/tmp}/feerecon-chromium-apt.log)"
		aptlog=${TMPDIR:-/tmp}/feerecon-chromium-apt.log
		if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$aptlog" 2>&1; then
			tail -n 20 "$aptlog" >&2 || true
			die "apt-get install chromium failed (log $aptlog)"
		fi
		bin=$(command -v chromium || true)
		[[ -n $bin ]] || die "still no chromium on PATH after installing it"
		log "installed in $(( $(now_ms) - t0 )) ms"
	fi
fi

# The binary must start: a broken install fails here, not in the middle of go test.
version=$(timeout 30 "$bin" --headless --no-sandbox --version 2>/dev/null | head -n 1 || true)
[[ -n $version ]] || die "$bin --version printed nothing: the browser does not start"
log "$version at $bin ($(( $(now_ms) - t0 )) ms)"
echo "export FEERECON_TEST_CHROMIUM=$bin"
