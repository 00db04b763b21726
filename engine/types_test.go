package engine

// Tests of the Arrow → DuckDB side of the scan table function (duckType,
// writerFor) and of arrowType, through a private DuckDB: record
// batches made by attrarrow are served by a table function that fills
// chunks with the engine's writers, read back with the engine's result path
// (arrowType, chunkReader), and must encode for the wire exactly as the
// original batches do.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// batchFunction is the test table function: arrow_batch('name') serves the
// record batch registered under name, projected as DuckDB asks, through
// writerFor — as scanSource.FillChunk does with a scan's batches. A batch
// registered with spans (serveSpans) is written span rows at a time, so a
// chunk is filled from several writes at rows past 0, alternately with an
// offset into the batch and from a slice of it (arrays whose data starts
// at an offset), as scanSource does with a read's small batches.
const batchFunction = "arrow_batch"

var batches sync.Map // name → served

type served struct {
	rec  arrow.RecordBatch
	span int // rows per write; 0: a whole chunk
}

type batchSource struct {
	served
	cols    []duckdb.ColumnInfo
	writers []columnWriter
	offset  int
	opened  bool
}

func (s *batchSource) ColumnInfos() []duckdb.ColumnInfo { return s.cols }
func (s *batchSource) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(s.rec.NumRows()), Exact: true}
}
func (s *batchSource) Init() {}

func (s *batchSource) FillChunk(chunk duckdb.DataChunk) error {
	if !s.opened {
		s.opened = true
		s.writers = make([]columnWriter, len(s.cols))
		for i := range s.cols {
			if _, err := chunk.GetVector(i); err == nil {
				s.writers[i] = writerFor(s.rec.Schema().Field(i).Type, i)
			}
		}
	}
	out, err := outputOf(chunk)
	if err != nil {
		return err
	}
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	for write := 0; row < capacity && s.offset < int(s.rec.NumRows()); write++ {
		n := min(capacity-row, int(s.rec.NumRows())-s.offset)
		if s.span > 0 {
			n = min(n, s.span)
		}
		rec, offset := s.rec, s.offset
		if s.span > 0 && write%2 == 1 {
			rec, offset = s.rec.NewSlice(int64(s.offset), int64(s.offset+n)), 0
		}
		for col, w := range s.writers {
			if w == nil {
				continue
			}
			if err := w(out, col, row, rec, offset, n); err != nil {
				return err
			}
		}
		if rec != s.rec {
			rec.Release()
		}
		row += n
		s.offset += n
	}
	return chunk.SetSize(row)
}

// openBatchDB opens a private DuckDB with arrow_batch registered.
func openBatchDB(t testing.TB) *sql.DB {
	t.Helper()
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close(); connector.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	fn := duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			v, ok := batches.Load(args[0].(string))
			if !ok {
				return nil, fmt.Errorf("no batch %q", args[0])
			}
			src := &batchSource{served: v.(served)}
			for _, f := range src.rec.Schema().Fields() {
				dt, err := duckType(f.Type)
				if err != nil {
					return nil, fmt.Errorf("column %q: %w", f.Name, err)
				}
				src.cols = append(src.cols, duckdb.ColumnInfo{Name: f.Name, T: dt})
			}
			return src, nil
		},
	}
	if err := duckdb.RegisterTableUDF(conn, batchFunction, fn); err != nil {
		t.Fatal(err)
	}
	return db
}

var batchSeq atomic.Int64

// serve registers rec for arrow_batch and returns the SQL naming it.
func serve(t testing.TB, rec arrow.RecordBatch) string { return serveSpans(t, rec, 0) }

// serveSpans is serve with rec written span rows at a time.
func serveSpans(t testing.TB, rec arrow.RecordBatch, span int) string {
	name := fmt.Sprintf("b%d", batchSeq.Add(1))
	batches.Store(name, served{rec: rec, span: span})
	t.Cleanup(func() { batches.Delete(name) })
	return fmt.Sprintf("%s('%s')", batchFunction, name)
}

