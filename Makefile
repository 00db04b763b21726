# pgdynamo developer entry points.
#
#   make build   build bin/pgdynamo
#   make test    go vet, gofmt check, fetch DynamoDB Local, go test ./... (what CI runs)
#   make clients install the real clients test/clients_*_test.go drive: pgjdbc, javac,
#                psycopg2, npm pg (scripts/install-test-clients.sh; CI runs it first)
#   make bench   all benchmarks, no tests
#   make fmt     gofmt -w the tree
#   make demo    seeded DynamoDB Local + pgdynamo on 127.0.0.1:5433 (scripts/demo.sh;
#                PGDYNAMO_DEMO_PORT overrides the port)

GO ?= go
TEST_TIMEOUT ?= 20m

# Go files gofmt owns: everything but VCS data, caches and testdata inputs.
GO_FILES = $(shell find . -name '*.go' -not -path './.git/*' -not -path './.cache/*' -not -path '*/testdata/*' -not -path './bin/*')

.PHONY: all build test vet fmt fmt-check dynamodb-local clients bench demo clean

all: build

build:
	$(GO) build -o bin/pgdynamo ./cmd/pgdynamo

test: vet fmt-check dynamodb-local
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

vet:
	$(GO) vet ./...

fmt-check:
	@unformatted="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files are not formatted (run make fmt):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi

fmt:
	gofmt -w $(GO_FILES)

# Download and verify DynamoDB Local into the cache once, before test packages race for it.
dynamodb-local:
	scripts/dynamodb-local.sh fetch

clients:
	bash scripts/install-test-clients.sh

bench: dynamodb-local
	$(GO) test -run '^$$' -bench . -benchmem ./...

demo:
	scripts/demo.sh

clean:
	rm -rf bin
