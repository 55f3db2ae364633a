package daily

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/spreadsheet"
)

// text looks up a label, falling back to the key itself for a kind or
// channel a newer version added.
type text map[Label]string

func (t text) get(l Label) string {
	if s, ok := t[l]; ok {
		return s
	}
	return string(l)
}

func (t text) kind(k string) string {
	if s, ok := t[Label("kind."+k)]; ok {
		return s
	}
	return k
}

func (t text) channel(c string) string {
	if s, ok := t[Label("channel."+c)]; ok {
		return s
	}
	return c
}

func (t text) agency(a string) string {
	if a == AgencyAll {
		return t.get(LAll)
	}
	return a
}

// row is one line of the figures table shared by CSV, XLSX and HTML.
type row struct {
	Section, Agency, Account, Chapter, Subitem, Channel string
	Notices, Payments                                   string
	Figures                                             Figures
	HasExpected                                         bool
}

func figureRows(r Report, t text) []row {
	var rows []row
	rows = append(rows, row{Section: t.get(LTotals), Agency: t.agency(r.Agency), Notices: strconv.Itoa(r.Totals.NoticesExpected), Payments: strconv.Itoa(r.Totals.Payments), Figures: r.Totals.Figures, HasExpected: true})
	for _, l := range r.Accounts {
		rows = append(rows, row{Section: t.get(LAccounts), Agency: l.Agency, Account: l.TreasuryAccount, Notices: strconv.Itoa(l.NoticesExpected), Figures: l.Figures, HasExpected: true})
	}
	for _, l := range r.Budget {
		rows = append(rows, row{Section: t.get(LBudget), Agency: l.Agency, Account: l.TreasuryAccount, Chapter: l.Chapter, Subitem: l.Subitem, Notices: strconv.Itoa(l.NoticesExpected), Figures: l.Figures, HasExpected: true})
	}
	for _, l := range r.Channels {
		rows = append(rows, row{Section: t.get(LChannels), Agency: l.Agency, Account: l.TreasuryAccount, Channel: t.channel(l.Channel), Payments: strconv.Itoa(l.Payments), Figures: l.Figures})
	}
	for _, u := range r.Unassigned {
		rows = append(rows, row{Section: t.get(LUnassigned), Channel: t.channel(u.Channel), Payments: strconv.Itoa(u.Payments),
			Figures: Figures{Collected: u.Amount, Matched: u.Matched, Unmatched: u.Unmatched, Fees: u.Fees}})
	}
	return rows
}

func figureHeader(t text) []string {
	return []string{t.get(LSection), t.get(LAgency), t.get(LTreasuryAccount), t.get(LChapter), t.get(LSubitem), t.get(LChannel),
		t.get(LNotices), t.get(LPayments), t.get(LExpected), t.get(LCollected), t.get(LMatched), t.get(LUnmatched), t.get(LRefundsDue), t.get(LFees)}
}

func (w row) cells() []string {
	exp := ""
	if w.HasExpected {
		exp = w.Figures.Expected.String()
	}
	f := w.Figures
	return []string{w.Section, w.Agency, w.Account, w.Chapter, w.Subitem, w.Channel, w.Notices, w.Payments,
		exp, f.Collected.String(), f.Matched.String(), f.Unmatched.String(), f.RefundsDue.String(), f.Fees.String()}
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
	return []string{e.ID, t.kind(string(e.Kind)), e.PaymentID, e.StatementRef, e.NoticeID, e.Amount.String(), string(e.Currency), strconv.Itoa(e.AgeDays), e.Evidence}
}

func textFor(lang Lang) (text, error) {
	m, err := Labels(lang)
	if err != nil {
		return nil, err
	}
	return text(m), nil
}

// bom starts every CSV so that spreadsheet programs read it as UTF-8.
const bom = "\uFEFF"

