package readplan

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/scan"
)

// Options are the settings a decision depends on besides the query.
type Options struct {
	// Disabled is pgdynamo.pushdown = off: every read is a plain Scan of the
	// needed columns (for comparing results with and without pushdown).
	Disabled bool
	// MaxSegments caps the automatic Scan segment count.
	MaxSegments int
}

// Decision is how one dataset reference reads DynamoDB.
type Decision struct {
	Request scan.Request
	// Columns are the dataset columns the read returns, in dataset order.
	Columns *attrarrow.Schema

	// What Explain shows besides the request. Executions never show it,
	// so the text is rendered only when EXPLAIN asks.
	ds       *catalog.Dataset
	disabled bool
	index    *catalog.Index // nil for the table
	notes    []string
}

// MaxPartitionQueries bounds the partition key values read as parallel
// Queries; a longer list reads the table with a Scan instead.
const MaxPartitionQueries = 1000

// smallLimit is the largest LIMIT read with one Scan segment.
const smallLimit = 1000

// maxFilterConds bounds the conditions of one FilterExpression, well inside
// DynamoDB's 4 KB expression limit for ordinary attribute names.
const maxFilterConds = 64

// Decide turns a reference's Spec, the query's bound parameters (nil when
// there are none or they are not known yet, as for EXPLAIN) and the columns
// the engine asked for (nil: those of the spec) into the exact read and its
// explanation. It is the one place a DynamoDB read is decided: execution and
// EXPLAIN both call it.
func Decide(ds *catalog.Dataset, spec Spec, args []any, asked []string, opts Options) (Decision, error) {
	d := &decider{ds: ds, spec: spec, args: args, opts: opts}
	cols, err := d.columns(asked)
	if err != nil {
		return Decision{}, err
	}
	// attrs are the top-level attributes the read returns, none for count(*).
	attrs := cols.TopLevelAttributes()
	req := scan.Request{
		Table:      ds.Table,
		Projection: attrs,
		Segments:   ds.Segments(opts.MaxSegments),
		MaxItems:   ds.MaxScanItems,
	}
	if len(req.Projection) == 0 {
		// count(*) needs items, not attributes: fetch only the partition key.
		req.Projection = []string{ds.PartitionKey.Name}
	}
	if !opts.Disabled {
		if err := d.pushdown(&req, attrs); err != nil {
			return Decision{}, err
		}
	}
	return Decision{Request: req, Columns: cols, ds: ds, disabled: opts.Disabled, index: d.index, notes: d.notes}, nil
}

type decider struct {
	ds   *catalog.Dataset
	spec Spec
	args []any
	opts Options
	// index is the index the read uses, nil for the table.
	index *catalog.Index
	// exact says every conjunct of the WHERE is in the request exactly.
	exact bool
	notes []string
}

// columns selects the columns the read returns: those the engine asked for
// and those the planner found, so the index choice (which depends on them)
// is the same when EXPLAIN decides without the engine's list.
func (d *decider) columns(asked []string) (*attrarrow.Schema, error) {
	all := d.ds.Columns.Columns
	want := map[string]bool{}
	for _, c := range asked {
		want[c] = true
	}
	for _, c := range d.spec.Columns {
		want[c] = true
	}
	var names []string
	for _, c := range all {
		if d.spec.AllColumns || want[c.Name] {
			names = append(names, c.Name)
		}
	}
	return d.ds.Columns.Select(names)
}

// bound is one clause's atom with its operands converted for its column.
type bound struct {
	atom Atom
	col  column
	ops  []operand
	// unbound holds, per operand, the parameter not known yet (EXPLAIN).
	unbound []string
}

// clause is a WHERE conjunct as the read sees it; ok false when some atom
// cannot become a DynamoDB condition.
type clause struct {
	atoms []bound
	ok    bool
	used  bool
}

