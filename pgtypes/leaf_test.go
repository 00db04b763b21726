package pgtypes_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLeafPackage keeps pgtypes a leaf: its non-test files import only the
// standard library and arrow-go, nothing of pgdynamo's and nothing else.
func TestLeafPackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			stdlib := !strings.Contains(strings.Split(path, "/")[0], ".")
			if !stdlib && !strings.HasPrefix(path, "github.com/apache/arrow-go/v18/") {
				t.Errorf("%s imports %s: pgtypes may import only the standard library and arrow-go", name, path)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
