package main

import (
	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/demo"
)

func demoCmd(g *globals) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job on the embedded default (in-memory store, in-process transport) over testdata/demo",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The demo's output is its summary; its logs (every request, every
			// payment) are there with --log-level info.
			if !cmd.Flags().Changed("log-level") {
				g.logLevel = "warn"
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			sum, err := demo.Run(cmd.Context(), demo.Options{Dir: dir, Logger: log})
			if err != nil {
				return err
			}
			sum.Print(cmd.OutOrStdout())
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "testdata/demo", "folder with notices.jsonl, payments.jsonl and cancel.txt")
	return c
}