// WriteCSV writes the figures of a report as CSV (UTF-8 with BOM, CRLF):
// a header, then totals, account, budget, channel and unassigned lines,
// the section named in the first column. Amounts are plain decimals.
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
	if err := cw.Write(figureHeader(t)); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	for _, row := range figureRows(r, t) {
		if err := cw.Write(csvText(row.cells(), figureTextColumns)); err != nil {
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

// WriteXLSX writes the reports as one workbook, one sheet per report (per
// agency, and ALL), in the order given. Amounts are whole-number cells
// when they are whole (VND always is), exact text otherwise; no float.
func WriteXLSX(w io.Writer, reports []Report, lang Lang) error {
	t, err := textFor(lang)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	first := true
	seen := map[string]bool{}
	for _, r := range reports {
		name := SheetName(r.Agency)
		if seen[name] {
			return fmt.Errorf("write report xlsx: two reports on sheet %q", name)
		}
		seen[name] = true
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("write report xlsx: %w", err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write report xlsx: %w", err)
		}
		if err := writeSheet(f, name, r, t); err != nil {
			return fmt.Errorf("write report xlsx sheet %s: %w", name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write report xlsx: %w", err)
	}
	return nil
}

func writeSheet(f *excelize.File, sheet string, r Report, t text) error {
	rowN := 1
	put := func(values ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, rowN)
		if err != nil {
			return err
		}
		rowN++
		return f.SetSheetRow(sheet, cell, &values)
	}
	head := [][]any{
		{t.get(LTitle)},
		{t.get(LBusinessDate), r.BusinessDate.String()},
		{t.get(LAgency), t.agency(r.Agency)},
		{t.get(LVersion), r.Version},
		{t.get(LAsOf), localTime(r.AsOf)},
		{t.get(LCutoff), r.Cutoff},
		{t.get(LCreditWindow), r.CreditWindowDays},
	}
	if r.AuditHead != nil {
		head = append(head, []any{t.get(LAuditHead), r.AuditHead.String()})
	}
	head = append(head, []any{t.get(LSHA256), r.SHA256}, []any{})
	for _, h := range head {
		if err := put(h...); err != nil {
			return err
		}
	}
	if err := put(strs(figureHeader(t))...); err != nil {
		return err
	}
	for _, row := range figureRows(r, t) {
		c := row.cells()
		vals := strs(c[:8])
		for _, s := range c[8:] {
			vals = append(vals, numberCell(s))
		}
		if err := put(vals...); err != nil {
			return err
		}
	}
	if err := put(); err != nil {
		return err
	}
	if err := put(t.get(LExceptions)); err != nil {
		return err
	}
	if err := put(strs(exceptionHeader(t))...); err != nil {
		return err
	}
	for _, e := range r.Exceptions {
		c := exceptionCells(e, t)
		vals := strs(c)
		vals[5] = numberCell(c[5])
		vals[7] = e.AgeDays
		if err := put(vals...); err != nil {
			return err
		}
	}
	return nil
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// numberCell is an int64 for a whole amount (exact in a spreadsheet up to
// 2^53), else the text itself.
func numberCell(s string) any {
	if s == "" {
		return ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n < 1<<53 && n > -(1<<53) {
		return n
	}
	return s
}

// localTime prints a time in the business zone, as people read it.
func localTime(t time.Time) string {
	return t.In(payment.Location()).Format("2006-01-02 15:04:05 -07:00")
}

//go:embed report.html.tmpl
var htmlTemplate string

// WriteHTML writes a printable HTML page of a report (A4 landscape print
// CSS, no script, no external resource).
func WriteHTML(w io.Writer, r Report, lang Lang) error {
	t, err := textFor(lang)
	if err != nil {
		return err
	}
	if lang == "" {
		lang = LangVI
	}
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"l":       func(k string) string { return t.get(Label(k)) },
		"kind":    func(k any) string { return t.kind(fmt.Sprint(k)) },
		"channel": t.channel,
		"agency":  t.agency,
		"local":   func(at *time.Time) string { return localTime(*at) },
		"money":   func(a Amount) string { return groupDigits(a.String(), lang) },
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("report html template: %w", err)
	}
	data := struct {
		Lang Lang
		R    Report
		AsOf string
		Rows []row
	}{lang, r, localTime(r.AsOf), figureRows(r, t)}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	return nil
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
