package cli

import "github.com/spf13/cobra"

// Placeholder until the validate subcommand lands; it says so instead of pretending.
func newValidateCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "(validate is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "validate is not implemented yet")
		},
	}
}
