// Command exoplay runs declarative Exchange Online playbooks across many
// Microsoft 365 organizations. See the README and `exoplay --help`.
package main

import (
	"context"
	"os"

	"github.com/exoplay/exoplay/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
