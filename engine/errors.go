package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/planner"
)

// duckCodes maps DuckDB's typed error classes to SQLSTATEs.
var duckCodes = map[duckdb.ErrorType]pgerror.Code{
	duckdb.ErrorTypeParser:               pgerror.SyntaxError,
	duckdb.ErrorTypeSyntax:               pgerror.SyntaxError,
	duckdb.ErrorTypeCatalog:              pgerror.UndefinedFunction,
	duckdb.ErrorTypeBinder:               pgerror.UndefinedColumn,
	duckdb.ErrorTypePermission:           pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeConversion:           pgerror.InvalidTextRepresentation,
	duckdb.ErrorTypeOutOfRange:           pgerror.NumericValueOutOfRange,
	duckdb.ErrorTypeDivideByZero:         pgerror.DivisionByZero,
	duckdb.ErrorTypeInterrupt:            pgerror.QueryCanceled,
	duckdb.ErrorTypeInvalidInput:         pgerror.InvalidParameterValue,
	duckdb.ErrorTypeNotImplemented:       pgerror.FeatureNotSupported,
	duckdb.ErrorTypeOutOfMemory:          pgerror.OutOfMemory,
	duckdb.ErrorTypeMismatchType:         pgerror.DatatypeMismatch,
	duckdb.ErrorTypeInvalidType:          pgerror.DatatypeMismatch,
	duckdb.ErrorTypeSettings:             pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeMissingExtension:     pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeAutoLoad:             pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeIO:                   pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeParameterNotResolved: pgerror.DatatypeMismatch,
}

// clientText is what error messages may quote: the client's SQL, where a
// position is looked up (never the rewritten query the engine ran, whose
// text is dropped from every message), and its function calls as
// PostgreSQL names them (planner.Statement.Signatures).
type clientText struct {
	sql        string
	signatures map[string]string
	tables     map[string]string
}

func textOf(p planner.Statement) clientText {
	return clientText{sql: p.Source, signatures: p.Signatures, tables: p.ColumnTables}
}

// classify turns an engine error into a *pgerror.Error in PostgreSQL's
// words where PostgreSQL has words for it (translate). A cancelled or
// timed-out context explains an interrupt better than DuckDB can.
func classify(ctx context.Context, err error, source clientText) error {
	if err == nil {
		return nil
	}
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to statement timeout", Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to user request", Err: err}
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		code, ok := duckCodes[de.Type]
		if !ok {
			code = pgerror.InternalError
		}
		if code == pgerror.OutOfMemory {
			return outOfMemory(de.Msg, err)
		}
		msg := hideRewrite(dropContext(trimDuckPrefix(de.Msg)))
		if t := translate(msg, source); t != nil {
			t.Err = err
			return t
		}
		return &pgerror.Error{Code: code, Message: msg, Err: err}
	}
	return &pgerror.Error{Code: pgerror.InternalError, Message: err.Error(), Err: err}
}

// trimDuckPrefix drops DuckDB's "Binder Error: " style class label, which
// the SQLSTATE already carries.
func trimDuckPrefix(msg string) string {
	if i := strings.Index(msg, " Error: "); i > 0 && i < 32 && !strings.ContainsAny(msg[:i], "\n:") {
		return msg[i+len(" Error: "):]
	}
	return msg
}

// dropContext cuts the "LINE 1: ..." excerpt DuckDB appends: it quotes the
// rewritten query (pgdynamo_scan calls), which is no business of the
// client's.
func dropContext(msg string) string {
	if i := strings.Index(msg, "\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	if strings.HasPrefix(msg, "LINE ") {
		return ""
	}
	return strings.TrimRight(msg, "\n ")
}

// rewriteNames are the planner's names a message may quote from the
// rewritten query, and what the client wrote instead.
var rewriteNames = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(planner.ScanFunction + `\('([^']*)', '[^']*'\)`), "$1"},
	{regexp.MustCompile(regexp.QuoteMeta(planner.ShimSchema) + `\.`), ""},
}

// hideRewrite puts the client's names back where a message quotes the
// rewritten query.
func hideRewrite(msg string) string {
	for _, r := range rewriteNames {
		msg = r.re.ReplaceAllString(msg, r.with)
	}
	return msg
}

// pgTypeNames are PostgreSQL's names for the engine's types in messages.
var pgTypeNames = map[string]string{
	"INT8": "smallint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint", "INT128": "uuid",
	"TINYINT": "smallint", "SMALLINT": "smallint", "INTEGER": "integer", "BIGINT": "bigint", "HUGEINT": "numeric",
	"UINT8": "smallint", "UINT16": "integer", "UINT32": "bigint", "UINT64": "numeric",
	"FLOAT": "real", "DOUBLE": "double precision", "BOOL": "boolean", "BOOLEAN": "boolean",
	"DATE": "date", "TIME": "time without time zone", "INTERVAL": "interval", "VARCHAR": "text",
	"BLOB": "bytea", "UUID": "uuid", "JSON": "json", "TIMESTAMP": "timestamp without time zone",
	"TIMESTAMP WITH TIME ZONE": "timestamp with time zone", "STRING_LITERAL": "unknown",
	"INTEGER_LITERAL": "integer", "NULL": "unknown",
}

