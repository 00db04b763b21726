package engine

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/readplan"
	"github.com/pgdynamo/pgdynamo/scan"
	"github.com/pgdynamo/pgdynamo/wire"
)

// A lookup of whole primary keys that hands back columns as they are —
//
//	SELECT name, email FROM users WHERE id = $1
//
// — is answered by its DynamoDB read alone, without DuckDB. DuckDB plans a
// statement with parameters again on every run (its prepared statements
// rebind when values are bound), which for a one-item read costs more than
// the rest of the lookup together. The short path is taken only where it
// provably gives what the engine would: the planner found the query plain
// (planner.Statement.PlainColumns: the reference's rows, columns as they
// are); every conjunct of its WHERE is an equality on a key attribute, so
// the Query readplan.Decide makes for the bound values returns exactly the
// rows the WHERE keeps (key equality is exact in DynamoDB, for the key
// column types allowed); and each column's Arrow type is the one the
// engine's result has for it, from the DuckDB statement kept for the plan,
// or a timestamp only in a finer unit. Anything else takes the engine.

// lookup runs p on the short path when it can; ok is false when it cannot
// (nothing was started then).
func (s *Session) lookup(ctx context.Context, p planner.Statement, args []any, cached *cachedPlan, index int) (res wire.Result, ok bool, err error) {
	if p.Kind != planner.Query || p.PlainColumns == nil || len(p.Scans) != 1 || cached == nil {
		return nil, false, nil
	}
	duck := cached.duck[index]
	if duck == nil || duck.schema == nil || duck.schema.NumFields() != len(p.PlainColumns) {
		return nil, false, nil
	}
	ref := p.Scans[0]
	ds := ref.Dataset
	if ref.Route.Local() || !ref.Read.Complete || !keyEqualities(ds, ref.Read.Where) {
		return nil, false, nil
	}
	pushdownOff := s.settings.pushdownOff()
	d, err := readplan.Decide(ds, ref.Read, args, p.PlainColumns, s.engine.readOptions(pushdownOff))
	if err != nil || !oneItemQuery(ds, d.Request) {
		return nil, false, nil
	}
	cols, ok := outputColumns(p.PlainColumns, d.Columns.Arrow, duck.schema)
	if !ok {
		return nil, false, nil
	}
	run := s.startStatement(ctx, p, args, pushdownOff)
	ctx, qs := run.ctx, run.qs
	opts := s.engine.scanOptions(ds, qs)
	opts.Inline = true // one item: read it in this goroutine
	reader, err := scan.Open(ctx, ds.Client, d.Request, d.Columns, opts)
	if err != nil {
		run.cancel()
		return nil, true, qs.classify(ctx, err, textOf(p))
	}
	qs.addReader(reader)
	return &lookupResult{statementRun: run, reader: reader, schema: duck.schema, cols: cols, source: textOf(p)}, true, nil
}

// scanOptions are the options of every DynamoDB read of ds by a query.
func (e *Engine) scanOptions(ds *catalog.Dataset, qs *queryState) scan.Options {
	return scan.Options{
		Concurrency: e.cfg.ScanConcurrency,
		Region:      ds.Region,
		Dataset:     ds.QualifiedName(),
		Budget:      e.Budget(ds),
		ItemsRead:   qs.itemCounter(ds),
		Log:         e.log,
	}
}

// keyEqualities reports whether where is only equalities on ds's key
// attributes (one value each), on key columns whose equality in the engine
// is DynamoDB's: text for S, integers or floats for N, bytea for B.
func keyEqualities(ds *catalog.Dataset, where []readplan.Clause) bool {
	if len(where) == 0 {
		return false
	}
	for _, cl := range where {
		if len(cl) != 1 {
			return false
		}
		a := cl[0]
		if !a.EqualsOneValue() {
			return false
		}
		if a.Column != ds.PartitionKey.Name && (ds.SortKey == nil || a.Column != ds.SortKey.Name) {
			return false
		}
		col, ok := ds.Columns.Column(a.Column)
		if !ok {
			return false
		}
		switch col.Field.Type.(type) {
		case *arrow.StringType, *arrow.Int64Type, *arrow.Float64Type, *arrow.BinaryType:
		default:
			return false
		}
	}
	return true
}

