package wire

import (
	"log/slog"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

func TestErrorLevel(t *testing.T) {
	for code, want := range map[pgerror.Code]slog.Level{
		pgerror.UndefinedTable:                 slog.LevelWarn,
		pgerror.SyntaxError:                    slog.LevelWarn,
		pgerror.ReadOnlySQLTransaction:         slog.LevelWarn,
		pgerror.QueryCanceled:                  slog.LevelWarn,
		pgerror.FeatureNotSupported:            slog.LevelWarn,
		pgerror.InvalidTextRepresentation:      slog.LevelWarn,
		pgerror.InsufficientResources:          slog.LevelError, // throttled past the retries
		pgerror.FDWUnableToEstablishConnection: slog.LevelError, // DynamoDB denied
		pgerror.FDWTableNotFound:               slog.LevelError,
		pgerror.ConnectionException:            slog.LevelError,
		pgerror.InternalError:                  slog.LevelError,
		"58030":                                slog.LevelError,
	} {
		if got := errorLevel(code); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
}

func TestParamValuesRedact(t *testing.T) {
	p := paramValues{
		"hunter2",
		`say "hi"`,
		int64(123456),
		[]any{"alpha", int64(7)},
		time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC),
		nil,
		"",
		[]byte("raw-bytes"),
		[]string{"beta"},
	}
	for in, want := range map[string]string{
		`invalid input syntax for type integer: "hunter2"`: `invalid input syntax for type integer: "$1"`,
		`"say \"hi\"" is not a number`:                     `"$2" is not a number`,
		`say "hi" twice: say "hi"`:                         `$2 twice: $2`,
		`Could not convert 123456 to INT16`:                `Could not convert $3 to INT16`,
		`element alpha`:                                    `element $4`,
		`value 7 out of range`:                             `value $4 out of range`,
		`timestamp 2024-03-01 12:30:00 is too late`:        `timestamp $5 is too late`,
		`nothing to hide`:                                  `nothing to hide`,
		`hunter2hunter2`:                                   `$1$1`,
		`bytes raw-bytes or \x7261772d6279746573`:          `bytes $8 or $8`,
		`beta`: `$9`,
	} {
		if got := p.redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (paramValues{}).redact("x"); got != "x" {
		t.Errorf("no values: %q", got)
	}
}

func TestLoggedStatement(t *testing.T) {
	if got := loggedStatement("SELECT 1"); got != "SELECT 1" {
		t.Errorf("short statement changed: %q", got)
	}
	// The cut never splits a character.
	long := string(make([]byte, maxLoggedStatement-1)) + "é" + "tail"
	got := loggedStatement(long)
	if want := string(make([]byte, maxLoggedStatement-1)) + "… (4101 bytes in all)"; got != want {
		t.Errorf("cut: ...%q", got[maxLoggedStatement-8:])
	}
}
