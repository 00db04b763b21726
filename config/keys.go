package config

import (
	"slices"
	"strings"
)

// Key is one key of the configuration file as the configuration reference
// (docs/configuration.md) documents it. Keys builds them from the table the
// loader checks files against (rootSpec) and from the keys refused as not
// supported yet (notYet), so the reference cannot drift from what is
// accepted. Text fields are Markdown.
type Key struct {
	// Path is the key's path from the top of the file; a list's items are
	// written [], as in "datasets[].params.unnest_depth".
	Path string
	// Kind says what the value holds: "section" (a mapping of the keys below
	// it), "list" (of items with the keys below it) or, for a single value or
	// a free-form mapping, its form ("`host:port`", "duration (...)").
	Kind string
	// Example is a valid value as written in the file (a single value, or a
	// YAML flow mapping); "" for sections and lists.
	Example string
	// Default is the value an absent key takes, as written in the file; ""
	// when there is none (see Absent).
	Default string
	// Absent says what an absent key means when that is not a value
	// ("not served"); "" otherwise.
	Absent string
	// Required: the key must be set whenever the mapping that holds it is
	// present (version at the top, from in each dataset, cert in tls).
	Required bool
	// Needs lists the keys that must be set beside this one for it to be
	// valid, as paths ("datasets[].params.dynamodb_aws_secret_access_key"),
	// or as "path: value" when one value is needed
	// ("datasets[].acceleration.mode: file").
	Needs []string
	// Meaning is one line.
	Meaning string
	// NotYet, when set, is why the key is refused with "not supported yet"
	// (the key or a section above it is refused); NotYetValue, when set,
	// limits the refusal to that value of the key.
	NotYet, NotYetValue string
}

// Kinds of keys that hold other keys.
const (
	KindSection = "section"
	KindList    = "list"
)

// Keys returns every key the loader accepts, in documentation order (a
// section before the keys in it).
func Keys() []Key {
	var out []Key
	walkKeys(rootSpec, "", &out)
	for i := range out {
		out[i].NotYet, out[i].NotYetValue = notYetOf(out[i].Path)
	}
	return out
}

func walkKeys(s *spec, path string, out *[]Key) {
	for _, f := range s.keys {
		p := join(path, f.name)
		d := f.spec.doc
		k := Key{Path: p, Kind: d.kind, Example: d.example, Default: d.def, Absent: d.absent,
			Required: d.required, Needs: slices.Clone(d.needs), Meaning: d.meaning}
		switch f.spec.shape {
		case mapping:
			k.Kind = KindSection
			*out = append(*out, k)
			walkKeys(f.spec, p, out)
		case list:
			k.Kind = KindList
			*out = append(*out, k)
			if f.spec.item != nil && f.spec.item.shape == mapping {
				walkKeys(f.spec.item, p+"[]", out)
			}
		default:
			*out = append(*out, k)
		}
	}
}

// notYetOf finds the notYet entry for path or the nearest section above it.
// notYet's keys are relative to a dataset.
func notYetOf(path string) (why, value string) {
	rel, ok := strings.CutPrefix(path, "datasets[].")
	if !ok {
		return "", ""
	}
	for _, e := range notYet {
		if rel == e.key {
			return e.why, e.value
		}
		if e.value == "" && (strings.HasPrefix(rel, e.key+".") || strings.HasPrefix(rel, e.key+"[]")) {
			return e.why, ""
		}
	}
	return "", ""
}

// quoted writes each name as Markdown code.
func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}
