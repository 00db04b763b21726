// Package demo builds pgdynamo's sample data set — the users and orders tables — and
// seeds a DynamoDB endpoint with it. cmd-like entry point: internal/demo/seed.
//
// The data is deterministic (a fixed PRNG seed and a fixed base time), so tests may use
// Users and Orders as fixtures and assert exact counts:
//
//   - users (partition key id N): 100 items with email, name, created_at (RFC 3339),
//     active BOOL, score N (never integral, so it infers as float8), tags SS, metadata M
//     {registration_ip, user_agent, signup M {source, campaign}}, addresses L of M
//     {street, city, zip} (some in San Francisco), preferences M {theme, newsletter BOOL}.
//   - orders (partition key user_id N, sort key order_id S, GSI status-index on status +
//     ordered_at): 300 items with amount N (never integral), status
//     pending/shipped/delivered, ordered_at (RFC 3339), shipped_at only on shipped and
//     delivered orders (a sparse attribute), items L of M {sku, name, quantity N,
//     unit_price N}.
//
// Seed drops and recreates the tables, so running it twice gives the same data.
//
// Must not import any pgdynamo product package: the demo data is input, not code under test.
package demo
