package scan

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Op is a comparison DynamoDB evaluates in a key condition or a filter.
type Op int

// The comparisons of DynamoDB's condition expressions that pushdown uses.
const (
	Eq Op = iota
	Ne
	Lt
	Le
	Gt
	Ge
	// Between takes two values, both bounds included.
	Between
	// BeginsWith takes one string value: begins_with(attr, prefix).
	BeginsWith
	// In takes 1 to 100 values.
	In
	// Exists and NotExists take no value: attribute_exists(attr),
	// attribute_not_exists(attr).
	Exists
	NotExists
	// IsType and NotType take one S value naming a DynamoDB type ("S",
	// "N", "NULL", ...): attribute_type(attr, t), NOT attribute_type(attr, t).
	IsType
	NotType
)

var opSymbols = [...]string{Eq: "=", Ne: "<>", Lt: "<", Le: "<=", Gt: ">", Ge: ">="}

// Cond is one condition on a top-level attribute.
type Cond struct {
	Attr   string
	Op     Op
	Values []types.AttributeValue
}

// Filter is a conjunction of disjunctions: every clause must hold, a clause
// holds when one of its conditions does.
type Filter [][]Cond

// KeyCondition makes a read a Query: one Query per partition key value,
// run in parallel, each narrowed by the sort key condition when there is
// one. No values means nothing can match: the read returns no items
// without calling DynamoDB.
type KeyCondition struct {
	Partition string
	Values    []types.AttributeValue
	Sort      *Cond
}

// exprBuilder allocates the #name and :value placeholders of one request's
// expressions, so that no two conditions can clash and attribute names
// never need escaping (reserved words, dots, spaces).
type exprBuilder struct {
	names  map[string]string // placeholder → attribute
	byAttr map[string]string // attribute → placeholder
	values map[string]types.AttributeValue
}

func newExprBuilder() *exprBuilder {
	return &exprBuilder{names: map[string]string{}, byAttr: map[string]string{}, values: map[string]types.AttributeValue{}}
}

func (b *exprBuilder) name(attr string) string {
	if ph, ok := b.byAttr[attr]; ok {
		return ph
	}
	ph := "#n" + strconv.Itoa(len(b.byAttr))
	b.byAttr[attr] = ph
	b.names[ph] = attr
	return ph
}

func (b *exprBuilder) value(v types.AttributeValue) string {
	ph := ":v" + strconv.Itoa(len(b.values))
	b.values[ph] = v
	return ph
}

// cond renders c with placeholders.
func (b *exprBuilder) cond(c Cond) string {
	return renderCond(c, b.name(c.Attr), b.value)
}

// renderCond writes c with attr as its attribute and value rendering each
// operand: placeholders for DynamoDB, literals for EXPLAIN.
func renderCond(c Cond, attr string, value func(types.AttributeValue) string) string {
	arg := func(i int) string {
		if i < len(c.Values) {
			return value(c.Values[i])
		}
		return "?"
	}
	switch c.Op {
	case Between:
		return attr + " BETWEEN " + arg(0) + " AND " + arg(1)
	case BeginsWith:
		return "begins_with(" + attr + ", " + arg(0) + ")"
	case In:
		parts := make([]string, len(c.Values))
		for i := range c.Values {
			parts[i] = arg(i)
		}
		return attr + " IN (" + strings.Join(parts, ", ") + ")"
	case Exists:
		return "attribute_exists(" + attr + ")"
	case NotExists:
		return "attribute_not_exists(" + attr + ")"
	case IsType:
		return "attribute_type(" + attr + ", " + arg(0) + ")"
	case NotType:
		return "NOT attribute_type(" + attr + ", " + arg(0) + ")"
	}
	if int(c.Op) < len(opSymbols) {
		return attr + " " + opSymbols[c.Op] + " " + arg(0)
	}
	return attr + " ?"
}

func renderFilter(f Filter, cond func(Cond) string) string {
	clauses := make([]string, len(f))
	for i, clause := range f {
		parts := make([]string, len(clause))
		for j, c := range clause {
			parts[j] = cond(c)
		}
		clauses[i] = strings.Join(parts, " OR ")
		if len(f) > 1 && len(clause) > 1 {
			clauses[i] = "(" + clauses[i] + ")"
		}
	}
	return strings.Join(clauses, " AND ")
}

// expressions are a request's DynamoDB expressions, built once per read.
type expressions struct {
	keyCondition string
	// partitionValue is the placeholder each Query binds its partition
	// key value to.
	partitionValue string
	filter         string
	projection     string
	names          map[string]string
	values         map[string]types.AttributeValue
}

func (r Request) expressions() expressions {
	b := newExprBuilder()
	var e expressions
	if r.Key != nil {
		e.partitionValue = ":pk"
		e.keyCondition = b.name(r.Key.Partition) + " = " + e.partitionValue
		if r.Key.Sort != nil {
			e.keyCondition += " AND " + b.cond(*r.Key.Sort)
		}
	}
	if len(r.Filter) > 0 {
		e.filter = renderFilter(r.Filter, b.cond)
	}
	if len(r.Projection) > 0 {
		parts := make([]string, len(r.Projection))
		for i, attr := range r.Projection {
			parts[i] = b.name(attr)
		}
		e.projection = strings.Join(parts, ",")
	}
	if len(b.names) > 0 {
		e.names = b.names
	}
	if len(b.values) > 0 {
		e.values = b.values
	}
	return e
}

// Text renders a condition for people (EXPLAIN): attribute names as they
// are, values as literals.
func (c Cond) Text() string { return renderCond(c, c.Attr, ValueText) }

// Text renders a filter for people.
func (f Filter) Text() string { return renderFilter(f, Cond.Text) }

// Shape renders a filter without its values (each is ?), for logs, which
// must never hold a query's parameter values.
func (f Filter) Shape() string {
	return renderFilter(f, func(c Cond) string {
		return renderCond(c, c.Attr, func(types.AttributeValue) string { return "?" })
	})
}

// Shape renders a key condition without its values, for logs.
func (k KeyCondition) Shape() string {
	s := k.Partition + " = ?"
	if k.Sort != nil {
		s += " AND " + Filter{{*k.Sort}}.Shape()
	}
	return s
}

// Text renders a key condition for people; values lists the partition
// values ("each of" several).
func (k KeyCondition) Text() string {
	var value string
	switch len(k.Values) {
	case 0:
		value = "(no value can match)"
	case 1:
		value = ValueText(k.Values[0])
	default:
		parts := make([]string, 0, min(len(k.Values), 5))
		for i, v := range k.Values {
			if i == 4 && len(k.Values) > 5 {
				parts = append(parts, "… "+strconv.Itoa(len(k.Values)-4)+" more")
				break
			}
			parts = append(parts, ValueText(v))
		}
		value = "each of " + strings.Join(parts, ", ")
	}
	s := k.Partition + " = " + value
	if k.Sort != nil {
		s += " AND " + k.Sort.Text()
	}
	return s
}

// ValueText renders one attribute value as a literal: strings quoted,
// numbers as DynamoDB holds them.
func ValueText(v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return "'" + strings.ReplaceAll(x.Value, "'", "''") + "'"
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberBOOL:
		return strconv.FormatBool(x.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberB:
		return "b64'" + base64.StdEncoding.EncodeToString(x.Value) + "'"
	case *types.UnknownUnionMember:
		// A value not known yet: EXPLAIN of a statement with parameters
		// names the parameter.
		return x.Tag
	}
	return "?"
}
