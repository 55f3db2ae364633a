package daily

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// XLSX number formats: VND amounts and counts are whole numbers, grouped
// by thousands (Excel's built-in format 3, "#,##0"); an amount with a
// fraction (never VND) keeps its digits.
const (
	NumFmtWhole    = 3
	numFmtFraction = "#,##0.############"
)

// Column widths, in characters.
const (
	minColWidth = 6
	maxColWidth = 60
)

// WriteXLSX writes the reports as one workbook: a summary sheet first
// (one line per report: its number, version, times, totals, SHA-256 and
// audit head), then one sheet per report (ALL and each agency), in the
// order given, each with its figures and open exceptions under a frozen
// header row, then the ALL report's reversals, refunds due and late
// events of unreported days, a sheet each, only when it has some (a
// workbook without them has the sheets it had before they existed). A
// report with reversed money has a reversed column in its figures and on
// the summary (absent otherwise). Every count and amount is a numeric cell with a number
// format (NumFmtWhole for whole amounts), written from its exact decimal
// text: never a float, never text. Text cells are string cells, never a
// formula. Columns are sized to their contents; sheets print A4
// landscape with the report's title and the page number.
func WriteXLSX(w io.Writer, reports []Report, p Print) error {
	t, err := textFor(p.Lang)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	x, err := newWorkbook(f, t)
	if err != nil {
		return fmt.Errorf("write report xlsx: %w", err)
	}
	summary := SheetName(t.get(LSummary))
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return fmt.Errorf("write report xlsx: %w", err)
	}
	seen := map[string]bool{summary: true}
	for _, r := range reports {
		name := SheetName(r.Agency)
		if seen[name] {
			return fmt.Errorf("write report xlsx: two sheets named %q", name)
		}
		seen[name] = true
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write report xlsx: %w", err)
		}
		if err := x.reportSheet(name, r); err != nil {
			return fmt.Errorf("write report xlsx sheet %s: %w", name, err)
		}
	}
	for _, r := range reports {
		for _, l := range x.lists(r) {
			if len(l.rows) == 0 {
				continue
			}
			name := SheetName(t.get(l.name))
			if seen[name] {
				return fmt.Errorf("write report xlsx: two sheets named %q", name)
			}
			seen[name] = true
			if _, err := f.NewSheet(name); err != nil {
				return fmt.Errorf("write report xlsx: %w", err)
			}
			if err := x.listSheet(name, r, l); err != nil {
				return fmt.Errorf("write report xlsx sheet %s: %w", name, err)
			}
		}
	}
	if err := x.summarySheet(summary, reports, p.Issuer); err != nil {
		return fmt.Errorf("write report xlsx summary: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write report xlsx: %w", err)
	}
	return nil
}

// workbook writes cells with their styles and remembers each column's
// widest content.
type workbook struct {
	f                                  *excelize.File
	t                                  text
	title, header, whole, fraction, em int
}

func newWorkbook(f *excelize.File, t text) (*workbook, error) {
	x := &workbook{f: f, t: t}
	frac := numFmtFraction
	for _, s := range []struct {
		dst   *int
		style excelize.Style
	}{
		{&x.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&x.header, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}}},
		{&x.whole, excelize.Style{NumFmt: NumFmtWhole}},
		{&x.fraction, excelize.Style{CustomNumFmt: &frac}},
		{&x.em, excelize.Style{Font: &excelize.Font{Bold: true}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, err
		}
		*s.dst = id
	}
	return x, nil
}

// sheet is the writing of one sheet: the next row and the column widths.
type sheet struct {
	x      *workbook
	name   string
	row    int
	widths map[int]int
	err    error
}

func (x *workbook) sheet(name string) *sheet {
	return &sheet{x: x, name: name, row: 1, widths: map[int]int{}}
}

// cell is one value of a row: text, a count (int) or an Amount; style 0
// takes the value's own.
type cell struct {
	v     any
	style int
}

func txt(s string) cell      { return cell{v: s} }
func count(n int) cell       { return cell{v: n} }
func money(a Amount) cell    { return cell{v: a} }
func (c cell) as(s int) cell { c.style = s; return c }

