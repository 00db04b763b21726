// Package catalog owns what pgdynamo knows about its datasets: the DynamoDB
// table behind each SQL name, its key schema and secondary indexes (from
// DescribeTable), its size estimates, and its inferred column schema (via
// attrarrow). It is the one source of truth from which the engine registers
// tables and, later, pg_catalog/information_schema rows are generated.
//
// Lifecycle: Load describes every table once at start-up and fails loudly if
// any dataset cannot be described or inferred; the result is read-only and
// safe for concurrent use. An accelerated copy stores its dataset's
// description (MarshalDescription) so that a restart can rebuild the
// dataset from it (RestoreDescription) without calling DynamoDB.
//
// Key columns are found by their schema entry (Dataset.KeyColumn), never by
// name: a key attribute may be served under another column name ("Id"
// beside an attribute "id" becomes "Id_2").
//
// Besides pg_catalog and information_schema, the shim has pgdynamo's own
// schema, pgdynamo, with the per-session view pgdynamo.datasets: every
// dataset's state, which the engine passes in through Session.Datasets.
//
// It must not import wire, planner or engine.
package catalog