// queryArrow runs sql and converts its result to one Arrow record batch
// with the engine's result path: arrowType for the schema, chunkReader for
// the values.
func queryArrow(t testing.TB, db *sql.DB, query string) arrow.RecordBatch {
	t.Helper()
	var (
		reader  *chunkReader
		batches []arrow.RecordBatch
	)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
		if reader != nil {
			reader.release()
		}
	}()
	schema := eachChunk(t, db, query, func(schema *arrow.Schema, infos []duckdb.TypeInfo) func(mapping.DataChunk, int) error {
		reader = newChunkReader(schema, infos)
		return func(chunk mapping.DataChunk, n int) error {
			b, err := reader.read(chunk, n)
			if err != nil {
				return err
			}
			batches = append(batches, b)
			return nil
		}
	})
	// One batch: each column's chunks concatenated.
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	for i := range cols {
		parts := make([]arrow.Array, len(batches))
		for j, b := range batches {
			parts[j] = b.Column(i)
		}
		if len(parts) == 0 {
			b := array.NewBuilder(memory.DefaultAllocator, schema.Field(i).Type)
			cols[i] = b.NewArray()
			b.Release()
		} else {
			var err error
			if cols[i], err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
				t.Fatal(err)
			}
		}
		defer cols[i].Release()
	}
	out := array.NewRecordBatch(schema, cols, rows)
	t.Cleanup(out.Release)
	return out
}

