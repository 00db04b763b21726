package engine

import (
	"errors"
	"testing"
)

// TestMemo: a memo calls its function once per argument, gives back the
// same error for a failed one, and keeps no more than its limit.
func TestMemo(t *testing.T) {
	calls := map[string]int{}
	m := newMemo(2, func(s string) (int, error) {
		calls[s]++
		if s == "bad" {
			return 0, errors.New("bad argument")
		}
		return len(s), nil
	})
	for range 3 {
		if v, err := m.get("abc"); v != 3 || err != nil {
			t.Fatalf(`get("abc") = %d, %v; want 3, nil`, v, err)
		}
		if _, err := m.get("bad"); err == nil || err.Error() != "bad argument" {
			t.Fatalf(`get("bad") error = %v; want "bad argument"`, err)
		}
	}
	if calls["abc"] != 1 || calls["bad"] != 1 {
		t.Fatalf("calls = %v; want one per argument", calls)
	}
	m.get("x")
	if len(m.known) > 2 {
		t.Fatalf("memo keeps %d results; limit 2", len(m.known))
	}
	if v, _ := m.get("abc"); v != 3 || calls["abc"] != 2 {
		t.Fatalf(`get("abc") after starting over = %d after %d calls; want 3 after 2`, v, calls["abc"])
	}
}

// TestZonesAndPatterns: the remembered zone and pattern lookups answer as
// time.LoadLocation and regexp.Compile do, errors with their SQLSTATE.
func TestZonesAndPatterns(t *testing.T) {
	for range 2 {
		loc, err := zones.get("America/New_York")
		if err != nil || loc.String() != "America/New_York" {
			t.Fatalf("zone = %v, %v", loc, err)
		}
		if _, err := zones.get("Mars/Olympus"); err == nil || err.Error() != `SQLSTATE 22023: time zone "Mars/Olympus" not recognized` {
			t.Fatalf("unknown zone error = %v", err)
		}
		got, err := regexpMatch("foobar", "o(b)(x)?")
		if err != nil || len(got.([]any)) != 2 || got.([]any)[0] != "b" || got.([]any)[1] != nil {
			t.Fatalf("regexpMatch = %v, %v", got, err)
		}
		if _, err := regexpMatch("x", "("); err == nil || err.Error() != "SQLSTATE 2201B: invalid regular expression: error parsing regexp: missing closing ): `(`" {
			t.Fatalf("bad pattern error = %v", err)
		}
	}
}