// oneItemQuery reports whether req reads one primary key of ds's table: a
// Query of one partition key value, with the sort key's equality when the
// table has one, and nothing filtered.
func oneItemQuery(ds *catalog.Dataset, req scan.Request) bool {
	if !req.IsQuery() || req.Index != "" || len(req.Key.Values) != 1 || len(req.Filter) > 0 {
		return false
	}
	if ds.SortKey == nil {
		return req.Key.Sort == nil
	}
	return req.Key.Sort != nil && req.Key.Sort.Op == scan.Eq && req.Key.Sort.Attr == ds.SortKey.Name
}

// outputColumn is where one result column comes from in the read's
// batches, and how its values change on the way.
type outputColumn struct {
	src int
	// toMicro: a timestamp in the read, shown in µs: times scale
	// (microsPer its unit, never nanoseconds).
	toMicro bool
	scale   int64
}

// outputColumns maps each result column (of the engine's result schema
// want) to the read's column it shows, when every type is the engine's.
func outputColumns(plain []string, read, want *arrow.Schema) ([]outputColumn, bool) {
	out := make([]outputColumn, len(plain))
	for i, name := range plain {
		idx := read.FieldIndices(name)
		if len(idx) != 1 {
			return nil, false
		}
		out[i].src = idx[0]
		got, need := read.Field(idx[0]).Type, want.Field(i).Type
		if arrow.TypeEqual(got, need) {
			continue
		}
		// The engine shows every timestamp in microseconds.
		gt, ok1 := got.(*arrow.TimestampType)
		nt, ok2 := need.(*arrow.TimestampType)
		if !ok1 || !ok2 || nt.Unit != arrow.Microsecond || gt.Unit == arrow.Nanosecond || (gt.TimeZone == "") != (nt.TimeZone == "") {
			return nil, false
		}
		out[i].toMicro, out[i].scale = true, microsPer(gt.Unit)
	}
	return out, true
}

// lookupResult streams a short-path lookup's rows.
type lookupResult struct {
	statementRun
	reader *scan.Reader
	schema *arrow.Schema
	cols   []outputColumn
	source clientText // the client's SQL, for errors
	closed bool
}

func (r *lookupResult) Schema() *arrow.Schema { return r.schema }

func (r *lookupResult) Next(context.Context) (arrow.RecordBatch, error) {
	if r.closed {
		return nil, io.EOF
	}
	rec, err := r.reader.ReadBatch(r.ctx)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		r.qs.scanFailed(err)
		return nil, r.qs.classify(r.ctx, err, r.source)
	}
	defer rec.Release()
	cols := make([]arrow.Array, len(r.cols))
	for i, c := range r.cols {
		cols[i] = shown(rec.Column(c.src), c, r.schema.Field(i).Type)
	}
	out := array.NewRecordBatch(r.schema, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// shown is arr as the engine's result shows it (type want): timestamps in
// microseconds, anything else as it is.
func shown(arr arrow.Array, c outputColumn, want arrow.DataType) arrow.Array {
	if !c.toMicro {
		arr.Retain()
		return arr
	}
	ts := arr.(*array.Timestamp)
	b := array.NewTimestampBuilder(memory.DefaultAllocator, want.(*arrow.TimestampType))
	defer b.Release()
	b.Reserve(ts.Len())
	for i := range ts.Len() {
		if ts.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(ts.Value(i) * arrow.Timestamp(c.scale))
		}
	}
	return b.NewArray()
}

func (r *lookupResult) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.reader.Close()
	r.cancel()
	return nil
}
