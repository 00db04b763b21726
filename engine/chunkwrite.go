package engine

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/catalog"
)

// Init starts a run of the scan. A statement kept in the plan cache runs
// again with the scan source DuckDB bound when it was prepared: the run
// takes the state its statement registered under the statement's ID, and
// starts its read afresh.
func (s *scanSource) Init() {
	if v, ok := s.engine.running.Load(s.statement); ok {
		s.qs = v.(*queryState)
		s.ctx = s.qs.ctx
	}
	if s.batch != nil {
		s.batch.Release()
		s.batch = nil
	}
	// The last run's reader was closed with its statement (queryResult.Close).
	s.reader, s.writers, s.offset, s.done = nil, nil, 0, false
}

// FillChunk copies the next rows of the DynamoDB read into chunk, opening
// the read on the first call.
func (s *scanSource) FillChunk(chunk duckdb.DataChunk) error {
	if s.done {
		return chunk.SetSize(0)
	}
	if s.reader == nil {
		if err := s.open(chunk); err != nil {
			return err
		}
	}
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	for row < capacity {
		if s.batch == nil || s.offset >= int(s.batch.NumRows()) {
			if s.batch != nil {
				s.batch.Release()
				s.batch = nil
			}
			rec, err := s.reader.ReadBatch(s.ctx)
			if errors.Is(err, io.EOF) {
				s.finish()
				break
			}
			if err != nil {
				s.finish()
				return err
			}
			s.batch, s.offset = rec, 0
		}
		n := min(capacity-row, int(s.batch.NumRows())-s.offset)
		for col, w := range s.writers {
			if w == nil {
				continue
			}
			if err := w(chunk, col, row, s.batch, s.offset, n); err != nil {
				return err
			}
		}
		row += n
		s.offset += n
	}
	return chunk.SetSize(row)
}

func (s *scanSource) finish() {
	s.done = true
	if s.reader != nil {
		s.reader.Close()
	}
}

// columnWriter copies n rows of one column of rec, from offset, into the
// chunk column col starting at row.
type columnWriter func(chunk duckdb.DataChunk, col, row int, rec arrow.RecordBatch, offset, n int) error

func writerFor(dt arrow.DataType, recCol int) columnWriter {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return typedWriter(recCol, func(a *array.Int64, i int) int64 { return a.Value(i) })
	case *arrow.Float64Type:
		return typedWriter(recCol, func(a *array.Float64, i int) float64 { return a.Value(i) })
	case *arrow.StringType:
		return typedWriter(recCol, func(a *array.String, i int) string { return a.Value(i) })
	case *arrow.BooleanType:
		return typedWriter(recCol, func(a *array.Boolean, i int) bool { return a.Value(i) })
	case *arrow.BinaryType:
		// DuckDB copies the bytes into the chunk.
		return typedWriter(recCol, func(a *array.Binary, i int) []byte { return a.Value(i) })
	case *arrow.Date32Type:
		return typedWriter(recCol, func(a *array.Date32, i int) time.Time { return a.Value(i).ToTime() })
	case *arrow.TimestampType:
		unit := t.Unit
		return typedWriter(recCol, func(a *array.Timestamp, i int) time.Time { return a.Value(i).ToTime(unit) })
	}
	return func(chunk duckdb.DataChunk, col, row int, rec arrow.RecordBatch, offset, n int) error {
		arr := rec.Column(recCol)
		for i := 0; i < n; i++ {
			if err := chunk.SetValue(col, row+i, goValue(arr, offset+i)); err != nil {
				return fmt.Errorf("column %d: %w", col, err)
			}
		}
		return nil
	}
}

// typedWriter avoids boxing every value on the common scalar columns.
func typedWriter[A arrow.Array, T any](recCol int, get func(A, int) T) columnWriter {
	return func(chunk duckdb.DataChunk, col, row int, rec arrow.RecordBatch, offset, n int) error {
		arr := rec.Column(recCol).(A)
		for i := 0; i < n; i++ {
			var err error
			if arr.IsNull(offset + i) {
				err = chunk.SetValue(col, row+i, nil)
			} else {
				err = duckdb.SetChunkValue(chunk, col, row+i, get(arr, offset+i))
			}
			if err != nil {
				return fmt.Errorf("column %d: %w", col, err)
			}
		}
		return nil
	}
}

// rowsSource feeds Arrow rows the engine already holds (all of a
// dataset's columns) into DuckDB chunks.
type rowsSource struct {
	columns []duckdb.ColumnInfo
	rows    arrow.RecordBatch // nil: no rows
	writers []columnWriter
	offset  int
}

func newRowsSource(ds *catalog.Dataset, rows arrow.RecordBatch) (*rowsSource, error) {
	cols, err := columnInfos(ds)
	if err != nil {
		return nil, err
	}
	if rows != nil && int(rows.NumCols()) != len(cols) {
		return nil, fmt.Errorf("%d columns of rows for %d columns of %s", rows.NumCols(), len(cols), ds.QualifiedName())
	}
	return &rowsSource{columns: cols, rows: rows}, nil
}

func (s *rowsSource) ColumnInfos() []duckdb.ColumnInfo { return s.columns }

func (s *rowsSource) Cardinality() *duckdb.CardinalityInfo {
	n := 0
	if s.rows != nil {
		n = int(s.rows.NumRows())
	}
	return &duckdb.CardinalityInfo{Cardinality: uint(n), Exact: true}
}

func (s *rowsSource) Init() {}

func (s *rowsSource) FillChunk(chunk duckdb.DataChunk) error {
	if s.rows == nil || s.offset >= int(s.rows.NumRows()) {
		return chunk.SetSize(0)
	}
	if s.writers == nil {
		s.writers = make([]columnWriter, len(s.columns))
		for i := range s.columns {
			if _, err := chunk.GetVector(i); err == nil {
				s.writers[i] = writerFor(s.rows.Column(i).DataType(), i)
			}
		}
	}
	n := min(duckdb.GetDataChunkCapacity(), int(s.rows.NumRows())-s.offset)
	for col, w := range s.writers {
		if w == nil {
			continue
		}
		if err := w(chunk, col, 0, s.rows, s.offset, n); err != nil {
			return err
		}
	}
	s.offset += n
	return chunk.SetSize(n)
}
