package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

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
	notices []payment.Notice, pf *paymentsFile, res *Result) error {
	lines, err := readStatements(o.Statements, policy, &res.Inputs)
	if err != nil {
		return err
	}
	wallet, err := readSettlements(o.Settlements, policy, &res.Inputs)
	if err != nil {
		return err
	}
	payments := pf.window(o.DayRules, o.Date.AddDays(-o.CreditWindowDays))
	d := engine.Decide(notices, payments)
	out, err := daily.Reconcile(daily.Input{
		BusinessDate: o.Date, DayRules: o.DayRules,
		Notices: notices, NoticeStates: d.Notices, Payments: payments,
		Allocations: d.Allocations, Exceptions: d.Exceptions,
		StatementLines: lines, SettlementLines: wallet, ExtractRefs: referenceKeys(engine),
		Now: asOf(o.Date),
	})
	if err != nil {
		return fmt.Errorf("three-way reconciliation: %w", err)
	}
	res.Exceptions = append(res.Exceptions, out.Exceptions...)
	res.Daily = out.Reports
	return nil
}

// asOf is a batch run's as-of time for business day date: the end of the
// day. The daily report is as of then, and the run's exceptions are raised
// then (see the package doc): a batch run's bytes depend on its files only.
func asOf(date payment.Date) time.Time { return date.AddDays(1).Start() }

// readStatements reads the camt.053 statements' lines, naming the files
// and counting the lines into in.
func readStatements(paths []string, policy payment.AmountPolicy, in *Inputs) ([]statements.Line, error) {
	var lines []statements.Line
	for _, path := range paths {
		ls, err := readStatement(path, policy, in)
		if err != nil {
			return nil, err
		}
		lines = append(lines, ls...)
		in.StatementFiles = append(in.StatementFiles, filepath.Base(path))
	}
	in.StatementLines = len(lines)
	return lines, nil
}

// readStatement reads one camt.053 file's lines.
func readStatement(path string, policy payment.AmountPolicy, in *Inputs) ([]statements.Line, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read statement: %w", err)
	}
	sts, err := camt053.Parse(bytes.NewReader(body), policy)
	if errors.Is(err, camt053.ErrBalanceMismatch) {
		// The entries are readable but do not add up to the closing
		// balance: reconcile what is there and say so in the report,
		// so the accountant asks the bank for the missing entries.
		in.StatementWarnings = append(in.StatementWarnings, fmt.Sprintf("%s: %v", filepath.Base(path), err))
		sts, err = camt053.Decode(bytes.NewReader(body), policy)
	}
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", filepath.Base(path), err)
	}
	var lines []statements.Line
	for _, s := range sts {
		lines = append(lines, s.Lines()...)
	}
	return lines, nil
}

// readSettlements reads the e-wallet settlement files' lines, naming the
// files and counting the lines into in.
func readSettlements(paths []string, policy payment.AmountPolicy, in *Inputs) ([]settlement.Line, error) {
	var wallet []settlement.Line
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read settlement: %w", err)
		}
		sf, err := settlement.Parse(f, policy)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("settlement %s: %w", filepath.Base(path), err)
		}
		wallet = append(wallet, sf.Lines...)
		in.SettlementFiles = append(in.SettlementFiles, filepath.Base(path))
	}
	in.SettlementLines = len(wallet)
	return wallet, nil
}

// window returns the payments of business day first or later under rules,
// each id once. The
// credit window looks back: events of earlier days still waiting for their
// credit take part, decided together with the day's (the engine is
// order-independent, so the day's decisions are unchanged).
func (pf *paymentsFile) window(rules daily.DayRules, first payment.Date) []payment.Payment {
	all, _ := pf.selectPayments(payment.Date{}, &Result{Lines: map[string]int{}})
	var out []payment.Payment
	for _, p := range all {
		if !rules.BusinessDay(p.PaidAt).Before(first) {
			out = append(out, p)
		}
	}
	return out
}

// referenceKeys returns the engine's reference extraction as the daily
// reconciliation takes it: the references' keys.
func referenceKeys(engine *reconcile.Engine) func(string) []string {
	return func(s string) []string {
		refs := engine.References(s)
		keys := make([]string, len(refs))
		for i, r := range refs {
			keys[i] = r.Key
		}
		return keys
	}
}

// Daily report file names, per scope (ALL or an agency code).
func dailyFiles(scope string) (jsonName, csvName, htmlName string) {
	base := "daily-" + daily.FileComponent(scope)
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
		if err := daily.WriteHTML(&b, r, daily.Print{Lang: lang}); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, hn), b.Bytes()); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if err := daily.WriteXLSX(&b, reports, daily.Print{Lang: lang}); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, DailyXLSX), b.Bytes())
}
