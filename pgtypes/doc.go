// Package pgtypes owns pgdynamo's one Arrow → PostgreSQL wire encoding path:
// which Postgres type (OID, typlen, typmod) an Arrow column is sent as, and
// the bytes of each value in the text (format 0) and binary (format 1)
// formats, exactly as PostgreSQL 15 sends them: its *out and *send
// functions under DateStyle ISO, IntervalStyle postgres, bytea_output hex
// and extra_float_digits 1.
//
// # Shape and lifecycle
//
// ForArrow and NewRowEncoder plan each column once from its Arrow type
// (pgx's PlanEncode idea); the plan is a small tree of codecs for nested
// types. A RowEncoder is made once per result (schema, result formats,
// session options) and reused for all its batches: Bind binds each codec to
// a batch's array the first time it sees that array (once per batch, not
// per row), then AppendDataRow appends one row's complete DataRow message
// (type byte, length, column count, each value's length and bytes) to the
// caller's buffer, without allocating; a column whose array has no NULLs
// skips the per-row NULL check. EncodeRow, the same message split into
// values, serves tests. Values are written into a writer that keeps its
// first error, checked once per value. A RowEncoder is not safe for
// concurrent use.
//
// Types are never chosen by parsing type-name strings; the only names
// compared are the canonical Arrow extension names arrow.uuid and
// arrow.json, which are those types' identity.
//
// # Mapping (Arrow → Postgres)
//
//	Boolean → bool; Int8, Int16 → int2; Int32, Uint8, Uint16 → int4;
//	Int64, Uint32 → int8; Uint64 → numeric; Float16, Float32 → float4;
//	Float64 → float8; Utf8, LargeUtf8, Utf8View → text; Binary,
//	LargeBinary, BinaryView, FixedSizeBinary → bytea; Date32, Date64 → date;
//	Time32, Time64 → time; Timestamp without zone → timestamp, with any
//	zone → timestamptz; Decimal32/64/128/256 → numeric (typmod from
//	precision and scale); Interval (MonthDayNano, DayTime, Month) and
//	Duration → interval; arrow.uuid → uuid; arrow.json → json; List,
//	LargeList, FixedSizeList, ListView, LargeListView of a scalar type →
//	that type's one-dimensional array (typmod of the element); Struct, Map
//	and lists of anything composite → json, compact, as to_json renders it;
//	Null → text, always NULL; Dictionary → its value type. Anything else
//	(unions, run-end encoded, other extension types) is refused by ForArrow.
//
// Details that follow PostgreSQL rather than Arrow or Go:
//
//   - Floats use a Go rendering of PostgreSQL's Ryū (ryu.go), which never
//     prints a decimal lying exactly on a rounding boundary; Go's strconv
//     does, and then prints one digit fewer than PostgreSQL. Every NaN is
//     sent as the one NaN PostgreSQL produces.
//   - A timestamp's Arrow time zone only marks it as an instant; it is shown
//     in Options.Location (the session TimeZone), with the zone's offset for
//     that instant, down to the seconds of local mean time before 1900.
//   - Nanosecond timestamps, times, durations and intervals are rounded to
//     the nearest microsecond, half away from zero, as PostgreSQL rounds a
//     literal with more digits.
//   - The extreme int32/int64 values DuckDB writes for ±infinity dates and
//     timestamps are sent as PostgreSQL's infinity and -infinity.
//   - Values PostgreSQL cannot hold (dates past 5874897 AD or before
//     4714 BC, timestamps before 4714 BC, times outside 00:00–24:00,
//     second or millisecond durations and timestamps overflowing
//     microseconds) fail with an error wrapping ErrOutOfRange instead of
//     being sent wrong.
//
// # COPY
//
// CopyEncoder (copy.go) writes COPY ... TO STDOUT's data with the same
// codecs: a binary COPY tuple is a DataRow's body, sent as CopyData with
// the signature in front of the first row (psycopg needs them in one
// message); text and CSV take each value's text form and escape or quote it
// as PostgreSQL's copyto.c does (CopyAttributeOutText, CopyAttributeOutCSV).
// CopyOptions is the resolved option set, filled by the planner.
//
// testdata/golden.json holds what a real PostgreSQL 15 sent for ~180 cases;
// `go test ./pgtypes -run TestGolden -update -pg URL` regenerates it and
// runs a randomized byte-for-byte comparison with the same server.
//
// # Boundaries
//
// pgtypes is a leaf, like pgx's pgtype: it imports only the standard library
// and arrow-go (TestLeafPackage checks), and must never import wire, engine,
// catalog or anything else of pgdynamo's. wire calls it to describe columns
// (Types, Formats) and to write DataRows (Bind, AppendDataRow) and COPY data
// (CopyEncoder); the planner resolves CopyOptions; catalogs call
// TypeByOID, ArrayTypeOf and All for pg_type rows; the engine's functions
// print floats and JSON strings with AppendFloatText and AppendJSONString.
//
// # Known debts
//
//   - Session settings other than TimeZone are not honoured:
//     extra_float_digits ≤ 0 (PostgreSQL then prints %.15g / %.6g),
//     DateStyle other than ISO, IntervalStyle other than postgres and
//     bytea_output escape all produce the default forms. The wire layer
//     advertises DateStyle ISO and should refuse changing these.
//   - Only one-dimensional arrays: a list of lists is sent as json rather
//     than as a multi-dimensional Postgres array.
//   - Text is sent as Arrow holds it: invalid UTF-8 or NUL bytes, which a
//     PostgreSQL text value can never contain, are not checked for.
//   - Timestamp(ms) columns are described with typmod -1, not as
//     timestamp(3); values are the same either way.
//   - A RowEncoder keeps a reference to the last batch's arrays (to notice a
//     new batch) until it sees the next one or is dropped; the references
//     are not counted, so the caller keeps the batch alive while it appends.
//   - jsonb, timetz, char(n)/varchar(n) typmods and range types are never
//     produced.
package pgtypes
