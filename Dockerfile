# syntax=docker/dockerfile:1
#
# pgdynamo container image.
#
#   docker build -t pgdynamo .                      # runtime image (the last stage)
#   docker build --target build -t pgdynamo:build . # Go toolchain + built binaries (/out)
#
# The runtime image runs
#   pgdynamo serve --config /etc/pgdynamo/pgdynamo.yaml --listen 0.0.0.0:5433
# Mount a configuration at /etc/pgdynamo/pgdynamo.yaml. Because 0.0.0.0 is not a loopback
# address, it must declare runtime.pg.users with passwords (see examples/compose.yaml).

ARG GO_VERSION=1.26

# --- build: the Go toolchain, the source and the binaries in /out ---------------------
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# DuckDB (the acceleration engine) is linked through cgo.
ENV CGO_ENABLED=1
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -o /out/pgdynamo ./cmd/pgdynamo && \
    go build -trimpath -o /out/pgdynamo-seed ./internal/demo/seed

# --- runtime: the gateway alone -----------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update && \
    apt-get install -y --no-install-recommends ca-certificates libstdc++6 && \
    rm -rf /var/lib/apt/lists/* && \
    useradd --system --uid 10001 --user-group --home-dir /var/lib/pgdynamo --create-home pgdynamo
COPY --from=build /out/pgdynamo /usr/local/bin/pgdynamo
USER pgdynamo
WORKDIR /var/lib/pgdynamo
# 5433: PostgreSQL protocol; 9464: metrics, /healthz and /readyz when runtime.metrics.listen is set.
EXPOSE 5433 9464
ENTRYPOINT ["pgdynamo"]
CMD ["serve", "--config", "/etc/pgdynamo/pgdynamo.yaml", "--listen", "0.0.0.0:5433"]
