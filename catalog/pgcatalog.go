package catalog

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The pg_catalog and information_schema shim, generated from the datasets:
// one source of truth for what psql, pgjdbc, Grafana and the other clients
// see. This file holds its types, OIDs and lookups; pgrelations.go the
// relations and their columns; pgrows.go the rows. The engine turns
// SystemTables into engine tables at start-up; the planner sends client
// references to them and builds the per-session relations (pg_settings,
// pg_database) from a Session.

// The PostgreSQL schemas the shim answers for.
const (
	PGCatalog         = "pg_catalog"
	InformationSchema = "information_schema"
	// PublicSchema is where datasets without a schema live.
	PublicSchema = "public"
	// SystemSchema holds pgdynamo's own relations (pgdynamo.datasets). No
	// dataset may use it.
	SystemSchema = "pgdynamo"
)

// OwnerName is the role that owns every object the catalog shows.
const OwnerName = "pgdynamo"

// Well-known OIDs, as PostgreSQL 15 assigns them.
const (
	OwnerOID                = 10
	PGCatalogNamespaceOID   = 11
	PublicNamespaceOID      = 2200
	InformationNamespaceOID = 13207
	DefaultCollationOID     = 100
	CCollationOID           = 950
	POSIXCollationOID       = 951
	HeapAMOID               = 2
	BtreeAMOID              = 403
	HashAMOID               = 405
	DefaultTablespaceOID    = 1663
	GlobalTablespaceOID     = 1664
	DatabaseOID             = 16383 // below FirstNormalObjectId, so it never meets a dataset's
	SystemNamespaceOID      = 16382 // pgdynamo's own schema, likewise
	DatasetsRelationOID     = 16381 // pgdynamo.datasets
	FirstNormalObjectID     = 16384 // PostgreSQL's first OID for user objects
	pgClassOID              = 1259
	utf8EncodingID          = 6
)

// SystemColumn is one column of a catalog relation.
type SystemColumn struct {
	Name string
	// Type is the Postgres type clients receive: oid, regproc and xid
	// columns are int8, name and "char" are text (the engine has no
	// unsigned 32-bit or fixed-width name type to send them as).
	Type pgtypes.Type
	// Database marks information_schema's *_catalog columns: they hold the
	// session's database name, which the planner fills in per query.
	Database bool
}

// SystemRelation describes one pg_catalog or information_schema relation.
type SystemRelation struct {
	Schema  string // PGCatalog or InformationSchema
	Name    string
	OID     uint32
	Kind    byte // pg_class.relkind: 'r' for catalog tables, 'v' for views
	Columns []SystemColumn
	// PerSession relations (pg_settings, pg_database) have rows that
	// depend on the session: SessionRows builds them, the engine holds none.
	PerSession bool
	// Internal relations are helpers of the engine's catalog functions
	// (pg_get_indexdef, format_type); clients cannot name them.
	Internal bool

	rows func(b *builder) ([][]any, error)
}

// Column returns the column named name.
func (r *SystemRelation) Column(name string) (SystemColumn, bool) {
	for _, c := range r.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return SystemColumn{}, false
}

// SystemTable is a relation with its rows, ready to be loaded.
type SystemTable struct {
	*SystemRelation
	// Rows hold Go values matching the column types: int64 (int8), int32
	// (int4), int16 (int2), float32 (float4), float64 (float8), string
	// (text), bool, time.Time (timestamptz), []int64, []int16, []string
	// (arrays), or nil.
	Rows [][]any
}

// Session is what a client session contributes to the catalog.
type Session struct {
	User     string
	Database string
	PID      uint32
	// Settings are the session's parameters (SHOW ALL), for pg_settings
	// and current_setting().
	Settings []Setting
	// Datasets is every dataset's state, for pgdynamo.datasets.
	Datasets []DatasetStatus
}

// DatasetStatus is one row of pgdynamo.datasets: a dataset's state as the
// server sees it when the statement is planned. Nil pointers are NULL.
type DatasetStatus struct {
	Name        string // schema.name
	Table       string // the DynamoDB table
	Mode        string // live or accelerated
	RefreshMode string // full, or "" (NULL) for live datasets
	State       string // loading, ready, refreshing or error
	Rows        *int64 // rows of the local copy
	LagMS       *int64 // how far the copy may be behind DynamoDB
	LastRefresh *time.Time
	LastError   string // "" is NULL
	LoadItems   *int64 // items read so far by a running load
}

