package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// maxValueBytes is the largest value a result may carry: PostgreSQL's 1 GB
// limit on one field (MaxAllocSize). A larger string from the engine is
// refused with 54000, as PostgreSQL refuses to build one, rather than
// copied into the gateway's memory and sent.
const maxValueBytes = 1<<30 - 1

// errValueTooLarge is the error for a value past maxValueBytes.
func errValueTooLarge(n uint32) error {
	return pgerror.New(pgerror.ProgramLimitExceeded, "result value of %d bytes exceeds the maximum of %d bytes", n, maxValueBytes).
		WithHint("PostgreSQL values are at most 1 GB; aggregate or cut the value (left(), substr()) in the query")
}

// validateSessionDefaults checks Config.SessionDefaults: each names a
// session setting, with a value the setting accepts.
func validateSessionDefaults(serverVersion string, defaults map[string]string) error {
	table := settingsTable(serverVersion)
	for name, v := range defaults {
		def, ok := table[canonicalName(name)]
		if !ok || def.readOnly {
			return fmt.Errorf("engine: %q is not a session setting", name)
		}
		if def.normalize != nil {
			if _, err := def.normalize(v); err != nil {
				return fmt.Errorf("engine: setting %q: value %q: %w", name, v, err)
			}
		}
	}
	return nil
}

// setDefaults makes the configuration's values the defaults of session
// settings (statement_timeout...): sessions start with them and RESET goes
// back to them, as to postgresql.conf's values in PostgreSQL.
func (s *settings) setDefaults(defaults map[string]string) {
	for name, v := range defaults {
		name = canonicalName(name)
		def := s.table[name]
		if def.normalize != nil {
			v, _ = def.normalize(v) // validateSessionDefaults has checked it
		}
		def.def = v
		s.table[name] = def
		s.values[name] = v
	}
}

// IdleInTransactionTimeout implements wire.IdleInTransactionTimeouter: the
// session's idle_in_transaction_session_timeout.
func (s *Session) IdleInTransactionTimeout() time.Duration {
	ms, _ := strconv.ParseInt(s.settings.values["idle_in_transaction_session_timeout"], 10, 64)
	return time.Duration(ms) * time.Millisecond
}

// outOfMemory is PostgreSQL's "out of memory" (53200) for a query past the
// engine's memory limit. DuckDB's message goes to the detail, without its
// advice (SET threads, SET memory_limit), which clients cannot follow: the
// configuration is locked.
func outOfMemory(duckMsg string, err error) error {
	detail, _, _ := strings.Cut(trimDuckPrefix(duckMsg), "\n")
	return &pgerror.Error{Code: pgerror.OutOfMemory, Message: "out of memory", Detail: strings.TrimSpace(detail),
		Hint: "the query needs more memory than the engine's limit (SHOW pgdynamo.memory_limit; runtime.limits.memory_limit in the configuration)",
		Err:  err}
}