// eachChunk runs sql, calls start with the result's Arrow schema (from
// arrowType) and DuckDB column types, then the function it returns with
// every non-empty result chunk; it returns the schema.
func eachChunk(t testing.TB, db *sql.DB, query string, start func(*arrow.Schema, []duckdb.TypeInfo) func(chunk mapping.DataChunk, n int) error) *arrow.Schema {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var schema *arrow.Schema
	err = conn.Raw(func(dc any) error {
		ps, err := dc.(*duckdb.Conn).PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		stmt := ps.(*duckdb.Stmt)
		defer stmt.Close()
		s, infos, err := resultSchema(stmt)
		if err != nil {
			return err
		}
		schema = s
		fn := start(s, infos)
		handle, err := rawStatement(stmt)
		if err != nil {
			return err
		}
		var res mapping.Result
		if mapping.ExecutePrepared(handle, &res) == mapping.StateError {
			defer mapping.DestroyResult(&res)
			return fmt.Errorf("%s", mapping.ResultError(&res))
		}
		defer mapping.DestroyResult(&res)
		for {
			chunk := mapping.FetchChunk(res)
			if chunk.Ptr == nil {
				return nil
			}
			n := int(mapping.DataChunkGetSize(chunk))
			if n > 0 {
				err = fn(chunk, n)
			}
			mapping.DestroyDataChunk(&chunk)
			if n == 0 || err != nil {
				return err
			}
		}
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return schema
}

// wireRows encodes every row of rec as the wire would, in format f: what
// a client receives, the measure of a lossless round trip.
func wireRows(t testing.TB, rec arrow.RecordBatch, f pgtypes.Format) ([]pgtypes.Type, [][]string) {
	t.Helper()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{f}, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	var dst [][]byte
	for r := 0; r < int(rec.NumRows()); r++ {
		if dst, err = enc.EncodeRow(rec, r, dst); err != nil {
			t.Fatalf("row %d: %v", r, err)
		}
		row := make([]string, len(dst))
		for i, v := range dst {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		rows = append(rows, row)
	}
	return enc.Types(), rows
}

// Shorthands for items.
type (
	av   = types.AttributeValue
	item = map[string]types.AttributeValue
)

func avS(v string) av        { return &types.AttributeValueMemberS{Value: v} }
func avN(v string) av        { return &types.AttributeValueMemberN{Value: v} }
func avB(v ...byte) av       { return &types.AttributeValueMemberB{Value: append([]byte{}, v...)} }
func avBool(v bool) av       { return &types.AttributeValueMemberBOOL{Value: v} }
func avNull() av             { return &types.AttributeValueMemberNULL{Value: true} }
func avSS(v ...string) av    { return &types.AttributeValueMemberSS{Value: v} }
func avNS(v ...string) av    { return &types.AttributeValueMemberNS{Value: v} }
func avBS(v ...[]byte) av    { return &types.AttributeValueMemberBS{Value: v} }
func avL(v ...av) av         { return &types.AttributeValueMemberL{Value: append([]av{}, v...)} }
func avM(v map[string]av) av { return &types.AttributeValueMemberM{Value: v} }

// everyShape has every Arrow type attrarrow produces, nested every way it
// nests them, with NULLs and empty values at each level.
func everyShape() []item {
	addr := func(city string, zip av) av {
		return avM(map[string]av{"city": avS(city), "zip": zip, "bin": avB(0, 1)})
	}
	return []item{
		{
			"id": avN("1"), "s": avS("héllo 🚀"), "n": avN("-9223372036854775808"), "f": avN("1.5"), "b": avB(0, 0xff, 0),
			"bo": avBool(true), "d": avS("1815-12-10"), "ts": avS("2024-03-15T14:30:00.123+02:00"),
			"ss": avSS("a", "b c"), "ns": avNS("1", "2"), "nsf": avNS("1.5"), "bs": avBS([]byte{0}, []byte{1, 2}),
			"lb": avL(avB(), avB(0)), "ld": avL(avS("2024-01-01"), avNull()), "lts": avL(avS("1970-01-01T00:00:00Z")),
			"lbool": avL(avBool(false), avNull()), "ll": avL(avL(avN("1")), avL(), avNull()), "llb": avL(avL(avB(9))),
			"lm":   avL(addr("SF", avN("94105")), addr("LA", avNull()), avNull()),
			"lhet": avL(avN("1"), avS("x"), avM(map[string]av{"k": avL(avBool(true))})),
			"m": avM(map[string]av{
				"name": avS("Ada"), "deep": avM(map[string]av{"deeper": avM(map[string]av{"n": avN("7")})}),
				"tags": avSS("x"), "addrs": avL(addr("Paris", avN("75001"))), "t": avS("2024-03-15T14:30:00Z"),
				"bin": avB(1), "ok": avBool(true), "f": avN("0.25"), "nul": avNull(), "e": avM(map[string]av{}),
			}),
			"mempty": avM(map[string]av{}), "nul": avNull(), "el": avL(),
		},
		{
			"id": avN("2"), "s": avS(""), "n": avN("9223372036854775807"), "f": avN("-1E+125"), "b": avB(),
			"bo": avBool(false), "d": avS("0001-01-01"), "ts": avS("1900-01-01T00:00:00Z"),
			"lb": avL(), "ld": avL(), "lm": avL(), "ll": avL(), "lhet": avL(avNull()),
			"m":  avM(map[string]av{"name": avNull(), "deep": avM(map[string]av{})}),
			"el": avL(),
		},
		{"id": avN("3")},
	}
}

// TestArrowDuckRoundTrip serves attrarrow's batches through DuckDB and
// back for each unnest_depth: every column keeps its Postgres type, and
// every value encodes to the same text and binary bytes as the batch that
// went in.
func TestArrowDuckRoundTrip(t *testing.T) {
	db := openBatchDB(t)
	keys := []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}}
	for _, depth := range []int{-1, 0, 1, 2} {
		t.Run(fmt.Sprintf("unnest_depth=%d", depth), func(t *testing.T) {
			items := everyShape()
			sch, err := attrarrow.Infer(items, keys, attrarrow.Options{UnnestDepth: depth})
			if err != nil {
				t.Fatal(err)
			}
			conv := attrarrow.NewConverter(sch, nil)
			defer conv.Release()
			for _, it := range items {
				conv.Append(it)
			}
			in := conv.NewRecordBatch()
			defer in.Release()
			for _, span := range []int{0, 1, 2} {
				out := queryArrow(t, db, "SELECT * FROM "+serveSpans(t, in, span))
				sameOnTheWire(t, in, out)
			}
		})
	}
}

// sameOnTheWire checks that every column of out keeps in's Postgres type
// and every value encodes to the same text and binary bytes.
func sameOnTheWire(t *testing.T, in, out arrow.RecordBatch) {
	t.Helper()
	for _, f := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
		inTypes, inRows := wireRows(t, in, f)
		outTypes, outRows := wireRows(t, out, f)
		for i := range inTypes {
			if inTypes[i].OID != outTypes[i].OID {
				t.Errorf("column %s: Arrow %s is %s, after DuckDB %s is %s", in.ColumnName(i),
					in.Column(i).DataType(), inTypes[i].Name, out.Column(i).DataType(), outTypes[i].Name)
			}
		}
		if len(outRows) != len(inRows) {
			t.Fatalf("%d rows after DuckDB, %d before", len(outRows), len(inRows))
		}
		for r := range inRows {
			for c := range inRows[r] {
				if inRows[r][c] != outRows[r][c] {
					t.Errorf("%s row %d column %s: %q after DuckDB, %q before", f, r, in.ColumnName(c), outRows[r][c], inRows[r][c])
				}
			}
		}
	}
}

