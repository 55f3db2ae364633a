package daily

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/spreadsheet"
)

// row is one line of the figures table shared by CSV, XLSX and HTML;
// Notices and Payments are nil where the line has no such count.
type row struct {
	Section, Agency, Account, Chapter, Subitem, Channel string
	Notices, Payments                                   *int
	Figures                                             Figures
	HasExpected                                         bool
	// Reversed is an unassigned line's reversed part; nil on other lines.
	Reversed *Amount
}

// hasReversed says whether a report has reversed money on its unassigned
// lines: only then do its figures carry the reversed column, so that a
// report without any keeps the renderings it had before the column.
func hasReversed(r Report) bool {
	for _, u := range r.Unassigned {
		if !u.Reversed.IsZero() {
			return true
		}
	}
	return false
}

func figureRows(r Report, t text) []row {
	var rows []row
	rows = append(rows, row{Section: t.get(LTotals), Agency: t.agency(r.Agency), Notices: &r.Totals.NoticesExpected, Payments: &r.Totals.Payments, Figures: r.Totals.Figures, HasExpected: true})
	for _, l := range r.Accounts {
		rows = append(rows, row{Section: t.get(LAccounts), Agency: l.Agency, Account: l.TreasuryAccount, Notices: &l.NoticesExpected, Figures: l.Figures, HasExpected: true})
	}
	for _, l := range r.Budget {
		rows = append(rows, row{Section: t.get(LBudget), Agency: l.Agency, Account: l.TreasuryAccount, Chapter: l.Chapter, Subitem: l.Subitem, Notices: &l.NoticesExpected, Figures: l.Figures, HasExpected: true})
	}
	for _, l := range r.Channels {
		rows = append(rows, row{Section: t.get(LChannels), Agency: l.Agency, Account: l.TreasuryAccount, Channel: t.channel(l.Channel), Payments: &l.Payments, Figures: l.Figures})
	}
	for _, u := range r.Unassigned {
		rows = append(rows, row{Section: t.get(LUnassigned), Channel: t.channel(u.Channel), Payments: &u.Payments,
			Figures: Figures{Collected: u.Amount, Matched: u.Matched, Unmatched: u.Unmatched, Fees: u.Fees}, Reversed: &u.Reversed})
	}
	return rows
}

// figureHeader is the figures' header; reversed adds the reversed column
// (hasReversed).
func figureHeader(t text, reversed bool) []string {
	h := []string{t.get(LSection), t.get(LAgency), t.get(LTreasuryAccount), t.get(LChapter), t.get(LSubitem), t.get(LChannel),
		t.get(LNotices), t.get(LPayments), t.get(LExpected), t.get(LCollected), t.get(LMatched), t.get(LUnmatched), t.get(LRefundsDue), t.get(LFees)}
	if reversed {
		h = append(h, t.get(LReversedPart))
	}
	return h
}

func (w row) cells(reversed bool) []string {
	exp := ""
	if w.HasExpected {
		exp = w.Figures.Expected.String()
	}
	f := w.Figures
	out := []string{w.Section, w.Agency, w.Account, w.Chapter, w.Subitem, w.Channel, countText(w.Notices), countText(w.Payments),
		exp, f.Collected.String(), f.Matched.String(), f.Unmatched.String(), f.RefundsDue.String(), f.Fees.String()}
	if reversed {
		rev := ""
		if w.Reversed != nil {
			rev = w.Reversed.String()
		}
		out = append(out, rev)
	}
	return out
}

// countText is a count's digits, or nothing where the line has none.
func countText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// The text columns of the figures (section, agency, treasury account,
// chapter, sub-item, channel) and of the exceptions (id, kind, payment id,
// statement reference, notice id, currency, evidence): a CSV neutralises
// formulas in them (spreadsheet.Text). The others are counts and amounts,
// written as they are: "-5000" is a number.
var (
	figureTextColumns    = []int{0, 1, 2, 3, 4, 5}
	exceptionTextColumns = []int{0, 1, 2, 3, 4, 6, 8}
)

// csvText returns cells with its text columns made safe for spreadsheet
// programs.
func csvText(cells []string, textColumns []int) []string {
	for _, i := range textColumns {
		cells[i] = spreadsheet.Text(cells[i])
	}
	return cells
}

func exceptionHeader(t text) []string {
	return []string{t.get(LID), t.get(LKind), t.get(LPaymentID), t.get(LStatementRef), t.get(LNoticeID), t.get(LAmount), t.get(LCurrency), t.get(LAgeDays), t.get(LEvidence)}
}

func exceptionCells(e ExceptionLine, t text) []string {
	return []string{e.ID, t.kind(string(e.Kind)), e.PaymentID, e.StatementRef, e.NoticeID, e.Amount.String(), string(e.Currency), strconv.Itoa(e.AgeDays), t.evidence(e.Evidence)}
}

// bom starts every CSV so that spreadsheet programs read it as UTF-8.
const bom = "\uFEFF"