func (d *decider) keyTypes() map[string]types.ScalarAttributeType {
	m := map[string]types.ScalarAttributeType{}
	for _, c := range d.ds.Columns.Columns {
		if c.Key != nil && len(c.Path) == 1 {
			m[c.Path[0]] = c.Key.Type
		}
	}
	return m
}

func (d *decider) bindClauses() []clause {
	keyTypes := d.keyTypes()
	out := make([]clause, len(d.spec.Where))
	for i, atoms := range d.spec.Where {
		cl := clause{ok: len(atoms) > 0}
		for _, a := range atoms {
			b, ok := d.bind(a, keyTypes)
			if !ok {
				cl.ok = false
				break
			}
			cl.atoms = append(cl.atoms, b)
		}
		out[i] = cl
	}
	return out
}

func (d *decider) bind(a Atom, keyTypes map[string]types.ScalarAttributeType) (bound, bool) {
	col, ok := columnOf(d.ds.Columns, a.Column, keyTypes)
	if !ok {
		return bound{}, false
	}
	b := bound{atom: a, col: col}
	for _, arg := range a.Args {
		values, known, ok := d.argValues(arg)
		if !ok {
			return bound{}, false
		}
		if !known {
			if col.cat == stamp {
				// A day range needs the value; EXPLAIN shows the parameter.
				b.ops = append(b.ops, operand{})
			} else {
				b.ops = append(b.ops, operand{av: &types.UnknownUnionMember{Tag: arg.String()}})
			}
			b.unbound = append(b.unbound, arg.String())
			continue
		}
		for _, v := range values {
			op, ok := convert(col, v, arg.Cast)
			if !ok {
				return bound{}, false
			}
			b.ops = append(b.ops, op)
			b.unbound = append(b.unbound, "")
		}
	}
	return b, true
}

// argValues are an operand's values: the literal, or the bound parameter
// (each element of an array parameter). known is false when the parameter
// has no value yet.
func (d *decider) argValues(a Arg) (values []any, known, ok bool) {
	if a.Param <= 0 {
		if a.Literal == nil {
			return nil, true, false
		}
		return []any{a.Literal}, true, true
	}
	if d.args == nil {
		return nil, false, true
	}
	if a.Param > len(d.args) {
		return nil, true, false
	}
	v := d.args[a.Param-1]
	if !a.List {
		return []any{v}, true, v != nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, true, false
	}
	return list, true, true
}

// source is a table or index a read can use, with its key attributes.
type source struct {
	index        *catalog.Index
	partition    string
	sort         string
	partitionKey *clause
	values       []types.AttributeValue
	sortCond     *scan.Cond
	sortClauses  []int
	sortExact    bool
	covers       bool
}

func (d *decider) pushdown(req *scan.Request, attrs []string) error {
	clauses := d.bindClauses()
	best, err := d.choose(clauses, attrs)
	if err != nil {
		return err
	}
	exact := d.spec.Complete
	if best != nil {
		d.index = best.index
		if best.index != nil {
			req.Index = best.index.Name
		}
		if best.partitionKey != nil {
			req.Key = &scan.KeyCondition{Partition: best.partition, Values: best.values, Sort: best.sortCond}
			best.partitionKey.used = true
			for _, i := range best.sortClauses {
				clauses[i].used = true
			}
			if !best.sortExact || !clauseExact(*best.partitionKey) {
				exact = false
			}
		}
	}
	// What the key condition did not take goes to the filter, except
	// conditions on the key attributes of a Query, which DynamoDB refuses
	// there (the key condition already narrows them).
	for i := range clauses {
		cl := &clauses[i]
		if cl.used {
			continue
		}
		if !cl.ok {
			exact = false
			continue
		}
		if req.Key != nil && d.onQueryKey(*cl, best) {
			exact = false
			continue
		}
		conds, ok := filterClause(*cl)
		if !ok || filterSize(req.Filter)+len(conds) > maxFilterConds {
			exact = false
			continue
		}
		req.Filter = append(req.Filter, conds)
		if !clauseExact(*cl) {
			exact = false
		}
	}
	d.exact = exact
	if d.spec.Limit > 0 && exact {
		req.Limit = d.spec.Limit
		if req.Limit <= smallLimit {
			// The first page of one segment holds a small LIMIT's items:
			// parallel segments would each read a page for nothing.
			req.Segments = 1
		}
	}
	return nil
}

