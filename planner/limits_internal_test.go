package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TestNestingEstimate: in measure's depth chains and groups count, lists
// and boolean chains do not, quoted text and comments are skipped, and the
// estimate is never below the real depth of the chains that crash the
// parser.
func TestNestingEstimate(t *testing.T) {
	n := 10000
	for _, tc := range []struct {
		name    string
		sql     string
		atLeast int
		atMost  int
	}{
		{"a plain query", "SELECT a, b FROM t WHERE x = 1 AND y > 2 ORDER BY a", 1, 10},
		{"parentheses", "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n), n, n + 5},
		{"a chain of +", "SELECT 1" + strings.Repeat("+1", n), n, n + 5},
		{"a chain of casts", "SELECT 1" + strings.Repeat("::int", n), n, 2*n + 5},
		{"a chain of IS NULL", "SELECT 1" + strings.Repeat(" IS NULL", n), n, 2*n + 5},
		{"unions", "SELECT 1" + strings.Repeat(" UNION SELECT 1", n), n, 3*n + 5},
		{"joins", "SELECT 1 FROM t" + strings.Repeat(" JOIN t USING (a)", n), n, 4*n + 10},
		{"nested CASE", "SELECT " + strings.Repeat("CASE WHEN true THEN ", n) + "1" + strings.Repeat(" END", n), n, 2*n + 5},
		{"an IN list", "SELECT 1 WHERE x IN (1" + strings.Repeat(", 1", n) + ")", 1, 10},
		{"an AND chain", "SELECT 1 WHERE true" + strings.Repeat(" AND x = 1", n), 1, 10},
		{"a long CASE", "SELECT CASE" + strings.Repeat(" WHEN x = 1 THEN 2", n) + " END", 1, 10},
		{"quoted text", "SELECT '" + strings.Repeat("(+", n) + "', \"" + strings.Repeat("(", n) + "\", $q$" + strings.Repeat("((", n) + "$q$, E'\\'(((' -- " + strings.Repeat("(", n) + "\n/* /* " + strings.Repeat("(", n) + " */ */ 1", 1, 10},
	} {
		got, _ := measure(tc.sql)
		if got < tc.atLeast || got > tc.atMost {
			t.Errorf("%s: estimate %d, want %d to %d", tc.name, got, tc.atLeast, tc.atMost)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		code pgerror.Code
	}{
		{"SELECT 1" + strings.Repeat("+1", MaxNesting), pgerror.StatementTooComplex},
		{"SELECT 1" + strings.Repeat("+1", MaxNesting/2), ""},
		{"SELECT 1 WHERE x IN (" + strings.Repeat("'a long string, one token', ", MaxStatementBytes/28) + "1)", pgerror.ProgramLimitExceeded},
		{"SELECT 1 WHERE x IN (" + strings.Repeat("'a long string, one token', ", MaxStatementBytes/40) + "1)", ""},
		{"SELECT 1 WHERE x IN (" + strings.Repeat("1, ", MaxTokens/2) + "1)", pgerror.ProgramLimitExceeded},
		{"SELECT 1 WHERE x IN (" + strings.Repeat("1, ", MaxTokens/2-10) + "1)", ""},
	} {
		err := checkText(tc.sql)
		var pe *pgerror.Error
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%d bytes refused: %v", len(tc.sql), err)
		case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
			t.Errorf("%d bytes: %v, want %s", len(tc.sql), err, tc.code)
		}
	}
}
