package cli

import "github.com/spf13/cobra"

// Placeholder until the plan subcommand lands; it says so instead of pretending.
func newPlanCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "plan",
		Short: "(plan is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "plan is not implemented yet")
		},
	}
}