func filterSize(f scan.Filter) int {
	n := 0
	for _, c := range f {
		n += len(c)
	}
	return n
}

func (d *decider) onQueryKey(cl clause, s *source) bool {
	for _, a := range cl.atoms {
		if a.col.attr == s.partition || (s.sort != "" && a.col.attr == s.sort) {
			return true
		}
	}
	return false
}

// choose picks the table or index to read: the table when the WHERE fixes
// its partition key, else an index whose partition key it fixes, whose
// every key attribute it implies present (a sparse index has no entry for
// items lacking one) and whose projection covers the needed columns. nil
// means a Scan of the table.
func (d *decider) choose(clauses []clause, attrs []string) (*source, error) {
	table := d.source(nil, clauses, attrs)
	var hinted *catalog.Index
	if d.spec.Index != "" {
		for i := range d.ds.Indexes {
			if d.ds.Indexes[i].Name == d.spec.Index {
				hinted = &d.ds.Indexes[i]
			}
		}
		if hinted == nil {
			return nil, pgerror.New(pgerror.UndefinedObject, "index %q of dataset %s does not exist", d.spec.Index, d.ds.QualifiedName())
		}
		s := d.source(hinted, clauses, attrs)
		if !s.covers {
			return nil, &pgerror.Error{Code: pgerror.FeatureNotSupported,
				Message: fmt.Sprintf("index %q of dataset %s does not project every column the query needs", hinted.Name, d.ds.QualifiedName()),
				Hint:    "select only the index's key and projected attributes, or read the table without the @index hint"}
		}
		// Named by the query, the index is read even where it is sparse:
		// items it lacks are what the user asked to leave out.
		d.notes = append(d.notes, "index named by the query")
		return s, nil
	}
	best, bestScore := table, table.score(true)
	if table.partitionKey == nil {
		best, bestScore = nil, 0
	}
	// An LSI reads the same partition as the table, narrowed by its own
	// sort key; a GSI reads another partitioning.
	for i := range d.ds.Indexes {
		idx := &d.ds.Indexes[i]
		s := d.source(idx, clauses, attrs)
		if s.partitionKey == nil || !s.covers || (s.sort != "" && s.sortCond == nil) {
			continue
		}
		// An LSI shares the table's partition key: it only helps with a
		// condition on its own sort key.
		if idx.Kind == catalog.LocalIndex && s.sortCond == nil {
			continue
		}
		if score := s.score(idx.Kind == catalog.LocalIndex); score > bestScore {
			best, bestScore = s, score
		}
	}
	return best, nil
}

// score ranks sources: a partition of the table (or of an LSI, which
// shares it) over a GSI's, and a sort key condition over none.
func (s *source) score(tablePartition bool) int {
	n := 0
	if s.partitionKey != nil {
		n = 4
		if tablePartition {
			n = 10
		}
	}
	if s.sortCond != nil {
		n += 3
	}
	return n
}

func (d *decider) source(idx *catalog.Index, clauses []clause, attrs []string) *source {
	s := &source{index: idx, partition: d.ds.PartitionKey.Name, covers: true}
	if d.ds.SortKey != nil {
		s.sort = d.ds.SortKey.Name
	}
	if idx != nil {
		s.partition, s.sort = idx.PartitionKey, idx.SortKey
		s.covers = d.covers(idx, attrs)
	}
	for i := range clauses {
		cl := &clauses[i]
		if s.partitionKey == nil {
			if values, ok := partitionValues(*cl, s.partition); ok {
				s.partitionKey, s.values = cl, values
			}
		}
	}
	if s.sort != "" {
		s.sortCond, s.sortClauses, s.sortExact = sortCondition(clauses, s.sort)
	} else {
		s.sortExact = true
	}
	return s
}

