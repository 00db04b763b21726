package attrarrow

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Mismatch counts values that did not fit their column, per column and
// reason, since the Converter was created.
type Mismatch struct {
	Column string
	Count  int64
	// Reason describes the first such value, e.g. "expected int8, got S" or
	// "number 1234567890123456789012345678901234567 lost precision as float8".
	// Values nested in a struct or list are prefixed with their path:
	// "meta.age: expected int8, got S".
	Reason string
	// Kept is true when the values were stored anyway, with a loss (precision,
	// invalid UTF-8 replaced); false when they became NULL.
	Kept bool
}

// Converter appends items to Arrow builders for a fixed schema. Builders are
// created once; NewRecordBatch hands out what was appended and starts over.
// A Converter is not safe for concurrent use.
type Converter struct {
	schema *Schema
	rb     *array.RecordBuilder
	cols   []colConv
	n      int

	tw     textWriter
	layout string
	sites  []site
	counts map[mismatchKey]*mismatchEntry
	sizers []sizer
	wire   wireIndex // AppendJSON's, built on first use
}

// sizer remembers how much one builder (top-level or nested) held in the last
// batch.
type sizer struct {
	b          array.Builder
	bin        *array.BinaryBuilder // for Utf8 and Binary builders
	rows, data int
}

type colConv struct {
	path []string
	site int32
	app  appender
}

// site is a position that can report mismatches: a column, or a struct field
// or list element inside one.
type site struct {
	column string
	path   string // column name, "meta.age", "tags[]"
	want   string // PostgreSQL name of the expected type, for reasons
}

type cause uint8

const (
	causeKind        cause = iota // the value is of another DynamoDB kind
	causeNotMap                   // a flattened column's parent is not a map
	causeNotInteger               // N with a fraction in an integer column
	causeIntRange                 // integral N beyond int64
	causeFloatRange               // N beyond float64
	causeBadNumber                // N that is not a decimal number
	causeBadDate                  // S that is not YYYY-MM-DD
	causeBadTime                  // S that does not parse with the time format
	causeTimeRange                // time not representable in the column's unit
	causeUnsupported              // the column's Arrow type has no conversion
	causePrecision                // kept: N lost digits as float64
	causeUTF8                     // kept: invalid UTF-8 replaced by U+FFFD
)

type mismatchKey struct {
	site  int32
	cause cause
	got   kind
}

type mismatchEntry struct {
	count  int64
	reason string
}

// NewConverter creates builders for every column of s. A nil mem means
// memory.DefaultAllocator. Columns whose Arrow type this package does not
// produce are filled with NULLs and reported as mismatches.
func NewConverter(s *Schema, mem memory.Allocator) *Converter {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	as := s.Arrow
	if as == nil || as.NumFields() != len(s.Columns) {
		as = newSchema(s.Columns, s.Options, nil).Arrow
	}
	c := &Converter{
		schema: s,
		rb:     array.NewRecordBuilder(mem, as),
		layout: s.Options.Layout(),
		counts: make(map[mismatchKey]*mismatchEntry),
	}
	c.cols = make([]colConv, len(s.Columns))
	for i, col := range s.Columns {
		first := int32(len(c.sites)) // build creates the column's own site first
		app := c.build(c.rb.Field(i), as.Field(i).Type, col.Name, col.Name)
		c.cols[i] = colConv{path: col.Path, site: first, app: app}
	}
	return c
}

// Schema returns the schema the Converter was created for.
func (c *Converter) Schema() *Schema { return c.schema }

// Reserve makes room for n more rows in every builder.
func (c *Converter) Reserve(n int) { c.rb.Reserve(n) }

// Append adds one item as a row. It never fails: a value that does not fit
// its column becomes NULL (or is kept with a loss) and is counted; attributes
// without a column are ignored.
func (c *Converter) Append(item map[string]types.AttributeValue) {
	for i := range c.cols {
		col := &c.cols[i]
		var av types.AttributeValue
		switch len(col.path) {
		case 0:
		case 1:
			av = item[col.path[0]]
		default:
			av = c.lookup(col, item)
		}
		col.app.value(av)
	}
	c.n++
}

// lookup follows a flattened column's path through nested maps.
func (c *Converter) lookup(col *colConv, item map[string]types.AttributeValue) types.AttributeValue {
	av := item[col.path[0]]
	for j := 1; j < len(col.path); j++ {
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok || m == nil {
			if k := kindOf(av); k != kindMissing && k != kindNULL {
				c.record(col.site, causeNotMap, k, strings.Join(col.path[:j], "."))
			}
			return nil
		}
		av = m.Value[col.path[j]]
	}
	return av
}

// Len returns the number of rows appended since the last NewRecordBatch.
func (c *Converter) Len() int { return c.n }

