package pgtypes_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// TestDecodeParamMatchesPgxEncoding encodes values with pgx (a real client's
// codecs) in both formats and checks DecodeParam reads them back.
func TestDecodeParamMatchesPgxEncoding(t *testing.T) {
	m := pgtype.NewMap()
	ts := time.Date(1999, 12, 31, 23, 59, 58, 123456000, time.UTC)
	tests := []struct {
		oid  pgtypes.OID
		in   any
		want any
	}{
		{pgtypes.Int2OID, int16(-7), int64(-7)},
		{pgtypes.Int4OID, int32(1 << 30), int64(1 << 30)},
		{pgtypes.Int8OID, int64(math.MinInt64), int64(math.MinInt64)},
		{pgtypes.Float4OID, float32(1.5), float64(1.5)},
		{pgtypes.Float8OID, 0.1, 0.1},
		{pgtypes.Float8OID, math.Inf(-1), math.Inf(-1)},
		{pgtypes.BoolOID, true, true},
		{pgtypes.TextOID, "héllo", "héllo"},
		{pgtypes.VarcharOID, "", ""},
		{pgtypes.ByteaOID, []byte{0, 1, 0xff}, []byte{0, 1, 0xff}},
		{pgtypes.DateOID, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{pgtypes.TimestampOID, ts, ts},
		{pgtypes.TimestamptzOID, ts, ts},
		// Far from 2000 (beyond a time.Duration) and before Christ.
		{pgtypes.TimestamptzOID, time.Date(-100, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{pgtypes.TimestampOID, time.Date(2500, 6, 1, 12, 0, 0, 0, time.UTC), time.Date(2500, 6, 1, 12, 0, 0, 0, time.UTC)},
		{pgtypes.DateOID, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		for _, format := range []int16{pgtype.TextFormatCode, pgtype.BinaryFormatCode} {
			// Start from an empty, non-nil buffer: on the wire an empty value
			// has length 0, NULL has length -1 (a nil slice here).
			raw, err := m.Encode(tc.oid, format, tc.in, []byte{})
			if err != nil {
				t.Fatalf("pgx encode %v: %v", tc.in, err)
			}
			got, err := pgtypes.DecodeParam(tc.oid, pgtypes.Format(format), raw)
			if err != nil {
				t.Fatalf("DecodeParam(%d, %d, %q): %v", tc.oid, format, raw, err)
			}
			if !equalParam(got, tc.want) && !(format == pgtype.TextFormatCode && textForm(got, tc.want)) {
				t.Errorf("oid %d format %d: got %#v, want %#v", tc.oid, format, got, tc.want)
			}
		}
	}
}

// textForm accepts the engine-cast text that dates and timestamps decode to
// in text format.
func textForm(got, want any) bool {
	s, ok := got.(string)
	if !ok {
		return false
	}
	w, ok := want.(time.Time)
	if !ok {
		return false
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05.999999", "2006-01-02 15:04:05.999999Z07"} {
		if p, err := time.Parse(layout, s); err == nil && p.Equal(w) {
			return true
		}
	}
	return false
}

func equalParam(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}

func TestDecodeParamNumericBinary(t *testing.T) {
	m := pgtype.NewMap()
	for _, s := range []string{"0", "1", "-1", "12345.678", "0.0001", "-0.5", "100000000", "3.14159265358979323846", "NaN"} {
		var n pgtype.Numeric
		if err := n.Scan(s); err != nil {
			t.Fatal(err)
		}
		raw, err := m.Encode(pgtypes.NumericOID, pgtype.BinaryFormatCode, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgtypes.DecodeParam(pgtypes.NumericOID, pgtypes.BinaryFormat, raw)
		if err != nil {
			t.Fatal(err)
		}
		if got != s {
			t.Errorf("numeric %s decoded as %v", s, got)
		}
	}
}

func TestDecodeParamRejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		oid    pgtypes.OID
		format pgtypes.Format
		data   []byte
	}{
		{pgtypes.Int8OID, pgtypes.BinaryFormat, []byte{1, 2, 3}},
		{pgtypes.Int4OID, pgtypes.TextFormat, []byte("twelve")},
		{pgtypes.BoolOID, pgtypes.TextFormat, []byte("maybe")},
		{pgtypes.Float8OID, pgtypes.TextFormat, []byte("1.2.3")},
		{pgtypes.NumericOID, pgtypes.BinaryFormat, []byte{0, 5, 0, 0, 0, 0, 0, 0}},
		{pgtypes.IntervalOID, pgtypes.BinaryFormat, make([]byte, 16)},
	} {
		if _, err := pgtypes.DecodeParam(tc.oid, tc.format, tc.data); !errors.Is(err, pgtypes.ErrParamFormat) {
			t.Errorf("DecodeParam(%d, %v, %v) = %v, want ErrParamFormat", tc.oid, tc.format, tc.data, err)
		}
	}
	if v, err := pgtypes.DecodeParam(pgtypes.Int8OID, pgtypes.BinaryFormat, nil); v != nil || err != nil {
		t.Errorf("NULL decoded as %v, %v", v, err)
	}
}

func TestDecodeParamArrays(t *testing.T) {
	m := pgtype.NewMap()
	tests := []struct {
		oid  pgtypes.OID
		in   any
		want []any
	}{
		{pgtypes.Int8ArrayOID, []int64{1, -2, 3}, []any{int64(1), int64(-2), int64(3)}},
		{pgtypes.Int4ArrayOID, []*int32{ptr(int32(7)), nil}, []any{int64(7), nil}},
		{pgtypes.TextArrayOID, []string{"a", "b c", `q"uote`, "", "NULL", `back\slash`, "{x}"}, []any{"a", "b c", `q"uote`, "", "NULL", `back\slash`, "{x}"}},
		{pgtypes.Float8ArrayOID, []float64{1.5, -0.25}, []any{1.5, -0.25}},
		{pgtypes.BoolArrayOID, []bool{true, false}, []any{true, false}},
		{pgtypes.Int8ArrayOID, []int64{}, []any{}},
	}
	for _, tc := range tests {
		for _, format := range []int16{pgtype.TextFormatCode, pgtype.BinaryFormatCode} {
			raw, err := m.Encode(tc.oid, format, tc.in, []byte{})
			if err != nil {
				t.Fatalf("pgx encode %v: %v", tc.in, err)
			}
			got, err := pgtypes.DecodeParam(tc.oid, pgtypes.Format(format), raw)
			if err != nil {
				t.Fatalf("DecodeParam(%d, %d, %q): %v", tc.oid, format, raw, err)
			}
			list, ok := got.([]any)
			if !ok || len(list) != len(tc.want) {
				t.Fatalf("oid %d format %d: got %#v, want %#v", tc.oid, format, got, tc.want)
			}
			for i := range list {
				if list[i] != tc.want[i] {
					t.Errorf("oid %d format %d element %d: %#v, want %#v", tc.oid, format, i, list[i], tc.want[i])
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
