package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/stream"
)

// Copies kept by a stream (refresh_mode changes) hold, besides data and
// pgdynamo_copy, the stream's state, changed in the same transactions as
// the rows:
//
//	pgdynamo_stream    one row: phase (bootstrap, streaming) and when the
//	                   bootstrap captured its positions
//	pgdynamo_shards    each shard's last applied sequence number
//	pgdynamo_segments  each bootstrap Scan segment's LastEvaluatedKey
//
// data has the table's primary key, so a change is an upsert or a delete
// by key.

const (
	streamTable   = "pgdynamo_stream"
	shardsTable   = "pgdynamo_shards"
	segmentsTable = "pgdynamo_segments"
)

func (e *Engine) copyDB(dataset string) (string, error) {
	db, ok := e.copies[dataset]
	if !ok {
		return "", fmt.Errorf("dataset %s has no accelerated copy", dataset)
	}
	return db, nil
}

// copyOf returns the database holding dataset's copy and the dataset as
// the catalog in force describes it.
func (e *Engine) copyOf(dataset string) (string, *catalog.Dataset, error) {
	db, err := e.copyDB(dataset)
	if err != nil {
		return "", nil, err
	}
	ds, ok := e.datasetByQualifiedName(dataset)
	if !ok {
		return "", nil, fmt.Errorf("unknown dataset %s", dataset)
	}
	return db, ds, nil
}

func qualified(db, table string) string { return quoteIdent(db) + ".main." + quoteIdent(table) }

// createStreamTables creates a changes-mode copy's state tables.
func createStreamTables(ctx context.Context, conn *sql.Conn, db string) error {
	for _, ddl := range []string{
		"CREATE TABLE IF NOT EXISTS " + qualified(db, streamTable) + " (phase VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + qualified(db, shardsTable) + " (shard_id VARCHAR PRIMARY KEY, parent_id VARCHAR NOT NULL, sequence_number VARCHAR NOT NULL, finished BOOLEAN NOT NULL, from_horizon BOOLEAN NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + qualified(db, segmentsTable) + " (segment INTEGER PRIMARY KEY, total INTEGER NOT NULL, last_key VARCHAR NOT NULL, done BOOLEAN NOT NULL)",
	} {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	return nil
}

// LoadStreamState reads a changes-mode copy's state.
func (e *Engine) LoadStreamState(ctx context.Context, dataset string) (accel.StreamState, error) {
	var st accel.StreamState
	db, err := e.copyDB(dataset)
	if err != nil {
		return st, err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return st, err
	}
	defer conn.Close()
	err = conn.QueryRowContext(ctx, "SELECT phase, started_at FROM "+qualified(db, streamTable)).Scan(&st.Phase, &st.StartedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return accel.StreamState{}, nil
	}
	if err != nil {
		return st, err
	}
	rows, err := conn.QueryContext(ctx, "SELECT shard_id, parent_id, sequence_number, finished, from_horizon FROM "+qualified(db, shardsTable)+" ORDER BY shard_id")
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var s stream.Shard
		if err := rows.Scan(&s.ID, &s.Parent, &s.Sequence, &s.Finished, &s.FromHorizon); err != nil {
			rows.Close()
			return st, err
		}
		st.Shards = append(st.Shards, s)
	}
	rows.Close()
	rows, err = conn.QueryContext(ctx, "SELECT segment, total, last_key, done FROM "+qualified(db, segmentsTable)+" ORDER BY segment")
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s   stream.Segment
			key string
		)
		if err := rows.Scan(&s.Index, &s.Total, &key, &s.Done); err != nil {
			return st, err
		}
		if s.LastKey, err = stream.DecodeKey(key); err != nil {
			return st, err
		}
		st.Segments = append(st.Segments, s)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	err = conn.QueryRowContext(ctx, "SELECT count(*) FROM "+qualified(db, copyTable)).Scan(&st.Rows)
	return st, err
}

