package batch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/spreadsheet"
)

// Report file names inside the output directory.
const (
	ReportJSON = "report.json"
	ReportCSV  = "report.csv"
)

// Report is the JSON document written to report.json. Money is written as
// decimal strings. Everything is sorted, so a run's bytes are reproducible.
type Report struct {
	BusinessDate   string             `json:"business_date"`
	Inputs         Inputs             `json:"inputs"`
	Allocations    []ReportAllocation `json:"allocations"`
	Exceptions     []ReportException  `json:"exceptions"`
	Notices        []ReportNotice     `json:"notices"`
	InvalidNotices []ReportLine       `json:"invalid_notices"`
	Totals         Totals             `json:"totals"`
}

// ReportAllocation is one allocation row.
type ReportAllocation struct {
	PaymentID    string              `json:"payment_id"`
	NoticeSystem string              `json:"notice_system"`
	NoticeID     string              `json:"notice_id"`
	PaymentCode  payment.PaymentCode `json:"payment_code,omitempty"`
	Amount       string              `json:"amount"`
	Currency     payment.Currency    `json:"currency"`
	Rule         reconcile.Rule      `json:"rule"`
	Evidence     string              `json:"evidence"`
}

// ReportException is one exception row.
type ReportException struct {
	ID        string `json:"id"`
	PaymentID string `json:"payment_id,omitempty"`
	// StatementRef is the statement entry of a three-way discrepancy
	// (AcctSvcrRef, else EndToEndId); set instead of PaymentID when the
	// exception has no payment (missing_event), beside it when it has both.
	StatementRef string                  `json:"statement_ref,omitempty"`
	Kind         reconcile.ExceptionKind `json:"kind"`
	NoticeSystem string                  `json:"notice_system,omitempty"`
	NoticeID     string                  `json:"notice_id,omitempty"`
	Amount       string                  `json:"amount,omitempty"`
	Currency     payment.Currency        `json:"currency,omitempty"`
	Candidates   []string                `json:"candidates"`
	Evidence     string                  `json:"evidence"`
	Line         int                     `json:"line,omitempty"`
}

// ReportNotice is one notice after the run.
type ReportNotice struct {
	NoticeSystem string               `json:"notice_system"`
	NoticeID     string               `json:"notice_id"`
	PaymentCode  payment.PaymentCode  `json:"payment_code,omitempty"`
	Status       payment.NoticeStatus `json:"status"`
	AmountDue    string               `json:"amount_due"`
	PaidAmount   string               `json:"paid_amount"`
	Outstanding  string               `json:"outstanding"`
}

// ReportLine is an input line that could not be read.
type ReportLine struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// NewReport builds the report document of a result.
func NewReport(r *Result) Report {
	rep := Report{
		BusinessDate:   r.BusinessDate.String(),
		Inputs:         r.Inputs,
		Allocations:    []ReportAllocation{},
		Exceptions:     []ReportException{},
		Notices:        []ReportNotice{},
		InvalidNotices: []ReportLine{},
		Totals:         r.Totals,
	}
	if r.BusinessDate.IsZero() {
		rep.BusinessDate = ""
	}
	for _, a := range r.Allocations {
		rep.Allocations = append(rep.Allocations, ReportAllocation{
			PaymentID: a.PaymentID, NoticeSystem: a.NoticeSystem, NoticeID: a.NoticeID, PaymentCode: a.Code,
			Amount: moneyString(a.Amount), Currency: a.Amount.Currency, Rule: a.Rule, Evidence: a.Evidence,
		})
	}
	for _, e := range r.Exceptions {
		x := ReportException{
			ID: e.ID, PaymentID: e.PaymentID, StatementRef: e.StatementRef, Kind: e.Kind,
			NoticeSystem: e.NoticeSystem, NoticeID: e.NoticeID, Candidates: e.Candidates, Evidence: e.Evidence,
		}
		if x.Candidates == nil {
			x.Candidates = []string{}
		}
		if e.Amount.Currency != "" {
			x.Amount, x.Currency = moneyString(e.Amount), e.Amount.Currency
		}
		if e.Kind == reconcile.ExceptionInvalidInput {
			x.Line = r.Lines[e.ID]
		} else {
			x.Line = r.Lines[e.PaymentID]
		}
		rep.Exceptions = append(rep.Exceptions, x)
	}
	for _, n := range r.Notices {
		rep.Notices = append(rep.Notices, ReportNotice{
			NoticeSystem: n.System, NoticeID: n.NoticeID, PaymentCode: n.Code, Status: n.Status,
			AmountDue: moneyString(n.AmountDue), PaidAmount: moneyString(n.Paid),
			Outstanding: moneyString(payment.Money{Amount: n.AmountDue.Amount.Sub(n.Paid.Amount), Currency: n.AmountDue.Currency}),
		})
	}
	for _, l := range r.InvalidNotices {
		rep.InvalidNotices = append(rep.InvalidNotices, ReportLine{File: l.File, Line: l.Line, Field: l.Field, Error: l.Err.Error()})
	}
	return rep
}