// covers reports whether idx projects every attribute the read returns
// (attrs, the top-level attributes of its columns).
func (d *decider) covers(idx *catalog.Index, attrs []string) bool {
	if idx.ProjectionType == types.ProjectionTypeAll {
		return true
	}
	have := map[string]bool{d.ds.PartitionKey.Name: true, idx.PartitionKey: true}
	if d.ds.SortKey != nil {
		have[d.ds.SortKey.Name] = true
	}
	if idx.SortKey != "" {
		have[idx.SortKey] = true
	}
	if idx.ProjectionType == types.ProjectionTypeInclude {
		for _, a := range idx.NonKeyAttrs {
			have[a] = true
		}
	}
	for _, a := range attrs {
		if !have[a] {
			return false
		}
	}
	return true
}

// partitionValues are the distinct key values of "key = v", "key IN
// (...)" or an OR of those, exactly as DynamoDB stores them.
func partitionValues(cl clause, attr string) ([]types.AttributeValue, bool) {
	if !cl.ok || len(cl.atoms) == 0 {
		return nil, false
	}
	seen := map[string]bool{}
	var out []types.AttributeValue
	for _, a := range cl.atoms {
		if a.col.attr != attr || (a.atom.Op != Eq && a.atom.Op != In) || a.col.keyType == "" || a.col.cat == stamp {
			return nil, false
		}
		for _, op := range a.ops {
			if op.none && a.col.keyType == types.ScalarAttributeTypeN {
				continue // no key equals it
			}
			if op.approx || op.av == nil {
				return nil, false
			}
			canon := canonical(op.av)
			if seen[canon] {
				continue
			}
			seen[canon] = true
			out = append(out, op.av)
		}
	}
	if len(out) > MaxPartitionQueries {
		return nil, false
	}
	return out, true
}

// canonical identifies equal key values (1 and 1.0 are one DynamoDB number).
func canonical(v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberN:
		if r, ok := new(big.Rat).SetString(x.Value); ok {
			return "N" + r.RatString()
		}
		return "N" + x.Value
	case *types.AttributeValueMemberS:
		return "S" + x.Value
	case *types.UnknownUnionMember:
		return "?" + x.Tag
	}
	return fmt.Sprint(v)
}

// sortCondition combines the single-atom conjuncts on the sort key into
// the one condition a key condition may hold on it.
func sortCondition(clauses []clause, attr string) (*scan.Cond, []int, bool) {
	var (
		lo, hi         types.AttributeValue
		loIncl, hiIncl bool
		eq, prefix     types.AttributeValue
		used           []int
		exact          = true
	)
	for i, cl := range clauses {
		if !cl.ok || len(cl.atoms) != 1 || cl.atoms[0].col.attr != attr {
			continue
		}
		a := cl.atoms[0]
		low, high, eqv, pfx, isExact, ok := keyRange(a)
		if !ok {
			continue
		}
		used = append(used, i)
		exact = exact && isExact
		switch {
		case eqv != nil:
			eq = eqv
		case pfx != nil:
			prefix = pfx
		}
		if low != nil && lo == nil {
			lo, loIncl = low.av, low.incl
		} else if low != nil {
			exact = false // two lower bounds: keep the first, the engine applies both
		}
		if high != nil && hi == nil {
			hi, hiIncl = high.av, high.incl
		} else if high != nil {
			exact = false
		}
	}
	switch {
	case len(used) == 0:
		return nil, nil, true
	case eq != nil:
		return &scan.Cond{Attr: attr, Op: scan.Eq, Values: []types.AttributeValue{eq}}, used, exact && len(used) == 1
	case prefix != nil:
		return &scan.Cond{Attr: attr, Op: scan.BeginsWith, Values: []types.AttributeValue{prefix}}, used, exact && len(used) == 1
	case lo != nil && hi != nil:
		// BETWEEN includes both ends: an exclusive bound becomes inclusive
		// and the engine drops the end value.
		return &scan.Cond{Attr: attr, Op: scan.Between, Values: []types.AttributeValue{lo, hi}}, used, exact && loIncl && hiIncl
	case lo != nil:
		op := scan.Gt
		if loIncl {
			op = scan.Ge
		}
		return &scan.Cond{Attr: attr, Op: op, Values: []types.AttributeValue{lo}}, used, exact
	default:
		op := scan.Lt
		if hiIncl {
			op = scan.Le
		}
		return &scan.Cond{Attr: attr, Op: op, Values: []types.AttributeValue{hi}}, used, exact
	}
}