// TestArrowDuckManyChunks crosses DuckDB's chunk size with NULLs on and off
// and checks each value after a projection and a filter.
func TestArrowDuckManyChunks(t *testing.T) {
	db := openBatchDB(t)
	const rows = 5000
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.Binary), Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for r := 0; r < rows; r++ {
		if r%7 == 0 {
			for _, f := range b.Fields() {
				f.AppendNull()
			}
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(int64(r))
		b.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", r%20))
		lb := b.Field(2).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.BinaryBuilder).Append([]byte{byte(r), 0})
		sb := b.Field(3).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Float64Builder).Append(float64(r) / 4)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	for _, span := range []int{0, 333} {
		manyChunksRead(t, queryArrow(t, db, "SELECT st, i, l, s FROM "+serveSpans(t, rec, span)+" WHERE i IS NULL OR i % 3 <> 1"), rows)
	}
}

func manyChunksRead(t *testing.T, out arrow.RecordBatch, rows int) {
	t.Helper()
	n := 0
	for r := 0; r < rows; r++ {
		if r%7 != 0 && r%3 == 1 {
			continue
		}
		i := out.Column(1).(*array.Int64)
		if r%7 == 0 {
			if !i.IsNull(n) || !out.Column(0).IsNull(n) || !out.Column(2).IsNull(n) || !out.Column(3).IsNull(n) {
				t.Fatalf("row %d: want all NULL", r)
			}
		} else {
			st := out.Column(0).(*array.Struct).Field(0).(*array.Float64)
			l := out.Column(2).(*array.List)
			start, end := l.ValueOffsets(n)
			bin := l.ListValues().(*array.Binary)
			if i.Value(n) != int64(r) || out.Column(3).(*array.String).Value(n) != strings.Repeat("x", r%20) ||
				st.Value(n) != float64(r)/4 || end-start != 1 || string(bin.Value(int(start))) != string([]byte{byte(r), 0}) {
				t.Fatalf("row %d differs", r)
			}
		}
		n++
	}
	if n != int(out.NumRows()) {
		t.Fatalf("%d rows, want %d", out.NumRows(), n)
	}
}

// TestDuckType pins the DuckDB type of every Arrow type the scan declares.
func TestDuckType(t *testing.T) {
	db := openBatchDB(t)
	for _, tc := range []struct {
		arrow arrow.DataType
		duck  string // DuckDB's typeof()
	}{
		{arrow.FixedWidthTypes.Boolean, "BOOLEAN"},
		{arrow.PrimitiveTypes.Int64, "BIGINT"},
		{arrow.PrimitiveTypes.Int32, "INTEGER"},
		{arrow.PrimitiveTypes.Float64, "DOUBLE"},
		{arrow.BinaryTypes.String, "VARCHAR"},
		{arrow.BinaryTypes.LargeString, "VARCHAR"},
		{arrow.BinaryTypes.Binary, "BLOB"},
		{arrow.BinaryTypes.LargeBinary, "BLOB"},
		{arrow.FixedWidthTypes.Date32, "DATE"},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, "TIMESTAMP"},
		{&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, "TIMESTAMP WITH TIME ZONE"},
		{arrow.Null, "VARCHAR"},
		{arrow.ListOf(arrow.BinaryTypes.Binary), "BLOB[]"},
		{arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64)), "BIGINT[][]"},
		{arrow.StructOf(arrow.Field{Name: "a b", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "l", Type: arrow.ListOf(arrow.FixedWidthTypes.Date32)}),
			`STRUCT("a b" BIGINT, l DATE[])`},
		{arrow.ListOf(arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.Binary})), "STRUCT(x BLOB)[]"},
		// DuckDB has no empty struct; a map only ever empty holds "{}".
		{arrow.StructOf(), "VARCHAR"},
	} {
		t.Run(tc.arrow.String(), func(t *testing.T) {
			b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "c", Type: tc.arrow, Nullable: true}}, nil))
			defer b.Release()
			b.Field(0).AppendNull()
			rec := b.NewRecordBatch()
			defer rec.Release()
			out := queryArrow(t, db, "SELECT typeof(c) FROM "+serve(t, rec))
			if got := out.Column(0).(*array.String).Value(0); got != tc.duck {
				t.Errorf("DuckDB type %s, want %s", got, tc.duck)
			}
		})
	}
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Uint64, arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String), &arrow.Decimal128Type{Precision: 38}} {
		if _, err := duckType(dt); err == nil {
			t.Errorf("duckType(%s) succeeded; attrarrow never makes it and the scan must refuse it", dt)
		}
	}
}

