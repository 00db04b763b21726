// Command genref writes pgdynamo's configuration reference,
// docs/configuration.md, from the config package's key table:
//
//	go generate ./config        (runs: go run ./cmd/genref -o ../docs/configuration.md)
//	go run ./config/cmd/genref  (from the repository's root)
//
// config's tests fail when the file differs from what this writes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pgdynamo/pgdynamo/config"
)

func main() {
	out := flag.String("o", config.ReferencePath, "the file to write")
	flag.Parse()
	if err := os.WriteFile(*out, config.Reference(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genref:", err)
		os.Exit(1)
	}
}