type boundary struct {
	av   types.AttributeValue
	incl bool
}

// keyRange reads a sort key atom as a range of stored values: bounds, an
// equal value or a prefix. exact says the range holds exactly the values
// the SQL predicate keeps.
func keyRange(a bound) (lo, hi *boundary, eq, prefix types.AttributeValue, exact, ok bool) {
	if a.col.keyType == "" {
		return nil, nil, nil, nil, false, false
	}
	ops := a.ops
	one := func() (operand, bool) { return ops[0], len(ops) == 1 }
	switch a.atom.Op {
	case Eq, Lt, Le, Gt, Ge:
		op, ok := one()
		if !ok {
			return nil, nil, nil, nil, false, false
		}
		l, h, e, x, ok := comparison(a.col, a.atom.Op, op)
		if !ok {
			return nil, nil, nil, nil, false, false
		}
		if e != nil {
			return nil, nil, e, nil, x, true
		}
		return l, h, nil, nil, x, true
	case Between:
		if len(ops) != 2 {
			return nil, nil, nil, nil, false, false
		}
		l, _, _, x1, ok1 := comparison(a.col, Ge, ops[0])
		_, h, _, x2, ok2 := comparison(a.col, Le, ops[1])
		if !ok1 || !ok2 {
			return nil, nil, nil, nil, false, false
		}
		return l, h, nil, nil, x1 && x2, true
	case Prefix:
		op, ok := one()
		if !ok || a.col.cat != text || op.av == nil {
			return nil, nil, nil, nil, false, false
		}
		return nil, nil, nil, op.av, a.atom.Exact, true
	}
	return nil, nil, nil, nil, false, false
}

// comparison turns "column op value" into bounds on stored values, widened
// where SQL compares differently from DynamoDB: float8 by one float step,
// timestamps by a day. exact says no widening was needed and every stored
// value in range reads back as a value SQL keeps.
func comparison(col column, op Op, v operand) (lo, hi *boundary, eq types.AttributeValue, exact, ok bool) {
	switch {
	case v.approx:
		down, ok1 := numberText(math.Nextafter(v.f, math.Inf(-1)))
		up, ok2 := numberText(math.Nextafter(v.f, math.Inf(1)))
		if !ok1 || !ok2 {
			return nil, nil, nil, false, false
		}
		return widened(op, &boundary{down, true}, &boundary{up, true})
	case col.cat == stamp:
		if v.day.IsZero() {
			return nil, nil, nil, false, false
		}
		return widened(op, &boundary{dayText(v.day.AddDate(0, 0, -1)), true}, &boundary{dayText(v.day.AddDate(0, 0, 2)), false})
	default:
		if v.av == nil {
			return nil, nil, nil, false, false
		}
		// Exact for text keys (DynamoDB enforces their type) and for
		// equality on numbers (a stored number equal to an integer is
		// that integer); a number range also admits fractions an int8
		// column reads as NULL, and a date range strings that are no date.
		exactText := col.cat == text && col.keyType == types.ScalarAttributeTypeS
		switch op {
		case Eq:
			return nil, nil, v.av, exactText || col.cat == number || col.cat == date || col.cat == boolean, true
		case Lt:
			return nil, &boundary{v.av, false}, nil, exactText, true
		case Le:
			return nil, &boundary{v.av, true}, nil, exactText, true
		case Gt:
			return &boundary{v.av, false}, nil, nil, exactText, true
		case Ge:
			return &boundary{v.av, true}, nil, nil, exactText, true
		}
	}
	return nil, nil, nil, false, false
}

