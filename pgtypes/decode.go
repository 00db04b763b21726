package pgtypes

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrParamFormat reports a Bind parameter whose bytes do not fit its type.
var ErrParamFormat = errors.New("invalid parameter value")

// postgresEpoch is where PostgreSQL's binary dates and timestamps count from.
var postgresEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const postgresEpochMicros = 946_684_800_000_000

// DecodeParam turns one Bind parameter into the Go value the engine binds:
// int64, float64, bool, string, []byte, time.Time, []any for a
// one-dimensional array, or nil for NULL (data == nil). Text format follows the types' input functions, binary format their
// receive functions. A type without a dedicated decoder is passed as its
// text, which the engine casts to the parameter's type; binary data of such
// a type is an error, because its layout is unknown here.
func DecodeParam(oid OID, format Format, data []byte) (any, error) {
	if data == nil {
		return nil, nil
	}
	if format == BinaryFormat {
		return decodeBinary(oid, data)
	}
	return decodeText(oid, string(data))
}

func paramError(oid OID, format Format, detail string) error {
	name := strconv.FormatUint(uint64(oid), 10)
	if t, ok := TypeByOID(oid); ok {
		name = t.Name
	}
	return fmt.Errorf("%w: %s parameter in %s format: %s", ErrParamFormat, name, format, detail)
}

func decodeText(oid OID, s string) (any, error) {
	if elem, ok := arrayElem(oid); ok {
		return decodeArrayText(oid, elem, s)
	}
	switch oid {
	case Int2OID, Int4OID, Int8OID, OIDOID:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, paramError(oid, TextFormat, fmt.Sprintf("%q is not an integer", s))
		}
		return n, nil
	case Float4OID, Float8OID:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "+infinity", "inf":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, paramError(oid, TextFormat, fmt.Sprintf("%q is not a number", s))
		}
		return f, nil
	case BoolOID:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "yes", "y", "on", "1":
			return true, nil
		case "f", "false", "no", "n", "off", "0":
			return false, nil
		}
		return nil, paramError(oid, TextFormat, fmt.Sprintf("%q is not a boolean", s))
	case ByteaOID:
		if strings.HasPrefix(s, `\x`) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				return nil, paramError(oid, TextFormat, "invalid hex")
			}
			return b, nil
		}
		return []byte(s), nil
	case DateOID, TimestampOID, TimestamptzOID:
		// PostgreSQL's output forms, including the " BC" suffix the engine
		// cannot read; anything else (infinity, other styles) is left to the
		// engine's cast.
		if t, ok := parsePGTime(s, oid); ok {
			return t, nil
		}
	}
	// Numerics, text and the rest: the engine casts the text with its own
	// input rules.
	return s, nil
}

// parsePGTime reads ISO dates and timestamps as PostgreSQL prints them:
// "2024-03-15", "2024-03-15 14:30:00.123+05:30", with an optional " BC".
func parsePGTime(s string, oid OID) (time.Time, bool) {
	s = strings.TrimSpace(s)
	bc := strings.HasSuffix(s, " BC")
	s = strings.TrimSuffix(s, " BC")
	if oid == DateOID {
		// A date reads only its date part, whatever time follows.
		if i := strings.IndexAny(s, " T"); i > 0 {
			s = s[:i]
		}
	}
	layouts := []string{"2006-01-02", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}
	if oid != DateOID {
		// timestamp (without zone) ignores a zone, as PostgreSQL does.
		layouts = append(layouts, "2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00",
			"2006-01-02 15:04:05.999999999Z07:00:00", "2006-01-02T15:04:05.999999999Z07:00")
	}
	for _, layout := range layouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if bc {
			// Year 1 BC is astronomical year 0.
			t = t.AddDate(1-2*t.Year(), 0, 0)
		}
		if oid == TimestampOID {
			// Keep the wall clock: a zone on timestamp input is ignored.
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

func decodeBinary(oid OID, b []byte) (any, error) {
	if elem, ok := arrayElem(oid); ok {
		return decodeArrayBinary(oid, elem, b)
	}
	need := func(n int) error {
		if len(b) != n {
			return paramError(oid, BinaryFormat, fmt.Sprintf("%d bytes, want %d", len(b), n))
		}
		return nil
	}
	switch oid {
	case Int2OID:
		if err := need(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case Int4OID:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case OIDOID:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	case Int8OID:
		if err := need(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case Float4OID:
		if err := need(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case Float8OID:
		if err := need(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case BoolOID:
		if err := need(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case ByteaOID:
		return append([]byte(nil), b...), nil
	case TextOID, VarcharOID, BPCharOID, NameOID, UnknownOID, JSONOID:
		return string(b), nil
	case DateOID:
		if err := need(4); err != nil {
			return nil, err
		}
		days := int32(binary.BigEndian.Uint32(b))
		switch days {
		case math.MaxInt32:
			return "infinity", nil
		case math.MinInt32:
			return "-infinity", nil
		}
		return postgresEpoch.AddDate(0, 0, int(days)), nil
	case TimestampOID, TimestamptzOID:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		switch us {
		case math.MaxInt64:
			return "infinity", nil
		case math.MinInt64:
			return "-infinity", nil
		}
		// Unix microseconds, not a Duration: those overflow past ±292 years.
		return time.UnixMicro(us + postgresEpochMicros).UTC(), nil
	case NumericOID:
		return decodeNumericBinary(b)
	}
	return nil, paramError(oid, BinaryFormat, "binary format is not supported for this type; send it as text")
}

// decodeNumericBinary renders numeric_send's layout (ndigits, weight, sign,
// dscale, base-10000 digits) as decimal text for the engine to cast.
func decodeNumericBinary(b []byte) (any, error) {
	if len(b) < 8 {
		return nil, paramError(NumericOID, BinaryFormat, "short numeric")
	}
	ndigits := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits {
		return nil, paramError(NumericOID, BinaryFormat, "numeric digit count does not match its length")
	}
	switch sign {
	case 0xC000:
		return "NaN", nil
	case 0xD000:
		return "Infinity", nil
	case 0xF000:
		return "-Infinity", nil
	}
	digits := make([]int, ndigits)
	for i := range digits {
		digits[i] = int(binary.BigEndian.Uint16(b[8+2*i:]))
	}
	var sb strings.Builder
	if sign == 0x4000 {
		sb.WriteByte('-')
	}
	// Integer part: groups 0..weight.
	if weight < 0 {
		sb.WriteByte('0')
	} else {
		for i := 0; i <= weight; i++ {
			d := 0
			if i < ndigits {
				d = digits[i]
			}
			if i == 0 {
				sb.WriteString(strconv.Itoa(d))
			} else {
				fmt.Fprintf(&sb, "%04d", d)
			}
		}
	}
	if dscale > 0 {
		var frac strings.Builder
		for i := weight + 1; frac.Len() < dscale; i++ {
			d := 0
			if i >= 0 && i < ndigits {
				d = digits[i]
			}
			fmt.Fprintf(&frac, "%04d", d)
		}
		sb.WriteByte('.')
		sb.WriteString(frac.String()[:dscale])
	}
	return sb.String(), nil
}
