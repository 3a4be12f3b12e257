package cli

import "github.com/spf13/cobra"

// Placeholder until the emulator subcommand lands; it says so instead of pretending.
func newEmulatorCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "emulator",
		Short: "(emulator is not implemented yet)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitInvalid, "emulator is not implemented yet")
		},
	}
}
