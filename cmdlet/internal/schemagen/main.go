// Command schemagen writes schema.cmdlets.json, the editor schema of the
// embedded cmdlet catalog (cmdlet.Catalog.EditorSchema), which schema.json
// references so that editors complete cmdlet and parameter names.
//
//	go run ./cmdlet/internal/schemagen -out schema.cmdlets.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/exoplay/exoplay/cmdlet"
)

func main() {
	out := flag.String("out", "schema.cmdlets.json", "output file")
	flag.Parse()
	c, err := cmdlet.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	b, err := c.EditorSchema()
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
