package attrarrow

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// appender appends one value per call to a typed Arrow builder. value takes
// any AttributeValue (nil: missing, appended as NULL); str, num and bin take
// the elements of SS, NS and BS without boxing them into AttributeValues.
// Each call appends exactly one slot.
type appender interface {
	value(av types.AttributeValue)
	str(s string)
	num(n string)
	bin(b []byte)
}

// build picks the appender for dt once, with its concrete builder, so the hot
// loop does no type switches on builders and no reflection.
func (c *Converter) build(bld array.Builder, dt arrow.DataType, column, path string) appender {
	b := base{c: c, site: c.newSite(column, path, dt), nb: bld}
	z := sizer{b: bld}
	switch x := bld.(type) {
	case *array.StringBuilder:
		z.bin = x.BinaryBuilder
	case *array.BinaryBuilder:
		z.bin = x
	}
	c.sizers = append(c.sizers, z)
	switch t := dt.(type) {
	case *arrow.BooleanType:
		if x, ok := bld.(*array.BooleanBuilder); ok {
			return &boolApp{base: b, b: x}
		}
	case *arrow.StringType:
		if x, ok := bld.(*array.StringBuilder); ok {
			return &textApp{base: b, b: x.BinaryBuilder}
		}
	case *arrow.BinaryType:
		if x, ok := bld.(*array.BinaryBuilder); ok {
			return &binaryApp{base: b, b: x}
		}
	case *arrow.Int64Type:
		if x, ok := bld.(*array.Int64Builder); ok {
			return &int64App{base: b, b: x}
		}
	case *arrow.Float64Type:
		if x, ok := bld.(*array.Float64Builder); ok {
			return &float64App{base: b, b: x}
		}
	case *arrow.Date32Type:
		if x, ok := bld.(*array.Date32Builder); ok {
			return &dateApp{base: b, b: x}
		}
	case *arrow.TimestampType:
		if x, ok := bld.(*array.TimestampBuilder); ok {
			return &timestampApp{base: b, b: x, layout: c.layout, unit: t.Unit}
		}
	case *arrow.ListType:
		if x, ok := bld.(*array.ListBuilder); ok {
			elem := c.build(x.ValueBuilder(), t.Elem(), column, path+"[]")
			return &listApp{base: b, b: x, elem: elem}
		}
	case *arrow.StructType:
		if x, ok := bld.(*array.StructBuilder); ok && x.NumField() == t.NumFields() {
			s := &structApp{base: b, b: x, fields: make([]structField, t.NumFields())}
			for i, f := range t.Fields() {
				s.fields[i] = structField{name: f.Name, app: c.build(x.FieldBuilder(i), f.Type, column, path+"."+f.Name)}
			}
			return s
		}
	}
	return &unsupportedApp{base: b}
}

// base holds what every appender shares and the default, rejecting,
// behaviour for kinds an appender does not take.
type base struct {
	c    *Converter
	site int32
	nb   array.Builder
}

func (b *base) fail(why cause, got kind, val string) {
	b.c.record(b.site, why, got, val)
	b.nb.AppendNull()
}

// other handles a value of a kind the appender does not take: missing and
// NULL become NULL silently, anything else NULL and a mismatch.
func (b *base) other(av types.AttributeValue) {
	switch k := kindOf(av); k {
	case kindMissing, kindNULL:
		b.nb.AppendNull()
	default:
		b.fail(causeKind, k, "")
	}
}

func (b *base) str(string) { b.fail(causeKind, kindS, "") }
func (b *base) num(string) { b.fail(causeKind, kindN, "") }
func (b *base) bin([]byte) { b.fail(causeKind, kindB, "") }

type boolApp struct {
	base
	b *array.BooleanBuilder
}

func (a *boolApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberBOOL); ok && v != nil {
		a.b.Append(v.Value)
		return
	}
	a.other(av)
}

// textApp fills a Utf8 column. It takes every kind: S as is, N verbatim,
// BOOL as true/false, B as base64, sets, lists and maps as JSON text. Nothing
// is lost, so nothing is counted (invalid UTF-8 aside).
type textApp struct {
	base
	b *array.BinaryBuilder // the String builder's, to append bytes without copying strings
}

func (a *textApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberS); ok && v != nil {
		a.str(v.Value)
		return
	}
	if _, ok := av.(*types.UnknownUnionMember); ok {
		a.other(av)
		return
	}
	out, null := a.c.tw.text(av)
	if null {
		a.b.AppendNull()
		return
	}
	a.appendBytes(out)
}

