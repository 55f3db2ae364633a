package main

import (
	"github.com/spf13/pflag"

	"github.com/feerecon/feerecon/reconcile/daily"
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
