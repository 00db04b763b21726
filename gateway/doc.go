// Package gateway assembles a running pgdynamo from a resolved
// configuration: one DynamoDB client per distinct connection setting, the
// catalog (DescribeTable + schema inference for every dataset, or a
// file-mode copy's stored description), the engine with the accelerated
// copies, the dataset registry and what keeps each copy up to date (a
// Refresher for refresh_mode full, a Streamer following the table's stream
// for changes, after checking the stream and on_conflict against
// DescribeTable),
// the wire server and the metrics listener (/metrics, /healthz, /readyz),
// with one Shutdown that drains them in order. Check builds the same minus
// the listeners, for pgdynamo check.
//
// Its own Prometheus metrics (metrics.go) exist from the start of Start,
// whether or not a metrics listener serves them: each dataset's DynamoDB
// client is wrapped per dataset (Metrics.WrapAPI) before the catalog loads,
// so DescribeTable is counted too, and the wire server reports connections
// and statements through wire.Observer. The same wrapper logs DynamoDB
// throttling (throttlelog.go): a warn line when a call ended throttled or
// needed throttled retries, at most one per dataset every 10 s, and each
// retried call at debug. The wire server logs connections, failed
// statements and those slower than runtime.log_min_duration_statement.
//
// cmd/pgdynamo and the end-to-end tests both start pgdynamo through this
// package, so what the tests exercise is what users run.
//
// It may import every other pgdynamo package; none may import it.
package gateway
