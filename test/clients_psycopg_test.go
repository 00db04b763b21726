package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// psycopg 3 (Debian python3-psycopg), driven by test/clients/psycopg/client.py.

// psycopgRepeat makes the named cursor read every person this many times:
// 120 × 167 = 20,040 rows.
const psycopgRepeat = 167

// pyISO is a timestamptz as Python's isoformat prints it in UTC.
func pyISO(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

func TestClientPsycopg3(t *testing.T) {
	t.Parallel()
	python := pythonWith(t, "psycopg", "python3-psycopg")
	f, gw := fixtureGateway(t, nil)
	wire := proxyGateway(t, gw)
	host, port := wire.hostPort()
	raw := runClient(t, "psycopg 3 client", nil, python, clientSource(t, "psycopg/client.py"), host, port, fmt.Sprint(psycopgRepeat))
	var got struct {
		Steps        map[string]string `json:"steps"`
		NamedColumns []string          `json:"named_description"`
		Named        struct {
			Rows    int64   `json:"rows"`
			Batches int     `json:"batches"`
			IDSum   int64   `json:"id_sum"`
			GSum    int64   `json:"g_sum"`
			Ordered bool    `json:"ordered"`
			Last    []int64 `json:"last"`
		} `json:"named"`
		BinaryNamed [][]typedValue `json:"binary_named"`
		Held        []int64        `json:"held"`
		Binary      [][]typedValue `json:"binary"`
		Pipeline    []any          `json:"pipeline"`
		CopyText    [][]*string    `json:"copy_text"`
		CopyBinary  [][]typedValue `json:"copy_binary"`
		SetConfig   []string       `json:"set_config"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("psycopg client output: %v\n%s", err, raw)
	}
	clientSteps(t, got.Steps, "named_cursor", "binary_named_cursor", "held_cursor", "binary_cursor", "pipeline", "copy", "set_config")

	t.Run("named cursor", func(t *testing.T) {
		var ids int64
		for _, p := range f.people {
			ids += p.ID
		}
		n := int64(len(f.people))
		if want := []string{"id", "name", "g"}; !reflect.DeepEqual(got.NamedColumns, want) {
			t.Errorf("description %v, want %v (from the Describe of the cursor's portal)", got.NamedColumns, want)
		}
		g := got.Named
		if g.Rows != n*psycopgRepeat || g.IDSum != ids*psycopgRepeat || g.GSum != n*psycopgRepeat*(psycopgRepeat+1)/2 || !g.Ordered {
			t.Errorf("read %+v; want %d rows, id sum %d, g sum %d, in order", g, n*psycopgRepeat, ids*psycopgRepeat, n*psycopgRepeat*(psycopgRepeat+1)/2)
		}
		if want := int((n*psycopgRepeat + 999) / 1000); g.Batches != want {
			t.Errorf("%d fetchmany batches, want %d", g.Batches, want)
		}
		if len(wire.match(`Describe P "big"`)) != 1 || len(wire.match(`Describe P "bin"`)) != 1 {
			t.Errorf("psycopg did not describe the cursors' portals:\n%v", wire.messages())
		}
	})

	t.Run("binary", func(t *testing.T) {
		person := func(i int) []typedValue {
			p := f.people[i]
			score := typedValue{"NoneType", nil}
			if p.Score != nil {
				score = typedValue{"float", *p.Score}
			}
			return []typedValue{{"int", float64(p.ID)}, {"str", p.Name}, {"int", float64(p.Age)}, {"bool", p.Active},
				{"date", p.Joined}, score, {"datetime", pyISO(p.Seen)}}
		}
		want := [][]typedValue{person(1), person(2)}
		if fmt.Sprint(got.BinaryNamed) != fmt.Sprint(want) {
			t.Errorf("binary named cursor after MOVE 1:\n got %v\nwant %v", got.BinaryNamed, want)
		}
		var wantBinary [][]typedValue
		for _, i := range []int{3, 4} {
			p := person(i)
			wantBinary = append(wantBinary, []typedValue{p[0], p[1], p[5], p[4], p[3]})
		}
		if fmt.Sprint(got.Binary) != fmt.Sprint(wantBinary) {
			t.Errorf("binary cursor:\n got %v\nwant %v", got.Binary, wantBinary)
		}
		if len(wire.match("result formats [1]")) == 0 {
			t.Errorf("no Bind asked for binary results:\n%v", wire.messages())
		}
	})

	t.Run("held cursor", func(t *testing.T) {
		if want := []int64{1, 2, 3}; !reflect.DeepEqual(got.Held, want) {
			t.Errorf("WITH HOLD cursor read %v across its COMMIT, want %v", got.Held, want)
		}
	})

	t.Run("pipeline", func(t *testing.T) {
		want := []any{f.people[0].Name, f.people[1].Name, f.people[2].Name, float64(len(f.visits))}
		if !reflect.DeepEqual(got.Pipeline, want) {
			t.Errorf("pipeline results %v, want %v", got.Pipeline, want)
		}
	})

	t.Run("copy", func(t *testing.T) {
		for i, row := range got.CopyText {
			p := f.people[i]
			if len(row) != 3 || row[0] == nil || *row[0] != fmt.Sprint(p.ID) || row[1] == nil || *row[1] != p.Name ||
				(p.City == nil) != (row[2] == nil) || (p.City != nil && *row[2] != *p.City) {
				t.Errorf("COPY text row %d = %v, want %d %q %v", i, row, p.ID, p.Name, p.City)
			}
		}
		for i, row := range got.CopyBinary {
			p := f.people[i]
			score := typedValue{"NoneType", nil}
			if p.Score != nil {
				score = typedValue{"float", *p.Score}
			}
			if want := []typedValue{{"int", float64(p.ID)}, {"str", p.Name}, score}; fmt.Sprint(row) != fmt.Sprint(want) {
				t.Errorf("COPY binary row %d = %v, want %v", i, row, want)
			}
		}
		if len(got.CopyText) != 3 || len(got.CopyBinary) != 3 {
			t.Errorf("COPY gave %d text and %d binary rows, want 3 each", len(got.CopyText), len(got.CopyBinary))
		}
	})

	t.Run("set_config", func(t *testing.T) {
		// Local to its transaction: the custom setting stays defined, empty.
		if want := []string{"alice", ""}; !reflect.DeepEqual(got.SetConfig, want) {
			t.Errorf("set_config(…, true) then current_setting in and after the transaction: %q, want %q", got.SetConfig, want)
		}
	})
}
