package planner_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/planner"
)

func TestPlanCopy(t *testing.T) {
	p := testPlanner(t)
	csv := pgtypes.DefaultCopyOptions(pgtypes.CopyCSV)
	csvHeader := csv
	csvHeader.Header = true
	semi := csv
	semi.Delimiter, semi.Null, semi.Quote, semi.Escape, semi.ForceQuote = ';', "-", '\'', '\\', []string{"id"}
	all := csv
	all.ForceQuoteAll, all.Header = true, true
	text := pgtypes.DefaultCopyOptions(pgtypes.CopyText)
	textHeader := text
	textHeader.Header, textHeader.Delimiter = true, '|'
	tests := []struct {
		sql  string
		want pgtypes.CopyOptions
		// query is the statement COPY reads, planned as a query.
		query string
	}{
		{"COPY (SELECT id FROM users) TO STDOUT", text, "SELECT id FROM users"},
		{"COPY users TO STDOUT", text, "SELECT * FROM users"},
		{"COPY users (id) TO STDOUT WITH CSV HEADER", csvHeader, "SELECT id FROM users"},
		{"COPY (SELECT 1 AS id) TO STDOUT (FORMAT csv, DELIMITER ';', NULL '-', QUOTE '''', ESCAPE '\\', FORCE_QUOTE (id))", semi, "SELECT 1 AS id"},
		{"COPY (SELECT 1) TO STDOUT WITH CSV HEADER FORCE QUOTE *", all, "SELECT 1"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT binary)", pgtypes.DefaultCopyOptions(pgtypes.CopyBinary), "SELECT 1"},
		{"COPY (SELECT 1) TO STDOUT (HEADER on, DELIMITER '|', ENCODING 'utf8')", textHeader, "SELECT 1"},
	}
	for _, tc := range tests {
		stmts, err := p.Plan(tc.sql, "")
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		st := stmts[0]
		if st.Kind != planner.Copy || st.Tag != "COPY" || st.Copy == nil || !reflect.DeepEqual(*st.Copy, tc.want) {
			t.Errorf("%s: kind %v tag %q options %+v, want %+v", tc.sql, st.Kind, st.Tag, st.Copy, tc.want)
			continue
		}
		q, err := p.Plan(tc.query, "")
		if err != nil {
			t.Fatal(err)
		}
		if st.SQL != q[0].SQL || len(st.Scans) != len(q[0].Scans) {
			t.Errorf("%s: reads %q, want %q", tc.sql, st.SQL, q[0].SQL)
		}
	}
}

