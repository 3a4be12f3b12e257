package cli

import (
	"github.com/exoplay/exoplay"
	"github.com/spf13/cobra"
)

func newSchemaCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the playbook JSON Schema (2020-12)",
		Long: `schema prints the JSON Schema of playbook files to stdout. Editors use it for
completion and inline help; point them at it with a first line such as
  # yaml-language-server: $schema=./schema.json`,
		Example: `  exoplay schema > schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.Out.Write(exoplay.SchemaJSON)
			return err
		},
	}
}
