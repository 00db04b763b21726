package test

import (
	"strings"
	"testing"
)

// TestPsqlDescribe runs psql's describe commands — each a handful of
// pg_catalog queries — against the gateway, as a person would.
func TestPsqlDescribe(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw,
		"-c", `\l`,
		"-c", `\dn`,
		"-c", `\dt`,
		"-c", `\d people`,
		"-c", `\d+ people`,
		"-c", `\d visits`,
		"-c", `\x`,
		"-c", "SELECT * FROM people WHERE id = 1")
	if err != nil || strings.Contains(out, "ERROR") {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	sections := strings.Split(out, "\n\n")
	find := func(title string) string {
		for _, s := range sections {
			if strings.Contains(s, title) {
				return s
			}
		}
		t.Fatalf("no %q in psql output:\n%s", title, out)
		return ""
	}
	for _, c := range []struct {
		section string
		want    []string
	}{
		{"List of databases", []string{"e2e ", "UTF8", "pgdynamo"}},
		{"List of schemas", []string{"pgdynamo | pgdynamo", "public   | pgdynamo"}},
		{"List of relations", []string{"public | people | table", "public | visits | table"}},
		{`Table "public.people"`, []string{
			"id     | bigint", "not null", "active | boolean", "city   | text", "joined | date", "score  | double precision",
			"Indexes:", `"people_pkey" PRIMARY KEY, btree (id)`,
		}},
		{"Storage", []string{`Table "public.people"`, "plain", "extended", "DynamoDB partition key", "Access method: heap",
			`"people_pkey" PRIMARY KEY, btree (id)`}},
		{`Table "public.visits"`, []string{"person_id | bigint", "visit_id  | text", `"visits_pkey" PRIMARY KEY, btree (person_id, visit_id)`}},
		{"RECORD 1", []string{"id     | 1", "joined | "}},
	} {
		s := find(c.section)
		for _, w := range c.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.section, w, s)
			}
		}
	}
	if !strings.Contains(out, "Expanded display is on.") {
		t.Errorf(`\x did not switch to expanded output:`+"\n%s", out)
	}
	// \d lists the columns in pg_attribute order, key first.
	people := find(`Table "public.people"`)
	if i, j := strings.Index(people, " id "), strings.Index(people, " name "); i < 0 || j < 0 || i > j {
		t.Errorf("columns out of order:\n%s", people)
	}
}

// TestPsqlDescribeUnknownAndSystem: \d of a missing relation says so as
// psql does, and the catalog describes itself.
func TestPsqlDescribeUnknownAndSystem(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-c", `\d nope`, "-c", `\dS pg_catalog.pg_class`, "-c", `\dt pg_catalog.*`)
	if strings.Contains(out, "ERROR") {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, w := range []string{`Did not find any relation named "nope".`, `Table "pg_catalog.pg_class"`, "relname",
		"pg_catalog | pg_attribute"} {
		if !strings.Contains(out, w) {
			t.Errorf("psql output lacks %q:\n%s", w, out)
		}
	}
}
