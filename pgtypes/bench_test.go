package pgtypes_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

const benchRows = 4096

// benchBatch is a 4096-row batch of the commonest DynamoDB column types,
// with about 5% NULLs.
func benchBatch() arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	rnd := rand.New(rand.NewSource(42))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for r := 0; r < benchRows; r++ {
		null := rnd.Intn(20) == 0
		if null {
			for _, fb := range b.Fields() {
				fb.AppendNull()
			}
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(rnd.Int63())
		b.Field(1).(*array.Float64Builder).Append(rnd.Float64() * 1000)
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("user-%d@example.com", rnd.Intn(1e6)))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(start + rnd.Int63n(365*24*3600*1000)))
		b.Field(4).(*array.BooleanBuilder).Append(rnd.Intn(2) == 0)
	}
	return b.NewRecordBatch()
}

// valueStrRowsPerSec measures the naive baseline in this run: every value
// through arrow's ValueStr, as a gateway that formats Arrow's own way would.
func valueStrRowsPerSec(rec arrow.RecordBatch) float64 {
	cols := rec.Columns()
	var dst [][]byte
	var rows int
	t0 := time.Now()
	for time.Since(t0) < 200*time.Millisecond {
		for r := 0; r < int(rec.NumRows()); r++ {
			dst = dst[:0]
			for _, c := range cols {
				if c.IsNull(r) {
					dst = append(dst, nil)
				} else {
					dst = append(dst, []byte(c.ValueStr(r)))
				}
			}
		}
		rows += int(rec.NumRows())
	}
	return float64(rows) / time.Since(t0).Seconds()
}

// BenchmarkEncodeRow encodes a 4096-row batch (one op) of int64, float64,
// utf8, timestamp and bool columns into DataRow messages as the wire layer
// does (one Bind, AppendDataRow into a buffer emptied at 64 KiB),
// reporting rows/s and the speed-up over the ValueStr baseline measured in
// the same run.
func BenchmarkEncodeRow(b *testing.B) {
	rec := benchBatch()
	defer rec.Release()
	baseline := valueStrRowsPerSec(rec)
	for _, format := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
		b.Run(format.String(), func(b *testing.B) {
			enc, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{format}, pgtypes.Options{})
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 80<<10)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := enc.Bind(rec); err != nil {
					b.Fatal(err)
				}
				for r := 0; r < benchRows; r++ {
					if buf, err = enc.AppendDataRow(buf, r); err != nil {
						b.Fatal(err)
					}
					if len(buf) >= 64<<10 {
						buf = buf[:0]
					}
				}
			}
			rowsPerSec := float64(b.N) * benchRows / b.Elapsed().Seconds()
			b.ReportMetric(rowsPerSec, "rows/s")
			b.ReportMetric(rowsPerSec/baseline, "x_valuestr")
		})
	}
}