// WriteCSV writes the figures of a report as CSV (UTF-8 with BOM, CRLF):
// a header, then totals, account, budget, channel and unassigned lines,
// the section named in the first column. Amounts are plain decimals. A
// report with reversed money has one more column, the unassigned lines'
// reversed part (empty on the other lines).
func WriteCSV(w io.Writer, r Report, lang Lang) error {
	t, err := textFor(lang)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rev := hasReversed(r)
	if err := cw.Write(figureHeader(t, rev)); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	for _, row := range figureRows(r, t) {
		if err := cw.Write(csvText(row.cells(rev), figureTextColumns)); err != nil {
			return fmt.Errorf("write report csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	return nil
}

// WriteExceptionsCSV writes a report's open exceptions as CSV (UTF-8 with
// BOM, CRLF).
func WriteExceptionsCSV(w io.Writer, r Report, lang Lang) error {
	t, err := textFor(lang)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(bom)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	_ = cw.Write(exceptionHeader(t)) // writes to a buffer; errors surface in cw.Error
	for _, e := range r.Exceptions {
		_ = cw.Write(csvText(exceptionCells(e, t), exceptionTextColumns))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	return nil
}

// SheetName is the XLSX sheet of a report: its agency code (ALL for the
// summary), cut to Excel's 31 characters with its forbidden characters
// replaced.
func SheetName(agency string) string {
	s := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, agency)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "_"
	}
	return s
}

//go:embed report.html.tmpl
var htmlTemplate string

// htmlStyle is the printable page's whole style sheet, inlined in its
// <style> element: the page is a file on its own (no external resource).
// It holds no text of the report's, so one hash (HTMLStyleHash) allows it
// under a Content-Security-Policy.
//
//go:embed report.css
var htmlStyle string

// HTMLStyleHash is the CSP source of the printable page's style element
// ('sha256-…'): what a server that shows the page allows in style-src,
// and nothing else.
func HTMLStyleHash() string {
	sum := sha256.Sum256([]byte(htmlStyle))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlPage is what the printable page's template gets.
type htmlPage struct {
	Lang   Lang
	Style  template.CSS
	R      Report
	Issuer Issuer
	Dots   string
	Period string
	AsOf   string
	Dated  string
	// OpenAmount is the sum of the open exceptions (VND).
	OpenAmount Amount
	Rows       []row
	// Reversed: the figures have the reversed column (hasReversed).
	Reversed bool
}

// WriteHTML writes a printable HTML page of a report (A4 landscape, page
// numbers in the page margin, no script, no external resource): the
// issuing unit and the report's number and version at the top, the
// period, the summary of totals, the figures and exceptions, the ALL
// report's reversals, refunds due and late events of unreported days
// (each only when there are some), and the signature blocks (prepared by, chief accountant, head of unit).
func WriteHTML(w io.Writer, r Report, p Print) error {
	t, err := textFor(p.Lang)
	if err != nil {
		return err
	}
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"l":        func(k string) string { return t.get(Label(k)) },
		"kind":     func(k any) string { return t.kind(fmt.Sprint(k)) },
		"channel":  t.channel,
		"agency":   t.agency,
		"evidence": t.evidence,
		"date":     t.date,
		"local":    func(at *time.Time) string { return t.time(*at) },
		"money":    func(a Amount) string { return groupDigits(a.String(), t.lang) },
		"optmoney": func(a *Amount) string {
			if a == nil {
				return ""
			}
			return groupDigits(a.String(), t.lang)
		},
		"count": func(n *int) string { return groupCount(n, t.lang) },
		"int":   func(n int) string { return groupCount(&n, t.lang) },
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("report html template: %w", err)
	}
	var open Amount
	for _, k := range r.Totals.ByKind {
		addTo(&open, k.Amount)
	}
	data := htmlPage{Lang: t.lang, Style: template.CSS(htmlStyle), R: r, Issuer: p.Issuer, Dots: dots, //nolint:gosec // G203: our own embedded style sheet, no input in it.
		Period: periodText(r, t), AsOf: t.time(r.AsOf), Dated: datedText(r, p.Issuer, t), OpenAmount: open, Rows: figureRows(r, t), Reversed: hasReversed(r)}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	return nil
}

func groupCount(n *int, lang Lang) string {
	if n == nil {
		return ""
	}
	return groupDigits(strconv.Itoa(*n), lang)
}

// groupDigits writes a plain decimal for a reader: thousands grouped and
// the decimal mark of the language (Vietnamese 1.170.000,5; English
// 1,170,000.5). Only the printable page uses it; the data formats keep
// plain decimals.
func groupDigits(plain string, lang Lang) string {
	thousands, mark := ".", ","
	if lang == LangEN {
		thousands, mark = ",", "."
	}
	sign := ""
	if strings.HasPrefix(plain, "-") {
		sign, plain = "-", plain[1:]
	}
	whole, frac, hasFrac := strings.Cut(plain, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString(mark)
		b.WriteString(frac)
	}
	return b.String()
}
