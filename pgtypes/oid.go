package pgtypes

import "sort"

// OID is a PostgreSQL object identifier, here always the oid of a pg_type row.
type OID = uint32

// Type OIDs, taken from PostgreSQL 15's src/include/catalog/pg_type.dat.
const (
	BoolOID        OID = 16
	ByteaOID       OID = 17
	CharOID        OID = 18
	NameOID        OID = 19
	Int8OID        OID = 20
	Int2OID        OID = 21
	Int4OID        OID = 23
	TextOID        OID = 25
	OIDOID         OID = 26
	JSONOID        OID = 114
	Float4OID      OID = 700
	Float8OID      OID = 701
	UnknownOID     OID = 705
	BPCharOID      OID = 1042
	VarcharOID     OID = 1043
	DateOID        OID = 1082
	TimeOID        OID = 1083
	TimestampOID   OID = 1114
	TimestamptzOID OID = 1184
	IntervalOID    OID = 1186
	NumericOID     OID = 1700
	UUIDOID        OID = 2950
)

// Array type OIDs (pg_type.typarray of the element types above).
const (
	JSONArrayOID        OID = 199
	BoolArrayOID        OID = 1000
	ByteaArrayOID       OID = 1001
	CharArrayOID        OID = 1002
	NameArrayOID        OID = 1003
	Int2ArrayOID        OID = 1005
	Int4ArrayOID        OID = 1007
	TextArrayOID        OID = 1009
	BPCharArrayOID      OID = 1014
	VarcharArrayOID     OID = 1015
	Int8ArrayOID        OID = 1016
	Float4ArrayOID      OID = 1021
	Float8ArrayOID      OID = 1022
	OIDArrayOID         OID = 1028
	TimestampArrayOID   OID = 1115
	DateArrayOID        OID = 1182
	TimeArrayOID        OID = 1183
	TimestamptzArrayOID OID = 1185
	IntervalArrayOID    OID = 1187
	NumericArrayOID     OID = 1231
	UUIDArrayOID        OID = 2951
)

// Type describes the Postgres type a column is sent as: the fields of
// RowDescription and of the pg_type row a catalog shows for it.
type Type struct {
	OID      OID
	Name     string // pg_type.typname, e.g. "int8", "_text", "timestamptz"
	Len      int16  // pg_type.typlen (-1 for varlena, -2 for C strings)
	Modifier int32  // atttypmod; -1 unless meaningful
	Elem     OID    // element OID for arrays (pg_type.typelem), 0 otherwise
}

// IsArray reports whether t is a Postgres array type.
func (t Type) IsArray() bool { return t.Elem != 0 }

// known lists every type this package can describe, scalar types with the
// OID of their array type. Rows are pg_type.dat's, not invented.
var known = []struct {
	t     Type
	array OID
}{
	{Type{OID: BoolOID, Name: "bool", Len: 1}, BoolArrayOID},
	{Type{OID: ByteaOID, Name: "bytea", Len: -1}, ByteaArrayOID},
	{Type{OID: CharOID, Name: "char", Len: 1}, CharArrayOID},
	{Type{OID: NameOID, Name: "name", Len: 64}, NameArrayOID},
	{Type{OID: Int8OID, Name: "int8", Len: 8}, Int8ArrayOID},
	{Type{OID: Int2OID, Name: "int2", Len: 2}, Int2ArrayOID},
	{Type{OID: Int4OID, Name: "int4", Len: 4}, Int4ArrayOID},
	{Type{OID: TextOID, Name: "text", Len: -1}, TextArrayOID},
	{Type{OID: OIDOID, Name: "oid", Len: 4}, OIDArrayOID},
	{Type{OID: JSONOID, Name: "json", Len: -1}, JSONArrayOID},
	{Type{OID: Float4OID, Name: "float4", Len: 4}, Float4ArrayOID},
	{Type{OID: Float8OID, Name: "float8", Len: 8}, Float8ArrayOID},
	{Type{OID: UnknownOID, Name: "unknown", Len: -2}, 0},
	{Type{OID: BPCharOID, Name: "bpchar", Len: -1}, BPCharArrayOID},
	{Type{OID: VarcharOID, Name: "varchar", Len: -1}, VarcharArrayOID},
	{Type{OID: DateOID, Name: "date", Len: 4}, DateArrayOID},
	{Type{OID: TimeOID, Name: "time", Len: 8}, TimeArrayOID},
	{Type{OID: TimestampOID, Name: "timestamp", Len: 8}, TimestampArrayOID},
	{Type{OID: TimestamptzOID, Name: "timestamptz", Len: 8}, TimestamptzArrayOID},
	{Type{OID: IntervalOID, Name: "interval", Len: 16}, IntervalArrayOID},
	{Type{OID: NumericOID, Name: "numeric", Len: -1}, NumericArrayOID},
	{Type{OID: UUIDOID, Name: "uuid", Len: 16}, UUIDArrayOID},
}

var (
	byOID     = map[OID]Type{}
	arrayOf   = map[OID]OID{} // element OID → array OID
	allSorted []Type
)

func init() {
	for _, k := range known {
		t := k.t
		t.Modifier = -1
		byOID[t.OID] = t
		if k.array != 0 {
			arrayOf[t.OID] = k.array
			byOID[k.array] = Type{OID: k.array, Name: "_" + t.Name, Len: -1, Modifier: -1, Elem: t.OID}
		}
	}
	for _, t := range byOID {
		allSorted = append(allSorted, t)
	}
	sort.Slice(allSorted, func(i, j int) bool { return allSorted[i].OID < allSorted[j].OID })
}

// TypeByOID returns the type with the given OID among those this package
// knows (every type ForArrow can return, their arrays, and the few catalog
// types name, oid, char, bpchar, varchar, unknown).
func TypeByOID(oid OID) (Type, bool) {
	t, ok := byOID[oid]
	return t, ok
}

// ArrayTypeOf returns the array type whose elements are of type elem
// (pg_type.typarray), if this package knows it.
func ArrayTypeOf(elem OID) (Type, bool) {
	a, ok := arrayOf[elem]
	if !ok {
		return Type{}, false
	}
	return byOID[a], true
}

// All returns every type TypeByOID knows, ordered by OID: the source for a
// pg_type catalog.
func All() []Type {
	return append([]Type(nil), allSorted...)
}