func TestPlanCopyRefusals(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		sql  string
		code pgerror.Code
		msg  string
	}{
		{"COPY users FROM STDIN", pgerror.ReadOnlySQLTransaction, "cannot execute COPY FROM in a read-only transaction"},
		{"COPY users TO '/tmp/x'", pgerror.InsufficientPrivilege, "must be superuser or have privileges of the pg_write_server_files role to COPY to a file"},
		{"COPY users FROM '/tmp/x'", pgerror.InsufficientPrivilege, "must be superuser or have privileges of the pg_read_server_files role to COPY from a file"},
		{"COPY users TO PROGRAM 'cat'", pgerror.InsufficientPrivilege, "must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT xml)", pgerror.InvalidParameterValue, `COPY format "xml" not recognized`},
		{"COPY (SELECT 1) TO STDOUT (FORMAT csv, FORMAT csv)", pgerror.SyntaxError, "conflicting or redundant options"},
		{"COPY (SELECT 1) TO STDOUT (BOGUS 1)", pgerror.SyntaxError, `option "bogus" not recognized`},
		{"COPY (SELECT 1) TO STDOUT (FORMAT binary, DELIMITER ',')", pgerror.SyntaxError, "cannot specify DELIMITER in BINARY mode"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT binary, NULL 'x')", pgerror.SyntaxError, "cannot specify NULL in BINARY mode"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT binary, HEADER)", pgerror.SyntaxError, "cannot specify HEADER in BINARY mode"},
		{"COPY (SELECT 1) TO STDOUT (DELIMITER ';;')", pgerror.FeatureNotSupported, "COPY delimiter must be a single one-byte character"},
		{"COPY (SELECT 1) TO STDOUT (DELIMITER 'a')", pgerror.InvalidParameterValue, `COPY delimiter cannot be "a"`},
		{"COPY (SELECT 1) TO STDOUT (DELIMITER E'\\n')", pgerror.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return"},
		{"COPY (SELECT 1) TO STDOUT (QUOTE '\"')", pgerror.FeatureNotSupported, "COPY quote available only in CSV mode"},
		{"COPY (SELECT 1) TO STDOUT (FORCE_QUOTE *)", pgerror.FeatureNotSupported, "COPY force quote available only in CSV mode"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT csv, QUOTE ',')", pgerror.InvalidParameterValue, "COPY delimiter and quote must be different"},
		{"COPY (SELECT 1) TO STDOUT (NULL 'a\tb')", pgerror.InvalidParameterValue, "COPY delimiter must not appear in the NULL specification"},
		{"COPY (SELECT 1) TO STDOUT (FORMAT csv, NULL '\"')", pgerror.InvalidParameterValue, "CSV quote character must not appear in the NULL specification"},
		{"COPY (SELECT 1) TO STDOUT (HEADER match)", pgerror.FeatureNotSupported, `cannot use "match" with HEADER in COPY TO`},
		{"COPY (SELECT 1) TO STDOUT (HEADER maybe)", pgerror.SyntaxError, "header requires a Boolean value"},
		{"COPY users (id, id) TO STDOUT", pgerror.DuplicateColumn, `column "id" specified more than once`},
		{"COPY (SELECT id FROM users WHERE id = $2) TO STDOUT", pgerror.UndefinedParameter, "there is no parameter $2"},
	}
	for _, tc := range tests {
		_, err := p.Plan(tc.sql, "")
		var pe *pgerror.Error
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("%s: %v, want %s %q", tc.sql, err, tc.code, tc.msg)
		}
	}
}

func TestPlanSetConfig(t *testing.T) {
	p := testPlanner(t).WithSession(catalog.Session{Settings: []catalog.Setting{
		{Name: "TimeZone", Value: "UTC"}, {Name: "server_version", Value: "15.8", ReadOnly: true}}})
	tests := []struct {
		sql  string
		want []planner.ConfigChange
	}{
		{"SELECT set_config('TimeZone', 'Europe/Paris', false)", []planner.ConfigChange{{Name: "TimeZone", Value: "Europe/Paris"}}},
		{"SELECT set_config('timezone', $1, true), set_config('app.user', $2::text, false)",
			[]planner.ConfigChange{{Name: "timezone", Param: 1, Local: true}, {Name: "app.user", Param: 2}}},
		{"SELECT pg_catalog.set_config('app.x', NULL, 't')", []planner.ConfigChange{{Name: "app.x", Reset: true, Local: true}}},
		{"SELECT 1", nil},
	}
	for _, tc := range tests {
		stmts, err := p.Plan(tc.sql, "")
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if !reflect.DeepEqual(stmts[0].SetConfig, tc.want) {
			t.Errorf("%s: changes %+v, want %+v", tc.sql, stmts[0].SetConfig, tc.want)
		}
	}
	for sql, code := range map[string]pgerror.Code{
		"SELECT set_config('server_version', '16', false)":          pgerror.CantChangeRuntimeParam,
		"SELECT set_config('nope', 'x', false)":                     pgerror.UndefinedObject,
		"SELECT set_config('TimeZone', id::text, false) FROM users": pgerror.FeatureNotSupported,
		"SELECT set_config('TimeZone', 'UTC', id > 0) FROM users":   pgerror.FeatureNotSupported,
		// A name that is no column is that error first, as in PostgreSQL.
		"SELECT set_config('TimeZone', 'UTC', maybe) FROM users": pgerror.UndefinedColumn,
	} {
		_, err := p.Plan(sql, "")
		var pe *pgerror.Error
		if !errors.As(err, &pe) || pe.Code != code {
			t.Errorf("%s: %v, want %s", sql, err, code)
		}
	}
}
