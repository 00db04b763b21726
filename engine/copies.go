package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/planner"
)

// Accelerated copies (package accel's Store): each accelerated dataset has
// a database of its own attached to the engine, a DuckDB file (mode file)
// or memory (mode memory), holding two tables:
//
//	data           the copy, with the dataset's columns and engine types
//	pgdynamo_copy  one row: the dataset's description (catalog's
//	               MarshalDescription), the copy's row count and when the
//	               read of DynamoDB that made it started
//
// The description lives with the data, so a restart serves a file's copy
// before DynamoDB has answered anything; both change in one transaction.
//
// Files are attached when the engine opens, before its configuration is
// locked: client SQL can still not ATTACH, read or write files.

// Copy configures one accelerated dataset's local copy.
type Copy struct {
	Dataset string // schema.name
	File    string // the DuckDB file; "" keeps the copy in memory
	// Changes: the copy follows the table's stream (refresh_mode
	// changes), with its state tables (changes.go).
	Changes bool
	// SnapshotEvery is snapshots_trigger_threshold: in a file, a durable
	// checkpoint every N applied stream batches; 0 leaves it to DuckDB.
	SnapshotEvery int
}

const (
	copyTable     = "data"
	copyNextTable = "data_next"
	copyMetaTable = "pgdynamo_copy"
)

// copyDatabase is the engine database that holds copy i.
func copyDatabase(i int) string { return fmt.Sprintf("pgdynamo_copy_%d", i+1) }

// attachCopies attaches every copy's database and creates its meta table.
// It runs before the lock-down, which forbids ATTACH.
func (e *Engine) attachCopies(ctx context.Context, conn *sql.Conn) error {
	e.copies = map[string]string{}
	for i, c := range e.cfg.Copies {
		db := copyDatabase(i)
		target := ":memory:"
		if c.File != "" {
			if err := os.MkdirAll(filepath.Dir(c.File), 0o750); err != nil {
				return fmt.Errorf("dataset %s: the directory of duckdb_file: %w", c.Dataset, err)
			}
			target = c.File
		}
		if _, err := conn.ExecContext(ctx, "ATTACH "+sqlString(target)+" AS "+quoteIdent(db)); err != nil {
			return fmt.Errorf("dataset %s: opening its copy %s: %w", c.Dataset, target, err)
		}
		meta := quoteIdent(db) + ".main." + quoteIdent(copyMetaTable)
		if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+meta+
			" (description VARCHAR NOT NULL, row_count BIGINT NOT NULL, refreshed_at TIMESTAMPTZ NOT NULL)"); err != nil {
			return fmt.Errorf("dataset %s: preparing its copy %s: %w", c.Dataset, target, err)
		}
		if c.Changes {
			if err := createStreamTables(ctx, conn, db); err != nil {
				return fmt.Errorf("dataset %s: preparing its copy %s: %w", c.Dataset, target, err)
			}
		}
		e.copies[c.Dataset] = db
	}
	return nil
}

func (e *Engine) copyConfig(dataset string) Copy {
	for _, c := range e.cfg.Copies {
		if c.Dataset == dataset {
			return c
		}
	}
	return Copy{}
}

// snapshotDue counts an applied stream batch and reports whether a file
// copy is due a durable checkpoint (snapshots_trigger_threshold).
func (e *Engine) snapshotDue(dataset string) bool {
	c := e.copyConfig(dataset)
	if c.File == "" || c.SnapshotEvery <= 0 {
		return false
	}
	e.batchMu.Lock()
	defer e.batchMu.Unlock()
	if e.batches == nil {
		e.batches = map[string]int{}
	}
	e.batches[dataset]++
	if e.batches[dataset] < c.SnapshotEvery {
		return false
	}
	e.batches[dataset] = 0
	return true
}

// CopyRelation is the engine relation (catalog, schema, table) that holds
// the named dataset's copy; nil when the dataset has none.
func (e *Engine) CopyRelation(dataset string) []string {
	db, ok := e.copies[dataset]
	if !ok {
		return nil
	}
	return []string{db, "main", copyTable}
}

// StoredCopy is what a copy's file says of itself.
type StoredCopy struct {
	Description []byte // catalog.(*Dataset).MarshalDescription
	Rows        int64
	RefreshedAt time.Time
}

// ReadStoredCopy reads the copy a previous run left in a DuckDB file; ok is
// false when the file does not exist or holds no complete copy. It opens
// the file on its own, read-only: call it before Open attaches the file.
func ReadStoredCopy(ctx context.Context, file string) (StoredCopy, bool, error) {
	var sc StoredCopy
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return sc, false, nil
	}
	connector, err := duckdb.NewConnector(file+"?access_mode=read_only&enable_external_access=false", nil)
	if err != nil {
		return sc, false, fmt.Errorf("opening %s: %w", file, err)
	}
	defer connector.Close()
	db := sql.OpenDB(connector)
	defer db.Close()
	var tables int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ("+
		sqlString(copyTable)+", "+sqlString(copyMetaTable)+")").Scan(&tables)
	if err != nil {
		return sc, false, fmt.Errorf("reading %s: %w", file, err)
	}
	if tables != 2 {
		return sc, false, nil
	}
	var desc string
	err = db.QueryRowContext(ctx, "SELECT description, row_count, refreshed_at FROM main."+quoteIdent(copyMetaTable)).
		Scan(&desc, &sc.Rows, &sc.RefreshedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, false, nil
	}
	if err != nil {
		return sc, false, fmt.Errorf("reading %s: %w", file, err)
	}
	sc.Description = []byte(desc)
	return sc, true, nil
}

