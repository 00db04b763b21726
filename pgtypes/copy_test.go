package pgtypes_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// copyMessages splits CopyData messages into their payloads.
func copyMessages(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if b[0] != 'd' || len(b) < 5 {
			t.Fatalf("not a CopyData message: %q", b)
		}
		n := int(binary.BigEndian.Uint32(b[1:5]))
		out = append(out, b[5:1+n])
		b = b[1+n:]
	}
	return out
}

// copyAll encodes every row of rec with enc, header and trailer included.
func copyAll(t *testing.T, enc *pgtypes.CopyEncoder, rec arrow.RecordBatch) []byte {
	t.Helper()
	out := enc.AppendStart(nil)
	if err := enc.Bind(rec); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		var err error
		if out, err = enc.AppendRow(out, i); err != nil {
			t.Fatal(err)
		}
	}
	return enc.AppendEnd(out)
}

func copyBatch(t *testing.T) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	ids := makeArray(t, arrow.PrimitiveTypes.Int64, `[1, null]`)
	strs := makeArray(t, arrow.BinaryTypes.String, "[\"a\\u001fb\\\\c\\td\", \"\"]")
	return array.NewRecordBatch(schema, []arrow.Array{ids, strs}, 2)
}

// TestCopyEncoderText: text format's escapes, including a control
// character used as the delimiter, which is backslashed as itself.
func TestCopyEncoderText(t *testing.T) {
	rec := copyBatch(t)
	opts := pgtypes.DefaultCopyOptions(pgtypes.CopyText)
	opts.Delimiter, opts.Header = 0x1f, true
	enc, err := pgtypes.NewCopyEncoder(rec.Schema(), opts, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := copyMessages(t, copyAll(t, enc, rec))
	want := []string{"id\x1fs\n", "1\x1fa\\\x1fb\\\\c\\td\n", "\\N\x1f\n"}
	if len(got) != len(want) {
		t.Fatalf("%d messages %q, want %q", len(got), got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestCopyEncoderBinary: a binary tuple is the DataRow's body; the
// signature travels with the first row, or with the trailer when there is
// none, as PostgreSQL sends them.
func TestCopyEncoderBinary(t *testing.T) {
	rec := copyBatch(t)
	opts := pgtypes.DefaultCopyOptions(pgtypes.CopyBinary)
	rows, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{pgtypes.BinaryFormat}, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rows.Bind(rec); err != nil {
		t.Fatal(err)
	}
	var dataRows [][]byte
	for i := 0; i < 2; i++ {
		dr, err := rows.AppendDataRow(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		dataRows = append(dataRows, dr[5:])
	}
	signature := []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	trailer := []byte{0xff, 0xff}

	enc, err := pgtypes.NewCopyEncoder(rec.Schema(), opts, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := copyMessages(t, copyAll(t, enc, rec))
	want := [][]byte{append(append([]byte{}, signature...), dataRows[0]...), dataRows[1], trailer}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("message %d = %q, want %q", i, got[i], want[i])
		}
	}

	empty, err := pgtypes.NewCopyEncoder(rec.Schema(), opts, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got = copyMessages(t, empty.AppendEnd(empty.AppendStart(nil)))
	if len(got) != 1 || !bytes.Equal(got[0], append(append([]byte{}, signature...), trailer...)) {
		t.Errorf("no rows: %q, want the signature and trailer in one message", got)
	}
}

func TestCopyEncoderUnknownForceQuote(t *testing.T) {
	rec := copyBatch(t)
	opts := pgtypes.DefaultCopyOptions(pgtypes.CopyCSV)
	opts.ForceQuote = []string{"s", "nope"}
	_, err := pgtypes.NewCopyEncoder(rec.Schema(), opts, pgtypes.Options{})
	var unknown *pgtypes.UnknownColumnError
	if !errors.As(err, &unknown) || unknown.Column != "nope" {
		t.Fatalf("err %v, want an UnknownColumnError for nope", err)
	}
}
