// Package attrarrow owns pgdynamo's one path from DynamoDB items
// (map[string]types.AttributeValue) to Apache Arrow record batches: schema
// inference from sample items and the conversion of items into batches. The
// federated scan and the acceleration store both use exactly this package, so
// a table has the same columns and the same values whichever way it is read.
// The type rules are SPEC §3 and §4.
//
// # Lifecycle
//
// Infer runs once per dataset (at start-up or on a schema refresh) over up to
// schema_infer_max_records items plus the key attributes from DescribeTable,
// and returns an immutable *Schema. Select narrows it for a projection (the
// same names give the same shared schema: reads select theirs on every run);
// TopLevelAttributes tells the scan what to put in a ProjectionExpression.
// NewConverter creates the Arrow builders once; the scan then calls Append per
// item and NewRecordBatch per batch, and Release when done. A page of a Scan
// or Query response in DynamoDB's JSON wire form can skip the SDK's
// AttributeValues: JSONPage.Parse indexes its items and AppendJSON appends
// one through the same appenders, as Append appends what the SDK decodes
// from the same bytes (lists and maps become AttributeValues first); forms
// DynamoDB does not write are refused and left to the SDK. The property and
// fuzz tests hold the two to the same batches and mismatches. A Converter is
// owned by one goroutine. Mismatches (values that did not fit their column and
// became NULL, or lost precision) and Schema.Conflicts (sampled kinds that
// disagreed, kept as text) are what the caller turns into NoticeResponses.
//
// # Decisions where the spec is silent
//
//   - Utf8 columns take every kind: S as is, N verbatim, BOOL as true/false, B
//     as base64, sets, lists and maps as JSON text; nothing is NULLed there.
//   - JSON text: keys sorted by byte order, N verbatim (normalised only when it
//     is not valid JSON, e.g. "+1"), B as base64 strings, invalid UTF-8 as
//     U+FFFD. A map seen only empty is Utf8 ("{}"), never an empty Struct.
//   - An attribute seen as L and as one kind of set (SS, NS or BS) is one list:
//     DynamoDB sets cannot be empty, so applications store [] instead. Two
//     kinds of set (SS and NS) are a conflict. SS elements are never inferred
//     as dates or timestamps; S elements of an L are.
//   - Flattening (unnest_depth > 0) never enters lists. A map whose flattened
//     name would collide with another column stays one JSON text column.
//   - Strings in timestamp columns are truncated to milliseconds without a
//     mismatch. Zone abbreviations (layout MST) are resolved in UTC only, so
//     "PST" parses with offset 0 (a Go time limitation), never machine-local.
//   - An attribute inside a struct that was not sampled is ignored, like a
//     top-level attribute first met after inference.
//
// # Imports
//
// The standard library, arrow-go and the DynamoDB types package only. It must
// not import any other pgdynamo package: it is a leaf that scan, the
// acceleration store and tests build on. It uses unsafe for one thing: handing
// bytes to the Arrow builder as strings (and strings as bytes) without a copy,
// the builder copying them (a string of a JSONPage body lives as long as the
// appender's call).
//
// # Known debts
//
//   - Utf8 and List offsets are 32-bit: a single batch must stay under 2 GiB of
//     string data (callers cut batches far earlier).
//   - Inputs must be trees, as the SDK produces; a map that contains itself is
//     bounded in depth only, not in breadth.
//   - No Arrow field metadata marks the Utf8 columns that hold JSON text (maps
//     at unnest_depth >= 0, conflicts), so a consumer cannot serve them as json
//     from the type alone.
//   - The zero Options means unnest_depth 0; the product default is
//     DefaultOptions (-1). The config layer must map "unset" to -1.
package attrarrow
