package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redacted is what every printing path shows instead of a secret's value.
const redacted = "[redacted]"

// Secret is a credential: a password, an AWS secret access key, a session
// token. Every way of printing it (fmt verbs including %v, %+v, %#v, %s and
// %q, String, GoString, JSON and text marshalling, log/slog) shows
// "[redacted]", or "" when the secret is empty so that "not set" stays
// visible. Only Reveal returns the value; call it where the credential is
// handed to the code that uses it, nowhere else.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the same as String, so %#v redacts too.
func (s Secret) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints String's result; %q
// quotes it.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(s.String()))
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// MarshalJSON encodes the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText returns the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
