package readplan

import (
	"fmt"

	"github.com/pgdynamo/pgdynamo/catalog"
)

// PushdownSetting is the session setting that turns pushdown off (for
// comparing results with and without it): every read is then a Scan of
// the needed columns.
const PushdownSetting = "pgdynamo.pushdown"

// Op is a predicate the planner found on a column, in SQL's terms.
type Op int

// SQL predicates a read can use.
const (
	Eq Op = iota
	Ne
	Lt
	Le
	Gt
	Ge
	// Between takes two operands, both bounds included.
	Between
	// In takes a list of operands, or one list parameter (= ANY($n)).
	In
	// Prefix is LIKE 'prefix%': one operand, the prefix; Atom.Exact says the
	// pattern was exactly the prefix and one trailing %.
	Prefix
	IsNull
	IsNotNull
)

var opNames = [...]string{"=", "<>", "<", "<=", ">", ">=", "BETWEEN", "IN", "LIKE", "IS NULL", "IS NOT NULL"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Decimal is a numeric literal's text, kept exact ("1.50", "1e3").
type Decimal string

// Arg is one operand of a predicate: a literal or a parameter.
type Arg struct {
	// Param, when > 0, is the $n whose bound value the operand is; with
	// List, the parameter holds an array of values (= ANY($n)).
	Param int
	List  bool
	// Literal is a constant: int64, Decimal, string, bool, or nil for NULL.
	Literal any
	// Cast is the SQL type name the operand is cast to ("date",
	// "timestamptz", "numeric", ...), "" when none.
	Cast string
}

func (a Arg) String() string {
	if a.Param > 0 {
		if a.List {
			return fmt.Sprintf("each of $%d", a.Param)
		}
		return fmt.Sprintf("$%d", a.Param)
	}
	switch v := a.Literal.(type) {
	case string:
		return "'" + v + "'"
	case nil:
		return "NULL"
	default:
		return fmt.Sprint(v)
	}
}

// Atom is one predicate on one column of the dataset.
type Atom struct {
	Column string
	Op     Op
	Args   []Arg
	// Exact, for Prefix, says the LIKE pattern is the prefix followed by a
	// single %, so begins_with means exactly what LIKE does.
	Exact bool
}

// EqualsOneValue reports whether the atom fixes its column to one value:
// = v, or IN with a single operand that is no list parameter.
func (a Atom) EqualsOneValue() bool {
	return a.Op == Eq || (a.Op == In && len(a.Args) == 1 && !a.Args[0].List)
}

// Clause is a disjunction of atoms: it holds when one of them does.
type Clause []Atom

// Spec is the typed description of one dataset reference's read, as the
// planner finds it in the query. It holds no bound values: Decide binds them
// on each execution.
type Spec struct {
	// Columns are the dataset's columns the query may use; AllColumns is set
	// when it uses them all (SELECT *, a whole-row reference).
	Columns    []string
	AllColumns bool
	// Where holds the conjuncts of the reference's WHERE that a read may
	// use; each must hold for every row the query keeps.
	Where []Clause
	// Complete says Where is the whole WHERE applying to the reference's
	// rows (no conjunct was left out).
	Complete bool
	// Limit, when > 0, is how many rows the query can need from the
	// reference: a LIMIT (plus OFFSET) with no ORDER BY, aggregate,
	// DISTINCT, join or set-returning function needing more.
	Limit int64
	// Index is an index the query names explicitly ("orders@by-status").
	Index string
}

// KeyLookup reports whether the spec fixes a whole primary key of ds with
// equalities (the partition key and, when the table has one, the sort key):
// a lookup of single items, which pgdynamo.read_mode auto reads live.
func (s Spec) KeyLookup(ds *catalog.Dataset) bool {
	fixed := func(attr string) bool {
		// The key column by its schema entry, not its name: it may be
		// renamed (Id_2 beside an attribute id).
		col, ok := ds.KeyColumn(attr)
		if !ok {
			return false
		}
		for _, cl := range s.Where {
			if len(cl) == 1 && cl[0].Column == col.Name && cl[0].EqualsOneValue() {
				return true
			}
		}
		return false
	}
	if !fixed(ds.PartitionKey.Name) {
		return false
	}
	return ds.SortKey == nil || fixed(ds.SortKey.Name)
}
