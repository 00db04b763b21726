package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration file. Its Error method
// renders it on one line as
//
//	FILE[:LINE]: [dataset "NAME": | datasets[I]: ]KEY: MESSAGE
//
// A Problem never carries the value of a secret.
type Problem struct {
	File    string // the file as it was named to Load or Parse
	Line    int    // 1-based; 0 when the problem has no place in the file
	Dataset string // the dataset's name as written ("app.users"); "" for unnamed or non-dataset problems
	Index   int    // the dataset's index in datasets; -1 when the problem is not about a dataset
	Key     string // key path: relative to the dataset ("params.unnest_depth"), else from the top ("runtime.pg.listen")
	// Msg says what is wrong and what is allowed. When it continues a
	// sentence whose subject is Key ("is required ...", "needs ...",
	// "applies to ..."), Error joins them with a space instead of a colon.
	Msg string
}

// predicate reports whether msg reads as the rest of a sentence about the key.
func predicate(msg string) bool {
	for _, p := range []string{"is ", "needs ", "applies to "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Error implements error.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	switch {
	case p.Dataset != "":
		fmt.Fprintf(&b, "dataset %q: ", p.Dataset)
	case p.Index >= 0:
		fmt.Fprintf(&b, "datasets[%d]: ", p.Index)
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		if predicate(p.Msg) {
			b.WriteString(" ")
		} else {
			b.WriteString(": ")
		}
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one pass over a file, ordered by line.
// Load, Parse, Resolve and Validate return a Problems value as their error
// when anything is wrong; errors.As recovers it, and errors.As with a
// *Problem target finds the first one.
type Problems []*Problem

// Error renders one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// err returns ps as an error, or nil when there are none. Problems are sorted
// by line, problems without a line first, keeping discovery order otherwise.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

// suggest returns the " (did you mean X?)" or " (allowed: ...)" tail for an
// unknown key. A key is close when its edit distance (transpositions count
// once) is at most 2, when one key is a prefix of the other, or when every
// word of the unknown key is a word of the allowed one ("region" for
// "dynamodb_aws_region").
func suggest(unknown string, allowed []string) string {
	u := strings.ToLower(unknown)
	rules := []func(a string) bool{
		func(a string) bool { return a == u },
		func(a string) bool { d := editDistance(u, a); return d <= 2 && d < len(u) },
		func(a string) bool {
			return len(u) >= 3 && (strings.HasPrefix(a, u) || strings.HasPrefix(u, a))
		},
		func(a string) bool { return wordsWithin(u, a) },
	}
	for _, close := range rules {
		var hits []string
		for _, a := range allowed {
			if close(a) {
				hits = append(hits, a)
			}
		}
		if len(hits) > 0 && len(hits) <= 3 {
			return " (did you mean " + orList(hits) + "?)"
		}
	}
	return " (allowed: " + strings.Join(allowed, ", ") + ")"
}

func orList(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " or " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// wordsWithin reports whether every "_"-separated word of u (at least one of
// three letters or more) is a word of a.
func wordsWithin(u, a string) bool {
	have := map[string]bool{}
	for _, w := range strings.Split(a, "_") {
		have[w] = true
	}
	long := false
	for _, w := range strings.Split(u, "_") {
		if !have[w] {
			return false
		}
		long = long || len(w) >= 3
	}
	return long
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and adjacent transpositions.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
