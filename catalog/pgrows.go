package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The row builders of the catalog relations: each turns the datasets into
// the rows PostgreSQL would show for them.

// builder generates rows from the catalog.
type builder struct {
	c *Catalog
	l *layout
}

// relColumn is one column of a relation as pg_attribute shows it.
type relColumn struct {
	name    string
	typ     pgtypes.Type
	notNull bool
	comment string
}

func (b *builder) datasetColumns(d *Dataset) ([]relColumn, error) {
	out := make([]relColumn, 0, len(d.Columns.Columns))
	for _, col := range d.Columns.Columns {
		t, err := pgtypes.ForArrow(col.Field.Type)
		if err != nil {
			return nil, fmt.Errorf("dataset %s column %q: %w", d.QualifiedName(), col.Name, err)
		}
		rc := relColumn{name: col.Name, typ: t}
		if col.Key != nil {
			// By the column's key entry: its name may differ from the
			// attribute's (KeyColumn).
			switch col.Key.Role {
			case attrarrow.PartitionKey:
				rc.notNull, rc.comment = true, "DynamoDB partition key"
			case attrarrow.SortKey:
				rc.notNull, rc.comment = true, "DynamoDB sort key"
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

// attnums returns the attnums of columns of a dataset, by SQL name.
func (b *builder) attnums(d *Dataset, names ...string) ([]int16, error) {
	out := make([]int16, 0, len(names))
	for _, n := range names {
		found := false
		for i, col := range d.Columns.Columns {
			if col.Name == n {
				out = append(out, int16(i+1))
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("dataset %s: no column %q", d.QualifiedName(), n)
		}
	}
	return out, nil
}

// index is one pg_index row and its pg_class entry.
type index struct {
	d       *Dataset
	oid     uint32
	name    string
	primary bool
	keys    []string
	attnums []int16
}

func (b *builder) indexes() ([]index, error) {
	var out []index
	for _, d := range b.c.datasets {
		keys, err := d.PrimaryKeyColumns()
		if err != nil {
			return nil, err
		}
		nums, err := b.attnums(d, keys...)
		if err != nil {
			return nil, err
		}
		out = append(out, index{d: d, oid: b.l.pkey[d], name: pkeyName(d), primary: true, keys: keys, attnums: nums})
		for i, idx := range d.Indexes {
			keys, err := d.keyColumnNames(idx.PartitionKey, idx.SortKey)
			if err != nil {
				return nil, err
			}
			nums, err := b.attnums(d, keys...)
			if err != nil {
				return nil, err
			}
			out = append(out, index{d: d, oid: b.l.indexes[d][i], name: idx.Name, keys: keys, attnums: nums})
		}
	}
	return out, nil
}

// quoteIdent quotes an identifier where PostgreSQL's quote_ident would
// (approximately: any name that is not lower-case letters, digits and _).
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '$')) {
			plain = false
			break
		}
	}
	if plain && !reservedWords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedWords are the PostgreSQL keywords most likely to name a column;
// the engine's quote_ident carries the full list.
var reservedWords = map[string]bool{"user": true, "order": true, "group": true, "table": true, "select": true,
	"from": true, "where": true, "time": true, "end": true, "default": true, "limit": true, "offset": true, "desc": true,
	"asc": true, "check": true, "column": true, "primary": true, "unique": true, "references": true, "all": true}

func (ix index) def() string {
	cols := make([]string, len(ix.keys))
	for i, k := range ix.keys {
		cols[i] = quoteIdent(k)
	}
	unique := ""
	if ix.primary {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s.%s USING btree (%s)", unique, quoteIdent(ix.name),
		quoteIdent(ix.d.Schema), quoteIdent(ix.d.Name), strings.Join(cols, ", "))
}

func (ix index) constraintDef() string {
	cols := make([]string, len(ix.keys))
	for i, k := range ix.keys {
		cols[i] = quoteIdent(k)
	}
	return "PRIMARY KEY (" + strings.Join(cols, ", ") + ")"
}

func oid(v uint32) int64 { return int64(v) }

// systemRelationRows lists the visible system relations as pg_class rows.
func visibleRelations() []*SystemRelation {
	var out []*SystemRelation
	for _, r := range systemRelations {
		if !r.Internal {
			out = append(out, r)
		}
	}
	return out
}

func nsOIDOf(schema string) int64 {
	switch schema {
	case InformationSchema:
		return InformationNamespaceOID
	case SystemSchema:
		return SystemNamespaceOID
	}
	return PGCatalogNamespaceOID
}

func (b *builder) namespaceRows() ([][]any, error) {
	var rows [][]any
	for _, s := range b.l.nsOrder {
		rows = append(rows, []any{oid(b.l.namespaces[s]), s, int64(OwnerOID), nil})
	}
	return rows, nil
}

func (b *builder) classRows() ([][]any, error) {
	var rows [][]any
	row := func(o uint32, name string, ns uint32, reltype uint32, am uint32, pages int32, tuples float32, hasIndex bool, kind string, natts int16, replident string) []any {
		return []any{oid(o), name, oid(ns), oid(reltype), int64(0), int64(OwnerOID), oid(am), oid(o), int64(0),
			pages, tuples, int32(0), int64(0), hasIndex, false, "p", kind, natts, int16(0), false, false, false, false,
			false, true, replident, false, int64(0), int64(0), int64(0), nil, nil, nil}
	}
	for _, d := range b.c.datasets {
		pages := int32(d.SizeBytes / 8192)
		rows = append(rows, row(b.l.table[d], d.Name, b.l.namespaces[d.Schema], b.l.rowtype[d], HeapAMOID, pages,
			float32(d.ItemCount), true, "r", int16(len(d.Columns.Columns)), "d"))
	}
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	for _, ix := range ixs {
		rows = append(rows, row(ix.oid, ix.name, b.l.namespaces[ix.d.Schema], 0, BtreeAMOID, 1, 0, false, "i", int16(len(ix.keys)), "n"))
	}
	for _, r := range visibleRelations() {
		am := uint32(HeapAMOID)
		if r.Kind == 'v' {
			am = 0
		}
		rows = append(rows, row(r.OID, r.Name, uint32(nsOIDOf(r.Schema)), 0, am, 0, -1, false, string(r.Kind), int16(len(r.Columns)), "n"))
	}
	return rows, nil
}

func attributeRow(rel uint32, num int16, c relColumn) ([]any, error) {
	t := c.typ
	var f typeFacts
	ndims := int32(0)
	if t.IsArray() {
		ef, ok := scalarFacts[t.Elem]
		if !ok {
			return nil, fmt.Errorf("type %s has no catalog facts", t.Name)
		}
		f = typeFacts{align: ef.align, storage: 'x', collation: ef.collation}
		if f.align != 'd' {
			f.align = 'i'
		}
		ndims = 1
	} else {
		var ok bool
		if f, ok = scalarFacts[t.OID]; !ok {
			return nil, fmt.Errorf("type %s has no catalog facts", t.Name)
		}
	}
	return []any{oid(rel), c.name, oid(t.OID), int32(-1), t.Len, num, ndims, int32(-1), t.Modifier, f.byVal && !t.IsArray(),
		string(f.align), string(f.storage), "", c.notNull, false, false, "", "", false, true, int32(0), oid(f.collation),
		nil, nil, nil, nil}, nil
}

func (b *builder) attributeRows() ([][]any, error) {
	var rows [][]any
	add := func(rel uint32, cols []relColumn) error {
		for i, c := range cols {
			r, err := attributeRow(rel, int16(i+1), c)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return nil
	}
	byName := map[*Dataset]map[string]relColumn{}
	for _, d := range b.c.datasets {
		cols, err := b.datasetColumns(d)
		if err != nil {
			return nil, err
		}
		byName[d] = map[string]relColumn{}
		for _, c := range cols {
			byName[d][c.name] = c
		}
		if err := add(b.l.table[d], cols); err != nil {
			return nil, err
		}
	}
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	for _, ix := range ixs {
		cols := make([]relColumn, len(ix.keys))
		for i, k := range ix.keys {
			cols[i] = byName[ix.d][k]
		}
		if err := add(ix.oid, cols); err != nil {
			return nil, err
		}
	}
	for _, r := range visibleRelations() {
		cols := make([]relColumn, len(r.Columns))
		for i, c := range r.Columns {
			cols[i] = relColumn{name: c.Name, typ: c.Type}
		}
		if err := add(r.OID, cols); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (b *builder) typeRows() ([][]any, error) {
	var rows [][]any
	for _, t := range pgtypes.All() {
		var f typeFacts
		category, elem, subscript := byte(0), uint32(0), "-"
		if t.IsArray() {
			ef, ok := scalarFacts[t.Elem]
			if !ok {
				return nil, fmt.Errorf("array type %s: element %d has no catalog facts", t.Name, t.Elem)
			}
			f = typeFacts{typtype: 'b', io: "array_", modIO: ef.modIO, align: ef.align, storage: 'x', collation: ef.collation}
			if f.align != 'd' {
				f.align = 'i'
			}
			category, elem, subscript = 'A', t.Elem, "array_subscript_handler"
		} else {
			var ok bool
			if f, ok = scalarFacts[t.OID]; !ok {
				return nil, fmt.Errorf("type %s (%d) has no catalog facts", t.Name, t.OID)
			}
			category, elem = f.category, f.elem
			if elem != 0 {
				subscript = "raw_array_subscript_handler"
			}
		}
		array := int64(0)
		if a, ok := pgtypes.ArrayTypeOf(t.OID); ok {
			array = oid(a.OID)
		}
		io := f.ioNames()
		modIn, modOut := "-", "-"
		if f.modIO != "" {
			modIn, modOut = f.modIO+"typmodin", f.modIO+"typmodout"
		}
		rows = append(rows, []any{oid(t.OID), t.Name, int64(PGCatalogNamespaceOID), int64(OwnerOID), t.Len, f.byVal,
			string(f.typtype), string(category), f.preferred, true, ",", int64(0), subscript, oid(elem), array,
			io[0], io[1], io[2], io[3], modIn, modOut, "-", string(f.align), string(f.storage), false, int64(0),
			int32(-1), int32(0), oid(f.collation), nil, nil, nil})
	}
	for _, d := range b.c.datasets {
		rows = append(rows, []any{oid(b.l.rowtype[d]), d.Name, oid(b.l.namespaces[d.Schema]), int64(OwnerOID), int16(-1), false,
			"c", "C", false, true, ",", oid(b.l.table[d]), "-", int64(0), int64(0),
			"record_in", "record_out", "record_recv", "record_send", "-", "-", "-", "d", "x", false, int64(0),
			int32(-1), int32(0), int64(0), nil, nil, nil})
	}
	return rows, nil
}

func (b *builder) indexRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		n := int16(len(ix.keys))
		zeros16 := make([]int16, n)
		zeros64 := make([]int64, n)
		rows = append(rows, []any{oid(ix.oid), oid(b.l.table[ix.d]), n, n, ix.primary, false, ix.primary, false, true,
			false, true, false, true, true, false, ix.attnums, zeros64, zeros64, zeros16, nil, nil})
	}
	return rows, nil
}

func (b *builder) constraintRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		if !ix.primary {
			continue
		}
		rows = append(rows, []any{oid(b.l.pkeyCon[ix.d]), ix.name, oid(b.l.namespaces[ix.d.Schema]), "p", false, false, true,
			oid(b.l.table[ix.d]), int64(0), oid(ix.oid), int64(0), int64(0), " ", " ", " ", true, int32(0), true,
			ix.attnums, nil, nil, nil, nil, nil, nil, nil})
	}
	return rows, nil
}

func (b *builder) descriptionRows() ([][]any, error) {
	var rows [][]any
	for _, d := range b.c.datasets {
		if d.Description != "" {
			rows = append(rows, []any{oid(b.l.table[d]), int64(pgClassOID), int32(0), d.Description})
		}
		cols, err := b.datasetColumns(d)
		if err != nil {
			return nil, err
		}
		for i, c := range cols {
			if c.comment != "" {
				rows = append(rows, []any{oid(b.l.table[d]), int64(pgClassOID), int32(i + 1), c.comment})
			}
		}
	}
	return rows, nil
}

func ownerRole() []any {
	return []any{int64(OwnerOID), OwnerName, false, true, false, false, true, false, false, int32(-1), nil, nil}
}

func (b *builder) tablesRows() ([][]any, error) {
	var rows [][]any
	for _, d := range b.c.datasets {
		rows = append(rows, []any{d.Schema, d.Name, OwnerName, nil, true, false, false, false})
	}
	for _, r := range visibleRelations() {
		if r.Schema == PGCatalog && r.Kind == 'r' {
			rows = append(rows, []any{r.Schema, r.Name, OwnerName, nil, false, false, false, false})
		}
	}
	return rows, nil
}

func (b *builder) viewsRows() ([][]any, error) {
	var rows [][]any
	for _, r := range visibleRelations() {
		if r.Kind == 'v' {
			rows = append(rows, []any{r.Schema, r.Name, OwnerName, nil})
		}
	}
	return rows, nil
}

func (b *builder) indexesRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		rows = append(rows, []any{ix.d.Schema, ix.d.Name, ix.name, nil, ix.def()})
	}
	return rows, nil
}

