package catalog_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// testCatalog has public.events (partition key, sort key and a GSI, with a
// description) and app.users (partition key only).
func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	mk := func(schema, name string, keys []attrarrow.KeyAttribute, idx []catalog.Index, desc string) *catalog.Dataset {
		cols, err := attrarrow.Infer(nil, keys, attrarrow.Options{UnnestDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		d := &catalog.Dataset{Spec: catalog.Spec{Name: name, Schema: schema, Table: name, Description: desc},
			PartitionKey: keys[0], Indexes: idx, Columns: cols, ItemCount: 7}
		for i := range keys {
			if keys[i].Role == attrarrow.SortKey {
				d.SortKey = &keys[i]
			}
		}
		return d
	}
	events := mk("public", "events", []attrarrow.KeyAttribute{
		{Name: "device", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey},
		{Name: "at", Type: types.ScalarAttributeTypeN, Role: attrarrow.SortKey},
		{Name: "kind", Type: types.ScalarAttributeTypeS, Role: attrarrow.IndexKey},
	}, []catalog.Index{{Name: "by-kind", Kind: catalog.GlobalIndex, PartitionKey: "kind", SortKey: "at"}}, "device events")
	users := mk("app", "users", []attrarrow.KeyAttribute{
		{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey},
	}, nil, "")
	cat, err := catalog.New([]*catalog.Dataset{events, users})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func tableByName(t *testing.T, tables []*catalog.SystemTable, name string) *catalog.SystemTable {
	t.Helper()
	for _, tb := range tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("no system table %s", name)
	return nil
}

// rowsWhere returns the rows whose column col equals v.
func rowsWhere(tb *catalog.SystemTable, col string, v any) [][]any {
	idx := -1
	for i, c := range tb.Columns {
		if c.Name == col {
			idx = i
		}
	}
	var out [][]any
	for _, r := range tb.Rows {
		if idx >= 0 && r[idx] == v {
			out = append(out, r)
		}
	}
	return out
}

func value(tb *catalog.SystemTable, row []any, col string) any {
	for i, c := range tb.Columns {
		if c.Name == col {
			return row[i]
		}
	}
	return "<no column>"
}

func TestSystemTablesFromDatasets(t *testing.T) {
	cat := testCatalog(t)
	tables, err := cat.SystemTables()
	if err != nil {
		t.Fatal(err)
	}
	// Datasets in catalog order (app.users, public.events) from 16384.
	if oid, _ := cat.RelationOID("app", "users"); oid != 16384 {
		t.Errorf("app.users has OID %d, want 16384", oid)
	}
	if oid, _ := cat.RelationOID("", "events"); oid != 16385 {
		t.Errorf("events has OID %d, want 16385", oid)
	}
	if oid, _ := cat.RelationOID("", "pg_class"); oid != 1259 {
		t.Errorf("pg_class resolves to %d, want 1259", oid)
	}
	if _, ok := cat.RelationOID("", "users"); ok {
		t.Error("users resolved without its schema app, which is not on the search path")
	}

	class := tableByName(t, tables, "pg_class")
	ev := rowsWhere(class, "oid", int64(16385))
	if len(ev) != 1 || value(class, ev[0], "relkind") != "r" || value(class, ev[0], "relnatts") != int16(3) {
		t.Fatalf("pg_class row of events: %v", ev)
	}
	nsp := tableByName(t, tables, "pg_namespace")
	app := rowsWhere(nsp, "nspname", "app")
	if len(app) != 1 {
		t.Fatalf("schema app missing from pg_namespace")
	}
	if users := rowsWhere(class, "relname", "users"); value(class, users[0], "relnamespace") != value(nsp, app[0], "oid") {
		t.Errorf("users is not in schema app")
	}

	// The primary key: (device, at) — columns 1 and 2, not null.
	idx := tableByName(t, tables, "pg_index")
	pk := rowsWhere(idx, "indrelid", int64(16385))
	if len(pk) != 2 {
		t.Fatalf("events has %d indexes, want the primary key and the GSI", len(pk))
	}
	if value(idx, pk[0], "indisprimary") != true || !equalInt16(value(idx, pk[0], "indkey"), []int16{1, 2}) {
		t.Errorf("primary key row: %v", pk[0])
	}
	if value(idx, pk[1], "indisprimary") != false || !equalInt16(value(idx, pk[1], "indkey"), []int16{3, 2}) {
		t.Errorf("GSI row: %v", pk[1])
	}
	con := tableByName(t, tables, "pg_constraint")
	if c := rowsWhere(con, "conname", "events_pkey"); len(c) != 1 || value(con, c[0], "contype") != "p" {
		t.Errorf("events_pkey constraint: %v", c)
	}
	attr := tableByName(t, tables, "pg_attribute")
	for _, r := range rowsWhere(attr, "attrelid", int64(16385)) {
		name := value(attr, r, "attname")
		notNull := value(attr, r, "attnotnull")
		if (name == "device" || name == "at") != (notNull == true) {
			t.Errorf("%v: attnotnull %v", name, notNull)
		}
	}
	desc := tableByName(t, tables, "pg_description")
	if d := rowsWhere(desc, "description", "device events"); len(d) != 1 || value(desc, d[0], "objoid") != int64(16385) {
		t.Errorf("dataset description: %v", d)
	}

	// information_schema agrees.
	cols := tableByName(t, tables, "columns")
	var got []string
	for _, r := range rowsWhere(cols, "table_name", "events") {
		got = append(got, value(cols, r, "column_name").(string)+":"+value(cols, r, "udt_name").(string)+":"+value(cols, r, "is_nullable").(string))
	}
	want := []string{"device:text:NO", "at:int8:NO", "kind:text:YES"}
	if len(got) != len(want) {
		t.Fatalf("information_schema.columns of events: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: %s, want %s", i, got[i], want[i])
		}
	}
	kcu := tableByName(t, tables, "key_column_usage")
	if k := rowsWhere(kcu, "table_name", "events"); len(k) != 2 || value(kcu, k[1], "column_name") != "at" {
		t.Errorf("key_column_usage of events: %v", k)
	}
}

func equalInt16(v any, want []int16) bool {
	got, ok := v.([]int16)
	if !ok || len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestEveryTypeIsDescribed: pg_type and format_type cover every type the
// wire can send.
func TestEveryTypeIsDescribed(t *testing.T) {
	for _, ty := range pgtypes.All() {
		f, ok := catalog.DescribeType(ty)
		if !ok || f.SQLName == "" {
			t.Errorf("type %s (%d) has no catalog facts", ty.Name, ty.OID)
		}
	}
	cat := testCatalog(t)
	for name, want := range map[string]uint32{"int8": 20, "bigint": 20, "double precision": 701, "text[]": 1009, "_text": 1009,
		"integer": 23, "timestamp with time zone": 1184, "events": 0} {
		got, ok := cat.TypeOIDByName(name)
		if !ok || want != 0 && got != want {
			t.Errorf("TypeOIDByName(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}

func TestSessionRows(t *testing.T) {
	s := catalog.Session{User: "bob", Database: "analytics", Settings: []catalog.Setting{
		{Name: "TimeZone", Value: "Europe/Berlin", Default: "UTC"},
		{Name: "server_version", Value: "15.8", Default: "15.8", ReadOnly: true},
	}}
	settings, _ := catalog.LookupSystemRelation(catalog.PGCatalog, "pg_settings")
	rows, err := catalog.SessionRows(settings, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "TimeZone" || rows[0][1] != "Europe/Berlin" || rows[0][8] != "session" || rows[1][6] != "internal" {
		t.Errorf("pg_settings rows: %v", rows)
	}
	db, _ := catalog.LookupSystemRelation(catalog.PGCatalog, "pg_database")
	if rows, err := catalog.SessionRows(db, s); err != nil || rows[0][1] != "analytics" {
		t.Errorf("pg_database rows: %v, %v", rows, err)
	}
	if st, ok := s.Lookup("timezone"); !ok || st.Value != "Europe/Berlin" {
		t.Errorf("Lookup ignores case: %v %v", st, ok)
	}
}