// Setting is one session parameter. No setting holds a secret: pgdynamo
// keeps credentials in its configuration, never in session parameters.
type Setting struct {
	Name     string // as PostgreSQL spells it in pg_settings ("DateStyle")
	Value    string
	Default  string
	ReadOnly bool
}

// Lookup returns the setting named name, ignoring case as PostgreSQL does.
func (s Session) Lookup(name string) (Setting, bool) {
	for _, st := range s.Settings {
		if strings.EqualFold(st.Name, name) {
			return st, true
		}
	}
	return Setting{}, false
}

// Column types of the catalog relations.
var (
	tOID       = mustType(pgtypes.Int8OID) // oid, regproc, regclass, xid
	tName      = mustType(pgtypes.TextOID) // name, "char", pg_node_tree
	tText      = mustType(pgtypes.TextOID)
	tBool      = mustType(pgtypes.BoolOID)
	tInt2      = mustType(pgtypes.Int2OID)
	tInt4      = mustType(pgtypes.Int4OID)
	tInt8      = mustType(pgtypes.Int8OID)
	tFloat4    = mustType(pgtypes.Float4OID)
	tTimestamp = mustType(pgtypes.TimestamptzOID)
	tBytea     = mustType(pgtypes.ByteaOID)
	tTextArray = mustType(pgtypes.TextArrayOID) // text[], aclitem[], "char"[]
	tOIDArray  = mustType(pgtypes.Int8ArrayOID) // oid[], oidvector
	tInt2Array = mustType(pgtypes.Int2ArrayOID) // int2vector
)

func mustType(oid pgtypes.OID) pgtypes.Type {
	t, ok := pgtypes.TypeByOID(oid)
	if !ok {
		panic(fmt.Sprintf("catalog: pgtypes lacks OID %d", oid))
	}
	return t
}

// typeFacts are the pg_type columns pgtypes.Type does not carry, from
// PostgreSQL 15's pg_type.dat, plus the SQL spellings format_type and
// information_schema use.
type typeFacts struct {
	byVal     bool
	category  byte
	preferred bool
	typtype   byte
	elem      uint32 // typelem of a non-array type (name's is char)
	io        string // prefix of the in/out/recv/send functions
	modIO     string // prefix of typmodin/typmodout, "" for none
	align     byte
	storage   byte
	collation uint32
	sqlName   string // format_type's spelling
	// information_schema.columns facts; -1 is NULL.
	precision, radix, scale, datetimePrecision, octetLength int
}