func (a *textApp) str(s string) {
	if !utf8.ValidString(s) {
		a.c.record(a.site, causeUTF8, kindS, "")
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	a.b.Append(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (a *textApp) num(n string) { a.str(n) }

func (a *textApp) bin(b []byte) {
	a.c.tw.buf = base64.StdEncoding.AppendEncode(a.c.tw.buf[:0], b)
	a.b.Append(a.c.tw.buf)
}

func (a *textApp) appendBytes(p []byte) {
	if !utf8.Valid(p) {
		a.c.record(a.site, causeUTF8, kindS, "")
		p = []byte(strings.ToValidUTF8(string(p), "\uFFFD"))
	}
	a.b.Append(p)
}

type binaryApp struct {
	base
	b *array.BinaryBuilder
}

func (a *binaryApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberB); ok && v != nil {
		a.b.Append(v.Value)
		return
	}
	a.other(av)
}

func (a *binaryApp) bin(b []byte) { a.b.Append(b) }

type int64App struct {
	base
	b *array.Int64Builder
}

func (a *int64App) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberN); ok && v != nil {
		a.num(v.Value)
		return
	}
	a.other(av)
}

func (a *int64App) num(n string) {
	v, integral, fits, ok := parseInt64(n)
	switch {
	case fits:
		a.b.Append(v)
	case !ok:
		a.fail(causeBadNumber, kindN, n)
	case !integral:
		a.fail(causeNotInteger, kindN, n)
	default:
		a.fail(causeIntRange, kindN, n)
	}
}

type float64App struct {
	base
	b       *array.Float64Builder
	scratch [32]byte
}

func (a *float64App) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberN); ok && v != nil {
		a.num(v.Value)
		return
	}
	a.other(av)
}

func (a *float64App) num(n string) {
	f, res := parseFloat(n, a.scratch[:0])
	switch res {
	case floatExact:
		a.b.Append(f)
	case floatLossy:
		a.c.record(a.site, causePrecision, kindN, n)
		a.b.Append(f)
	case floatRange:
		a.fail(causeFloatRange, kindN, n)
	default:
		a.fail(causeBadNumber, kindN, n)
	}
}

type dateApp struct {
	base
	b *array.Date32Builder
}

func (a *dateApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberS); ok && v != nil {
		a.str(v.Value)
		return
	}
	a.other(av)
}

func (a *dateApp) str(s string) {
	if d, ok := parseDate(s); ok {
		a.b.Append(arrow.Date32(d))
		return
	}
	a.fail(causeBadDate, kindS, s)
}

type timestampApp struct {
	base
	b      *array.TimestampBuilder
	layout string
	unit   arrow.TimeUnit
}

func (a *timestampApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberS); ok && v != nil {
		a.str(v.Value)
		return
	}
	a.other(av)
}

func (a *timestampApp) str(s string) {
	t, ok := parseTime(a.layout, s)
	if !ok {
		a.fail(causeBadTime, kindS, s)
		return
	}
	ts, ok := timestampOf(t, a.unit)
	if !ok {
		a.fail(causeTimeRange, kindS, s)
		return
	}
	a.b.Append(ts)
}

type listApp struct {
	base
	b    *array.ListBuilder
	elem appender
}

func (a *listApp) value(av types.AttributeValue) {
	switch v := av.(type) {
	case *types.AttributeValueMemberL:
		if v != nil {
			a.b.Append(true)
			for _, e := range v.Value {
				a.elem.value(e)
			}
			return
		}
	case *types.AttributeValueMemberSS:
		if v != nil {
			a.b.Append(true)
			for _, s := range v.Value {
				a.elem.str(s)
			}
			return
		}
	case *types.AttributeValueMemberNS:
		if v != nil {
			a.b.Append(true)
			for _, n := range v.Value {
				a.elem.num(n)
			}
			return
		}
	case *types.AttributeValueMemberBS:
		if v != nil {
			a.b.Append(true)
			for _, b := range v.Value {
				a.elem.bin(b)
			}
			return
		}
	}
	a.other(av)
}

type structField struct {
	name string
	app  appender
}

type structApp struct {
	base
	b      *array.StructBuilder
	fields []structField
}

func (a *structApp) value(av types.AttributeValue) {
	if v, ok := av.(*types.AttributeValueMemberM); ok && v != nil {
		a.b.Append(true)
		for i := range a.fields {
			f := &a.fields[i]
			f.app.value(v.Value[f.name])
		}
		return
	}
	// StructBuilder.Append(false), via AppendNull, also appends a NULL to
	// every field builder.
	a.other(av)
}

// unsupportedApp fills a column whose Arrow type has no conversion with NULLs.
type unsupportedApp struct{ base }

func (a *unsupportedApp) value(av types.AttributeValue) {
	switch k := kindOf(av); k {
	case kindMissing, kindNULL:
		a.nb.AppendNull()
	default:
		a.fail(causeUnsupported, k, "")
	}
}

func (a *unsupportedApp) str(string) { a.fail(causeUnsupported, kindS, "") }
func (a *unsupportedApp) num(string) { a.fail(causeUnsupported, kindN, "") }
func (a *unsupportedApp) bin([]byte) { a.fail(causeUnsupported, kindB, "") }