func pgTypeName(duck string) string {
	if strings.HasPrefix(duck, "DECIMAL") {
		return "numeric"
	}
	if strings.HasSuffix(duck, "[]") {
		return pgTypeName(strings.TrimSuffix(duck, "[]")) + "[]"
	}
	if n, ok := pgTypeNames[duck]; ok {
		return n
	}
	return strings.ToLower(duck)
}

// An engineMessage is an engine error text PostgreSQL words differently.
type engineMessage struct {
	re *regexp.Regexp
	// rewrite builds the error from the submatches and the client's SQL.
	rewrite func(m []string, source clientText) *pgerror.Error
}

// engineMessages are the engine errors a client meets in everyday SQL, in
// PostgreSQL 15's words (the differential corpus compares them).
var engineMessages = []engineMessage{
	{regexp.MustCompile(`^Referenced column "([^"]*)" not found in FROM clause!`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.UndefinedColumn, Message: fmt.Sprintf("column %q does not exist", m[1]),
			Position: identPosition(src.sql, m[1])}
	}},
	{regexp.MustCompile(`^(?:Table|Values list|Binding) "([^"]*)" does not have a column named "([^"]*)"`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.UndefinedColumn, Message: fmt.Sprintf("column %s.%s does not exist", m[1], m[2]),
			Position: identPosition(src.sql, m[1])}
	}},
	{regexp.MustCompile(`^Referenced table "([^"]*)" not found!`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.UndefinedTable, Message: fmt.Sprintf("missing FROM-clause entry for table %q", m[1]),
			Position: identPosition(src.sql, m[1])}
	}},
	{regexp.MustCompile(`^Ambiguous reference to column name "([^"]*)"`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.AmbiguousColumn, Message: fmt.Sprintf("column reference %q is ambiguous", m[1]),
			Position: identPosition(src.sql, m[1])}
	}},
	{regexp.MustCompile(`^column "([^"]*)" must appear in the GROUP BY clause`), func(m []string, src clientText) *pgerror.Error {
		name := m[1]
		if table := src.tables[name]; table != "" {
			name = table + "." + name
		}
		return &pgerror.Error{Code: pgerror.GroupingError,
			Message:  fmt.Sprintf("column %q must appear in the GROUP BY clause or be used in an aggregate function", name),
			Position: identPosition(src.sql, m[1])}
	}},
	{regexp.MustCompile(`^Could not convert string ['"](.*)['"] to ([A-Z0-9_]+(?:\(\d+,\d+\))?)$`), func(m []string, src clientText) *pgerror.Error {
		return inputSyntax(pgerror.InvalidTextRepresentation, pgTypeName(m[2]), m[1], src)
	}},
	{regexp.MustCompile(`^invalid (date|timestamp) field format: "(.*)", expected format`), func(m []string, src clientText) *pgerror.Error {
		typ := "date"
		if m[1] == "timestamp" {
			typ = "timestamp"
		}
		return inputSyntax(pgerror.InvalidDatetimeFormat, typ, m[2], src)
	}},
	{regexp.MustCompile(`^(?:date|timestamp|time) field value out of range: "(.*?)"`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.DatetimeFieldOverflow, Message: fmt.Sprintf("date/time field value out of range: %q", m[1]),
			Position: literalPosition(src.sql, m[1]), Hint: `Perhaps you need a different "datestyle" setting.`}
	}},
	{regexp.MustCompile(`^Malformed JSON at byte \d+ of input: (.*?)\.\s+Input: "(.*)"$`), func(m []string, src clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: "invalid input syntax for type json",
			Position: literalPosition(src.sql, m[2])}
	}},
	{regexp.MustCompile(`^Overflow in (?:addition|subtraction|multiplication|division) of ([A-Z0-9]+) `), func(m []string, _ clientText) *pgerror.Error {
		return outOfRange(pgTypeName(m[1]))
	}},
	{regexp.MustCompile(`^Overflow in division of -?\d+ / -?\d+`), func(_ []string, _ clientText) *pgerror.Error {
		return outOfRange("bigint")
	}},
	{regexp.MustCompile(`^Type [A-Z0-9]+ with value .* can't be cast because the value is out of range for the destination type ([A-Z0-9]+)`), func(m []string, _ clientText) *pgerror.Error {
		return outOfRange(pgTypeName(m[1]))
	}},
	{regexp.MustCompile(`^Scalar Function with name (\S+) does not exist!`), func(m []string, src clientText) *pgerror.Error {
		signature, ok := src.signatures[m[1]]
		if !ok {
			signature = m[1] + "(...)"
		}
		return undefinedFunction(signature, identPosition(src.sql, m[1]))
	}},
	{regexp.MustCompile(`^No function matches the given name and argument types '([^(']+)\(([^']*)\)'`), func(m []string, src clientText) *pgerror.Error {
		args := strings.Split(m[2], ", ")
		for i, a := range args {
			args[i] = pgTypeName(a)
		}
		if m[2] == "" {
			args = nil
		}
		if isOperator(m[1]) && len(args) == 2 {
			return &pgerror.Error{Code: pgerror.UndefinedFunction, Message: fmt.Sprintf("operator does not exist: %s %s %s", args[0], m[1], args[1]),
				Hint: "No operator matches the given name and argument types. You might need to add explicit type casts."}
		}
		return undefinedFunction(m[1]+"("+strings.Join(args, ", ")+")", identPosition(src.sql, m[1]))
	}},
	// Raised on PostgreSQL's behalf (error() in a shim macro, a Go
	// function): its SQLSTATE and words.
	{regexp.MustCompile(`SQLSTATE ([0-9A-Z]{5}): (.*)$`), func(m []string, _ clientText) *pgerror.Error {
		return &pgerror.Error{Code: pgerror.Code(m[1]), Message: m[2]}
	}},
}

