package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// psycopg2 (Debian python3-psycopg2), driven by test/clients/psycopg2/client.py.

// debianPython is the interpreter that Debian's python3-psycopg2 serves; a
// python3 earlier on PATH (pyenv, a venv) does not see it.
const debianPython = "/usr/bin/python3"

func psycopg2Python(t *testing.T) string { return pythonWith(t, "psycopg2", "python3-psycopg2") }

// pythonWith is Debian's python3, which must import module (from the Debian
// package pkg).
func pythonWith(t *testing.T, module, pkg string) string {
	t.Helper()
	python := debianPython
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			missingClient(t, "python3", err)
		}
	}
	if out, err := exec.Command(python, "-c", "import "+module).CombinedOutput(); err != nil {
		missingClient(t, module+" for "+python+" (Debian "+pkg+")", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)))
	}
	return python
}

func TestClientPsycopg2(t *testing.T) {
	t.Parallel()
	python := psycopg2Python(t)
	f, gw := fixtureGateway(t, nil)
	wire := proxyGateway(t, gw)
	host, port := wire.hostPort()
	raw := runClient(t, "psycopg2 client", nil, python, clientSource(t, "psycopg2/client.py"), host, port)
	var got struct {
		Steps          map[string]string `json:"steps"`
		ServerVersion  int               `json:"server_version"`
		InTx           bool              `json:"query_status_in_tx"`
		Columns        []string          `json:"columns"`
		Rows           [][]typedValue    `json:"rows"`
		Aggregate      []typedValue      `json:"aggregate"`
		ErrorCode      *string           `json:"error_code"`
		ErrorClass     string            `json:"error_class"`
		InFailedTx     *string           `json:"in_failed_tx"`
		AfterRollback  int               `json:"after_rollback"`
		AutocommitRow  string            `json:"autocommit_row"`
		AutocommitIdle bool              `json:"autocommit_status_idle"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("psycopg2 client output: %v\n%s", err, raw)
	}
	clientSteps(t, got.Steps, "query", "error", "autocommit")
	if got.ServerVersion/10000 != 15 {
		t.Errorf("psycopg2 read server_version as %d, want 15xxxx", got.ServerVersion)
	}

	t.Run("types", func(t *testing.T) {
		if !got.InTx {
			t.Error("no transaction open after the first query: psycopg2's BEGIN did not take")
		}
		if want := []string{"id", "name", "age", "active", "joined", "score", "city"}; fmt.Sprint(got.Columns) != fmt.Sprint(want) {
			t.Errorf("columns %v, want %v", got.Columns, want)
		}
		if len(got.Rows) != 4 {
			t.Fatalf("%d rows, want 4: %v", len(got.Rows), got.Rows)
		}
		for i, row := range got.Rows {
			p := f.people[2+i]
			want := []typedValue{
				{"int", float64(p.ID)}, {"str", p.Name}, {"int", float64(p.Age)}, {"bool", p.Active},
				{"date", p.Joined}, {"float", nil}, {"str", nil},
			}
			if p.Score != nil {
				want[5].Value = *p.Score
			} else {
				want[5] = typedValue{"NoneType", nil}
			}
			if p.City != nil {
				want[6].Value = *p.City
			} else {
				want[6] = typedValue{"NoneType", nil}
			}
			if fmt.Sprint(row) != fmt.Sprint(want) {
				t.Errorf("row %d = %v\nwant     %v", i, row, want)
			}
		}
		var n, ages int64
		var scores float64
		var scored int
		for _, p := range f.people {
			if p.Active {
				n++
				ages += p.Age
				if p.Score != nil {
					scores += *p.Score
					scored++
				}
			}
		}
		// count(*) is int8 → int; sum(int8) is numeric → Decimal; avg(float8) → float.
		want := []typedValue{{"int", float64(n)}, {"Decimal", fmt.Sprint(ages)}, {"float", scores / float64(scored)}}
		if len(got.Aggregate) != 3 || got.Aggregate[0] != want[0] || got.Aggregate[1] != want[1] || got.Aggregate[2].Type != "float" {
			t.Errorf("aggregate %v, want %v", got.Aggregate, want)
		} else if avg, _ := got.Aggregate[2].Value.(float64); math.Abs(avg-want[2].Value.(float64)) > 1e-9 {
			t.Errorf("avg(score) = %v, want %v", avg, want[2].Value)
		}
	})

	t.Run("wire", func(t *testing.T) {
		// The simple protocol only, parameters quoted into the text by the
		// client, inside BEGIN ... COMMIT.
		msgs := wire.messages()
		var queries []string
		for _, m := range msgs {
			if !strings.HasPrefix(m, "Query ") && m != "Terminate" {
				t.Errorf("psycopg2 sent %s", m)
			}
			queries = append(queries, m)
		}
		want := []string{
			`Query "BEGIN"`,
			`Query "SELECT id, name, age, active, joined, score, city FROM people WHERE id = ANY(ARRAY[3,4,5,6]) AND name <> 'it''s not a name' AND joined >= '2000-01-01' ORDER BY id"`,
			`Query "SELECT count(*), sum(age), avg(score) FROM people WHERE active = true"`,
			`Query "COMMIT"`,
		}
		if len(queries) < len(want) || !reflect.DeepEqual(queries[:len(want)], want) {
			t.Errorf("psycopg2 sent\n%s\nwant it to start with\n%s", strings.Join(queries, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("errors", func(t *testing.T) {
		if got.ErrorCode == nil || *got.ErrorCode != "42P01" || got.ErrorClass != "UndefinedTable" {
			t.Errorf("missing table raised %v %q, want 42P01 UndefinedTable", got.ErrorCode, got.ErrorClass)
		}
		if got.InFailedTx == nil || *got.InFailedTx != "25P02" {
			t.Errorf("a query in the failed transaction raised %v, want 25P02", got.InFailedTx)
		}
		want := 0
		for _, v := range f.visits {
			if v.Page == "/docs" {
				want++
			}
		}
		if got.AfterRollback != want {
			t.Errorf("after rollback: %d /docs visits, want %d", got.AfterRollback, want)
		}
		if got.AutocommitRow != f.people[6].Name || !got.AutocommitIdle {
			t.Errorf("autocommit: %q idle=%v, want %q idle", got.AutocommitRow, got.AutocommitIdle, f.people[6].Name)
		}
	})
}
