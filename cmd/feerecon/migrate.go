package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store/postgres"
)

func migrateCmd(g *globals) *cobra.Command {
	var db string
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded SQL migrations to PostgreSQL",
		Long: `migrate brings the database's schema to the version this binary needs. It is the one command
that changes the schema: serve, report and statement import check the version and refuse to
start on a database that is not migrated (or is behind, ahead, or dirty), naming this command.
Running it again on a current schema changes nothing.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			if db == "" {
				return config.Errorf("--db (or FEERECON_DB) is required: postgres://user@host:port/db?sslmode=disable")
			}
			v, err := postgres.Migrate(db)
			if err != nil {
				return err
			}
			log.Info("schema migrated", "version", v)
			fmt.Fprintf(cmd.OutOrStdout(), "schema at version %d\n", v)
			return nil
		},
	}
	dbFlag(c.Flags(), &db)
	return c
}
