package wire

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// The front door's log lines, through Config.Logger. A session's lines carry
// its logger's pid, user, database and application_name; none ever holds a
// password (authentication messages are not logged), a cancel key or a
// bound parameter's value.
//
//   - info "connection opened" after a successful login, with the remote
//     address; info "connection closed" with the session's duration, its
//     statement count and, when it ended abnormally, the error.
//   - warn or error (errorLevel) "statement failed" for every statement that
//     ends in an ErrorResponse: SQLSTATE, message, detail, hint, the
//     statement's text as the client sent it and the time spent.
//   - info "statement duration" for a statement that completed in at least
//     Config.LogMinDurationStatement (PostgreSQL's log_min_duration_statement);
//     the same line at debug for every other statement.
//
// So at info, the volume is two lines a connection plus errors and slow
// statements, however many statements run.

// maxLoggedStatement bounds the statement text in one log line; longer text
// is cut and says how long it was.
const maxLoggedStatement = 4096

// stmtText is what the log may say about the statement a connection is
// working on: its text as the client sent it (with $n placeholders, never
// the values bound to them) and the bound values, so that they can be cut
// out of error messages that quote them.
type stmtText struct {
	sql    string
	params paramValues
}

// paramValues are a statement's bound parameter values, as decoded (raw
// text for a Bind whose decoding failed). They are kept only to be cut out
// of error messages, which is worked out when a message is logged, not on
// every Bind.
type paramValues []any

// redact replaces every form of every parameter value in s — as sent, as Go
// quotes it (pgtypes' decode errors), as it prints — with its placeholder,
// longest values first.
func (p paramValues) redact(s string) string {
	if len(p) == 0 || s == "" {
		return s
	}
	var pairs [][2]string
	for i, v := range p {
		name := "$" + strconv.Itoa(i+1)
		for _, form := range valueForms(v, nil) {
			pairs = append(pairs, [2]string{form, name})
		}
	}
	if len(pairs) == 0 {
		return s
	}
	slices.SortStableFunc(pairs, func(a, b [2]string) int { return len(b[0]) - len(a[0]) })
	args := make([]string, 0, 2*len(pairs))
	for _, pr := range pairs {
		args = append(args, pr[0], pr[1])
	}
	return strings.NewReplacer(args...).Replace(s)
}

// valueForms appends to forms the texts v may show as in a message.
func valueForms(v any, forms []string) []string {
	switch v := v.(type) {
	case nil:
		return forms
	case string:
		if v == "" {
			return forms
		}
		forms = append(forms, v)
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			forms = append(forms, q[1:len(q)-1])
		}
		return forms
	case []byte:
		if utf8.Valid(v) {
			forms = valueForms(string(v), forms)
		}
		return valueForms(`\x`+hex.EncodeToString(v), forms)
	case time.Time:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999", "2006-01-02"} {
			forms = valueForms(v.Format(layout), forms)
		}
		return forms
	case fmt.Stringer, error:
		return valueForms(fmt.Sprint(v), forms)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		for i := range rv.Len() {
			forms = valueForms(rv.Index(i).Interface(), forms)
		}
		return forms
	}
	return valueForms(fmt.Sprint(v), forms)
}

// loggedStatement is sql fit for a log line: cut at maxLoggedStatement bytes
// (on a character boundary).
func loggedStatement(sql string) string {
	if len(sql) <= maxLoggedStatement {
		return sql
	}
	cut := maxLoggedStatement
	for cut > 0 && !utf8.RuneStart(sql[cut]) {
		cut--
	}
	return sql[:cut] + fmt.Sprintf("… (%d bytes in all)", len(sql))
}

// errorLevel is the level of a failed statement's line: error for what the
// operator must act on — DynamoDB unreachable, denied or failing (classes 08,
// HV, 58), throttled past the retries or out of resources (53), an internal
// error (XX), a configuration problem (F0) — and warn for what the client got
// wrong (syntax, unknown tables, read-only, cancelled, timed out, ...).
func errorLevel(code pgerror.Code) slog.Level {
	class := string(code)
	if len(class) > 2 {
		class = class[:2]
	}
	switch class {
	case "08", "HV", "58", "53", "XX", "F0":
		return slog.LevelError
	}
	return slog.LevelWarn
}

// millis is d in milliseconds with microsecond precision, as PostgreSQL's
// "duration: 12.345 ms".
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// logStatement logs the end of a statement: failed (pe set) or completed
// with tag, after d.
func (c *conn) logStatement(d time.Duration, pe *pgerror.Error, tag []byte) {
	ctx := context.Background()
	if pe != nil {
		level := errorLevel(pe.Code)
		if !c.log.Enabled(ctx, level) {
			return
		}
		redact := c.current.params.redact
		attrs := []slog.Attr{
			slog.String("sqlstate", string(pe.Code)),
			slog.String("message", redact(pe.Message)),
		}
		if pe.Detail != "" {
			attrs = append(attrs, slog.String("detail", redact(pe.Detail)))
		}
		if pe.Hint != "" {
			attrs = append(attrs, slog.String("hint", redact(pe.Hint)))
		}
		if pe.Err != nil && level == slog.LevelError {
			if cause := pe.Err.Error(); cause != pe.Message {
				attrs = append(attrs, slog.String("cause", redact(cause)))
			}
		}
		if c.current.sql != "" {
			attrs = append(attrs, slog.String("statement", loggedStatement(c.current.sql)))
		}
		attrs = append(attrs, slog.Float64("duration_ms", millis(d)))
		c.log.LogAttrs(ctx, level, "statement failed", attrs...)
		return
	}
	level := slog.LevelDebug
	if min := c.server.cfg.LogMinDurationStatement; min >= 0 && d >= min {
		level = slog.LevelInfo
	}
	if !c.log.Enabled(ctx, level) {
		return
	}
	c.log.LogAttrs(ctx, level, "statement duration",
		slog.Float64("duration_ms", millis(d)),
		slog.String("tag", string(tag)),
		slog.String("statement", loggedStatement(c.current.sql)))
}

// logOpened logs a session that has logged in.
func (c *conn) logOpened() {
	c.opened = time.Now()
	c.log.Info("connection opened", "remote", c.remote, "tls", c.encrypted())
}

// logClosed logs the end of a session that logOpened logged; err is what
// ended its read loop.
func (c *conn) logClosed(err error) {
	attrs := []any{"remote", c.remote, "duration", time.Since(c.opened).Round(time.Millisecond), "statements", c.statements}
	// A client that goes away without Terminate is no error worth a line.
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
		attrs = append(attrs, "err", err)
	}
	c.log.Info("connection closed", attrs...)
}
