package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store/postgres"
)

// dayRulesFlags defines --cutoff and --credit-window-days on f, the same
// for every command that reconciles a business day. The defaults are real
// values (24h, 1): --help shows them, and --credit-window-days 0 is T+0.
func dayRulesFlags(f *pflag.FlagSet, r *daily.DayRules) {
	def := daily.DefaultDayRules()
	f.DurationVar(&r.Cutoff, "cutoff", def.Cutoff, "business-day cut-off as time since midnight, Asia/Ho_Chi_Minh, within (0, 24h], e.g. 16h30m")
	f.IntVar(&r.CreditWindowDays, "credit-window-days", def.CreditWindowDays,
		"N in T+N: a payment of business day T without its credit by the end of T+N is a missing_credit (0 is T+0)")
}

// issuerFlags defines --issuer, --issuer-parent and --issuer-place on f
// (fed by FEERECON_ISSUER, FEERECON_ISSUER_PARENT, FEERECON_ISSUER_PLACE),
// the same for every command that renders the printable report: the unit
// printed at its top and above its signatures. Unset, the report prints
// dotted lines to fill in by hand.
func issuerFlags(f *pflag.FlagSet, i *daily.Issuer) {
	f.StringVar(&i.Name, "issuer", envOr("FEERECON_ISSUER", ""), "issuing unit printed on the report, e.g. \"Sở Tư pháp tỉnh Nghệ An\" (FEERECON_ISSUER; unset: a line to fill in)")
	f.StringVar(&i.Parent, "issuer-parent", envOr("FEERECON_ISSUER_PARENT", ""), "governing body printed above the issuing unit, e.g. \"UBND tỉnh Nghệ An\" (FEERECON_ISSUER_PARENT)")
	f.StringVar(&i.Place, "issuer-place", envOr("FEERECON_ISSUER_PLACE", ""), "place printed before the report's date above the signatures, e.g. \"Vinh\" (FEERECON_ISSUER_PLACE)")
}

// dbFlag defines --db, fed by FEERECON_DB, on f. --help shows the default
// with its password redacted (postgres://u:xxxxx@h/db): a DSN in the
// environment is a secret, and pflag prints a flag's default as it is.
func dbFlag(f *pflag.FlagSet, db *string) {
	f.StringVar(db, "db", envOr("FEERECON_DB", ""), "PostgreSQL URL (FEERECON_DB)")
	f.Lookup("db").DefValue = postgres.RedactDSN(*db)
}

// maskDefault shows flag name's default with all but its last four
// characters masked (an account number from the environment).
func maskDefault(f *pflag.FlagSet, name string) {
	fl := f.Lookup(name)
	fl.DefValue = payment.MaskAccount(fl.DefValue)
}

// redactDBDefaults redacts the shown default of every --db flag under c,
// so a command that defines its own --db still never prints a password.
func redactDBDefaults(c *cobra.Command) {
	for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
		if f := fs.Lookup("db"); f != nil {
			f.DefValue = postgres.RedactDSN(f.DefValue)
		}
	}
	for _, sub := range c.Commands() {
		redactDBDefaults(sub)
	}
}