// put writes one row and moves to the next; the first error sticks.
func (s *sheet) put(cells ...cell) {
	for i, c := range cells {
		if s.err != nil {
			return
		}
		col := i + 1
		ref, err := excelize.CoordinatesToCellName(col, s.row)
		if err != nil {
			s.err = err
			return
		}
		style, width := c.style, 0
		switch v := c.v.(type) {
		case string:
			if v == "" {
				continue
			}
			s.err = s.x.f.SetCellStr(s.name, ref, v)
			width = utf8.RuneCountInString(v)
		case int:
			s.err = s.x.f.SetCellInt(s.name, ref, int64(v))
			if style == 0 {
				style = s.x.whole
			}
			width = len(groupDigits(fmt.Sprint(v), LangEN))
		case Amount:
			// The exact decimal text as a numeric cell: no float between.
			plain := v.String()
			s.err = s.x.f.SetCellDefault(s.name, ref, plain)
			if style == 0 {
				style = s.x.whole
				if !v.IsInteger() {
					style = s.x.fraction
				}
			}
			width = len(groupDigits(plain, LangEN))
		default:
			s.err = fmt.Errorf("xlsx cell %s: unexpected %T", ref, c.v)
		}
		if s.err == nil && style != 0 {
			s.err = s.x.f.SetCellStyle(s.name, ref, ref, style)
		}
		if c.style != s.x.title && width > s.widths[col] {
			s.widths[col] = width
		}
	}
	s.row++
}

// finish sizes the columns, freezes the rows above freezeBelow (0: none)
// and sets the print layout.
func (s *sheet) finish(freezeBelow int, title string) error {
	if s.err != nil {
		return s.err
	}
	f := s.x.f
	for col, w := range s.widths {
		name, err := excelize.ColumnNumberToName(col)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(s.name, name, name, float64(min(max(w+2, minColWidth), maxColWidth))); err != nil {
			return err
		}
	}
	if freezeBelow > 0 {
		top, err := excelize.CoordinatesToCellName(1, freezeBelow+1)
		if err != nil {
			return err
		}
		if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: freezeBelow, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	a4, landscape, fit := 9, "landscape", 1
	if err := f.SetPageLayout(s.name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &fit}); err != nil {
		return err
	}
	// &P / &N: the page and the pages; & itself is written &&.
	return f.SetHeaderFooter(s.name, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + strings.ReplaceAll(title, "&", "&&"),
		OddFooter: "&R&P / &N",
	})
}

// summarySheet: the title, the issuing unit, then one line per report
// under a frozen header row.
func (x *workbook) summarySheet(name string, reports []Report, is Issuer) error {
	t := x.t
	s := x.sheet(name)
	s.put(txt(t.get(LTitle)).as(x.title))
	unit := is.Name
	if unit == "" {
		unit = dots
	}
	if is.Parent != "" {
		unit = is.Parent + " — " + unit
	}
	s.put(txt(t.get(LIssuer)).as(x.em), txt(unit))
	rev := slices.ContainsFunc(reports, hasReversed)
	hdr := []string{t.get(LAgency), t.get(LNumber), t.get(LVersion), t.get(LBusinessDate), t.get(LPeriod), t.get(LAsOf),
		t.get(LNotices), t.get(LPayments), t.get(LExpected), t.get(LCollected), t.get(LMatched), t.get(LUnmatched),
		t.get(LRefundsDue), t.get(LFees), t.get(LUnassigned)}
	if rev {
		hdr = append(hdr, t.get(LReversedPart))
	}
	hdr = append(hdr, t.get(LOpenCount), t.get(LAmount), t.get(LResolvedCount), t.get(LSHA256), t.get(LAuditHead))
	s.put(headerCells(x, hdr)...)
	for _, r := range reports {
		open := Amount{}
		for _, k := range r.Totals.ByKind {
			addTo(&open, k.Amount)
		}
		head := ""
		if r.AuditHead != nil {
			head = r.AuditHead.String()
		}
		tot := r.Totals
		cells := []cell{txt(t.agency(r.Agency)), txt(r.Number()), count(r.Version), txt(t.date(r.BusinessDate)), txt(periodText(r, t)),
			txt(t.time(r.AsOf)), count(tot.NoticesExpected), count(tot.Payments), money(tot.Expected), money(tot.Collected),
			money(tot.Matched), money(tot.Unmatched), money(tot.RefundsDue), money(tot.Fees), money(tot.Unassigned)}
		if rev {
			cells = append(cells, money(tot.UnassignedReversed))
		}
		s.put(append(cells, count(tot.OpenExceptions), money(open), count(tot.ResolvedExceptions), txt(r.SHA256), txt(head))...)
	}
	return s.finish(3, t.get(LTitle))
}

func headerCells(x *workbook, names []string) []cell {
	out := make([]cell, len(names))
	for i, n := range names {
		out[i] = txt(n).as(x.header)
	}
	return out
}