// widened is a comparison with a value known only within [lo, hi]: the
// bounds that admit every stored value SQL may keep. Never exact.
func widened(op Op, lo, hi *boundary) (*boundary, *boundary, types.AttributeValue, bool, bool) {
	switch op {
	case Eq:
		return lo, hi, nil, false, true
	case Lt, Le:
		return nil, hi, nil, false, true
	case Gt, Ge:
		return lo, nil, nil, false, true
	}
	return nil, nil, nil, false, false
}

// clauseExact says the clause's conditions keep exactly the rows SQL does.
func clauseExact(cl clause) bool {
	for _, a := range cl.atoms {
		if !atomExact(a) {
			return false
		}
	}
	return true
}

func atomExact(a bound) bool {
	exactText := a.col.cat == text && a.col.keyType == types.ScalarAttributeTypeS
	for _, op := range a.ops {
		if op.approx {
			return false
		}
	}
	switch a.atom.Op {
	case Eq, In:
		return a.col.cat != stamp && (a.col.cat != text || exactText)
	case Lt, Le, Gt, Ge, Between, Ne:
		return exactText
	case Prefix:
		return exactText && a.atom.Exact
	}
	return false
}

// filterClause is a clause as a disjunction of filter conditions. Each
// condition admits at least every item whose row satisfies the atom in
// SQL; the engine still applies the WHERE, so admitting more only costs.
func filterClause(cl clause) ([]scan.Cond, bool) {
	var out []scan.Cond
	for _, a := range cl.atoms {
		conds, ok := filterAtom(a)
		if !ok {
			return nil, false
		}
		out = append(out, conds...)
	}
	return out, true
}

