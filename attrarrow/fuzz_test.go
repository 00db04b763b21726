package attrarrow_test

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// fuzzReader turns fuzz bytes into AttributeValues; past the end it reads zeros.
type fuzzReader struct{ p []byte }

func (f *fuzzReader) next() byte {
	if len(f.p) == 0 {
		return 0
	}
	c := f.p[0]
	f.p = f.p[1:]
	return c
}

func (f *fuzzReader) raw() string {
	n := min(int(f.next()%12), len(f.p))
	v := string(f.p[:n]) // may be invalid UTF-8
	f.p = f.p[n:]
	return v
}

var fuzzNumbers = []string{
	"0", "-1", "1.5", "1e400", "-1e400", "1E-400", "abc", "", "-", "1e", "+1", ".5", "1.", "01", "0x10", "NaN", "Inf",
	"12345678901234567890123456789012345678", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "1e18", "1e19", "100E-2", "1.000", "2024031514300", "20240315143000",
}

var fuzzStrings = []string{
	"", "2024-03-15", "2024-02-30", "2024-03-15T14:30:00Z", "2024-03-15T14:30:00.123+05:30", "2024-03-15 14:30:00",
	"20240315143000", "Mar 15, 2024 2:30:00 PM", "03/15/2024 14:30:00", "0000-01-01", "9999-12-31T23:59:59Z",
	"\x00", "\xff", "é", "\u2028",
}

var fuzzNames = []string{"a", "b", "c", "a.b", "b.x", "id", "ts", "", "x"}

var fuzzLayouts = []string{"", "2006-01-02 15:04:05", "20060102150405", "Jan 2, 2006 3:04:05 PM", "2006-01-02 15:04:05 MST", "2006-01-02"}

func (f *fuzzReader) name() string {
	c := f.next()
	if c < 200 {
		return fuzzNames[int(c)%len(fuzzNames)]
	}
	return f.raw()
}

func (f *fuzzReader) str() string {
	c := f.next()
	if c < 128 {
		return fuzzStrings[int(c)%len(fuzzStrings)]
	}
	return f.raw()
}

func (f *fuzzReader) num() string {
	c := f.next()
	if c < 200 {
		return fuzzNumbers[int(c)%len(fuzzNumbers)]
	}
	return f.raw()
}

func (f *fuzzReader) value(depth int) av {
	k := f.next() % 14
	if depth > 6 && k >= 8 {
		k %= 8
	}
	switch k {
	case 0:
		return s(f.str())
	case 1:
		return n(f.num())
	case 2:
		return b([]byte(f.raw())...)
	case 3:
		return boolean(f.next()%2 == 0)
	case 4:
		return null()
	case 5:
		return &types.UnknownUnionMember{Tag: "X"}
	case 6:
		return (*types.AttributeValueMemberS)(nil)
	case 7:
		return nil
	case 8:
		v := make([]string, f.next()%4)
		for i := range v {
			v[i] = f.str()
		}
		return ss(v...)
	case 9:
		v := make([]string, f.next()%4)
		for i := range v {
			v[i] = f.num()
		}
		return ns(v...)
	case 10:
		v := make([][]byte, f.next()%4)
		for i := range v {
			v[i] = []byte(f.raw())
		}
		return bs(v...)
	case 11, 12:
		v := make([]av, f.next()%4)
		for i := range v {
			v[i] = f.value(depth + 1)
		}
		return l(v...)
	}
	mv := map[string]av{}
	for range f.next() % 4 {
		mv[f.name()] = f.value(depth + 1)
	}
	return &types.AttributeValueMemberM{Value: mv}
}

func (f *fuzzReader) item() item {
	it := item{}
	for range f.next() % 6 {
		it[f.name()] = f.value(0)
	}
	return it
}

// FuzzConvert builds items from fuzz bytes, infers a schema from some of them
// and converts all of them: Append must never panic, and every column of the
// batch must have one row per item. The same items in DynamoDB's wire form
// convert the same with AppendJSON as with the SDK's decoding and Append.
func FuzzConvert(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 5, 0, 1, 1, 2, 1, 3, 1, 4})
	f.Add([]byte{1, 3, 2, 13, 3, 0, 1, 1, 1, 11, 3, 0, 0, 1, 5, 4, 13, 2, 1, 1, 3, 2, 2})
	f.Add([]byte{2, 4, 0, 8, 3, 1, 2, 3, 1, 9, 3, 0, 17, 2, 3, 10, 2, 250, 0, 5, 255, 255, 255})
	f.Add([]byte{3, 5, 0, 13, 3, 0, 13, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 3, 1, 5, 6, 7, 0, 11, 2, 4, 1, 18})
	f.Add([]byte("\x04\x05\x00\x00\x03\x01\x00\x02\x01\x01\x03\x01\x00\x0b\x04\x00\x03\x00\x01\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{p: data}
		mode := r.next()
		o := attrarrow.Options{UnnestDepth: int(mode%5) - 1, TimeFormat: fuzzLayouts[int(mode/5)%len(fuzzLayouts)]}
		var items []item
		for range 1 + r.next()%6 {
			items = append(items, r.item())
		}
		var keys []attrarrow.KeyAttribute
		if mode&0x80 != 0 {
			keys = []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}}
		}
		// Infer from the first items only, so that later ones mismatch.
		sch, err := attrarrow.Infer(items[:(len(items)+1)/2], keys, o)
		if err != nil {
			t.Fatalf("Infer: %v", err)
		}
		check := func(sch *attrarrow.Schema) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			c := attrarrow.NewConverter(sch, mem)
			defer c.Release()
			for round := range 2 {
				for i, it := range items {
					c.Append(it)
					if c.Len() != i+1 {
						t.Fatalf("Len = %d after %d appends", c.Len(), i+1)
					}
				}
				rec := c.NewRecordBatch()
				if int(rec.NumRows()) != len(items) || int(rec.NumCols()) != len(sch.Columns) {
					t.Fatalf("round %d: %d rows × %d cols, want %d × %d", round, rec.NumRows(), rec.NumCols(), len(items), len(sch.Columns))
				}
				for i := range int(rec.NumCols()) {
					if rec.Column(i).Len() != len(items) {
						t.Fatalf("column %d has %d rows", i, rec.Column(i).Len())
					}
				}
				if err := array.ValidateRecordFull(rec); err != nil {
					t.Fatalf("invalid batch: %v", err)
				}
				rec.Release()
			}
			for _, m := range c.Mismatches() {
				if m.Count <= 0 || m.Reason == "" || m.Count%2 != 0 {
					t.Fatalf("mismatch %+v", m)
				}
			}
		}
		check(sch)
		// The same items as DynamoDB would send them, read both ways.
		body := wireBytes(data, items)
		compareWire(t, sch, body)
		names := make([]string, 0, len(sch.Columns))
		for _, col := range sch.Columns {
			names = append(names, col.Name)
		}
		slices.Reverse(names)
		sel, err := sch.Select(names[:len(names)/2])
		if err != nil {
			t.Fatalf("Select: %v", err)
		}
		check(sel)
		compareWire(t, sel, body)
		_ = sch.TopLevelAttributes()
	})
}
