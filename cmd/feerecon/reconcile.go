package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
	"github.com/feerecon/feerecon/reconcile/daily"
)

func reconcileCmd(g *globals) *cobra.Command {
	var (
		o        batch.Options
		date     string
		out      string
		prefixes []string
		lang     string
		accounts string
	)
	c := &cobra.Command{
		Use:   "reconcile --notices FILE.csv --payments FILE.jsonl --date YYYY-MM-DD --out DIR",
		Short: "Match a day's payments to notices from files, with no servers; writes DIR/report.json and report.csv",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			if out == "" {
				return config.Errorf("--out DIR is required")
			}
			if date != "" {
				d, err := payment.ParseDate(date)
				if err != nil {
					return config.Errorf("--date: %v", err)
				}
				o.Date = d
			} else {
				return config.Errorf("--date YYYY-MM-DD is required (the business day, Asia/Ho_Chi_Minh)")
			}
			o.Engine = reconcile.Config{CodePrefixes: prefixes}
			if accounts != "" {
				a, err := collection.ReadFile(accounts)
				if err != nil {
					return config.Wrap("--collection-accounts", err)
				}
				o.Engine.CollectionAccounts = a
			}
			if _, err := daily.Labels(daily.Lang(lang)); err != nil {
				return config.Errorf("--lang: %v", err)
			}
			o.Lang = daily.Lang(lang)
			o.Logger = log
			if err := o.Validate(); err != nil {
				return err
			}
			res, err := batch.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if err := batch.WriteReport(out, res); err != nil {
				return err
			}
			t := res.Totals
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d notices, %d payments, %d allocations (%s VND), %d exceptions -> %s\n",
				o.Date, t.Notices, t.Payments, t.Allocations, t.AllocatedAmount, t.Exceptions, out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.NoticesPath, "notices", "", "notices CSV")
	f.StringVar(&o.PaymentsPath, "payments", "", "payments JSONL")
	f.StringVar(&date, "date", "", "business date YYYY-MM-DD")
	f.StringVar(&out, "out", "", "output directory")
	f.StringVar(&o.System, "system", batch.DefaultSystem, "issuing system of the notices")
	f.StringSliceVar(&prefixes, "code-prefix", []string{payment.DefaultCodePrefix}, "payment-code prefixes")
	f.StringArrayVar(&o.Statements, "statement", nil, "camt.053 bank statement (repeatable): adds the three-way reconciliation")
	f.StringArrayVar(&o.Settlements, "settlement", nil, "e-wallet settlement CSV (repeatable): adds the three-way reconciliation")
	dayRulesFlags(f, &o.DayRules)
	f.StringVar(&lang, "lang", "vi", "language of the daily report files: vi or en")
	f.StringVar(&accounts, "collection-accounts", "", "CSV agency_code,bin,account: each agency's collection accounts; "+
		"a payment credited elsewhere is a wrong_account exception; unset, nothing is checked")
	return c
}