func (b *builder) statRows() ([][]any, error) {
	var rows [][]any
	for _, d := range b.c.datasets {
		z := int64(0)
		rows = append(rows, []any{oid(b.l.table[d]), d.Schema, d.Name, z, z, nil, nil, z, z, z, z, d.ItemCount, z, z, z,
			nil, nil, nil, nil, z, z, z, z})
	}
	return rows, nil
}

// objdefRows feed pg_get_indexdef, pg_get_constraintdef and format_type.
func (b *builder) objdefRows() ([][]any, error) {
	var rows [][]any
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	for _, ix := range ixs {
		rows = append(rows, []any{"index", oid(ix.oid), ix.def()})
		if ix.primary {
			rows = append(rows, []any{"constraint", oid(b.l.pkeyCon[ix.d]), ix.constraintDef()})
		}
	}
	for _, t := range pgtypes.All() {
		f, ok := DescribeType(t)
		if !ok {
			return nil, fmt.Errorf("type %s has no catalog facts", t.Name)
		}
		rows = append(rows, []any{"type", oid(t.OID), f.SQLName})
	}
	for _, d := range b.c.datasets {
		name := quoteIdent(d.Name)
		if d.Schema != PublicSchema {
			name = quoteIdent(d.Schema) + "." + name
		}
		rows = append(rows, []any{"type", oid(b.l.rowtype[d]), name})
	}
	return rows, nil
}

