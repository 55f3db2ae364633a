package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
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
	var (
		db, accounts string
		prefixes     []string
	)
	c := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import camt.053 statements and settlement CSVs (idempotent: a file imported before is a duplicate)",
		Long: `import stores each file's statement lines under its statement key (camt.053) or file id
(settlement CSV); a file imported before is a duplicate and stores nothing. A camt.053 entry that
reverses a credit (DBIT with RvslInd, or a return: BkTxCd RRTN/RPCR, RtrInf) is applied as serve
applies a camt.054 reversal: the payment's allocations are undone, its notices re-decided with the
engine configured by --code-prefix and --collection-accounts (give serve's), and each notice's system
told with payment.reversed. The same entry notified before by camt.054 is that one reversal, and a
re-import applies what an interrupted import left out. The line printed for such a file ends with
reversals=N applied=A unknown=U before=B.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			if db == "" {
				return config.Errorf("--db (or FEERECON_DB) is required")
			}
			ecfg := reconcile.Config{CodePrefixes: prefixes}
			if accounts != "" {
				a, err := collection.ReadFile(accounts)
				if err != nil {
					return config.Wrap("--collection-accounts", err)
				}
				ecfg.CollectionAccounts = a
			}
			engine, err := reconcile.NewEngine(ecfg)
			if err != nil {
				return config.Wrap("--code-prefix", err)
			}
			st, err := postgres.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			opts := dailyrun.ImportOptions{Policy: payment.DefaultAmountPolicy(), Reverser: ingest.New(st, engine, time.Now, log)}
			var failed []error
			for _, path := range args {
				body, err := readBounded(path, dailyrun.MaxStatementBytes)
				if err == nil {
					var imp dailyrun.Imported
					opts.Now = time.Now()
					imp, err = dailyrun.ImportStatement(cmd.Context(), st, body, opts)
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
	f := c.Flags()
	dbFlag(f, &db)
	f.StringSliceVar(&prefixes, "code-prefix", []string{payment.DefaultCodePrefix}, "payment-code prefixes (re-deciding the notices of a reversed payment)")
	f.StringVar(&accounts, "collection-accounts", envOr("FEERECON_COLLECTION_ACCOUNTS", ""),
		"CSV agency_code,bin,account: each agency's collection accounts, as serve's (re-deciding the notices of a reversed payment)")
	return c
}

// readBounded reads at most limit+1 bytes of the file at path: enough for
// the importer to refuse a larger file (dailyrun.ErrTooLarge) without
// holding all of it.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}