var scalarFacts = map[pgtypes.OID]typeFacts{
	pgtypes.BoolOID:        {true, 'B', true, 'b', 0, "bool", "", 'c', 'p', 0, "boolean", -1, -1, -1, -1, -1},
	pgtypes.ByteaOID:       {false, 'U', false, 'b', 0, "bytea", "", 'i', 'x', 0, "bytea", -1, -1, -1, -1, 1073741824},
	pgtypes.CharOID:        {true, 'Z', false, 'b', 0, "char", "", 'c', 'p', 0, `"char"`, -1, -1, -1, -1, -1},
	pgtypes.NameOID:        {false, 'S', false, 'b', 18, "name", "", 'c', 'p', CCollationOID, "name", -1, -1, -1, -1, -1},
	pgtypes.Int8OID:        {true, 'N', false, 'b', 0, "int8", "", 'd', 'p', 0, "bigint", 64, 2, 0, -1, -1},
	pgtypes.Int2OID:        {true, 'N', false, 'b', 0, "int2", "", 's', 'p', 0, "smallint", 16, 2, 0, -1, -1},
	pgtypes.Int4OID:        {true, 'N', false, 'b', 0, "int4", "", 'i', 'p', 0, "integer", 32, 2, 0, -1, -1},
	pgtypes.TextOID:        {false, 'S', true, 'b', 0, "text", "", 'i', 'x', DefaultCollationOID, "text", -1, -1, -1, -1, 1073741824},
	pgtypes.OIDOID:         {true, 'N', true, 'b', 0, "oid", "", 'i', 'p', 0, "oid", -1, -1, -1, -1, -1},
	pgtypes.JSONOID:        {false, 'U', false, 'b', 0, "json_", "", 'i', 'x', 0, "json", -1, -1, -1, -1, -1},
	pgtypes.Float4OID:      {true, 'N', false, 'b', 0, "float4", "", 'i', 'p', 0, "real", 24, 2, -1, -1, -1},
	pgtypes.Float8OID:      {true, 'N', true, 'b', 0, "float8", "", 'd', 'p', 0, "double precision", 53, 2, -1, -1, -1},
	pgtypes.UnknownOID:     {false, 'X', false, 'p', 0, "unknown", "", 'c', 'p', 0, "unknown", -1, -1, -1, -1, -1},
	pgtypes.BPCharOID:      {false, 'S', false, 'b', 0, "bpchar", "bpchar", 'i', 'x', DefaultCollationOID, "character", -1, -1, -1, -1, 1073741824},
	pgtypes.VarcharOID:     {false, 'S', false, 'b', 0, "varchar", "varchar", 'i', 'x', DefaultCollationOID, "character varying", -1, -1, -1, -1, 1073741824},
	pgtypes.DateOID:        {true, 'D', false, 'b', 0, "date_", "", 'i', 'p', 0, "date", -1, -1, -1, 0, -1},
	pgtypes.TimeOID:        {true, 'D', false, 'b', 0, "time_", "time", 'd', 'p', 0, "time without time zone", -1, -1, -1, 6, -1},
	pgtypes.TimestampOID:   {true, 'D', false, 'b', 0, "timestamp_", "timestamp", 'd', 'p', 0, "timestamp without time zone", -1, -1, -1, 6, -1},
	pgtypes.TimestamptzOID: {true, 'D', true, 'b', 0, "timestamptz_", "timestamptz", 'd', 'p', 0, "timestamp with time zone", -1, -1, -1, 6, -1},
	pgtypes.IntervalOID:    {false, 'T', true, 'b', 0, "interval_", "interval", 'd', 'p', 0, "interval", -1, -1, -1, 6, -1},
	pgtypes.NumericOID:     {false, 'N', false, 'b', 0, "numeric_", "numeric", 'i', 'm', 0, "numeric", -1, 10, -1, -1, -1},
	pgtypes.UUIDOID:        {false, 'U', false, 'b', 0, "uuid_", "", 'c', 'p', 0, "uuid", -1, -1, -1, -1, -1},
}

// ioNames returns typinput, typoutput, typreceive and typsend, which
// PostgreSQL names <prefix>in, <prefix>out, <prefix>recv, <prefix>send.
func (f typeFacts) ioNames() [4]string {
	return [4]string{f.io + "in", f.io + "out", f.io + "recv", f.io + "send"}
}

// TypeFacts describes one type for the catalog functions.
type TypeFacts struct {
	Type    pgtypes.Type
	SQLName string // format_type(oid, NULL)
	// DataType is information_schema's data_type ("ARRAY" for arrays).
	DataType string
}

// DescribeType returns what format_type and information_schema say about
// a pgtypes type; false for a type without catalog facts.
func DescribeType(t pgtypes.Type) (TypeFacts, bool) {
	if t.IsArray() {
		ef, ok := scalarFacts[t.Elem]
		if !ok {
			return TypeFacts{}, false
		}
		return TypeFacts{Type: t, SQLName: ef.sqlName + "[]", DataType: "ARRAY"}, true
	}
	f, ok := scalarFacts[t.OID]
	if !ok {
		return TypeFacts{}, false
	}
	return TypeFacts{Type: t, SQLName: f.sqlName, DataType: f.sqlName}, true
}

// TypeOIDByName resolves a type name as ::regtype would: typnames
// ("int8", "_text"), SQL spellings ("bigint", "double precision",
// "text[]") and dataset row types. It returns false for unknown names.
func (c *Catalog) TypeOIDByName(name string) (uint32, bool) {
	name = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "pg_catalog.")
	for _, t := range pgtypes.All() {
		f, ok := DescribeType(t)
		if !ok {
			continue
		}
		if t.Name == name || f.SQLName == name {
			return t.OID, true
		}
	}
	switch name {
	case "int", "integer":
		return pgtypes.Int4OID, true
	case "float", "double":
		return pgtypes.Float8OID, true
	case "decimal":
		return pgtypes.NumericOID, true
	case "timestamptz", "timestamp with time zone":
		return pgtypes.TimestamptzOID, true
	case "character varying", "varchar":
		return pgtypes.VarcharOID, true
	}
	l := c.layout()
	for _, d := range c.datasets {
		if d.Name == name || d.QualifiedName() == name {
			return l.rowtype[d], true
		}
	}
	return 0, false
}

