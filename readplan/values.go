package readplan

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// category is how a column's SQL values relate to what DynamoDB holds,
// which decides what a condition on it can say.
type category int

const (
	// unpushable columns (lists, maps, binary, nested paths) give no
	// condition.
	unpushable category = iota
	// number: int8/float8 columns, read only from N values.
	number
	// text: text columns. They read every kind (N verbatim, BOOL as
	// true/false, …), so a condition on S values must also let the other
	// kinds through, unless the column is a key attribute, whose type
	// DynamoDB enforces.
	text
	// date: date columns, read only from S values of exactly YYYY-MM-DD,
	// which sort as the dates do.
	date
	// stamp: timestamp columns whose layout starts with the date
	// (2006-01-02…), compared by day with a day's margin on either side for
	// zones and time of day.
	stamp
	// boolean: bool columns, read only from BOOL values.
	boolean
)

// column is one column as conditions see it.
type column struct {
	name string
	attr string
	cat  category
	// float says SQL compares the column's values as float8, rounded from
	// DynamoDB's decimal numbers.
	float bool
	// keyType is the declared type of a key attribute (table or index
	// key), "" for other attributes.
	keyType types.ScalarAttributeType
}

func columnOf(s *attrarrow.Schema, name string, keyTypes map[string]types.ScalarAttributeType) (column, bool) {
	c, ok := s.Column(name)
	if !ok || len(c.Path) != 1 {
		return column{}, false
	}
	col := column{name: name, attr: c.Path[0], keyType: keyTypes[c.Path[0]]}
	switch t := c.Field.Type.(type) {
	case *arrow.Int64Type:
		col.cat = number
	case *arrow.Float64Type:
		col.cat, col.float = number, true
	case *arrow.StringType:
		col.cat = text
	case *arrow.Date32Type:
		col.cat = date
	case *arrow.TimestampType:
		if strings.HasPrefix(s.Options.Layout(), "2006-01-02") {
			col.cat = stamp
		}
		_ = t
	case *arrow.BooleanType:
		col.cat = boolean
	}
	// A key attribute read as another type than it is stored (a number
	// key as text) compares differently in SQL: no condition.
	switch col.keyType {
	case types.ScalarAttributeTypeN:
		if col.cat != number {
			col.cat = unpushable
		}
	case types.ScalarAttributeTypeS:
		if col.cat != text && col.cat != date && col.cat != stamp {
			col.cat = unpushable
		}
	case types.ScalarAttributeTypeB:
		col.cat = unpushable
	}
	return col, col.cat != unpushable
}

// operand is a bound value converted for a column.
type operand struct {
	av types.AttributeValue
	// approx says SQL compares the value as a float8 (a float8 column or
	// parameter): conditions widen by one float step each way.
	approx bool
	f      float64
	// day is, for a timestamp column, the value's date.
	day time.Time
	// none says no stored number can equal the value (text that is no
	// number, NaN, a fraction compared with an int8 column): a key
	// equality with it reads nothing. Comparisons other than equality
	// cannot use it.
	none bool
}

// convert turns one bound value into an operand for col, or reports that no
// condition can stand for it (ok false).
func convert(col column, v any, cast string) (operand, bool) {
	if v == nil {
		return operand{}, false
	}
	switch col.cat {
	case number:
		return numberOperand(col, v, cast)
	case text:
		s, ok := v.(string)
		if !ok {
			return operand{}, false
		}
		return operand{av: &types.AttributeValueMemberS{Value: s}}, true
	case date:
		var d string
		switch x := v.(type) {
		case string:
			d = strings.TrimSpace(x)
			if len(d) != 10 || !validDate(d) {
				return operand{}, false
			}
		case time.Time:
			d = x.Format("2006-01-02")
		default:
			return operand{}, false
		}
		return operand{av: &types.AttributeValueMemberS{Value: d}}, true
	case stamp:
		var day time.Time
		switch x := v.(type) {
		case string:
			x = strings.TrimSpace(x)
			if len(x) < 10 {
				return operand{}, false
			}
			var err error
			if day, err = time.Parse("2006-01-02", x[:10]); err != nil {
				return operand{}, false
			}
		case time.Time:
			day = time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
		default:
			return operand{}, false
		}
		return operand{day: day}, true
	case boolean:
		b, ok := v.(bool)
		if !ok {
			return operand{}, false
		}
		return operand{av: &types.AttributeValueMemberBOOL{Value: b}}, true
	}
	return operand{}, false
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// floatCasts are the SQL types that make a comparison float8.
var floatCasts = map[string]bool{"float8": true, "float4": true, "double precision": true, "real": true, "float": true}

func numberOperand(col column, v any, cast string) (operand, bool) {
	var text string
	approx := col.float || floatCasts[cast]
	switch x := v.(type) {
	case int64:
		text = strconv.FormatInt(x, 10)
	case int32:
		text = strconv.FormatInt(int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return operand{none: true}, true
		}
		if !col.float && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			// An integral float8 compared with an int8 column is that
			// integer exactly.
			text = strconv.FormatInt(int64(x), 10)
			break
		}
		return operand{approx: true, f: x, none: !col.float}, true
	case float32:
		return numberOperand(col, float64(x), cast)
	case Decimal:
		text = string(x)
	case string:
		// A text value compared with a number column is cast to a number;
		// one that is no number fails the cast, and equals nothing.
		text = strings.TrimSpace(x)
	default:
		return operand{}, false
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return operand{none: true}, true
	}
	if approx {
		f, _ := r.Float64()
		if math.IsInf(f, 0) {
			return operand{none: true}, true
		}
		return operand{approx: true, f: f}, true
	}
	// DynamoDB numbers hold 38 significant digits: a longer literal would
	// be refused (and no stored number can equal it).
	if digits := significantDigits(text); digits > 38 {
		return operand{none: true}, true
	}
	return operand{av: &types.AttributeValueMemberN{Value: canonicalNumber(r, text)}}, true
}

func significantDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(strings.TrimLeft(s, "+-"), "0.")
	s = strings.ReplaceAll(s, ".", "")
	return len(strings.TrimRight(s, "0"))
}

// canonicalNumber is the number as DynamoDB accepts it: the literal when
// it is plain, else the exact rational in decimal.
func canonicalNumber(r *big.Rat, text string) string {
	if !strings.ContainsAny(text, "eE+") && !strings.HasPrefix(text, ".") && !strings.HasPrefix(text, "-.") {
		return text
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(40), "0"), ".")
}

// numberText is a float8 as a DynamoDB number: the shortest text that reads
// back as f, without an exponent. ok is false outside DynamoDB's range
// (1E-130 to 1E126 in magnitude).
func numberText(f float64) (types.AttributeValue, bool) {
	if a := math.Abs(f); a >= 9.9e125 || (a != 0 && a < 1e-129) {
		return nil, false
	}
	return &types.AttributeValueMemberN{Value: strconv.FormatFloat(f, 'f', -1, 64)}, true
}

func dayText(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberS{Value: t.Format("2006-01-02")}
}