// moneyString writes an amount with its currency's minor units ("12.50"
// USD, "150000" VND).
func moneyString(m payment.Money) string {
	if units, ok := m.Currency.MinorUnits(); ok {
		return m.Amount.StringFixed(units)
	}
	return m.Amount.String()
}

// CSVHeader returns the header of report.csv: one row per allocation,
// exception, notice and unreadable notice line, told apart by the record
// column.
func CSVHeader() []string {
	return []string{
		"record", "payment_id", "line", "notice_id", "payment_code", "kind_or_rule", "status",
		"amount", "paid_amount", "currency", "candidates", "evidence",
	}
}

// WriteReport writes report.json and report.csv (UTF-8 with a byte-order
// mark, for spreadsheet programs) into dir, creating it. Each file is
// written to a temporary name and renamed, so a reader never sees half.
func WriteReport(dir string, r *Result) error {
	//nolint:gosec // G301: report folders are read by the accountants' own tools and other users.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	rep := NewReport(r)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, ReportJSON), append(js, '\n')); err != nil {
		return err
	}
	c, err := reportCSV(rep)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, ReportCSV), c); err != nil {
		return err
	}
	return writeDaily(dir, r.Daily, r.lang)
}

func reportCSV(rep Report) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	rows := [][]string{CSVHeader()}
	for _, a := range rep.Allocations {
		rows = append(rows, []string{"allocation", a.PaymentID, "", a.NoticeID, string(a.PaymentCode), string(a.Rule), "",
			a.Amount, "", string(a.Currency), "", a.Evidence})
	}
	for _, e := range rep.Exceptions {
		line := ""
		if e.Line > 0 {
			line = strconv.Itoa(e.Line)
		}
		rows = append(rows, []string{"exception", e.PaymentID, line, e.NoticeID, "", string(e.Kind), "open",
			e.Amount, "", string(e.Currency), strings.Join(e.Candidates, " "), e.Evidence})
	}
	for _, n := range rep.Notices {
		rows = append(rows, []string{"notice", "", "", n.NoticeID, string(n.PaymentCode), "", string(n.Status),
			n.AmountDue, n.PaidAmount, string(payment.VND), "", ""})
	}
	for _, l := range rep.InvalidNotices {
		rows = append(rows, []string{"invalid_notice", "", strconv.Itoa(l.Line), "", "", l.Field, "", "", "", "", "", l.Error})
	}
	for _, row := range rows {
		for _, i := range reportTextColumns {
			row[i] = spreadsheet.Text(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil, fmt.Errorf("write report csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write report csv: %w", err)
	}
	return b.Bytes(), nil
}

// reportTextColumns are report.csv's text columns: every one but line (2)
// and the amounts (7, 8). Descriptions, ids and names come from payers and
// issuing systems, so a cell starting with = + - @ tab or CR would be
// evaluated when the accountant opens the file (spreadsheet.Text); an
// amount or a line number is data and is written as it is.
var reportTextColumns = []int{0, 1, 3, 4, 5, 6, 9, 10, 11}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	//nolint:gosec // G302: a report is readable like any file written by the user (CreateTemp makes it 0600).
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