// RelationOID resolves a relation name as ::regclass would: "name" looks
// in pg_catalog, then public; "schema.name" in that schema. Names are
// already unquoted and case-folded by the caller.
func (c *Catalog) RelationOID(schema, name string) (uint32, bool) {
	l := c.layout()
	if schema == "" || schema == PGCatalog || schema == InformationSchema {
		s := schema
		if s == "" {
			s = PGCatalog
		}
		if r, ok := LookupSystemRelation(s, name); ok && !r.Internal {
			return r.OID, true
		}
		if schema != "" {
			return 0, false
		}
		schema = PublicSchema
	}
	for _, d := range c.datasets {
		if d.Schema != schema {
			continue
		}
		if d.Name == name {
			return l.table[d], true
		}
		if pkeyName(d) == name {
			return l.pkey[d], true
		}
		for i, idx := range d.Indexes {
			if idx.Name == name {
				return l.indexes[d][i], true
			}
		}
	}
	return 0, false
}

// NamespaceOID returns the OID of a schema, as ::regnamespace would.
func (c *Catalog) NamespaceOID(schema string) (uint32, bool) {
	oid, ok := c.layout().namespaces[schema]
	return oid, ok
}

// Schemas returns every schema the catalog shows, ordered by OID.
func (c *Catalog) Schemas() []string {
	l := c.layout()
	return append([]string(nil), l.nsOrder...)
}

// layout assigns OIDs: datasets get FirstNormalObjectID onwards in dataset
// order, so the first dataset is 16384 as a first table is in PostgreSQL;
// then each dataset's row type, primary key index and constraint and
// secondary indexes; then the schemas other than public.
type layout struct {
	table, rowtype, pkey, pkeyCon map[*Dataset]uint32
	indexes                       map[*Dataset][]uint32
	namespaces                    map[string]uint32
	nsOrder                       []string
}

func (c *Catalog) layout() *layout {
	l := &layout{
		table: map[*Dataset]uint32{}, rowtype: map[*Dataset]uint32{}, pkey: map[*Dataset]uint32{},
		pkeyCon: map[*Dataset]uint32{}, indexes: map[*Dataset][]uint32{},
		namespaces: map[string]uint32{PGCatalog: PGCatalogNamespaceOID, PublicSchema: PublicNamespaceOID,
			InformationSchema: InformationNamespaceOID, SystemSchema: SystemNamespaceOID},
		nsOrder: []string{PGCatalog, PublicSchema, InformationSchema, SystemSchema},
	}
	next := uint32(FirstNormalObjectID)
	alloc := func() uint32 { next++; return next - 1 }
	for _, d := range c.datasets {
		l.table[d] = alloc()
	}
	for _, d := range c.datasets {
		l.rowtype[d], l.pkey[d], l.pkeyCon[d] = alloc(), alloc(), alloc()
		for range d.Indexes {
			l.indexes[d] = append(l.indexes[d], alloc())
		}
	}
	var extra []string
	for _, d := range c.datasets {
		if _, ok := l.namespaces[d.Schema]; !ok {
			l.namespaces[d.Schema] = 0
			extra = append(extra, d.Schema)
		}
	}
	sort.Strings(extra)
	for _, s := range extra {
		l.namespaces[s] = alloc()
		l.nsOrder = append(l.nsOrder, s)
	}
	return l
}

// pkeyName is PostgreSQL's default primary key name, <table>_pkey, cut to
// NAMEDATALEN-1 bytes.
func pkeyName(d *Dataset) string {
	n := d.Name
	if len(n) > 58 {
		n = n[:58]
	}
	return n + "_pkey"
}

// SystemRelations returns every relation the shim defines, internal ones
// included, in a stable order.
func SystemRelations() []*SystemRelation { return append([]*SystemRelation(nil), systemRelations...) }

// LookupSystemRelation finds a relation of pg_catalog or
// information_schema by name.
func LookupSystemRelation(schema, name string) (*SystemRelation, bool) {
	r, ok := relationIndex[schema+"."+name]
	return r, ok
}