// NewRecordBatch returns the rows appended so far and resets the builders.
// The caller owns the batch and must Release it.
// A schema without columns (count(*) needs no attributes) still gives a batch
// with one row per item.
func (c *Converter) NewRecordBatch() arrow.RecordBatch {
	for i := range c.sizers {
		z := &c.sizers[i]
		z.rows = z.b.Len()
		if z.bin != nil {
			z.data = z.bin.DataLen()
		}
	}
	fields := c.rb.Fields()
	cols := make([]arrow.Array, len(fields))
	for i, f := range fields {
		cols[i] = f.NewArray()
	}
	rec := array.NewRecordBatch(c.rb.Schema(), cols, int64(c.n))
	for _, col := range cols {
		col.Release()
	}
	c.n = 0
	// Size the next batch like this one, so that builders do not grow by
	// doubling and copying again.
	for _, z := range c.sizers {
		z.b.Reserve(z.rows)
		if z.bin != nil {
			z.bin.ReserveData(z.data)
		}
	}
	return rec
}

// Mismatches returns the values that did not fit, cumulative since the
// Converter was created, ordered by column (then by position within it).
func (c *Converter) Mismatches() []Mismatch {
	keys := make([]mismatchKey, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b mismatchKey) int {
		return cmp.Or(cmp.Compare(a.site, b.site), cmp.Compare(a.cause, b.cause), cmp.Compare(a.got, b.got))
	})
	out := make([]Mismatch, len(keys))
	for i, k := range keys {
		e := c.counts[k]
		out[i] = Mismatch{
			Column: c.sites[k.site].column,
			Count:  e.count,
			Reason: e.reason,
			Kept:   k.cause >= causePrecision,
		}
	}
	return out
}

// Release frees the builders. Record batches already returned stay valid.
func (c *Converter) Release() {
	if c.rb != nil {
		c.rb.Release()
		c.rb = nil
	}
}

func (c *Converter) newSite(column, path string, dt arrow.DataType) int32 {
	c.sites = append(c.sites, site{column: column, path: path, want: pgName(dt)})
	return int32(len(c.sites) - 1)
}

// record counts one mismatch; the reason text is built for the first only.
func (c *Converter) record(s int32, why cause, got kind, val string) {
	k := mismatchKey{site: s, cause: why, got: got}
	if e := c.counts[k]; e != nil {
		e.count++
		return
	}
	c.counts[k] = &mismatchEntry{count: 1, reason: c.reason(s, why, got, val)}
}

func (c *Converter) reason(s int32, why cause, got kind, val string) string {
	st := c.sites[s]
	var r string
	switch why {
	case causeKind:
		r = "expected " + st.want + ", got " + got.String()
	case causeNotMap:
		r = "expected a map at " + val + ", got " + got.String()
	case causeNotInteger:
		r = "expected " + st.want + ", got non-integral number " + clip(val)
	case causeIntRange, causeFloatRange:
		r = "number " + clip(val) + " out of " + st.want + " range"
	case causeBadNumber:
		r = "expected " + st.want + ", got invalid number " + strconv.Quote(clip(val))
	case causeBadDate:
		r = "expected date as YYYY-MM-DD, got " + strconv.Quote(clip(val))
	case causeBadTime:
		r = fmt.Sprintf("expected %s in time format %q, got %q", st.want, c.layout, clip(val))
	case causeTimeRange:
		r = "time " + strconv.Quote(clip(val)) + " out of " + st.want + " range"
	case causeUnsupported:
		r = "column type " + st.want + " is not supported, values returned as NULL"
	case causePrecision:
		r = "number " + clip(val) + " lost precision as float8"
	case causeUTF8:
		r = "invalid UTF-8 replaced with U+FFFD"
	}
	if st.path != st.column {
		r = st.path + ": " + r
	}
	return r
}

// clip shortens a value quoted in a reason to at most 64 bytes.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// pgName is the PostgreSQL name of the type a column of dt is served as; it
// only words mismatch reasons.
func pgName(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return "bool"
	case *arrow.StringType:
		return "text"
	case *arrow.BinaryType:
		return "bytea"
	case *arrow.Int64Type:
		return "int8"
	case *arrow.Float64Type:
		return "float8"
	case *arrow.Date32Type:
		return "date"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "timestamptz"
		}
		return "timestamp"
	case *arrow.ListType:
		return pgName(t.Elem()) + "[]"
	case *arrow.StructType:
		return "json"
	}
	return dt.String()
}

// SumMismatches adds up mismatch reports (of several converters, or several
// reads of one table): one entry per column and Kept, counts summed, the
// first Reason kept, in order of first appearance.
func SumMismatches(lists ...[]Mismatch) []Mismatch {
	type key struct {
		column string
		kept   bool
	}
	var out []Mismatch
	at := map[key]int{}
	for _, list := range lists {
		for _, m := range list {
			k := key{m.Column, m.Kept}
			if i, ok := at[k]; ok {
				out[i].Count += m.Count
				continue
			}
			at[k] = len(out)
			out = append(out, m)
		}
	}
	return out
}