func isOperator(name string) bool { return strings.Trim(name, "+-*/<>=~!@#%^&|`?") == "" }

func outOfRange(typ string) *pgerror.Error {
	return &pgerror.Error{Code: pgerror.NumericValueOutOfRange, Message: typ + " out of range"}
}

func undefinedFunction(signature string, pos int) *pgerror.Error {
	return &pgerror.Error{Code: pgerror.UndefinedFunction, Message: "function " + signature + " does not exist", Position: pos,
		Hint: "No function matches the given name and argument types. You might need to add explicit type casts."}
}

func inputSyntax(code pgerror.Code, typ, value string, src clientText) *pgerror.Error {
	return &pgerror.Error{Code: code, Message: fmt.Sprintf("invalid input syntax for type %s: %q", typ, value),
		Position: literalPosition(src.sql, value)}
}

// translate rewords msg as PostgreSQL would; nil when it has no words for
// it.
func translate(msg string, source clientText) *pgerror.Error {
	for _, em := range engineMessages {
		if m := em.re.FindStringSubmatch(msg); m != nil {
			return em.rewrite(m, source)
		}
	}
	return nil
}

// identPosition is the 1-based character position of the first identifier
// token of sql equal to name (case-folded unless quoted), 0 when there is
// none: the engine's own position counts in the rewritten query.
func identPosition(sql, name string) int {
	pos := 0
	scanTokens(sql, func(start int, kind tokenKind, text string) bool {
		if kind == identToken && strings.ToLower(text) == name || kind == quotedToken && text == name {
			pos = utf8.RuneCountInString(sql[:start]) + 1
			return false
		}
		return true
	})
	return pos
}

// literalPosition is the position of the first string constant of sql
// whose value is value.
func literalPosition(sql, value string) int {
	pos := 0
	scanTokens(sql, func(start int, kind tokenKind, text string) bool {
		if kind == stringToken && text == value {
			pos = utf8.RuneCountInString(sql[:start]) + 1
			return false
		}
		return true
	})
	return pos
}

type tokenKind int

const (
	identToken tokenKind = iota
	quotedToken
	stringToken
)

// scanTokens splits sql into PostgreSQL's identifiers, quoted identifiers
// and string constants (with their values), skipping comments; each is
// passed to visit with its byte offset until visit returns false.
func scanTokens(sql string, visit func(start int, kind tokenKind, text string) bool) {
	isIdent := func(c byte, first bool) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || !first && (c >= '0' && c <= '9' || c == '$')
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return
			}
			i += end + 4
		case c == '\'' || (c == 'E' || c == 'e') && i+1 < len(sql) && sql[i+1] == '\'':
			start, escapes := i, c != '\''
			if escapes {
				i++
			}
			var value string
			value, i = readQuoted(sql, i, '\'', escapes)
			if !visit(start, stringToken, value) {
				return
			}
		case c == '"':
			start := i
			var value string
			value, i = readQuoted(sql, i, '"', false)
			if !visit(start, quotedToken, value) {
				return
			}
		case isIdent(c, true):
			start := i
			for i < len(sql) && isIdent(sql[i], false) {
				i++
			}
			if !visit(start, identToken, sql[start:i]) {
				return
			}
		default:
			i++
		}
	}
}

// readQuoted reads the quoted text starting at sql[i] (the opening quote):
// a doubled quote is one, and with escapes a backslash escapes the next
// character. It returns the text and the position after the closing quote.
func readQuoted(sql string, i int, quote byte, escapes bool) (string, int) {
	var b strings.Builder
	for i++; i < len(sql); i++ {
		if escapes && sql[i] == '\\' && i+1 < len(sql) {
			i++
			b.WriteByte(sql[i])
			continue
		}
		if sql[i] == quote {
			if i+1 < len(sql) && sql[i+1] == quote {
				b.WriteByte(quote)
				i++
				continue
			}
			break
		}
		b.WriteByte(sql[i])
	}
	return b.String(), i + 1
}
