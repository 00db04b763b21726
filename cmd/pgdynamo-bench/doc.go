//go:build linux

// Command pgdynamo-bench measures the federated path end to end and prints
// each figure next to the same measure taken directly with aws-sdk-go-v2 in
// the same run (make bench-e2e):
//
//	go run ./cmd/pgdynamo-bench [-items 100000] [-rss-rows 1000000] [-endpoint URL] [-profile-dir DIR]
//
// It starts a DynamoDB Local (internal/dynamotest; or uses -endpoint), seeds
// a table of -items items of ten attributes (ids, names, numbers, a
// timestamp, a string set, a longer text), and measures:
//
//   - a full drain, SELECT * through pgx, against the raw parallel Scan of
//     the same table with the same segments into memory: wall time and CPU
//     time, best of -rounds each, alternating;
//   - key lookups (SELECT * … WHERE id = $1, prepared) against the SDK's
//     Query of the same key: p50 and p99, interleaved, and the gateway's CPU
//     per lookup;
//   - lookups per second with 1, 16 and 64 clients against the SDK with as
//     many goroutines;
//   - SELECT 1, p50, extended (prepared) and simple protocol;
//   - the gateway's peak RSS after the drains, and with -rss-rows that of a
//     fresh gateway draining that many rows (the table read several times
//     in one UNION ALL query: DynamoDB Local takes 15 to 60 s per Scan page
//     of a million-item table) against a fresh gateway draining the table
//     once.
//
// The gateway runs in a child process (this binary re-run as
// "serve-gateway"), so its CPU time and peak RSS are its own: not DynamoDB
// Local's (another process), nor the pgx client's or the raw scanner's
// (this one). The child reports its getrusage on request over its stdin and
// stdout, and with -profile-dir writes a CPU profile of each phase
// (go tool pprof DIR/drain.pprof).
//
// Linux only (getrusage, the child's parent-death signal). It is a
// development tool: it imports internal/dynamotest and is not part of the
// product binary.
package main
