package engine

import (
	"encoding/binary"
	"errors"
	"testing"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TestValueOverOneGBRefused: a string value past PostgreSQL's 1 GB limit
// is refused with 54000 before a byte of it is copied; one at the limit is
// not refused for its size. The strings are described, not allocated: the
// check reads only the lengths.
func TestValueOverOneGBRefused(t *testing.T) {
	for _, tc := range []struct {
		size    uint32
		refused bool
	}{{maxValueBytes + 1, true}, {1 << 31, true}, {8, false}} {
		// Two duckdb_string_t: an inlined "ok" and one of tc.size bytes
		// (inlined when short, else a pointer that is never followed).
		vec := make([]byte, 32)
		binary.LittleEndian.PutUint32(vec[0:], 2)
		copy(vec[4:], "ok")
		binary.LittleEndian.PutUint32(vec[16:], tc.size)
		v := &vectorReader{typ: duckdb.TYPE_VARCHAR, data: unsafe.Pointer(&vec[0])}
		_, data, err := v.copyStrings(2)
		var pe *pgerror.Error
		switch {
		case tc.refused && (!errors.As(err, &pe) || pe.Code != pgerror.ProgramLimitExceeded):
			t.Errorf("%d bytes: %v, want 54000", tc.size, err)
		case !tc.refused && (err != nil || data.Len() != 2+int(tc.size)):
			t.Errorf("%d bytes: %v", tc.size, err)
		}
	}
}

// TestSessionDefaults: the configuration's statement_timeout and
// idle_in_transaction_session_timeout start every session and are where
// RESET returns; a name that is not a session setting, or a bad value, is
// refused at Open.
func TestSessionDefaults(t *testing.T) {
	defaults := map[string]string{"statement_timeout": "1500", "idle_in_transaction_session_timeout": "60000"}
	if err := validateSessionDefaults(DefaultServerVersion, defaults); err != nil {
		t.Fatal(err)
	}
	s := newSettings(DefaultServerVersion, nil)
	s.setDefaults(defaults)
	if got := s.statementTimeout().Milliseconds(); got != 1500 {
		t.Errorf("statement_timeout %d ms", got)
	}
	s.set("statement_timeout", "0", false)
	s.reset("statement_timeout", false)
	if v, _ := s.get("statement_timeout"); v != "1500" {
		t.Errorf("after RESET: %q", v)
	}
	for _, bad := range []map[string]string{{"max_connections": "5"}, {"server_version": "9"}, {"statement_timeout": "soon"}} {
		if err := validateSessionDefaults(DefaultServerVersion, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
