package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/camt053"
	"github.com/feerecon/feerecon/statements/settlement"
)

// threeWay adds the daily three-way reconciliation (notices ↔ payment
// events ↔ statement and settlement lines) to a batch result: its
// discrepancies join the exceptions, and the per-agency daily reports are
// kept for WriteReport. It is a pure function of the files, so the same
// files give the same bytes.
func threeWay(o Options, policy payment.AmountPolicy, engine *reconcile.Engine,
	notices []payment.Notice, payments []payment.Payment, d reconcile.Decision, res *Result) error {
	var lines []statements.Line
	for _, path := range o.Statements {
		body, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read statement: %w", err)
		}
		sts, err := camt053.Parse(bytes.NewReader(body), policy)
		if errors.Is(err, camt053.ErrBalanceMismatch) {
			// The entries are readable but do not add up to the closing
			// balance: reconcile what is there and say so in the report,
			// so the accountant asks the bank for the missing entries.
			res.Inputs.StatementWarnings = append(res.Inputs.StatementWarnings, fmt.Sprintf("%s: %v", filepath.Base(path), err))
			sts, err = camt053.Decode(bytes.NewReader(body), policy)
		}
		if err != nil {
			return fmt.Errorf("statement %s: %w", filepath.Base(path), err)
		}
		for _, s := range sts {
			lines = append(lines, s.Lines()...)
		}
		res.Inputs.StatementFiles = append(res.Inputs.StatementFiles, filepath.Base(path))
	}
	var wallet []settlement.Line
	for _, path := range o.Settlements {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read settlement: %w", err)
		}
		sf, err := settlement.Parse(f, policy)
		f.Close()
		if err != nil {
			return fmt.Errorf("settlement %s: %w", filepath.Base(path), err)
		}
		wallet = append(wallet, sf.Lines...)
		res.Inputs.SettlementFiles = append(res.Inputs.SettlementFiles, filepath.Base(path))
	}
	res.Inputs.StatementLines = len(lines)
	res.Inputs.SettlementLines = len(wallet)
	// The credit window looks back: events of earlier days still waiting
	// for their credit take part, decided together with the day's (the
	// engine is order-independent, so the day's decisions are unchanged).
	scratch := &Result{Lines: map[string]int{}}
	all, _, err := readPayments(o.PaymentsPath, payment.Date{}, policy, scratch)
	if err != nil {
		return err
	}
	first := o.Date.AddDays(-o.CreditWindowDays)
	var window3 []payment.Payment
	for _, p := range all {
		if !o.BusinessDay(p.PaidAt).Before(first) {
			window3 = append(window3, p)
		}
	}
	d = engine.Decide(notices, window3)
	payments = window3
	extract := func(s string) []string {
		refs := engine.References(s)
		keys := make([]string, len(refs))
		for i, r := range refs {
			keys[i] = r.Key
		}
		return keys
	}
	out, err := daily.Reconcile(daily.Input{
		BusinessDate: o.Date, DayRules: o.DayRules,
		Notices: notices, NoticeStates: d.Notices, Payments: payments,
		Allocations: d.Allocations, Exceptions: d.Exceptions,
		StatementLines: lines, SettlementLines: wallet, ExtractRefs: extract,
		// The as-of time is the end of the business day: a batch run's
		// bytes depend on its files only.
		Now: o.Date.AddDays(1).Start(),
	})
	if err != nil {
		return fmt.Errorf("three-way reconciliation: %w", err)
	}
	res.Exceptions = append(res.Exceptions, out.Exceptions...)
	res.Daily = out.Reports
	return nil
}

// Daily report file names, per scope (ALL or an agency code).
func dailyFiles(scope string) (jsonName, csvName, htmlName string) {
	base := "daily-" + daily.SheetName(scope)
	return base + ".json", base + ".csv", base + ".html"
}

// DailyXLSX is the workbook with one sheet per agency.
const DailyXLSX = "daily.xlsx"

// writeDaily writes each daily report as JSON, CSV and HTML, and all of
// them as one XLSX workbook.
func writeDaily(dir string, reports []daily.Report, lang daily.Lang) error {
	if len(reports) == 0 {
		return nil
	}
	sort.SliceStable(reports, func(i, j int) bool { return reports[i].Agency < reports[j].Agency })
	for _, r := range reports {
		jn, cn, hn := dailyFiles(r.Agency)
		js, err := r.JSON()
		if err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, jn), js); err != nil {
			return err
		}
		var b bytes.Buffer
		if err := daily.WriteCSV(&b, r, lang); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, cn), b.Bytes()); err != nil {
			return err
		}
		b.Reset()
		if err := daily.WriteHTML(&b, r, lang); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, hn), b.Bytes()); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if err := daily.WriteXLSX(&b, reports, lang); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, DailyXLSX), b.Bytes())
}
