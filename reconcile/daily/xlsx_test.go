package daily_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/reconcile/daily"
)

// xlsxBook is a workbook read back.
type xlsxBook struct {
	t *testing.T
	f *excelize.File
}

func readXLSX(t *testing.T, reports []daily.Report, p daily.Print) xlsxBook {
	t.Helper()
	var buf bytes.Buffer
	if err := daily.WriteXLSX(&buf, reports, p); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return xlsxBook{t: t, f: f}
}

// number checks that a cell is a number (not text), of exactly the value
// want (its decimal text), formatted with #,##0.
func (b xlsxBook) number(sheet string, col, row int, want string) {
	b.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	typ, err := b.f.GetCellType(sheet, ref)
	if err != nil {
		b.t.Fatal(err)
	}
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		b.t.Errorf("%s!%s: cell type %v, want a number", sheet, ref, typ)
	}
	raw, err := b.f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		b.t.Fatal(err)
	}
	if raw != want {
		b.t.Errorf("%s!%s = %q, want %q", sheet, ref, raw, want)
	}
	idx, err := b.f.GetCellStyle(sheet, ref)
	if err != nil {
		b.t.Fatal(err)
	}
	st, err := b.f.GetStyle(idx)
	if err != nil {
		b.t.Fatal(err)
	}
	if st.NumFmt != daily.NumFmtWhole {
		b.t.Errorf("%s!%s number format %d, want %d (#,##0)", sheet, ref, st.NumFmt, daily.NumFmtWhole)
	}
	if shown, _ := b.f.GetCellValue(sheet, ref); want != "0" && len(want) > 3 && !strings.Contains(shown, ",") {
		b.t.Errorf("%s!%s is shown %q: not grouped by thousands", sheet, ref, shown)
	}
}

// empty checks that a cell holds nothing (a line without that count).
func (b xlsxBook) empty(sheet string, col, row int) {
	b.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	if v, _ := b.f.GetCellValue(sheet, ref); v != "" {
		b.t.Errorf("%s!%s = %q, want empty", sheet, ref, v)
	}
}

