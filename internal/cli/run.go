package cli

import "github.com/spf13/cobra"

// Placeholder until the run subcommand lands; it says so instead of pretending.
func newRunCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "(run is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "run is not implemented yet")
		},
	}
}
