package config

import (
	"slices"
	"strings"
)

// notYetKey is a dataset key the configuration format accepts but pgdynamo
// does not act on yet. Resolve parses it and checks its value as usual, then
// refuses it with "not supported yet", so that nothing is accepted and
// silently ignored (SPEC §8).
type notYetKey struct {
	key string // path relative to the dataset, as messages name it
	// value, when set, limits the refusal to that value of key: the key
	// works with its other values.
	value string
	// why and fix complete the message: KEY is not supported yet: WHY (FIX).
	why, fix string
	// inUse reports whether a Config built in code uses the key; nil when
	// only the file can tell (the key's zero value is not "off"). With value
	// set, inUse alone decides.
	inUse func(Dataset) bool
}

// fixRemove is the advice for a key that has no supported value yet.
const fixRemove = "remove it"

// notYet is every key that is refused as not supported yet, in documentation
// order. Supporting one is deleting its entry: its parsing, its value checks
// and its rules with other keys are already in place (the rules wait while
// the key is refused, see refused).
var notYet = []notYetKey{}

// refusal is one notYet entry that a dataset uses.
type refusal struct {
	notYetKey
	dataset int
}

// refused lists the notYet entries dataset i uses: written in the file, or
// in use in a Config built in code. Rules that tie a refused key to other
// keys (on_conflict required by refresh_mode: changes, say) wait for the key
// to be supported: while it is refused they would only add noise.
func (k *checker) refused(i int) map[string]refusal {
	d := k.c.Datasets[i]
	out := map[string]refusal{}
	for _, e := range notYet {
		used := e.inUse != nil && e.inUse(d)
		if e.value == "" && k.has(i, e.key) {
			used = true
		}
		if used {
			out[e.key] = refusal{notYetKey: e, dataset: i}
		}
	}
	return out
}

// reportNotYet reports each refusal of rs in notYet's order. Unlike other
// problems, a refusal is reported even when Resolve already reported the
// key's value: fixing the value would not make the key work.
func (k *checker) reportNotYet(rs map[string]refusal) {
	for _, e := range notYet {
		r, ok := rs[e.key]
		if !ok {
			continue
		}
		if r.value != "" {
			k.problem(r.dataset, r.key, -1, "%s is not supported yet: %s (%s)", k.show(r.dataset, r.key, r.value), r.why, r.fix)
		} else {
			k.problem(r.dataset, r.key, -1, "is not supported yet: %s (%s)", r.why, r.fix)
		}
	}
}

// supportedValues is allowed without the values of key that notYet refuses,
// worded for an "is not supported (...)" message: "full or changes", or
// "full; changes is not supported yet".
func supportedValues(key string, allowed ...string) string {
	var ok, later []string
	for _, v := range allowed {
		if slices.ContainsFunc(notYet, func(e notYetKey) bool { return e.key == key && e.value == v }) {
			later = append(later, v)
		} else {
			ok = append(ok, v)
		}
	}
	s := orList(ok)
	if len(later) > 0 {
		verb := " is"
		if len(later) > 1 {
			verb = " are"
		}
		s += "; " + strings.Join(later, " and ") + verb + " not supported yet"
	}
	return s
}
