package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/readplan"
	"github.com/pgdynamo/pgdynamo/scan"
)

// queryState is what the scans of one running statement share with the
// session that runs it: the statement's context (cancelled by the client,
// a disconnect or statement_timeout) and the notices the scans report.
type queryState struct {
	ctx     context.Context
	mu      sync.Mutex
	notices []*pgerror.Error
	noticed bool
	readers []*scan.Reader
	// scans are the statement's dataset references by ID, args its bound
	// parameters: what a reference's pushdown needs.
	scans map[string]planner.ScanRef
	args  []any
	// pushdownOff is pgdynamo.pushdown = off for the statement.
	pushdownOff bool
	// itemsRead counts, per dataset, the items the statement's reads have
	// read, against params.max_scan_items.
	itemsRead map[string]*atomic.Int64
	// rows are Arrow rows a statement of the engine's own reads through
	// pgdynamo_scan instead of DynamoDB (stream changes, bootstrap pages),
	// by scan reference.
	rows map[string]arrow.RecordBatch
	// scanErr is the first error a scan ended with (scanerr.go).
	scanErr *pgerror.Error
}

// addRows makes rows (nil: none) readable as pgdynamo_scan(ds, ref) in
// the statement id, and returns ref.
func (qs *queryState) addRows(id string, ds *catalog.Dataset, rows arrow.RecordBatch) string {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.rows == nil {
		qs.rows = map[string]arrow.RecordBatch{}
	}
	ref := fmt.Sprintf("%s/r%d", id, len(qs.scans)+1)
	qs.scans[ref] = planner.ScanRef{ID: ref, Dataset: ds}
	qs.rows[ref] = rows
	return ref
}

// addReader makes rd one of the statement's reads, closed with it and
// counted in its notices.
func (qs *queryState) addReader(rd *scan.Reader) {
	qs.mu.Lock()
	qs.readers = append(qs.readers, rd)
	qs.mu.Unlock()
}

// releaseRows releases the rows addRows kept.
func (qs *queryState) releaseRows() {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	for ref, r := range qs.rows {
		if r != nil {
			r.Release()
		}
		delete(qs.rows, ref)
	}
}

func newQueryState(ctx context.Context, p planner.Statement, args []any) *queryState {
	qs := &queryState{ctx: ctx, args: args, scans: make(map[string]planner.ScanRef, len(p.Scans))}
	for _, s := range p.Scans {
		qs.scans[s.ID] = s
	}
	return qs
}

// itemCounter is the statement's count of items read from ds.
func (qs *queryState) itemCounter(ds *catalog.Dataset) *atomic.Int64 {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.itemsRead == nil {
		qs.itemsRead = map[string]*atomic.Int64{}
	}
	c, ok := qs.itemsRead[ds.QualifiedName()]
	if !ok {
		c = new(atomic.Int64)
		qs.itemsRead[ds.QualifiedName()] = c
	}
	return c
}

// notices closes the statement's scans (the rows are out, so nothing more
// is read) and turns what they could not convert into one NOTICE per column
// and kind, summed over every scan of the statement. A scan stopped early
// by a LIMIT still reports what it converted.
func (qs *queryState) noticesOnce() []*pgerror.Error {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.noticed {
		return qs.notices
	}
	qs.noticed = true
	reports := make([][]attrarrow.Mismatch, len(qs.readers))
	for i, rd := range qs.readers {
		rd.Close()
		reports[i] = rd.Mismatches()
	}
	for _, m := range attrarrow.SumMismatches(reports...) {
		msg := fmt.Sprintf("column %q: %d value(s) did not fit the column type and were returned as NULL", m.Column, m.Count)
		if m.Kept {
			msg = fmt.Sprintf("column %q: %d value(s) were returned with a loss", m.Column, m.Count)
		}
		qs.notices = append(qs.notices, &pgerror.Error{
			Code:     pgerror.Warning,
			Severity: pgerror.SeverityNotice,
			Message:  msg,
			Detail:   m.Reason,
			Hint:     "the column's type was inferred from a sample; raise schema_infer_max_records to widen it",
		})
	}
	return qs.notices
}

