package attrarrow

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column is one SQL column and where its values come from in an item.
type Column struct {
	Name  string        // SQL column name: attribute name, or "b.x" for flattened maps
	Path  []string      // attribute path in the item: ["b","x"]
	Field arrow.Field   // Arrow field (Name == Name above), nullable
	Key   *KeyAttribute // non-nil for key attributes
}

// Conflict records a place where the sampled values disagreed on their
// DynamoDB type, so that the values there are kept as text (Utf8) instead of
// a typed column. Callers surface these as notices.
type Conflict struct {
	Column string   // the SQL column holding the values
	Path   string   // the value's path: "price", "meta.age", "tags[]" (list elements)
	Kinds  []string // DynamoDB kinds seen, e.g. ["S","N"]
}

func (c Conflict) String() string {
	return fmt.Sprintf("%s: kinds %v kept as text", c.Path, c.Kinds)
}

// Schema is the Arrow schema of a dataset together with the item paths that
// feed each column. Build it with Infer; narrow it with Select.
type Schema struct {
	Columns   []Column
	Arrow     *arrow.Schema
	Options   Options
	Conflicts []Conflict // sampled type conflicts, ordered by column

	// selected memoizes Select by its names: every read of a dataset
	// selects its columns again (a key lookup each run), and a schema does
	// not change once built. Bounded by maxSelected entries.
	selected  sync.Map // string → *Schema
	nSelected atomic.Int32
}

// maxSelected bounds the projections a schema remembers; past it Select
// builds each one anew.
const maxSelected = 256

// Column returns the column with the given SQL name.
func (s *Schema) Column(name string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Select returns a schema holding only the named columns, in the given order
// (for projection). Unknown or repeated names are errors.
// The result is shared: callers must not change it.
func (s *Schema) Select(names []string) (*Schema, error) {
	key := selectionKey(names)
	if sel, ok := s.selected.Load(key); ok {
		return sel.(*Schema), nil
	}
	sel, err := s.selectColumns(names)
	if err != nil {
		return nil, err
	}
	if s.nSelected.Load() < maxSelected {
		if _, loaded := s.selected.LoadOrStore(key, sel); !loaded {
			s.nSelected.Add(1)
		}
	}
	return sel, nil
}

// selectionKey is names as one string, each prefixed with its length (any
// byte may be in a name).
func selectionKey(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(strconv.Itoa(len(n)))
		b.WriteByte(':')
		b.WriteString(n)
	}
	return b.String()
}

func (s *Schema) selectColumns(names []string) (*Schema, error) {
	cols := make([]Column, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("attrarrow: column %q selected twice", n)
		}
		seen[n] = true
		c, ok := s.Column(n)
		if !ok {
			return nil, fmt.Errorf("attrarrow: no column %q", n)
		}
		cols = append(cols, c)
	}
	var conflicts []Conflict
	for _, n := range names {
		for _, c := range s.Conflicts {
			if c.Column == n {
				conflicts = append(conflicts, c)
			}
		}
	}
	return newSchema(cols, s.Options, conflicts), nil
}

// TopLevelAttributes returns the distinct first path elements of the columns,
// in column order: the attributes a ProjectionExpression must fetch.
func (s *Schema) TopLevelAttributes() []string {
	out := make([]string, 0, len(s.Columns))
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		if len(c.Path) == 0 || seen[c.Path[0]] {
			continue
		}
		seen[c.Path[0]] = true
		out = append(out, c.Path[0])
	}
	return out
}

func newSchema(cols []Column, opts Options, conflicts []Conflict) *Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.Field
	}
	return &Schema{
		Columns:   cols,
		Arrow:     arrow.NewSchema(fields, nil),
		Options:   opts,
		Conflicts: conflicts,
	}
}
