#!/usr/bin/env bash
# lint.sh: go vet and golangci-lint (the version pinned here, installed with
# `go install` when missing) over the module and the labelled-set generator
# under testdata/ (which ./... never sees), and a check that the generator
# still writes the committed set byte for byte. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

GOLANGCI_VERSION=${GOLANGCI_VERSION:-v2.15.0}
GEN=./testdata/matching/gen/

bin=$(go env GOPATH)/bin/golangci-lint
if ! [[ -x $bin ]] || ! "$bin" version 2>/dev/null | grep -q "version ${GOLANGCI_VERSION#v} "; then
	echo "lint: installing golangci-lint $GOLANGCI_VERSION (go install)" >&2
	go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_VERSION"
fi

echo "lint: go vet ./... $GEN"
go vet ./... "$GEN"
echo "lint: golangci-lint $GOLANGCI_VERSION (.golangci.yaml) ./... $GEN"
# --allow-serial-runners: on a shared machine another golangci-lint may hold
# its lock; wait for it instead of failing.
"$bin" run --allow-serial-runners ./... "$GEN"

echo "lint: $GEN reproduces testdata/matching"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go run "$GEN" -out "$out"
for f in notices.csv payments.jsonl labels.csv collection_accounts.csv reversals.jsonl reversal_labels.csv; do
	if ! cmp -s "$out/$f" "testdata/matching/$f"; then
		echo "lint: testdata/matching/$f differs from what $GEN writes (regenerate and review the diff)" >&2
		exit 1
	fi
done
echo "lint: clean"