// BeginBootstrap empties the copy and records the stream positions captured
// before the scan and the scan's segments, in one transaction.
func (e *Engine) BeginBootstrap(ctx context.Context, dataset string, shards []stream.Shard, segments []stream.Segment, startedAt time.Time) error {
	db, ds, err := e.copyOf(dataset)
	if err != nil {
		return err
	}
	return e.inCopyTx(ctx, func(conn *sql.Conn, qs *queryState, id string) error {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+qualified(db, copyTable)); err != nil {
			return err
		}
		// The copy's columns are the dataset's, typed as a scan types them.
		ref := qs.addRows(id, ds, nil)
		if _, err := conn.ExecContext(ctx, "CREATE TABLE "+qualified(db, copyTable)+" AS SELECT * FROM "+
			planner.ScanFunction+"("+sqlString(dataset)+", "+sqlString(ref)+") LIMIT 0"); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "ALTER TABLE "+qualified(db, copyTable)+" ADD PRIMARY KEY ("+strings.Join(keyColumns(ds), ", ")+")"); err != nil {
			return err
		}
		for _, stmt := range []string{"DELETE FROM " + qualified(db, streamTable), "DELETE FROM " + qualified(db, shardsTable),
			"DELETE FROM " + qualified(db, segmentsTable)} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+qualified(db, streamTable)+" VALUES (?, ?)", accel.PhaseBootstrap, startedAt.UTC()); err != nil {
			return err
		}
		if err := writeShards(ctx, conn, db, shards); err != nil {
			return err
		}
		for _, s := range segments {
			key, err := stream.EncodeKey(s.LastKey)
			if err != nil {
				return err
			}
			if _, err := conn.ExecContext(ctx, "INSERT INTO "+qualified(db, segmentsTable)+" VALUES (?, ?, ?, ?)", s.Index, s.Total, key, s.Done); err != nil {
				return err
			}
		}
		return writeMeta(ctx, conn, db, ds, 0, startedAt)
	})
}

func writeShards(ctx context.Context, conn *sql.Conn, db string, shards []stream.Shard) error {
	if _, err := conn.ExecContext(ctx, "DELETE FROM "+qualified(db, shardsTable)); err != nil {
		return err
	}
	for _, s := range shards {
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+qualified(db, shardsTable)+" VALUES (?, ?, ?, ?, ?)", s.ID, s.Parent, s.Sequence, s.Finished, s.FromHorizon); err != nil {
			return err
		}
	}
	return nil
}

func writeMeta(ctx context.Context, conn *sql.Conn, db string, ds *catalog.Dataset, rows int64, at time.Time) error {
	description, err := ds.MarshalDescription()
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM "+qualified(db, copyMetaTable)); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "INSERT INTO "+qualified(db, copyMetaTable)+" VALUES (?, ?, ?)", string(description), rows, at.UTC())
	return err
}

// keyColumns are the quoted columns of the table's primary key.
func keyColumns(ds *catalog.Dataset) []string {
	var pk, sk string
	for _, c := range ds.Columns.Columns {
		if c.Key == nil {
			continue
		}
		switch c.Key.Role {
		case attrarrow.PartitionKey:
			pk = quoteIdent(c.Name)
		case attrarrow.SortKey:
			sk = quoteIdent(c.Name)
		}
	}
	if sk == "" {
		return []string{pk}
	}
	return []string{pk, sk}
}

