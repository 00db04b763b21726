package engine

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// TestCopyAllMatchesRows: the columns chunkReader copies whole (fixed-width
// numbers and times, booleans, strings, blobs, JSON) give the same arrays
// as appending them row by row, the path nested values take, over several
// chunks whose lengths are not multiples of 64, with NULLs at varied
// places, with none, and with every row NULL.
func TestCopyAllMatchesRows(t *testing.T) {
	db := openBatchDB(t)
	const query = `SELECT
		CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
		CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 100 - 50)::TINYINT END AS i8,
		(i - 30000)::SMALLINT AS i16,
		CASE WHEN i % 64 = 63 THEN NULL ELSE (i * 7919)::INTEGER END AS i32,
		(i * 1000003 - 5)::BIGINT AS i64,
		(i % 250)::UTINYINT AS u8,
		i::USMALLINT AS u16,
		i::UINTEGER AS u32,
		CASE WHEN i = 4000 THEN NULL ELSE (i * 1000000007)::UBIGINT END AS u64,
		(i / 8)::FLOAT AS f32,
		CASE WHEN i % 11 = 0 THEN NULL ELSE i / 7 END::DOUBLE AS f64,
		DATE '2020-01-01' + i::INTEGER AS d,
		TIME '00:00:00' + INTERVAL (i) SECOND AS tm,
		TIMESTAMP '2024-03-15 14:30:00.5' + INTERVAL (i) MINUTE AS ts,
		CASE WHEN i % 2 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-03-15 14:30:00+00' + INTERVAL (i) HOUR END AS tstz,
		CASE WHEN i % 13 = 0 THEN NULL WHEN i % 2 = 0 THEN 's' || i ELSE 'a longer string than twelve bytes ' || i END AS v,
		CASE WHEN i % 3 = 0 THEN '' ELSE repeat('x', i % 20) END AS v2,
		CASE WHEN i % 17 = 0 THEN NULL ELSE ('\x00\x01' || i)::BLOB END AS bl,
		CASE WHEN i % 19 = 0 THEN NULL ELSE to_json({'i': i}) END AS js,
		NULL::VARCHAR AS allnull
	FROM range(5000) t(i)`
	chunks := 0
	eachChunk(t, db, query, func(schema *arrow.Schema, infos []duckdb.TypeInfo) func(mapping.DataChunk, int) error {
		readers := make([]*vectorReader, len(infos))
		for i, info := range infos {
			readers[i] = newVectorReader(info)
			if !readers[i].direct() {
				t.Errorf("column %s (%s) is not copied whole", schema.Field(i).Name, schema.Field(i).Type)
			}
		}
		return func(chunk mapping.DataChunk, n int) error {
			chunks++
			for i, v := range readers {
				f := schema.Field(i)
				v.bind(mapping.DataChunkGetVector(chunk, mapping.IdxT(i)))
				got, err := v.copyAll(f.Type, n)
				if err != nil {
					return err
				}
				b := array.NewBuilder(memory.DefaultAllocator, f.Type)
				want, err := v.appendAll(b, n)
				b.Release()
				if err != nil {
					got.Release()
					return err
				}
				if !array.Equal(got, want) || got.NullN() != want.NullN() {
					t.Errorf("chunk %d column %s: copied %v (%d NULLs), row by row %v (%d NULLs)",
						chunks, f.Name, got, got.NullN(), want, want.NullN())
				}
				if f.Name == "i64" && got.Data().Buffers()[0] != nil {
					t.Errorf("column %s without NULLs has a validity bitmap", f.Name)
				}
				got.Release()
				want.Release()
			}
			return nil
		}
	})
	if chunks < 2 {
		t.Fatalf("%d chunks; the test needs several", chunks)
	}
}