// information_schema rows. Catalog-name columns are nil here: the planner
// fills in the session's database.

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func nullableInt(v int) any {
	if v < 0 {
		return nil
	}
	return int32(v)
}

func (b *builder) infoSchemataRows() ([][]any, error) {
	var rows [][]any
	for _, s := range b.l.nsOrder {
		rows = append(rows, []any{nil, s, OwnerName, nil, nil, nil, nil})
	}
	return rows, nil
}

func (b *builder) infoTablesRows() ([][]any, error) {
	var rows [][]any
	for _, d := range b.c.datasets {
		rows = append(rows, []any{nil, d.Schema, d.Name, "BASE TABLE", nil, nil, nil, nil, nil, "NO", "NO", nil})
	}
	for _, r := range visibleRelations() {
		kind := "BASE TABLE"
		if r.Kind == 'v' {
			kind = "VIEW"
		}
		rows = append(rows, []any{nil, r.Schema, r.Name, kind, nil, nil, nil, nil, nil, "NO", "NO", nil})
	}
	return rows, nil
}

func (b *builder) infoColumnsRows() ([][]any, error) {
	var rows [][]any
	add := func(schema, table string, cols []relColumn) error {
		for i, c := range cols {
			facts, ok := DescribeType(c.typ)
			if !ok {
				return fmt.Errorf("%s.%s column %s: type %s has no catalog facts", schema, table, c.name, c.typ.Name)
			}
			var f typeFacts
			if !c.typ.IsArray() {
				f = scalarFacts[c.typ.OID]
			} else {
				f = typeFacts{precision: -1, radix: -1, scale: -1, datetimePrecision: -1, octetLength: -1}
			}
			rows = append(rows, []any{nil, schema, table, c.name, int32(i + 1), nil, yesNo(!c.notNull), facts.DataType,
				nil, nullableInt(f.octetLength), nullableInt(f.precision), nullableInt(f.radix), nullableInt(f.scale),
				nullableInt(f.datetimePrecision), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
				nil, PGCatalog, c.typ.Name, nil, nil, nil, nil, strconv.Itoa(i + 1), "NO", "NO",
				nil, nil, nil, nil, nil, "NO", "NEVER", nil, "NO"})
		}
		return nil
	}
	for _, d := range b.c.datasets {
		cols, err := b.datasetColumns(d)
		if err != nil {
			return nil, err
		}
		if err := add(d.Schema, d.Name, cols); err != nil {
			return nil, err
		}
	}
	for _, r := range visibleRelations() {
		cols := make([]relColumn, len(r.Columns))
		for i, c := range r.Columns {
			cols[i] = relColumn{name: c.Name, typ: c.Type}
		}
		if err := add(r.Schema, r.Name, cols); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (b *builder) infoTableConstraintsRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		if ix.primary {
			rows = append(rows, []any{nil, ix.d.Schema, ix.name, nil, ix.d.Schema, ix.d.Name, "PRIMARY KEY", "NO", "NO", "YES", nil})
		}
	}
	return rows, nil
}

func (b *builder) infoKeyColumnUsageRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		if !ix.primary {
			continue
		}
		for i, k := range ix.keys {
			rows = append(rows, []any{nil, ix.d.Schema, ix.name, nil, ix.d.Schema, ix.d.Name, k, int32(i + 1), nil})
		}
	}
	return rows, nil
}

func (b *builder) infoConstraintColumnUsageRows() ([][]any, error) {
	ixs, err := b.indexes()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ix := range ixs {
		if !ix.primary {
			continue
		}
		for _, k := range ix.keys {
			rows = append(rows, []any{nil, ix.d.Schema, ix.d.Name, k, nil, ix.d.Schema, ix.name})
		}
	}
	return rows, nil
}

func (b *builder) infoTablePrivilegesRows() ([][]any, error) {
	var rows [][]any
	for _, d := range b.c.datasets {
		rows = append(rows, []any{OwnerName, "PUBLIC", nil, d.Schema, d.Name, "SELECT", "NO", "YES"})
	}
	return rows, nil
}

func constRows(rows ...[]any) func(*builder) ([][]any, error) {
	return func(*builder) ([][]any, error) { return rows, nil }
}