func filterAtom(a bound) ([]scan.Cond, bool) {
	attr := a.col.attr
	var out []scan.Cond
	cond := func(op scan.Op, vs ...types.AttributeValue) {
		out = append(out, scan.Cond{Attr: attr, Op: op, Values: vs})
	}
	switch a.atom.Op {
	case IsNotNull:
		cond(scan.Exists)
		return out, true
	case IsNull:
		// NULL in SQL: no attribute, a NULL value, or a value of a kind the
		// column does not read.
		cond(scan.NotExists)
		switch {
		case a.col.cat == number && a.col.float:
			// Every N reads as a float8.
			cond(scan.NotType, &types.AttributeValueMemberS{Value: "N"})
		case a.col.cat == boolean:
			cond(scan.NotType, &types.AttributeValueMemberS{Value: "BOOL"})
		case a.col.cat == text:
			cond(scan.IsType, &types.AttributeValueMemberS{Value: "NULL"})
		default:
			// An int8, date or timestamp column also reads values of its
			// own kind as NULL (a fraction, "2024-1-5", "garbage"): no
			// condition on the kind says which.
			return nil, false
		}
		return out, true
	}
	switch a.atom.Op {
	case Eq, Lt, Le, Gt, Ge:
		if len(a.ops) != 1 {
			return nil, false
		}
		lo, hi, eq, _, ok := comparison(a.col, a.atom.Op, a.ops[0])
		if !ok {
			return nil, false
		}
		switch {
		case eq != nil:
			cond(scan.Eq, eq)
		case lo != nil && hi != nil:
			cond(scan.Between, lo.av, hi.av)
		case lo != nil:
			cond(map[bool]scan.Op{true: scan.Ge, false: scan.Gt}[lo.incl], lo.av)
		default:
			cond(map[bool]scan.Op{true: scan.Le, false: scan.Lt}[hi.incl], hi.av)
		}
	case Between:
		if len(a.ops) != 2 {
			return nil, false
		}
		lo, _, _, _, ok1 := comparison(a.col, Ge, a.ops[0])
		_, hi, _, _, ok2 := comparison(a.col, Le, a.ops[1])
		if !ok1 || !ok2 {
			return nil, false
		}
		cond(scan.Between, lo.av, hi.av)
	case Ne:
		if len(a.ops) != 1 || a.ops[0].approx || a.ops[0].av == nil || a.col.cat == stamp || a.col.cat == date {
			return nil, false
		}
		cond(scan.Ne, a.ops[0].av)
	case In:
		if len(a.ops) == 0 || len(a.ops) > scan.MaxFilterIn || a.col.cat == stamp {
			return nil, false
		}
		vs := make([]types.AttributeValue, len(a.ops))
		for i, op := range a.ops {
			if op.approx || op.av == nil {
				return nil, false
			}
			vs[i] = op.av
		}
		cond(scan.In, vs...)
	case Prefix:
		if len(a.ops) != 1 || a.col.cat != text || a.ops[0].av == nil {
			return nil, false
		}
		cond(scan.BeginsWith, a.ops[0].av)
	default:
		return nil, false
	}
	// A text column reads N, BOOL, lists and maps as text too: let items
	// holding another kind through, the engine compares their text.
	if a.col.cat == text && a.col.keyType == "" {
		cond(scan.NotType, &types.AttributeValueMemberS{Value: "S"})
	}
	return out, true
}

// Explain is what EXPLAIN shows of the read, one line each.
func (d Decision) Explain() []string {
	ds, req := d.ds, d.Request
	lines := []string{fmt.Sprintf("DynamoDB %s on %s (table %s, region %s)", req.Op(), ds.QualifiedName(), ds.Table, ds.Region)}
	add := func(format string, a ...any) { lines = append(lines, "  "+fmt.Sprintf(format, a...)) }
	if d.disabled {
		add("Pushdown: off (pgdynamo.pushdown), the whole table is read")
	}
	if d.index != nil {
		kind := "global secondary index"
		if d.index.Kind == catalog.LocalIndex {
			kind = "local secondary index"
		}
		add("Index: %s (%s%s)", d.index.Name, kind, noteText(d.notes))
	}
	if req.Key != nil {
		add("Key condition: %s", req.Key.Text())
		if n := len(req.Key.Values); n > 1 {
			add("Partitions queried in parallel: %d", n)
		} else if n == 1 {
			if u, ok := req.Key.Values[0].(*types.UnknownUnionMember); ok && strings.HasPrefix(u.Tag, "each of") {
				add("Partitions queried in parallel: one per value (a Scan with more than %d)", MaxPartitionQueries)
			}
		}
	} else {
		add("Parallel segments: %d (about %d items)", req.Segments, ds.ItemCount)
	}
	if len(req.Filter) > 0 {
		add("Filter: %s", req.Filter.Text())
	}
	add("Projection: %s", strings.Join(req.Projection, ", "))
	if req.Limit > 0 {
		add("Limit: stops after %d items (the query's LIMIT; every condition is pushed exactly)", req.Limit)
	}
	if req.MaxItems > 0 {
		add("Max items: %d (params.max_scan_items)", req.MaxItems)
	}
	if ds.ReadCapacityLimit > 0 {
		add("Read capacity budget: %s RCU/s shared by every read of the table (params.read_capacity_limit)",
			strconv.FormatFloat(ds.ReadCapacityLimit, 'f', -1, 64))
	}
	return lines
}

func noteText(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return ", " + strings.Join(notes, ", ")
}