// registerScanFunction installs pgdynamo_scan(dataset, ref) on the database.
func (e *Engine) registerScanFunction(ctx context.Context, conn *sql.Conn) error {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return err
	}
	fn := duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar, varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			name, _ := args[0].(string)
			ref, _ := args[1].(string)
			// The scan belongs to the statement whose ID prefixes its ref.
			cut := strings.LastIndex(ref, "/")
			if cut < 0 {
				return nil, fmt.Errorf("scan reference %q names no statement", ref)
			}
			v, ok := e.running.Load(ref[:cut])
			if !ok {
				return nil, fmt.Errorf("scan reference %q belongs to no running statement", ref)
			}
			qs := v.(*queryState)
			// The dataset as the statement was planned: the catalog may
			// have been swapped since.
			ds := qs.scans[ref].Dataset
			if ds == nil || ds.QualifiedName() != name {
				return nil, fmt.Errorf("scan reference %q is not a reference to dataset %q", ref, name)
			}
			qs.mu.Lock()
			rows, isRows := qs.rows[ref]
			qs.mu.Unlock()
			if isRows {
				return newRowsSource(ds, rows)
			}
			return e.newScanSource(qs, ds, qs.scans[ref], ref[:cut])
		},
	}
	if err := duckdb.RegisterTableUDF(conn, planner.ScanFunction, fn); err != nil {
		return fmt.Errorf("registering %s: %w", planner.ScanFunction, err)
	}
	return nil
}

func (e *Engine) datasetByQualifiedName(name string) (*catalog.Dataset, bool) {
	for _, d := range e.current.Load().Datasets() {
		if d.QualifiedName() == name {
			return d, true
		}
	}
	return nil, false
}

// scanSource feeds one dataset reference of one query into DuckDB chunks.
type scanSource struct {
	engine  *Engine
	qs      *queryState
	spec    readplan.Spec // what the reference's read may use
	dataset *catalog.Dataset
	columns []duckdb.ColumnInfo
	// statement is the ID the running statement registers under (Init).
	statement string

	reader  *scan.Reader
	writers []columnWriter // per selected column, nil for unprojected
	batch   arrow.RecordBatch
	offset  int
	done    bool
}

func (e *Engine) newScanSource(qs *queryState, ds *catalog.Dataset, ref planner.ScanRef, statement string) (*scanSource, error) {
	cols, err := columnInfos(ds)
	if err != nil {
		return nil, err
	}
	return &scanSource{engine: e, qs: qs, dataset: ds, columns: cols, spec: ref.Read, statement: statement}, nil
}

func (s *scanSource) ColumnInfos() []duckdb.ColumnInfo { return s.columns }

func (s *scanSource) Cardinality() *duckdb.CardinalityInfo {
	// DescribeTable's ItemCount is refreshed about every six hours: a hint
	// for join ordering, never a promise.
	return &duckdb.CardinalityInfo{Cardinality: uint(max(s.dataset.ItemCount, 0)), Exact: false}
}

// open starts the DynamoDB read once DuckDB has said which columns it
// needs; readplan.Decide, which EXPLAIN also uses, decides the read.
func (s *scanSource) open(chunk duckdb.DataChunk) error {
	all := s.dataset.Columns.Columns
	var asked []string
	projected := make([]bool, len(all))
	for i := range all {
		if _, err := chunk.GetVector(i); err == nil {
			projected[i] = true
			asked = append(asked, all[i].Name)
		}
	}
	d, err := readplan.Decide(s.dataset, s.spec, s.qs.args, asked, s.engine.readOptions(s.qs.pushdownOff))
	if err != nil {
		return err
	}
	s.reader, err = scan.Open(s.qs.ctx, s.dataset.Client, d.Request, d.Columns, s.engine.scanOptions(s.dataset, s.qs))
	if err != nil {
		return err
	}
	s.qs.addReader(s.reader)
	// Map the read's columns (the asked ones and perhaps a few more the
	// planner found) back to their chunk positions.
	s.writers = make([]columnWriter, len(all))
	sel := 0
	for i := range all {
		if sel < len(d.Columns.Columns) && d.Columns.Columns[sel].Name == all[i].Name {
			if projected[i] {
				s.writers[i] = writerFor(d.Columns.Arrow.Field(sel).Type, sel)
			}
			sel++
		}
	}
	return nil
}

// columnInfos are the engine columns of a dataset, as both the DynamoDB
// scan and a rows source produce them.
func columnInfos(ds *catalog.Dataset) ([]duckdb.ColumnInfo, error) {
	cols := make([]duckdb.ColumnInfo, len(ds.Columns.Columns))
	for i, c := range ds.Columns.Columns {
		t, err := duckType(c.Field.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c.Name, err)
		}
		cols[i] = duckdb.ColumnInfo{Name: c.Name, T: t}
	}
	return cols, nil
}
