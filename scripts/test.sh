#!/usr/bin/env bash
# test.sh — what `make test` runs, each step timed:
#
#   1. dependencies   scripts/deps.sh: system packages (apt-get, when root), npm pg and
#                     DynamoDB Local into the cache outside the repository
#   2. go vet         make vet
#   3. gofmt          make fmt-check
#   4. go test        make go-test: go test -count=1 ./... (unit, end-to-end and differential tests)
#
# Usage: scripts/test.sh   (MAKE names the make to run the steps with; default make)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

make_cmd=${MAKE:-make}

t0=$(date +%s)
step() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	printf '\n=== [%4ds total] %s\n' "$((start - t0))" "$name"
	"$@" && rc=0 || rc=$?
	printf '=== %s %s in %ds\n' "$name" "$([[ $rc -eq 0 ]] && echo passed || echo FAILED)" "$(($(date +%s) - start))"
	if [[ $rc -ne 0 ]]; then
		printf '\n=== make test FAILED at step "%s" after %ds\n' "$name" "$(($(date +%s) - t0))"
		exit "$rc"
	fi
}

step "dependencies" scripts/deps.sh install test
step "go vet" "$make_cmd" --no-print-directory vet
step "gofmt" "$make_cmd" --no-print-directory fmt-check
step "go test" "$make_cmd" --no-print-directory go-test
printf '\n=== make test passed in %ds\n' "$(($(date +%s) - t0))"
