package cli

import (
	"github.com/exoplay/exoplay"
	"github.com/spf13/cobra"
)

func newSchemaCmd(ios *streams) *cobra.Command {
	var cmdlets bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the playbook JSON Schema (2020-12)",
		Long: `schema prints the JSON Schema of playbook files to stdout. Editors use it for
completion and inline help; point them at it with a first line such as
  # yaml-language-server: $schema=./schema.json
schema.json refers to schema.cmdlets.json beside it (cmdlet and parameter
names from the cmdlet catalog); --cmdlets prints that one.`,
		Example: `  exoplay schema > schema.json && exoplay schema --cmdlets > schema.cmdlets.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmdlets {
				cat, err := catalogOrExit()
				if err != nil {
					return err
				}
				b, err := cat.EditorSchema()
				if err != nil {
					return exitf(ExitStepFailed, "%v", err)
				}
				_, err = ios.Out.Write(b)
				return err
			}
			_, err := ios.Out.Write(exoplay.SchemaJSON)
			return err
		},
	}
	cmd.Flags().BoolVar(&cmdlets, "cmdlets", false, "print schema.cmdlets.json, the cmdlet catalog's part")
	return cmd
}