func (b xlsxBook) text(sheet string, col, row int) string {
	b.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	v, err := b.f.GetCellValue(sheet, ref)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// figures is one line of a report's figure table as the test expects it,
// built from the report's own lines (not from the writer's).
type figures struct {
	section           string
	notices, payments *int
	expected          *daily.Amount
	money             []daily.Amount // collected, matched, unmatched, refunds due, fees
}

func figureLines(r daily.Report) []figures {
	f := func(section string, n, p *int, exp *daily.Amount, fg daily.Figures) figures {
		return figures{section, n, p, exp, []daily.Amount{fg.Collected, fg.Matched, fg.Unmatched, fg.RefundsDue, fg.Fees}}
	}
	out := []figures{f("Tổng cộng", &r.Totals.NoticesExpected, &r.Totals.Payments, &r.Totals.Expected, r.Totals.Figures)}
	for _, l := range r.Accounts {
		out = append(out, f("Theo tài khoản Kho bạc", &l.NoticesExpected, nil, &l.Expected, l.Figures))
	}
	for _, l := range r.Budget {
		out = append(out, f("Theo chương, tiểu mục", &l.NoticesExpected, nil, &l.Expected, l.Figures))
	}
	for _, l := range r.Channels {
		out = append(out, f("Theo kênh thanh toán", nil, &l.Payments, nil, l.Figures))
	}
	for _, u := range r.Unassigned {
		out = append(out, f("Tiền chưa xác định thông báo", nil, &u.Payments, nil,
			daily.Figures{Collected: u.Amount, Matched: u.Matched, Unmatched: u.Unmatched, Fees: u.Fees}))
	}
	return out
}

// Acceptance: the XLSX read back has a numeric cell, of the exact value
// and a #,##0 format, for every count and amount: the summary sheet's
// and every agency sheet's figures and exceptions. Header rows are frozen,
// columns sized, and the sheets print A4 landscape with page numbers.
func TestXLSXCountsAndAmountsAreNumbers(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	issuer := daily.Issuer{Parent: "UBND tỉnh Nghệ An", Name: "Sở Tư pháp tỉnh Nghệ An", Place: "Vinh"}
	b := readXLSX(t, v2.Reports, daily.Print{Lang: daily.LangVI, Issuer: issuer})
	sheets := b.f.GetSheetList()
	if strings.Join(sheets, ",") != "Tổng hợp,ALL,G01.899.108,H29.75" {
		t.Fatalf("sheets %v, want the summary then one per report", sheets)
	}
	numbers := 0

	// The summary: title, issuer, header, one line per report.
	const sum = "Tổng hợp"
	if got := b.text(sum, 2, 2); got != "UBND tỉnh Nghệ An — Sở Tư pháp tỉnh Nghệ An" {
		t.Errorf("summary issuer %q", got)
	}
	for i, r := range v2.Reports {
		y := 4 + i
		if b.text(sum, 1, y) != map[bool]string{true: "Tất cả đơn vị", false: r.Agency}[r.Agency == daily.AgencyAll] || b.text(sum, 2, y) != r.Number() {
			t.Errorf("summary row %d: %q %q, want %s %s", y, b.text(sum, 1, y), b.text(sum, 2, y), r.Agency, r.Number())
		}
		open := daily.Amount{}
		for _, k := range r.Totals.ByKind {
			open.Decimal = open.Add(k.Amount.Decimal)
		}
		tot := r.Totals
		for col, want := range map[int]string{
			3: strconv.Itoa(r.Version), 7: strconv.Itoa(tot.NoticesExpected), 8: strconv.Itoa(tot.Payments),
			9: tot.Expected.String(), 10: tot.Collected.String(), 11: tot.Matched.String(), 12: tot.Unmatched.String(),
			13: tot.RefundsDue.String(), 14: tot.Fees.String(), 15: tot.Unassigned.String(),
			16: strconv.Itoa(tot.OpenExceptions), 17: open.String(), 18: strconv.Itoa(tot.ResolvedExceptions),
		} {
			b.number(sum, col, y, want)
			numbers++
		}
		if b.text(sum, 19, y) != r.SHA256 {
			t.Errorf("summary row %d SHA-256 %q", y, b.text(sum, 19, y))
		}
	}
	if p, err := b.f.GetPanes(sum); err != nil || !p.Freeze || p.YSplit != 3 {
		t.Errorf("summary panes %+v (%v): want the three heading rows frozen", p, err)
	}

	for _, r := range v2.Reports {
		sh := daily.SheetName(r.Agency)
		lines := figureLines(r)
		for i, l := range lines {
			y := 2 + i
			if got := b.text(sh, 1, y); got != l.section {
				t.Fatalf("%s row %d section %q, want %q", sh, y, got, l.section)
			}
			for col, n := range map[int]*int{7: l.notices, 8: l.payments} {
				if n == nil {
					b.empty(sh, col, y)
					continue
				}
				b.number(sh, col, y, strconv.Itoa(*n))
				numbers++
			}
			if l.expected == nil {
				b.empty(sh, 9, y)
			} else {
				b.number(sh, 9, y, l.expected.String())
				numbers++
			}
			for j, a := range l.money {
				b.number(sh, 10+j, y, a.String())
				numbers++
			}
		}
		// A blank row, the exceptions' title and header, then the exceptions.
		y := 2 + len(lines) + 3
		if got := b.text(sh, 1, y-2); got != "Sai lệch chưa xử lý" {
			t.Fatalf("%s row %d %q, want the exceptions' title", sh, y-2, got)
		}
		for i, e := range r.Exceptions {
			if got := b.text(sh, 1, y+i); got != e.ID {
				t.Fatalf("%s row %d id %q, want %q", sh, y+i, got, e.ID)
			}
			b.number(sh, 6, y+i, e.Amount.String())
			b.number(sh, 8, y+i, strconv.Itoa(e.AgeDays))
			numbers += 2
		}
		rows, err := b.f.GetRows(sh)
		if err != nil || len(rows) != y+len(r.Exceptions)-1 {
			t.Errorf("%s has %d rows (%v), want %d", sh, len(rows), err, y+len(r.Exceptions)-1)
		}
		if p, err := b.f.GetPanes(sh); err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s panes %+v (%v): want the header row frozen", sh, p, err)
		}
		// Columns fit their contents: the section column is wider than
		// Excel's default, none wider than the cap.
		for col := 1; col <= 14; col++ {
			name, _ := excelize.ColumnNumberToName(col)
			w, err := b.f.GetColWidth(sh, name)
			if err != nil || w < 6 || w > 60 {
				t.Errorf("%s column %s width %v (%v)", sh, name, w, err)
			}
		}
		if w, _ := b.f.GetColWidth(sh, "A"); w < float64(len([]rune("Tiền chưa xác định thông báo"))) && len(r.Unassigned) > 0 {
			t.Errorf("%s section column width %v does not fit its text", sh, w)
		}
		if hf, err := b.f.GetHeaderFooter(sh); err != nil || !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddHeader, r.Number()) {
			t.Errorf("%s header/footer %+v (%v): want the report's number and page numbers", sh, hf, err)
		}
		if pl, err := b.f.GetPageLayout(sh); err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 9 {
			t.Errorf("%s page layout %+v (%v): want A4 landscape", sh, pl, err)
		}
	}
	if numbers < 100 {
		t.Fatalf("checked only %d numeric cells: the test reads the wrong rows", numbers)
	}
}

// The workbook speaks the report's language, evidence included.
func TestXLSXLanguage(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	all := byAgency(t, v2, daily.AgencyAll)
	for _, c := range []struct {
		lang           daily.Lang
		summary, want  string
		wantNot        string
		issuerFallback string
	}{
		{daily.LangVI, "Tổng hợp", "Đã nộp 300.000, số còn phải nộp là 250.000: mã thanh toán", "outstanding was", "……"},
		{daily.LangEN, "Summary", "paid 300000, outstanding was 250000: payment_code", "Đã nộp", "……"},
	} {
		b := readXLSX(t, []daily.Report{all}, daily.Print{Lang: c.lang})
		if got := b.f.GetSheetList(); strings.Join(got, ",") != c.summary+",ALL" {
			t.Errorf("%s sheets %v", c.lang, got)
		}
		if got := b.text(c.summary, 2, 2); !strings.HasPrefix(got, c.issuerFallback) {
			t.Errorf("%s: no issuer configured shows %q, want a line to fill in", c.lang, got)
		}
		rows, err := b.f.GetRows("ALL")
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, r := range rows {
			all.WriteString(strings.Join(r, "|") + "\n")
		}
		if !strings.Contains(all.String(), c.want) || strings.Contains(all.String(), c.wantNot) {
			t.Errorf("%s sheet lacks %q or has %q", c.lang, c.want, c.wantNot)
		}
	}
}
