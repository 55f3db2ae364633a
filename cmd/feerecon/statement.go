package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store/postgres"
)

func statementCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "statement",
		Short: "Bank statements (camt.053) and e-wallet settlement files",
	}
	c.AddCommand(statementImportCmd(g))
	return c
}

func statementImportCmd(g *globals) *cobra.Command {
	var db string
	c := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import camt.053 statements and settlement CSVs (idempotent: a file imported before is a duplicate)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			if db == "" {
				return config.Errorf("--db (or FEERECON_DB) is required")
			}
			st, err := postgres.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			var failed []error
			for _, path := range args {
				body, err := os.ReadFile(path)
				if err == nil {
					var imp dailyrun.Imported
					imp, err = dailyrun.ImportStatement(cmd.Context(), st, body, payment.DefaultAmountPolicy(), time.Now())
					if err == nil {
						fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", path, imp)
						continue
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s error %v\n", path, err)
				log.Error("statement import failed", "file", path, "error", err)
				failed = append(failed, fmt.Errorf("%s: %w", path, err))
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d of %d files not imported: %w", len(failed), len(args), errors.Join(failed...))
			}
			return nil
		},
	}
	dbFlag(c.Flags(), &db)
	return c
}