// TestWritersOfOtherTypes covers the writers of types duckType accepts
// that attrarrow does not make (the round trips cannot reach them), the
// timestamp units, strings around DuckDB's 12-byte inline limit, and a
// VARCHAR value that is not UTF-8, which DuckDB's checked assignment makes
// NULL.
func TestWritersOfOtherTypes(t *testing.T) {
	db := openBatchDB(t)
	mem := memory.DefaultAllocator
	ts := func(unit arrow.TimeUnit) arrow.Field {
		return arrow.Field{Name: "ts_" + unit.String(), Type: &arrow.TimestampType{Unit: unit, TimeZone: "UTC"}, Nullable: true}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "lb", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
		{Name: "nul", Type: arrow.Null, Nullable: true},
		{Name: "es", Type: arrow.StructOf(), Nullable: true},
		ts(arrow.Second), ts(arrow.Millisecond), ts(arrow.Microsecond), ts(arrow.Nanosecond),
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{7, 0, -1}, []bool{true, false, true})
	b.Field(1).(*array.LargeStringBuilder).AppendValues([]string{"x", "", "thirteen byte"}, []bool{true, false, true})
	b.Field(2).(*array.BinaryBuilder).AppendValues([][]byte{{0, 1}, nil, []byte("twelve bytes")}, []bool{true, false, true})
	b.Field(3).(*array.NullBuilder).AppendNulls(3)
	es := b.Field(4).(*array.StructBuilder)
	es.AppendValues([]bool{true, false, true})
	for f, v := range map[int]int64{5: -1, 6: -1, 7: -1, 8: -1} {
		b.Field(f).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(v), 0, arrow.Timestamp(1710513000)}, []bool{true, false, true})
	}
	b.Field(9).(*array.StringBuilder).AppendValues([]string{"ok", "bad \xff" + string([]byte{0xff}) + " padding to be long", "fine"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	for _, span := range []int{0, 1} {
		out := queryArrow(t, db, "SELECT i32, ls, lb, nul, es, "+
			"epoch_us(ts_s), epoch_us(ts_ms), epoch_us(ts_us), epoch_us(ts_ns), s FROM "+serveSpans(t, rec, span))
		_, got := wireRows(t, out, pgtypes.TextFormat)
		want := [][]string{
			{"7", "x", `\x0001`, "NULL", "{}", "-1000000", "-1000", "-1", "-1", "ok"},
			{"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
			{"-1", "thirteen byte", `\x7477656c7665206279746573`, "NULL", "{}", "1710513000000000", "1710513000000", "1710513000", "1710513", "fine"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("span %d:\n got %q\nwant %q", span, got, want)
		}
	}
}

// TestArrowTypeResults pins how DuckDB result types reach the wire, for
// expressions clients write over the datasets' columns.
func TestArrowTypeResults(t *testing.T) {
	db := openBatchDB(t)
	for _, tc := range []struct {
		expr string
		oid  pgtypes.OID
		text string
	}{
		{"1::BIGINT", pgtypes.Int8OID, "1"},
		{"'a'::VARCHAR", pgtypes.TextOID, "a"},
		{"[1, 2]::BIGINT[]", pgtypes.Int8ArrayOID, "{1,2}"},
		{"[[1], [2, 3]]::BIGINT[][]", pgtypes.JSONOID, "[[1],[2,3]]"},
		{`{'a': 1, 'b': [true]}`, pgtypes.JSONOID, `{"a":1,"b":[true]}`},
		{`[{'x': '\x00'::BLOB}]`, pgtypes.JSONOID, `[{"x":"\\x00"}]`},
		{"TIMESTAMP '2024-03-15 14:30:00.5'", pgtypes.TimestampOID, "2024-03-15 14:30:00.5"},
		{"TIMESTAMPTZ '2024-03-15 14:30:00+00'", pgtypes.TimestamptzOID, "2024-03-15 14:30:00+00"},
		{"DATE '2024-03-15'", pgtypes.DateOID, "2024-03-15"},
		{"12345678901234567890::HUGEINT", pgtypes.NumericOID, "12345678901234567890"},
		{"1.25::DECIMAL(10,2)", pgtypes.NumericOID, "1.25"},
		{"INTERVAL 1 DAY", pgtypes.IntervalOID, "1 day"},
		{"MAP {'k': 1}", pgtypes.JSONOID, `{"k":1}`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			out := queryArrow(t, db, "SELECT "+tc.expr)
			typs, rows := wireRows(t, out, pgtypes.TextFormat)
			if typs[0].OID != tc.oid || rows[0][0] != tc.text {
				t.Errorf("%s %q, want %s %q", typs[0].Name, rows[0][0], typeNameOf(tc.oid), tc.text)
			}
		})
	}
}

// TestArrowTypeRefuses: result types the result path cannot read are
// refused when the statement is described, before any row is sent.
func TestArrowTypeRefuses(t *testing.T) {
	db := openBatchDB(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range []struct{ expr, name string }{
		{"'101'::BIT", "BIT"},
		{"'12:00:00+02'::TIMETZ", "TIME WITH TIME ZONE"},
		{"1::BIGNUM", "BIGNUM"},
		{"union_value(k := 1)", "UNION"},
	} {
		err := conn.Raw(func(dc any) error {
			ps, err := dc.(*duckdb.Conn).PrepareContext(context.Background(), "SELECT "+tc.expr)
			if err != nil {
				return err
			}
			defer ps.Close()
			info, err := ps.(*duckdb.Stmt).ColumnTypeInfo(0)
			if err != nil {
				return err
			}
			_, err = arrowType(info)
			return err
		})
		if want := "result type " + tc.name + " is not supported"; err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", tc.expr, err, want)
		}
	}
}

func typeNameOf(oid pgtypes.OID) string {
	t, _ := pgtypes.TypeByOID(oid)
	return t.Name
}

// benchItem is a user profile of about 1 KB, shaped like attrarrow's
// BenchmarkConvert1KBItem item: strings, numbers, timestamps, a date, a
// string set, a nested map and a list of maps.
func benchItem() item {
	address := func(street, city, zip string) av {
		return avM(map[string]av{"street": avS(street), "city": avS(city), "zip": avS(zip), "country": avS("GB"), "primary": avBool(street[0] == '1')})
	}
	return item{
		"pk": avS("USER#7f3c2a9e-4b1d-4c8e-9a2f-1d3e5b7c9a0f"), "sk": avS("PROFILE"),
		"email": avS("ada.lovelace@example.com"), "name": avS("Ada Lovelace"),
		"created_at": avS("2024-03-15T14:30:00.123Z"), "updated_at": avS("2024-06-01T09:12:45.001Z"),
		"birthday": avS("1815-12-10"), "age": avN("36"), "balance": avN("1234.56"), "login_count": avN("1042"),
		"active": avBool(true), "tags": avSS("admin", "beta", "mathematics", "analytical-engine", "poetry"),
		"bio": avS("Mathematician and writer, chiefly known for her work on Charles Babbage's proposed mechanical " +
			"general-purpose computer, the Analytical Engine. She was the first to recognise that the machine had " +
			"applications beyond pure calculation."),
		"metadata": avM(map[string]av{
			"registration_ip": avS("203.0.113.42"),
			"user_agent":      avS("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36"),
			"referrer":        avS("https://example.com/landing?utm_source=newsletter&utm_medium=email"),
			"score":           avN("0.97"),
			"prefs":           avM(map[string]av{"theme": avS("dark"), "lang": avS("en-GB"), "notifications": avBool(false), "page_size": avN("50")}),
		}),
		"addresses": avL(address("12 St James's Square", "London", "SW1Y 4JH"), address("Ockham Park", "Ockham", "GU23 6NR")),
	}
}

// benchBatch converts rows copies of it with opts into one record batch.
func benchBatch(b *testing.B, it item, opts attrarrow.Options, rows int) arrow.RecordBatch {
	keys := []attrarrow.KeyAttribute{
		{Name: "pk", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey},
		{Name: "sk", Type: types.ScalarAttributeTypeS, Role: attrarrow.SortKey},
	}
	sch, err := attrarrow.Infer([]item{it}, keys, opts)
	if err != nil {
		b.Fatal(err)
	}
	c := attrarrow.NewConverter(sch, nil)
	defer c.Release()
	for range rows {
		c.Append(it)
	}
	rec := c.NewRecordBatch()
	b.Cleanup(rec.Release)
	return rec
}

// benchChunks times DuckDB reading rec through arrow_batch with every
// column projected (count(col) per column forces each to be filled).
func benchChunks(b *testing.B, db *sql.DB, rec arrow.RecordBatch) float64 {
	src := serve(b, rec)
	var counts []string
	for _, f := range rec.Schema().Fields() {
		counts = append(counts, fmt.Sprintf("count(%q)", f.Name))
	}
	query := "SELECT " + strings.Join(counts, ", ") + " FROM " + src
	conn, err := db.Conn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ResetTimer()
	for b.Loop() {
		rows, err := conn.QueryContext(context.Background(), query)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perRow := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(rec.NumRows())
	b.ReportMetric(1e9/perRow, "rows/s")
	return perRow
}

var scalarPerRow atomic.Value // float64: the scalars case, baseline of the others

// BenchmarkArrowToDuckChunk is the cost of the scan table function's copy
// from Arrow batches into DuckDB chunks (writerFor), DuckDB's own
// reading included. "scalars" is an item of flat strings, numbers and
// booleans (the typed writers); "1KBItem" is attrarrow's benchmark item
// with structs, lists of structs, timestamps and sets, at unnest_depth
// unset (structs), 0 (JSON text) and 2 (flattened). x-scalars is the
// per-row cost relative to "scalars" when it ran first in the same run.
func BenchmarkArrowToDuckChunk(b *testing.B) {
	db := openBatchDB(b)
	const rows = 16 * 2048
	flat := item{}
	for k, v := range benchItem() {
		switch v.(type) {
		case *types.AttributeValueMemberS, *types.AttributeValueMemberN, *types.AttributeValueMemberBOOL:
			if k != "created_at" && k != "updated_at" && k != "birthday" {
				flat[k] = v
			}
		}
	}
	b.Run("scalars", func(b *testing.B) {
		scalarPerRow.Store(benchChunks(b, db, benchBatch(b, flat, attrarrow.DefaultOptions(), rows)))
	})
	for _, tc := range []struct {
		name  string
		depth int
	}{{"1KBItem", -1}, {"1KBItemJSON", 0}, {"1KBItemFlat", 2}} {
		b.Run(tc.name, func(b *testing.B) {
			perRow := benchChunks(b, db, benchBatch(b, benchItem(), attrarrow.Options{UnnestDepth: tc.depth}, rows))
			if base, ok := scalarPerRow.Load().(float64); ok {
				b.ReportMetric(perRow/base, "x-scalars")
			}
		})
	}
}

// TestNestedResultsAcrossChunks reads nested result columns — constants,
// per-row lists and structs, NULL lists — over more rows than one DuckDB
// chunk, through arrowType and chunkReader, as the wire would send them.
func TestNestedResultsAcrossChunks(t *testing.T) {
	db := openBatchDB(t)
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))
	defer b.Release()
	const rows = 5000
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	out := queryArrow(t, db, "SELECT i, 'x' AS s, [1, 2] AS l, {'a': 1, 'b': [i]} AS st, [{'c': 'z'}] AS ls, "+
		"CASE WHEN i % 2 = 0 THEN NULL ELSE [i, NULL] END AS ln FROM "+serve(t, rec)+" ORDER BY i")
	_, got := wireRows(t, out, pgtypes.TextFormat)
	if len(got) != rows {
		t.Fatalf("%d rows, want %d", len(got), rows)
	}
	for r, row := range got {
		want := []string{fmt.Sprint(r), "x", "{1,2}", fmt.Sprintf(`{"a":1,"b":[%d]}`, r), `[{"c":"z"}]`, "NULL"}
		if r%2 == 1 {
			want[5] = fmt.Sprintf("{%d,NULL}", r)
		}
		if fmt.Sprint(row) != fmt.Sprint(want) {
			t.Fatalf("row %d: %q, want %q", r, row, want)
		}
	}
}