var (
	systemRelations []*SystemRelation
	relationIndex   = map[string]*SystemRelation{}
)

func init() {
	systemRelations = defineRelations()
	for _, r := range systemRelations {
		key := r.Schema + "." + r.Name
		if _, dup := relationIndex[key]; dup {
			panic("catalog: system relation " + key + " defined twice")
		}
		relationIndex[key] = r
	}
}

// SystemTables builds the rows of every relation that is not per-session.
// Any inconsistency (a dataset column pgtypes cannot describe, a row that
// does not match its columns) is an error: the engine must not start with
// a catalog that lies.
func (c *Catalog) SystemTables() ([]*SystemTable, error) {
	b := &builder{c: c, l: c.layout()}
	var out []*SystemTable
	for _, r := range systemRelations {
		t := &SystemTable{SystemRelation: r}
		if r.rows != nil && !r.PerSession {
			rows, err := r.rows(b)
			if err != nil {
				return nil, fmt.Errorf("catalog: %s.%s: %w", r.Schema, r.Name, err)
			}
			t.Rows = rows
		}
		if err := t.check(); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// SessionRows builds the rows of a per-session relation.
func SessionRows(r *SystemRelation, s Session) ([][]any, error) {
	var rows [][]any
	switch r.Schema + "." + r.Name {
	case "pg_catalog.pg_settings":
		for _, st := range s.Settings {
			context, source := "user", "session"
			if st.ReadOnly {
				context = "internal"
			}
			if st.Value == st.Default {
				source = "default"
			}
			rows = append(rows, []any{st.Name, st.Value, nil, "Ungrouped", "", nil, context, "string", source,
				nil, nil, nil, st.Default, st.Default, nil, nil, false})
		}
	case SystemSchema + ".datasets":
		for _, d := range s.Datasets {
			var last any
			if d.LastRefresh != nil {
				last = *d.LastRefresh
			}
			rows = append(rows, []any{d.Name, d.Table, d.Mode, nullText(d.RefreshMode), d.State,
				nullInt8(d.Rows), nullInt8(d.LagMS), last, nullText(d.LastError), nullInt8(d.LoadItems)})
		}
	case "pg_catalog.pg_database":
		rows = append(rows, []any{int64(DatabaseOID), s.Database, int64(OwnerOID), int32(utf8EncodingID), "c", false, true, int32(-1),
			int64(0), int64(0), int64(DefaultTablespaceOID), "C", "C", nil, nil, nil})
	default:
		return nil, fmt.Errorf("catalog: %s.%s is not a per-session relation", r.Schema, r.Name)
	}
	t := &SystemTable{SystemRelation: r, Rows: rows}
	return rows, t.check()
}

// check verifies every row against the columns.
func (t *SystemTable) check() error {
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("catalog: %s.%s row %d has %d values for %d columns", t.Schema, t.Name, i, len(row), len(t.Columns))
		}
		for j, v := range row {
			if !valueFits(t.Columns[j].Type, v) {
				return fmt.Errorf("catalog: %s.%s row %d column %s: %T does not fit %s", t.Schema, t.Name, i, t.Columns[j].Name, v, t.Columns[j].Type.Name)
			}
		}
	}
	return nil
}

func valueFits(t pgtypes.Type, v any) bool {
	if v == nil {
		return true
	}
	switch t.OID {
	case pgtypes.Int8OID:
		_, ok := v.(int64)
		return ok
	case pgtypes.Int4OID:
		_, ok := v.(int32)
		return ok
	case pgtypes.Int2OID:
		_, ok := v.(int16)
		return ok
	case pgtypes.Float4OID:
		_, ok := v.(float32)
		return ok
	case pgtypes.TextOID:
		_, ok := v.(string)
		return ok
	case pgtypes.BoolOID:
		_, ok := v.(bool)
		return ok
	case pgtypes.TimestamptzOID:
		_, ok := v.(time.Time)
		return ok
	case pgtypes.ByteaOID:
		_, ok := v.([]byte)
		return ok
	case pgtypes.Int8ArrayOID:
		_, ok := v.([]int64)
		return ok
	case pgtypes.Int2ArrayOID:
		_, ok := v.([]int16)
		return ok
	case pgtypes.TextArrayOID:
		_, ok := v.([]string)
		return ok
	}
	return false
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt8(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
