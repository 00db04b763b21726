package config

import (
	"bytes"
	"fmt"
	"strings"
)

//go:generate go run ./cmd/genref -o ../docs/configuration.md

// ReferencePath is where the configuration reference lives, relative to the
// repository's root.
const ReferencePath = "docs/configuration.md"

// referenceHead opens the configuration reference; the tables follow.
const referenceHead = `# Configuration reference

<!-- Generated from the key table in config/load.go by ` + "`go generate ./config`" + `; do not edit.
     config's tests fail when this file differs from what the generator writes. -->

pgdynamo reads one YAML file, a Spicepod (` + "`version: v1`, `kind: Spicepod`" + `) with pgdynamo's own
` + "`runtime`" + ` section: ` + "`pgdynamo serve --config FILE`" + ` serves it and ` + "`pgdynamo check --config FILE`" + `
checks it without serving (the file, then DescribeTable for every dataset with the credentials serve
would use).
[examples/pgdynamo.yaml](../examples/pgdynamo.yaml) shows every key in context, with comments.

- Every key below is optional unless marked **required**; a required key inside a section or list item
  is required whenever that section or item is present.
- Unknown keys are errors, with a "did you mean" when a known key is close; so are values of the wrong
  form (a list where a single value belongs, a duration without a unit, …).
- References are expanded in every value: ` + "`${secrets:NAME}`" + ` is the environment variable NAME
  upper-cased, else NAME as written; ` + "`${env:NAME}`" + ` is the environment variable NAME. An unset
  reference is an error naming the key. A value that came from a secret is never printed.
- Relative paths (` + "`runtime.pg.tls`" + `, ` + "`duckdb_file`" + `) are relative to the configuration file's directory.
- Keys marked **not supported yet** belong to features still to come: they are parsed and checked, then
  refused with "not supported yet", so that nothing is accepted and silently ignored.
- ` + "`pgdynamo check`" + ` reports every problem of a file in one run, one per line, each naming the file,
  the line, the dataset and the key.

In the tables, ` + "`datasets[]`" + ` stands for each item of the ` + "`datasets`" + ` list (and likewise for other lists).
In messages, a dataset's keys are named relative to the dataset: ` + "`dataset \"users\": params.unnest_depth`" + `.
`

// Reference renders the configuration reference (docs/configuration.md) from
// Keys: a table of the top-level keys, then one per section or list at the
// top or directly in a list's item (datasets[].params). go generate ./config
// writes it; a test compares it with the file.
func Reference() []byte {
	var b bytes.Buffer
	b.WriteString(referenceHead)
	table := func(title, intro string) {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n| Key | Value | Default | Example | Meaning |\n|---|---|---|---|---|\n", title, intro)
	}
	for i, k := range Keys() {
		if startsGroup(k) {
			table("`"+k.Path+"`", k.Meaning+needsText(k)+absentText(k)+notYetText(k))
			continue
		}
		if i == 0 {
			table("Top level", "The keys that open the file.")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Path, cell(k.Kind), cell(defaultText(k)), cell(code(k.Example)),
			cell(k.Meaning+needsText(k)+absentText(k)+notYetText(k)))
	}
	return b.Bytes()
}

// startsGroup reports whether k opens a table of its own: a section or list
// at the top, or directly inside a list's item (datasets[].params).
func startsGroup(k Key) bool {
	if k.Kind != KindSection && k.Kind != KindList {
		return false
	}
	i := strings.LastIndex(k.Path, ".")
	return i < 0 || strings.HasSuffix(k.Path[:i], "[]")
}

func defaultText(k Key) string {
	switch {
	case k.Required:
		return "**required**"
	case k.Default != "":
		return code(k.Default)
	case k.Absent != "":
		return "none"
	}
	return ""
}

// needsText says which keys k needs beside it, named as in messages:
// relative to the dataset.
func needsText(k Key) string {
	if len(k.Needs) == 0 {
		return ""
	}
	var names []string
	for _, n := range k.Needs {
		names = append(names, code(strings.TrimPrefix(n, "datasets[].")))
	}
	return " Needs " + strings.Join(names, " and ") + "."
}

func absentText(k Key) string {
	if k.Absent == "" {
		return ""
	}
	return " Absent: " + k.Absent + "."
}

func notYetText(k Key) string {
	switch {
	case k.NotYet == "":
		return ""
	case k.NotYetValue != "":
		return fmt.Sprintf(" **`%s` is not supported yet**: refused (%s).", k.NotYetValue, k.NotYet)
	}
	return fmt.Sprintf(" **Not supported yet**: refused when set (%s).", k.NotYet)
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// cell escapes the table's separator.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