// ApplyPage writes one bootstrap page and its segment's progress in one
// transaction.
func (e *Engine) ApplyPage(ctx context.Context, dataset string, page stream.Page) error {
	db, ds, err := e.copyOf(dataset)
	if err != nil {
		return err
	}
	key, err := stream.EncodeKey(page.Segment.LastKey)
	if err != nil {
		return err
	}
	// Attributes the schema sample missed become columns here too, rather
	// than being dropped from the copy.
	grown := evolve(ds, page.Items)
	err = e.inCopyTx(ctx, func(conn *sql.Conn, qs *queryState, id string) error {
		if grown != nil {
			if err := e.grow(ctx, conn, qs, id, db, ds, grown); err != nil {
				return err
			}
			ds = grown
		}
		// A page is applied once, with its segment's progress: its keys
		// are not in the copy yet, so a plain insert does.
		if err := e.insert(ctx, conn, qs, id, db, ds, page.Items, false); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, "UPDATE "+qualified(db, segmentsTable)+" SET last_key = ?, done = ? WHERE segment = ?", key, page.Segment.Done, page.Segment.Index)
		return err
	})
	if err != nil || grown == nil {
		return err
	}
	return e.grown(ctx, dataset, grown)
}

// grow adds grown's new columns to the copy and stores its description,
// inside the caller's transaction.
func (e *Engine) grow(ctx context.Context, conn *sql.Conn, qs *queryState, id, db string, ds, grown *catalog.Dataset) error {
	if err := e.addColumns(ctx, conn, qs, id, db, ds, grown); err != nil {
		return fmt.Errorf("adding columns: %w", err)
	}
	var rows int64
	var at time.Time
	if err := conn.QueryRowContext(ctx, "SELECT row_count, refreshed_at FROM "+qualified(db, copyMetaTable)).Scan(&rows, &at); err != nil {
		return err
	}
	return writeMeta(ctx, conn, db, grown, rows, at)
}

// grown puts the grown dataset in force once its copy has the columns: a
// query planned with them finds them in the copy it reads.
func (e *Engine) grown(ctx context.Context, dataset string, grown *catalog.Dataset) error {
	if err := e.swapDataset(ctx, grown); err != nil {
		return fmt.Errorf("dataset %s: new columns: %w", dataset, err)
	}
	e.log.Info("dataset schema grew: new attributes became columns", "dataset", dataset, "columns", len(grown.Columns.Columns))
	return nil
}

// FinishBootstrap marks the copy as following the stream and returns its
// row count.
func (e *Engine) FinishBootstrap(ctx context.Context, dataset string) (int64, error) {
	db, ds, err := e.copyOf(dataset)
	if err != nil {
		return 0, err
	}
	var rows int64
	err = e.inCopyTx(ctx, func(conn *sql.Conn, _ *queryState, _ string) error {
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+qualified(db, copyTable)).Scan(&rows); err != nil {
			return err
		}
		var started time.Time
		if err := conn.QueryRowContext(ctx, "SELECT started_at FROM "+qualified(db, streamTable)).Scan(&started); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "UPDATE "+qualified(db, streamTable)+" SET phase = ?", accel.PhaseStreaming); err != nil {
			return err
		}
		return writeMeta(ctx, conn, db, ds, rows, started)
	})
	if err == nil && e.copyFile(dataset) {
		e.checkpointCopy(ctx, dataset, db)
	}
	return rows, err
}

