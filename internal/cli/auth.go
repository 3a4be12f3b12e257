package cli

import "github.com/spf13/cobra"

// Placeholder until the auth subcommand lands; it says so instead of pretending.
func newAuthCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "auth",
		Short: "(auth is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "auth is not implemented yet")
		},
	}
}
