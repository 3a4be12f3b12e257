package cli

import "github.com/spf13/cobra"

// Placeholder until the schema subcommand lands; it says so instead of pretending.
func newSchemaCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "(schema is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "schema is not implemented yet")
		},
	}
}