// reportSheet: the figures under a frozen header row, then the open
// exceptions.
func (x *workbook) reportSheet(name string, r Report) error {
	t := x.t
	s := x.sheet(name)
	rev := hasReversed(r)
	s.put(headerCells(x, figureHeader(t, rev))...)
	for _, w := range figureRows(r, t) {
		cells := []cell{txt(w.Section), txt(w.Agency), txt(w.Account), txt(w.Chapter), txt(w.Subitem), txt(w.Channel)}
		cells = append(cells, optCount(w.Notices), optCount(w.Payments))
		if w.HasExpected {
			cells = append(cells, money(w.Figures.Expected))
		} else {
			cells = append(cells, txt(""))
		}
		fg := w.Figures
		cells = append(cells, money(fg.Collected), money(fg.Matched), money(fg.Unmatched), money(fg.RefundsDue), money(fg.Fees))
		if rev {
			cells = append(cells, optMoney(w.Reversed))
		}
		s.put(cells...)
	}
	s.put()
	s.put(txt(t.get(LExceptions)).as(x.em))
	s.put(headerCells(x, exceptionHeader(t))...)
	for _, e := range r.Exceptions {
		s.put(txt(e.ID), txt(t.kind(string(e.Kind))), txt(e.PaymentID), txt(e.StatementRef), txt(e.NoticeID),
			money(e.Amount), txt(string(e.Currency)), count(e.AgeDays), txt(t.evidence(e.Evidence)))
	}
	title := fmt.Sprintf("%s · %s · %s %d · %s", t.get(LTitle), r.Number(), t.get(LVersion), r.Version, t.agency(r.Agency))
	return s.finish(1, title)
}

// optMoney is an amount cell, or an empty cell where the line has none.
func optMoney(a *Amount) cell {
	if a == nil {
		return txt("")
	}
	return money(*a)
}

// optCount is a count cell, or an empty cell where the line has none.
func optCount(n *int) cell {
	if n == nil {
		return txt("")
	}
	return count(*n)
}

// list is one of a report's lists that gets a sheet of its own when it
// is not empty: its sheet's name, its title, header and rows.
type list struct {
	name, title Label
	header      []string
	rows        [][]cell
}

// lists are the ALL report's reversals, refunds due and late events of
// unreported days (empty for an agency's report).
func (x *workbook) lists(r Report) []list {
	t := x.t
	rev := list{name: LSheetReversals, title: LReversals, header: []string{t.get(LReversalID), t.get(LPaymentID), t.get(LChannel), t.get(LAmount),
		t.get(LCurrency), t.get(LReversedAt)}}
	for _, l := range r.Reversals {
		rev.rows = append(rev.rows, []cell{txt(l.ReversalID), txt(l.PaymentID), txt(t.channel(l.Channel)), money(l.Amount),
			txt(string(l.Currency)), txt(t.time(l.ReversedAt))})
	}
	ref := list{name: LSheetRefunds, title: LRefundInstr, header: []string{t.get(LID), t.get(LPaymentID), t.get(LAmount), t.get(LCurrency),
		t.get(LDecidedAt), t.get(LAgeDays), t.get(LCompletedBy)}}
	for _, l := range r.RefundsDue {
		ref.rows = append(ref.rows, []cell{txt(l.ExceptionID), txt(l.PaymentID), money(l.Amount), txt(string(l.Currency)),
			txt(t.time(l.DecidedAt)), count(l.AgeDays), txt(l.CompletedBy)})
	}
	late := list{name: LSheetLate, title: LLateUnreported, header: []string{t.get(LID), t.get(LPaymentID), t.get(LBusinessDate), t.get(LChannel),
		t.get(LAmount), t.get(LCurrency), t.get(LPaidAt), t.get(LRaisedAt), t.get(LEvidence)}}
	for _, l := range r.LateUnreported {
		late.rows = append(late.rows, []cell{txt(l.ExceptionID), txt(l.PaymentID), txt(t.date(l.BusinessDate)), txt(t.channel(l.Channel)),
			money(l.Amount), txt(string(l.Currency)), txt(t.time(l.PaidAt)), txt(t.time(l.RaisedAt)), txt(t.evidence(l.Evidence))})
	}
	return []list{rev, ref, late}
}

// listSheet: the list's title (with the report's number and version),
// its header, frozen, then its rows.
func (x *workbook) listSheet(name string, r Report, l list) error {
	t := x.t
	s := x.sheet(name)
	title := l.title
	s.put(txt(fmt.Sprintf("%s · %s · %s %d", t.get(title), r.Number(), t.get(LVersion), r.Version)).as(x.title))
	s.put(headerCells(x, l.header)...)
	for _, row := range l.rows {
		s.put(row...)
	}
	return s.finish(2, fmt.Sprintf("%s · %s · %s %d · %s", t.get(LTitle), r.Number(), t.get(LVersion), r.Version, t.get(title)))
}
