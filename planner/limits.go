package planner

import (
	"strconv"
	"strings"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// What the parser is given at most. pg_query parses in C and hands the tree
// to Go as protobuf: a statement nested some 50,000 levels deep overflows
// the C stack and kills the process (no error to recover from), one of
// 5,000 levels fails protobuf's recursion limit, and every byte of text
// costs the parse about 150 bytes of memory and a few microseconds. So the
// text is checked before it reaches the parser.
const (
	// MaxStatementBytes bounds a query text: about 150 MB and a second or
	// two of parsing at most.
	MaxStatementBytes = 1 << 20
	// MaxNesting bounds measure's depth: under protobuf's limit and far
	// under the C stack's; DuckDB itself refuses expressions deeper than
	// 1,000.
	MaxNesting = 4000
	// MaxTokens bounds the tokens of a text: planning walks the whole tree
	// several times, at about 0.2 ms a token today (a 30,000-value IN list
	// takes 13 s), and nothing interrupts it, not even statement_timeout.
	MaxTokens = 65536
)

// checkText refuses a text too long or too deeply nested to parse safely,
// with PostgreSQL's codes: 54000 (program_limit_exceeded), 54001
// (statement_too_complex, "stack depth limit exceeded").
func checkText(sql string) error {
	if len(sql) > MaxStatementBytes {
		return pgerror.New(pgerror.ProgramLimitExceeded, "statement is too long: %d bytes, more than pgdynamo's limit of %d", len(sql), MaxStatementBytes).
			WithHint("Pass long lists as an array parameter (= ANY($1)) instead of in the text.")
	}
	d, tokens := measure(sql)
	if d > MaxNesting {
		return pgerror.New(pgerror.StatementTooComplex, "stack depth limit exceeded").
			WithDetail("The statement nests about " + strconv.Itoa(d) + " levels deep; pgdynamo parses at most " + strconv.Itoa(MaxNesting) + ".").
			WithHint("Simplify the statement: fewer nested parentheses, subqueries, CASEs or chained operators.")
	}
	if tokens > MaxTokens {
		return pgerror.New(pgerror.ProgramLimitExceeded, "statement is too large: %d tokens, more than pgdynamo's limit of %d", tokens, MaxTokens).
			WithHint("Pass long lists as an array parameter (= ANY($1)) instead of in the text.")
	}
	return nil
}

// measure returns the number of tokens of sql and a depth that bounds
// from above the depth of its parse tree, from its tokens alone (it never
// recurses, whatever the input). Groups — parentheses, brackets, CASE …
// END — nest; inside a group, the tokens of one list item each count a
// level, since operators (+, ||, ::, IS, LIKE, UNION, JOIN…) chain into
// trees as deep as they are long. Commas, semicolons, AND, OR, WHEN, THEN
// and ELSE end an item: lists and boolean chains are flat in the tree. The
// estimate is the deepest point reached: open groups plus the items'
// counts of each.
func measure(sql string) (depth, tokens int) {
	var (
		counts = []int{0} // per open group, the current item's tokens
		sum    = 0        // of counts
		deep   = 0
	)
	push := func() { counts = append(counts, 0) }
	pop := func() {
		if len(counts) > 1 {
			sum -= counts[len(counts)-1]
			counts = counts[:len(counts)-1]
		}
	}
	endItem := func() { sum -= counts[len(counts)-1]; counts[len(counts)-1] = 0 }
	count := func() {
		counts[len(counts)-1]++
		sum++
		deep = max(deep, sum+len(counts))
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			tokens++
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i = skipBlockComment(sql, i)
		case c == '\'' || c == '"':
			i = skipQuoted(sql, i, c)
		case c == '$' && dollarTag(sql, i) != "":
			tag := dollarTag(sql, i)
			end := strings.Index(sql[i+len(tag):], tag)
			if end < 0 {
				return deep, tokens
			}
			i += 2*len(tag) + end
		case c == '(' || c == '[':
			push()
			deep = max(deep, sum+len(counts))
			i++
		case c == ')' || c == ']':
			pop()
			i++
		case c == ',' || c == ';':
			endItem()
			i++
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			word := sql[i:j]
			i = j
			switch {
			case c >= '0' && c <= '9' || c == '.':
				// A number: a leaf.
			case strings.EqualFold(word, "CASE"):
				count()
				push()
			case strings.EqualFold(word, "END"):
				pop()
			case strings.EqualFold(word, "AND"), strings.EqualFold(word, "OR"), strings.EqualFold(word, "WHEN"),
				strings.EqualFold(word, "THEN"), strings.EqualFold(word, "ELSE"):
				endItem()
			default:
				count()
			}
		default:
			// An operator: a run of symbols is one token.
			j := i + 1
			for j < len(sql) && strings.IndexByte("+-*/<>=~!@#%^&|`?:", sql[j]) >= 0 &&
				!(sql[j] == '-' && j+1 < len(sql) && sql[j+1] == '-') && !(sql[j] == '/' && j+1 < len(sql) && sql[j+1] == '*') {
				j++
			}
			i = j
			count()
		}
	}
	return deep, tokens
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '.' || c >= 0x80
}

// skipBlockComment skips a /* */ comment, which nests in PostgreSQL.
func skipBlockComment(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return i
}

// skipQuoted skips a '…' string or "…" identifier; a doubled quote is one
// quote character, and a backslash escapes in E'…' strings.
func skipQuoted(sql string, i int, q byte) int {
	escapes := q == '\'' && i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e')
	for i++; i < len(sql); i++ {
		switch {
		case escapes && sql[i] == '\\':
			i++
		case sql[i] == q && i+1 < len(sql) && sql[i+1] == q:
			i++
		case sql[i] == q:
			return i + 1
		}
	}
	return i
}

// dollarTag returns the $tag$ opening a dollar-quoted string at i, or "".
func dollarTag(sql string, i int) string {
	if i > 0 && isWordByte(sql[i-1]) {
		return "" // part of an identifier (a$b)
	}
	for j := i + 1; j < len(sql); j++ {
		c := sql[j]
		switch {
		case c == '$':
			return sql[i : j+1]
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 || (j > i+1 && c >= '0' && c <= '9'):
		default:
			return ""
		}
	}
	return ""
}
