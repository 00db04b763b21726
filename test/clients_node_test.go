package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// node-postgres (npm pg), driven by test/clients/node/client.js.

// nodeModules is the directory that holds the pinned npm pg.
func nodeModules(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join("..", depsScript), "node-path").Output()
	if err != nil {
		t.Fatalf("%s node-path: %v", depsScript, err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, "pg", "package.json")); err != nil {
		missingClient(t, "npm pg", err)
	}
	return dir
}

func TestClientNodePostgres(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		missingClient(t, "node", err)
	}
	modules := nodeModules(t)
	f, gw := fixtureGateway(t, nil)
	wire := proxyGateway(t, gw)
	host, port := wire.hostPort()
	raw := runClient(t, "node-postgres client", []string{"NODE_PATH=" + modules}, node, clientSource(t, "node/client.js"), host, port)
	var got struct {
		Steps  map[string]string `json:"steps"`
		Fields []struct {
			Name string `json:"name"`
			OID  uint32 `json:"oid"`
		} `json:"fields"`
		Rows       [][]typedValue `json:"rows"`
		Command    string         `json:"command"`
		Named      []string       `json:"named"`
		ErrorCode  *string        `json:"error_code"`
		AfterError int            `json:"after_error"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("node client output: %v\n%s", err, raw)
	}
	clientSteps(t, got.Steps, "parameterised", "named", "error")

	t.Run("parameterised", func(t *testing.T) {
		wantFields := "[{id 20} {name 25} {age 20} {active 16} {joined 1082} {score 701}]"
		if fmt.Sprint(got.Fields) != wantFields {
			t.Errorf("fields %v, want %s", got.Fields, wantFields)
		}
		p := f.people[8]
		// pg returns int8 as a string, dates as a Date at local midnight
		// (TZ=UTC here) and float8 as a number.
		want := []typedValue{{"string", fmt.Sprint(p.ID)}, {"string", p.Name}, {"string", fmt.Sprint(p.Age)},
			{"boolean", p.Active}, {"Date", p.Joined + "T00:00:00.000Z"}, {"null", nil}}
		if p.Score != nil {
			want[5] = typedValue{"number", *p.Score}
		}
		if len(got.Rows) != 1 || fmt.Sprint(got.Rows[0]) != fmt.Sprint(want) {
			t.Errorf("rows %v, want [%v]", got.Rows, want)
		}
		if got.Command != "SELECT 1" {
			t.Errorf("command %q, want SELECT 1", got.Command)
		}
	})

	t.Run("wire", func(t *testing.T) {
		// A query with values: unnamed Parse, Bind with text parameters,
		// Describe P, Execute, Sync.
		msgs := wire.messages()
		want := []string{`Parse "" 0 param types`, `Bind "" to "" param formats [0 0] result formats [0]`, `Describe P ""`, `Execute "" max 0`, "Sync"}
		if len(msgs) < len(want) || !reflect.DeepEqual(msgs[:len(want)], want) {
			t.Errorf("node-postgres's first query was not %v:\n%s", want, strings.Join(msgs, "\n"))
		}
		// A named query is parsed once and bound twice.
		if p, b := wire.match(`Parse "people-older-than"`), wire.match(`Bind "people-older-than"`); len(p) != 1 || len(b) != 2 {
			t.Errorf("named query: %d Parse, %d Bind; want 1 and 2", len(p), len(b))
		}
	})

	t.Run("named", func(t *testing.T) {
		var want []string
		for _, min := range []int64{30, 50} {
			n := 0
			for _, p := range f.people {
				if p.Age > min {
					n++
				}
			}
			want = append(want, fmt.Sprint(n))
		}
		if fmt.Sprint(got.Named) != fmt.Sprint(want) {
			t.Errorf("named statement counts %v, want %v", got.Named, want)
		}
	})

	t.Run("errors", func(t *testing.T) {
		if got.ErrorCode == nil || *got.ErrorCode != "42P01" {
			t.Errorf("missing table: code %v, want 42P01", got.ErrorCode)
		}
		if got.AfterError != 2 {
			t.Errorf("after the error: %d, want 2", got.AfterError)
		}
	})
}
