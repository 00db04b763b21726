package test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pgxCodecTests are pgx's own type tests (package pgtype, run against a
// live server via PGX_TEST_DATABASE) that pgdynamo passes: a peer's suite,
// not ours. Each runs in every pgx query mode, text and binary.
//
// Not listed, and why:
//   - TestNumericCodec*: PostgreSQL's numeric is arbitrary precision; the
//     engine's DECIMAL stops at 38 digits and has no NaN or ±Infinity.
//   - TestTextCodecName/BPChar/ACLItem: the name, bpchar and aclitem types.
var pgxCodecTests = []string{
	"TestInt8Codec", "TestFloat8Codec", "TestBoolCodec", "TestTextCodec",
	"TestByteaCodec", "TestByteaCodecDecodeDatabaseSQLValue",
	"TestDateCodec", "TestTimestamptzCodec",
}

func TestPgxCodecSuite(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v",
		"-run", "^("+strings.Join(pgxCodecTests, "|")+")$", "github.com/jackc/pgx/v5/pgtype")
	cmd.Env = append(os.Environ(), "PGX_TEST_DATABASE="+connString(gw))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pgx's codec tests failed against pgdynamo: %v\n%s", err, tail(string(out), 4000))
	}
	for _, name := range pgxCodecTests {
		if !strings.Contains(string(out), "--- PASS: "+name+" ") {
			t.Errorf("%s did not run and pass:\n%s", name, tail(string(out), 2000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
