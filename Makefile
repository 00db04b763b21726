# pgdynamo developer entry points.
#
#   make demo        seeded DynamoDB Local + pgdynamo on 127.0.0.1:5433 (scripts/demo.sh; installs
#                    what it needs first, like make test). PGDYNAMO_DEMO_PORT overrides the port,
#                    PGDYNAMO_LOG_LEVEL (debug, info, warn, error) the gateway's log level.
#   make demo-check  pgdynamo check --config examples/demo.yaml against the running demo's DynamoDB Local
#   make test        everything CI runs, on a fresh Debian/Ubuntu machine with Go (scripts/test.sh):
#                    install/fetch the test dependencies (scripts/deps.sh), go vet, gofmt check,
#                    go test ./... — each step timed
#   make deps        only the dependencies step (scripts/deps.sh)
#   make build       build bin/pgdynamo
#   make bench       all benchmarks, no tests
#   make bench-e2e   the federated path end to end against the raw AWS SDK (cmd/pgdynamo-bench);
#                    BENCH_FLAGS passes flags, e.g. BENCH_FLAGS=-rss-rows=1000000
#   make soak        SOAK_DURATION (default 5m) of mixed load on a pgdynamo process, printing
#                    queries, errors by SQLSTATE, p50/p99, RSS and goroutines over time; fails
#                    if RSS or goroutines trend upward (not part of make test)
#   make fmt         gofmt -w the tree
#   make clean       remove bin/

GO ?= go
TEST_TIMEOUT ?= 20m
SOAK_DURATION ?= 5m

# Go files gofmt owns: everything but VCS data, caches and testdata inputs.
GO_FILES = $(shell find . -name '*.go' -not -path './.git/*' -not -path './.cache/*' -not -path '*/testdata/*' -not -path './bin/*')

.PHONY: all build test deps vet fmt-check go-test fmt bench bench-e2e soak demo demo-check clean

all: build

build:
	$(GO) build -o bin/pgdynamo ./cmd/pgdynamo

# The steps run in order, timed, from one script; the targets below are its steps.
test:
	MAKE='$(MAKE)' scripts/test.sh

deps:
	scripts/deps.sh install test

vet:
	$(GO) vet ./...

fmt-check:
	@unformatted="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files are not formatted (run make fmt):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi

# -vet=off: make test has run the full go vet already; go test would rerun a subset.
go-test:
	$(GO) test -count=1 -vet=off -timeout $(TEST_TIMEOUT) ./...

fmt:
	gofmt -w $(GO_FILES)

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# DynamoDB Local and java are what the demo needs too.
bench-e2e:
	scripts/deps.sh install demo
	$(GO) run ./cmd/pgdynamo-bench $(BENCH_FLAGS)

# The soak test is behind the soak build tag, so make test never compiles it.
soak: deps
	PGDYNAMO_SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -count=1 -timeout 0 -run '^TestSoak$$' -v ./test

demo:
	scripts/demo.sh

demo-check:
	scripts/demo.sh check

clean:
	rm -rf bin
