package config

import (
	"strings"
	"unicode"
)

// reservedKeywords are the keywords PostgreSQL 15 marks "reserved" in
// Appendix C (SQL Key Words), including those marked "reserved (can be
// function or type)": neither kind can name a table without quotes.
// system_user, reserved since PostgreSQL 16, is included because pgdynamo
// parses SQL with pg_query_go v5, a PostgreSQL 16 parser.
var reservedKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`
		all analyse analyze and any array as asc asymmetric authorization
		binary both case cast check collate collation column concurrently
		constraint create cross current_catalog current_date current_role
		current_schema current_time current_timestamp current_user default
		deferrable desc distinct do else end except false fetch for foreign
		freeze from full grant group having ilike in initially inner
		intersect into is isnull join lateral leading left like limit
		localtime localtimestamp natural not notnull null offset on only or
		order outer overlaps placing primary references returning right
		select session_user similar some symmetric system_user table
		tablesample then to trailing true union unique user using variadic
		verbose when where window with`) {
		reservedKeywords[k] = true
	}
}

// IsReservedKeyword reports whether word, in any case, is a PostgreSQL
// reserved keyword and so cannot name a dataset.
func IsReservedKeyword(word string) bool { return reservedKeywords[strings.ToLower(word)] }

// maxIdentifierBytes is PostgreSQL's NAMEDATALEN - 1; longer names are
// truncated by PostgreSQL, so pgdynamo refuses them.
const maxIdentifierBytes = 63

// validIdentifier reports whether s is an unquoted SQL identifier: a letter
// or underscore, then letters, digits, underscores or dollar signs.
func validIdentifier(s string) bool {
	if s == "" || len(s) > maxIdentifierBytes {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '$' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

// systemSchema reports whether a schema name belongs to the system: the
// catalogs PostgreSQL clients read and pgdynamo's own pgdynamo schema (the
// pgdynamo.datasets table), plus every pg_ name, which PostgreSQL reserves.
func systemSchema(s string) bool {
	l := strings.ToLower(s)
	return l == "information_schema" || l == "pgdynamo" || strings.HasPrefix(l, "pg_")
}