// ApplyChanges applies a stream batch and the positions it reaches in one
// transaction. Per key only the batch's last change counts: the changes of
// one key are in order in the batch, so the last one is the newest. Items
// with attributes the dataset has no column for add columns first (schema
// evolution); values that do not fit a column's type become NULL and are
// reported, as in a query.
func (e *Engine) ApplyChanges(ctx context.Context, dataset string, b stream.Batch) (int64, error) {
	db, ds, err := e.copyOf(dataset)
	if err != nil {
		return 0, err
	}
	var rows int64
	last := map[string]int{}
	var order []string
	for i, ch := range b.Changes {
		k, err := stream.EncodeKey(ch.Keys)
		if err != nil {
			return 0, err
		}
		if _, seen := last[k]; !seen {
			order = append(order, k)
		}
		last[k] = i
	}
	var upserts, deletes []map[string]ddbtypes.AttributeValue
	for _, k := range order {
		ch := b.Changes[last[k]]
		if ch.NewImage == nil {
			deletes = append(deletes, ch.Keys)
		} else {
			upserts = append(upserts, ch.NewImage)
		}
	}
	grown := evolve(ds, upserts)
	err = e.inCopyTx(ctx, func(conn *sql.Conn, qs *queryState, id string) error {
		if grown != nil {
			if err := e.grow(ctx, conn, qs, id, db, ds, grown); err != nil {
				return err
			}
			ds = grown
		}
		if len(deletes) > 0 {
			ref := qs.addRows(id, ds, e.convert(dataset, ds, deletes))
			keys := keyColumns(ds)
			conds := make([]string, len(keys))
			for i, k := range keys {
				conds[i] = qualified(db, copyTable) + "." + k + " = k." + k
			}
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+qualified(db, copyTable)+" USING (SELECT "+strings.Join(keys, ", ")+" FROM "+
				planner.ScanFunction+"("+sqlString(dataset)+", "+sqlString(ref)+")) k WHERE "+strings.Join(conds, " AND ")); err != nil {
				return err
			}
		}
		if err := e.upsert(ctx, conn, qs, id, db, ds, upserts); err != nil {
			return err
		}
		if err := writeShards(ctx, conn, db, b.Shards); err != nil {
			return err
		}
		return conn.QueryRowContext(ctx, "SELECT count(*) FROM "+qualified(db, copyTable)).Scan(&rows)
	})
	if err != nil {
		return 0, err
	}
	if grown != nil {
		if err := e.grown(ctx, dataset, grown); err != nil {
			return 0, err
		}
	}
	if e.snapshotDue(dataset) {
		e.checkpointCopy(ctx, dataset, db)
	}
	return rows, nil
}

// upsert inserts or replaces items by primary key.
func (e *Engine) upsert(ctx context.Context, conn *sql.Conn, qs *queryState, id, db string, ds *catalog.Dataset, items []map[string]ddbtypes.AttributeValue) error {
	return e.insert(ctx, conn, qs, id, db, ds, items, true)
}

// insert inserts items, replacing rows with the same primary key when
// replace is set.
func (e *Engine) insert(ctx context.Context, conn *sql.Conn, qs *queryState, id, db string, ds *catalog.Dataset, items []map[string]ddbtypes.AttributeValue, replace bool) error {
	if len(items) == 0 {
		return nil
	}
	ref := qs.addRows(id, ds, e.convert(ds.QualifiedName(), ds, items))
	cols := make([]string, len(ds.Columns.Columns))
	for i, c := range ds.Columns.Columns {
		cols[i] = quoteIdent(c.Name)
	}
	list := strings.Join(cols, ", ")
	verb := "INSERT INTO "
	if replace {
		verb = "INSERT OR REPLACE INTO "
	}
	_, err := conn.ExecContext(ctx, verb+qualified(db, copyTable)+" ("+list+") SELECT "+list+" FROM "+
		planner.ScanFunction+"("+sqlString(ds.QualifiedName())+", "+sqlString(ref)+")")
	return err
}

// convert turns items into one Arrow batch of the dataset's columns through
// the one AttributeValue → Arrow path; what does not fit is logged.
func (e *Engine) convert(dataset string, ds *catalog.Dataset, items []map[string]ddbtypes.AttributeValue) arrow.RecordBatch {
	c := attrarrow.NewConverter(ds.Columns, memory.DefaultAllocator)
	defer c.Release()
	for _, it := range items {
		c.Append(it)
	}
	for _, m := range c.Mismatches() {
		e.log.Warn("stream: values did not fit their column and were stored as NULL", "dataset", dataset, "column", m.Column, "count", m.Count, "reason", m.Reason)
	}
	return c.NewRecordBatch()
}

