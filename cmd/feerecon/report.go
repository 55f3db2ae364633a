package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store/postgres"
)

func reportCmd(g *globals) *cobra.Command {
	var (
		db, date, agency, out, lang string
		cfg                         dailyrun.Config
		prefixes                    []string
	)
	c := &cobra.Command{
		Use:   "report --date YYYY-MM-DD --out DIR [--agency CODE] [--db URL] [--lang vi|en]",
		Short: "Run a business day's three-way reconciliation over the database; store new report versions; write JSON, CSV, XLSX, HTML",
		Long: `report reconciles one business day from the database (notices, payments with their allocations
and exceptions, imported statements and settlement files), stores each report version that says
something new (immutable; queued for the treasury webhook and treasury.reports), and writes the
latest version of each report into DIR as JSON, CSV (UTF-8 with BOM), XLSX and printable HTML.
Running it again with nothing new stores nothing.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			if db == "" {
				return config.Errorf("--db (or FEERECON_DB) is required")
			}
			if out == "" {
				return config.Errorf("--out DIR is required")
			}
			d, err := payment.ParseDate(date)
			if err != nil {
				return config.Errorf("--date YYYY-MM-DD (the business day, Asia/Ho_Chi_Minh): %v", err)
			}
			cfg.Lang = daily.Lang(lang)
			cfg.Engine = reconcile.Config{CodePrefixes: prefixes}
			cfg.Logger = log
			// A day asked for by name is reported even when it had nothing.
			cfg.ReportEmptyDays = true
			if err := cfg.Validate(); err != nil {
				return err
			}
			st, err := postgres.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			job, err := dailyrun.NewJob(st, cfg)
			if err != nil {
				return err
			}
			fresh, err := job.Run(cmd.Context(), d, agency)
			if err != nil {
				return err
			}
			latest, err := job.Latest(cmd.Context(), d, agency)
			if err != nil {
				return err
			}
			if len(latest) == 0 {
				return fmt.Errorf("no report for %s %s", d, agency)
			}
			if _, err := dailyrun.WriteFiles(out, latest, job.Print()); err != nil {
				return err
			}
			for _, r := range latest {
				state := "unchanged"
				if slices.ContainsFunc(fresh, func(f daily.Report) bool { return f.ID == r.ID }) {
					state = "new"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s sha256=%s payments=%d collected=%s open_exceptions=%d -> %s/%s.*\n",
					r.ID, state, r.SHA256, r.Totals.Payments, r.Totals.Collected.String(), r.Totals.OpenExceptions, out, dailyrun.FileBase(r))
			}
			return nil
		},
	}
	f := c.Flags()
	dbFlag(f, &db)
	f.StringVar(&date, "date", "", "business date YYYY-MM-DD")
	f.StringVar(&agency, "agency", "", "only this agency's report (ALL for the total)")
	f.StringVar(&out, "out", "", "output directory")
	f.StringVar(&lang, "lang", string(daily.LangVI), "language of the report files: vi or en")
	dayRulesFlags(f, &cfg.DayRules)
	issuerFlags(f, &cfg.Issuer)
	f.StringSliceVar(&prefixes, "code-prefix", []string{payment.DefaultCodePrefix}, "payment-code prefixes")
	f.StringVar(&cfg.Destination, "destination", dailyrun.DefaultDestination, "outbox destination of the treasury webhook")
	return c
}