// Replace implements accel.Store: it reads the whole table through the
// dataset scan (the same parallel Scan and AttributeValue → Arrow path as a
// query) into a table beside the copy, then swaps it in with the
// description in one transaction. A query running meanwhile keeps reading
// the copy it started with; the next one reads the new copy.
func (e *Engine) Replace(ctx context.Context, dataset string, progress func(items int64)) (int64, error) {
	db, current, err := e.copyOf(dataset)
	if err != nil {
		return 0, err
	}
	// Describe the table again: attributes that appeared since become
	// columns of the new copy (catalog.Dataset.Grows says which changes
	// apply), so a copy does not keep its first schema forever.
	ds := current
	fresh, err := catalog.Describe(ctx, current.Spec)
	if err != nil {
		return 0, err
	}
	grown := current.Grows(fresh)
	if grown {
		ds = fresh
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("connecting to the engine: %w", err)
	}
	defer conn.Close()

	started := time.Now()
	id := "copy" + fmt.Sprint(e.nextQuery.Add(1))
	ref := planner.ScanRef{ID: id + "/r1", Dataset: ds}
	qs := newQueryState(ctx, planner.Statement{ID: id, Scans: []planner.ScanRef{ref}}, nil)
	e.running.Store(id, qs)
	defer e.running.Delete(id)
	stopProgress := e.reportProgress(qs, progress)

	next := qualified(db, copyNextTable)
	_, err = conn.ExecContext(ctx, "CREATE OR REPLACE TABLE "+next+" AS SELECT * FROM "+
		planner.ScanFunction+"("+sqlString(dataset)+", "+sqlString(ref.ID)+")")
	stopProgress()
	for _, n := range qs.noticesOnce() {
		e.log.Warn("copy: "+n.Message, "dataset", dataset, "detail", n.Detail)
	}
	if err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+next)
		return 0, qs.classify(ctx, err, clientText{})
	}
	var rows int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+next).Scan(&rows); err != nil {
		return 0, err
	}
	if err := e.swapCopy(ctx, db, ds, rows, started); err != nil {
		return 0, fmt.Errorf("dataset %s: swapping in the new copy: %w", dataset, err)
	}
	if grown {
		// After the copy: a query planned with the new columns must find
		// them in the copy it reads.
		if err := e.swapDataset(ctx, ds); err != nil {
			return 0, fmt.Errorf("dataset %s: new columns: %w", dataset, err)
		}
		e.log.Info("dataset schema grew", "dataset", dataset, "columns", len(ds.Columns.Columns),
			"added", len(ds.Columns.Columns)-len(current.Columns.Columns))
	}
	if e.copyFile(dataset) {
		// Folds the write-ahead log into the file, so a restart does not
		// replay a whole table.
		e.checkpointCopy(ctx, dataset, db)
	}
	return rows, nil
}

// swapCopy puts the table built beside the copy in its place, with the
// description of ds, in one transaction.
func (e *Engine) swapCopy(ctx context.Context, db string, ds *catalog.Dataset, rows int64, started time.Time) error {
	return e.inCopyTx(ctx, func(conn *sql.Conn, _ *queryState, _ string) error {
		for _, stmt := range []string{
			"DROP TABLE IF EXISTS " + qualified(db, copyTable),
			"ALTER TABLE " + qualified(db, copyNextTable) + " RENAME TO " + quoteIdent(copyTable),
		} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return writeMeta(ctx, conn, db, ds, rows, started)
	})
}

func (e *Engine) copyFile(dataset string) bool { return e.copyConfig(dataset).File != "" }

// reportProgress calls progress with the items the load has read, every
// quarter second, until the returned stop is called.
func (e *Engine) reportProgress(qs *queryState, progress func(int64)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			qs.mu.Lock()
			var n int64
			for _, rd := range qs.readers {
				n += rd.Stats.ItemsReturned.Load()
			}
			qs.mu.Unlock()
			progress(n)
		}
	}()
	return func() { close(done); <-finished }
}

// swapDataset puts a catalog with ds in force: the pg_catalog shim's rows
// are rewritten in one transaction, then the planner sees the new snapshot.
func (e *Engine) swapDataset(ctx context.Context, ds *catalog.Dataset) error {
	e.swapMu.Lock()
	defer e.swapMu.Unlock()
	next, err := e.current.Load().With(ds)
	if err != nil {
		return err
	}
	tables, err := next.SystemTables()
	if err != nil {
		return err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	for _, t := range tables {
		if t.PerSession {
			continue
		}
		err = func() error {
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+quoteIdent(planner.ShimSchema)+"."+quoteIdent(t.Name)); err != nil {
				return err
			}
			return appendShimRows(conn, t)
		}()
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("pg_catalog shim: %s.%s: %w", t.Schema, t.Name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	e.current.Store(next)
	return nil
}