// evolve returns the dataset with columns for top-level attributes of
// items that it has none for, appended after the others (the copy's
// columns are added at the end too, so both orders agree); nil when there
// are none.
func evolve(ds *catalog.Dataset, items []map[string]ddbtypes.AttributeValue) *catalog.Dataset {
	known := map[string]bool{}
	for _, c := range ds.Columns.Columns {
		if len(c.Path) > 0 {
			known[c.Path[0]] = true
		}
		known[strings.ToLower(c.Name)] = true
	}
	var sample []map[string]ddbtypes.AttributeValue
	for _, it := range items {
		for name := range it {
			if !known[name] && !known[strings.ToLower(name)] {
				sample = append(sample, it)
				break
			}
		}
	}
	if len(sample) == 0 {
		return nil
	}
	keys := []attrarrow.KeyAttribute{ds.PartitionKey}
	if ds.SortKey != nil {
		keys = append(keys, *ds.SortKey)
	}
	fresh, err := attrarrow.Infer(sample, keys, ds.Types)
	if err != nil {
		return nil
	}
	cols := slices.Clone(ds.Columns.Columns)
	fields := slices.Clone(ds.Columns.Arrow.Fields())
	conflicts := slices.Clone(ds.Columns.Conflicts)
	for _, c := range fresh.Columns {
		if len(c.Path) == 0 || known[c.Path[0]] || known[strings.ToLower(c.Path[0])] || known[strings.ToLower(c.Name)] {
			continue
		}
		cols = append(cols, c)
		fields = append(fields, c.Field)
		for _, cf := range fresh.Conflicts {
			if cf.Column == c.Name {
				conflicts = append(conflicts, cf)
			}
		}
	}
	if len(cols) == len(ds.Columns.Columns) {
		return nil
	}
	next := *ds
	next.Columns = &attrarrow.Schema{Columns: cols, Arrow: arrow.NewSchema(fields, nil), Options: ds.Columns.Options, Conflicts: conflicts}
	return &next
}

// addColumns adds grown's new columns to the copy, typed as a scan of
// grown types them.
func (e *Engine) addColumns(ctx context.Context, conn *sql.Conn, qs *queryState, id, db string, ds, grown *catalog.Dataset) error {
	ref := qs.addRows(id, grown, nil)
	tmp := "pgdynamo_grow_" + strings.NewReplacer("/", "_").Replace(id)
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE "+quoteIdent(tmp)+" AS SELECT * FROM "+planner.ScanFunction+"("+
		sqlString(grown.QualifiedName())+", "+sqlString(ref)+") LIMIT 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.main."+quoteIdent(tmp))
	for _, c := range grown.Columns.Columns[len(ds.Columns.Columns):] {
		var typ string
		if err := conn.QueryRowContext(ctx, "SELECT data_type FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ? AND column_name = ?",
			tmp, c.Name).Scan(&typ); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
		if _, err := conn.ExecContext(ctx, "ALTER TABLE "+qualified(db, copyTable)+" ADD COLUMN "+quoteIdent(c.Name)+" "+typ); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	return nil
}

// inCopyTx runs fn in one transaction on a connection of its own, with a
// statement state through which fn's SQL reads Arrow rows.
func (e *Engine) inCopyTx(ctx context.Context, fn func(conn *sql.Conn, qs *queryState, id string) error) error {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	id := fmt.Sprintf("apply%d", e.nextQuery.Add(1))
	qs := newQueryState(ctx, planner.Statement{ID: id}, nil)
	e.running.Store(id, qs)
	defer e.running.Delete(id)
	defer qs.releaseRows()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	if err := fn(conn, qs, id); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// checkpointCopy makes a file copy durable in the file itself (not only in
// its write-ahead log); failing it loses nothing.
func (e *Engine) checkpointCopy(ctx context.Context, dataset, db string) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CHECKPOINT "+quoteIdent(db)); err != nil {
		e.log.Warn("copy: checkpoint failed", "dataset", dataset, "err", err)
	}
}
