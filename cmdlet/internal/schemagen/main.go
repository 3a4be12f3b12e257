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
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

// write writes the embedded catalog's editor schema to out.
func write(out string) error {
	c, err := cmdlet.Default()
	if err != nil {
		return err
	}
	b, err := c.EditorSchema()
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
