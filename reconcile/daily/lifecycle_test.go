package daily_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// lifecycleDay is the golden day's v2 with a reversal, a refund due and a
// late event of an unreported day (raised on the 26th): every list of
// issue 11's money lifecycle that the ALL report has.
func lifecycleDay(t *testing.T) (daily.Report, reversalAndRefundDay) {
	t.Helper()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	sc := reversalAndRefund(t, m, d, v1)
	loc := payment.Location()
	p := payment.Payment{ID: "vietqr:W1", Gateway: payment.GatewayVietQR, TxnID: "W1", Amount: payment.VNDOf(300000),
		PaidAt: time.Date(2026, time.November, 23, 10, 0, 0, 0, loc)}
	e, ok := daily.DefaultDayRules().LateBeforeWindow(p, businessDate, time.Date(2026, time.November, 26, 15, 0, 0, 0, loc))
	if !ok {
		t.Fatal("W1 is not before the window")
	}
	sc.in.LateUnreported = []daily.UnreportedLate{{Exception: e, Payment: p}}
	return byAgency(t, reconcileOK(t, sc.in), daily.AgencyAll), sc
}

// A reversal booked after the day still marks the day's payment it took
// back (its money is reversed, not unassigned), though only its own day
// lists it under reversals; a reversal whose payment is still allocated
// (the input's allocations were decided with it) names it but reverses
// nothing of the collected money; every earlier report keeps its bytes.
func TestReversedPaymentIsNotUnassigned(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	sc := reversalAndRefund(t, m, d, v1)
	later := sc.reversal
	later.ReversedAt = time.Date(2026, time.November, 28, 9, 0, 0, 0, payment.Location())
	in := sc.in
	in.Reversals = []payment.Reversal{later}
	all := byAgency(t, reconcileOK(t, in), daily.AgencyAll)
	if len(all.Reversals) != 0 {
		t.Errorf("the 26th lists the 28th's reversal: %+v", all.Reversals)
	}
	i := slices.IndexFunc(all.Payments, func(l daily.PaymentLine) bool { return l.PaymentID == sc.reversedID })
	if i < 0 || all.Payments[i].ReversedBy != later.ID || all.Payments[i].Reversed.String() != "150000" {
		t.Fatalf("payment lines %+v, want %s reversed by %s", all.Payments, sc.reversedID, later.ID)
	}
	if all.Totals.UnassignedReversed.String() != "150000" || all.Totals.Unassigned.String() != "319000" {
		t.Errorf("totals unassigned %s reversed %s, want 319000 of which 150000", all.Totals.Unassigned, all.Totals.UnassignedReversed)
	}
	if err := all.Verify(); err != nil {
		t.Error(err)
	}

	// The engine decided with the payment: it is still allocated.
	still := d.input(m, append(append([]payment.Payment(nil), d.events...), d.late...), nowV2, v1.Reports)
	still.Reversals = []payment.Reversal{sc.reversal}
	rep := byAgency(t, reconcileOK(t, still), daily.AgencyAll)
	i = slices.IndexFunc(rep.Payments, func(l daily.PaymentLine) bool { return l.PaymentID == sc.reversedID })
	if l := rep.Payments[i]; l.ReversedBy != sc.reversal.ID || !l.Reversed.IsZero() || l.Collected.String() != "150000" {
		t.Errorf("still allocated: %+v, want it named, nothing reversed, 150000 collected", l)
	}
	if !rep.Totals.UnassignedReversed.IsZero() {
		t.Errorf("totals reversed %s, want none", rep.Totals.UnassignedReversed)
	}
	if err := rep.Verify(); err != nil {
		t.Error(err)
	}
	if b := reportJSON(t, byAgency(t, v1, daily.AgencyAll)); bytes.Contains(b, []byte("reversed")) {
		t.Error("a report without reversals names reversed figures")
	}
}

// Check verifies the reversed parts: within their lines' money, named by a
// reversal, and the same sum on payment lines, unassigned lines and totals.
func TestCheckReversedParts(t *testing.T) {
	t.Parallel()
	good, sc := lifecycleDay(t)
	if err := daily.Check(good); err != nil {
		t.Fatal(err)
	}
	pay := slices.IndexFunc(good.Payments, func(l daily.PaymentLine) bool { return l.PaymentID == sc.reversedID })
	amount := func(s string) daily.Amount { return daily.Amount{Decimal: decimal.RequireFromString(s)} }
	for _, c := range []struct {
		name   string
		tamper func(r *daily.Report)
		want   string
	}{
		{"more than unassigned", func(r *daily.Report) {
			r.Payments[pay].Reversed, r.Unassigned[0].Reversed, r.Totals.UnassignedReversed = amount("200000"), amount("200000"), amount("200000")
		}, "payment vietqr:SP1001: reversed 200000 not within 0 … 150000"},
		{"negative", func(r *daily.Report) {
			r.Payments[pay].Reversed, r.Unassigned[0].Reversed, r.Totals.UnassignedReversed = amount("-1"), amount("-1"), amount("-1")
		}, "unassigned qr: reversed -1 not within 0 … 319000"},
		{"unassigned line more than its amount", func(r *daily.Report) {
			r.Unassigned[0].Reversed = amount("400000")
		}, "unassigned qr: reversed 400000 not within 0 … 319000"},
		{"names no reversal", func(r *daily.Report) { r.Payments[pay].ReversedBy = "" }, "names no reversal"},
		{"payment lines vs unassigned lines", func(r *daily.Report) { r.Unassigned[0].Reversed = daily.Amount{} },
			"payment lines reversed vs unassigned lines reversed: 150000 != 0"},
		{"unassigned lines vs totals", func(r *daily.Report) { r.Totals.UnassignedReversed = daily.Amount{} },
			"unassigned lines reversed vs totals: 150000 != 0"},
	} {
		r := good
		r.Payments = slices.Clone(good.Payments)
		r.Unassigned = slices.Clone(good.Unassigned)
		c.tamper(&r)
		err := daily.Check(r)
		if !errors.Is(err, daily.ErrControl) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check = %v, want %q", c.name, err, c.want)
		}
	}
}

// The workbook has a sheet for each lifecycle list, its amounts numbers,
// and the reversed column on the ALL sheet's figures and the summary.
func TestXLSXLifecycleSheets(t *testing.T) {
	t.Parallel()
	all, sc := lifecycleDay(t)
	b := readXLSX(t, []daily.Report{all}, daily.Print{Lang: daily.LangVI})
	if got := strings.Join(b.f.GetSheetList(), "|"); got != "Tổng hợp|ALL|Hoàn trả trong ngày|Lệnh hoàn trả|Đến muộn, ngày chưa báo cáo" {
		t.Fatalf("sheets %s", got)
	}
	const rev, ref, late = "Hoàn trả trong ngày", "Lệnh hoàn trả", "Đến muộn, ngày chưa báo cáo"
	if got := b.text(rev, 1, 1); !strings.HasPrefix(got, "Giao dịch ngân hàng hoàn trả (đảo ngược) trong ngày · BC-20261126-ALL · Phiên bản 2") {
		t.Errorf("reversals title %q", got)
	}
	if b.text(rev, 1, 2) != "Mã hoàn trả" || b.text(rev, 1, 3) != sc.reversal.ID || b.text(rev, 2, 3) != sc.reversedID ||
		b.text(rev, 3, 3) != "Chuyển khoản" || b.text(rev, 6, 3) != "16:20:00 26/11/2026" {
		t.Errorf("reversal row %q %q %q %q", b.text(rev, 1, 3), b.text(rev, 2, 3), b.text(rev, 3, 3), b.text(rev, 6, 3))
	}
	b.number(rev, 4, 3, "150000")
	if b.text(ref, 1, 3) != sc.refund.ID || b.text(ref, 2, 3) != "vietqr:SP1008" || b.text(ref, 7, 3) != "" {
		t.Errorf("refund row %q %q %q", b.text(ref, 1, 3), b.text(ref, 2, 3), b.text(ref, 7, 3))
	}
	b.number(ref, 3, 3, "50000")
	b.number(ref, 6, 3, "1")
	if b.text(late, 2, 3) != "vietqr:W1" || b.text(late, 3, 3) != "23/11/2026" || b.text(late, 4, 3) != "VietQR" ||
		!strings.Contains(b.text(late, 9, 3), "feerecon report --date 2026-11-23") || !strings.HasPrefix(b.text(late, 9, 3), "Nộp lúc") {
		t.Errorf("late row %q %q %q %q", b.text(late, 2, 3), b.text(late, 3, 3), b.text(late, 4, 3), b.text(late, 9, 3))
	}
	b.number(late, 5, 3, "300000")
	for _, sh := range []string{rev, ref, late} {
		if p, err := b.f.GetPanes(sh); err != nil || !p.Freeze || p.YSplit != 2 {
			t.Errorf("%s panes %+v (%v): want title and header frozen", sh, p, err)
		}
	}
	// The ALL sheet: the reversed column (15) on the unassigned line only.
	rows, err := b.f.GetRows("ALL")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][14] != "Trong đó: đã hoàn trả (đảo ngược)" {
		t.Errorf("ALL header %q", rows[0])
	}
	y := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Tiền chưa xác định thông báo" }) + 1
	if y == 0 {
		t.Fatal("no unassigned row on the ALL sheet")
	}
	b.number("ALL", 15, y, "150000")
	b.empty("ALL", 15, 2)
	// The summary: the reversed column after the unassigned one.
	if b.text("Tổng hợp", 16, 3) != "Trong đó: đã hoàn trả (đảo ngược)" {
		t.Errorf("summary header 16 %q", b.text("Tổng hợp", 16, 3))
	}
	b.number("Tổng hợp", 15, 4, "319000")
	b.number("Tổng hợp", 16, 4, "150000")
	if b.text("Tổng hợp", 20, 4) != all.SHA256 {
		t.Errorf("summary SHA-256 moved: %q", b.text("Tổng hợp", 20, 4))
	}

	en := readXLSX(t, []daily.Report{all}, daily.Print{Lang: daily.LangEN})
	if got := strings.Join(en.f.GetSheetList(), "|"); got != "Summary|ALL|Reversals|Refunds due|Late, unreported days" {
		t.Errorf("English sheets %s", got)
	}
}

// The printable page lists the late events of unreported days and shows
// the reversed part of the unassigned money, in both languages; the CSV of
// the figures carries the reversed column.
func TestHTMLAndCSVShowTheLifecycle(t *testing.T) {
	t.Parallel()
	all, _ := lifecycleDay(t)
	for _, c := range []struct {
		lang daily.Lang
		want []string
	}{
		{daily.LangVI, []string{"<h2>Giao dịch đến muộn của ngày chưa có báo cáo</h2>", "<td>vietqr:W1</td><td>23/11/2026</td><td>VietQR</td><td class=\"n\">300.000 VND</td>",
			"<td>10:00:00 23/11/2026</td><td>15:00:00 26/11/2026</td>", "feerecon report --date 2026-11-23",
			"<th scope=\"row\">Trong đó: đã hoàn trả (đảo ngược)</th><td class=\"n\" id=\"total-unassigned-reversed\">150.000 VND</td>",
			"<th>Trong đó: đã hoàn trả (đảo ngược)</th></tr></thead>", "<td class=\"n\">150.000</td></tr>",
			"Giao dịch ngân hàng hoàn trả (đảo ngược) trong ngày", "Lệnh hoàn trả chờ thực hiện"}},
		{daily.LangEN, []string{"<h2>Late payments of days without a report</h2>", "<td>vietqr:W1</td><td>2026-11-23</td>",
			"id=\"total-unassigned-reversed\">150,000 VND</td>", "<th>Of which reversed</th>", "Credits reversed on the day", "Refunds due"}},
	} {
		var html bytes.Buffer
		if err := daily.WriteHTML(&html, all, daily.Print{Lang: c.lang}); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(html.String(), w) {
				t.Errorf("%s HTML lacks %q", c.lang, w)
			}
		}
	}
	var buf bytes.Buffer
	if err := daily.WriteCSV(&buf, all, daily.LangEN); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := rows[0]; len(h) != 15 || h[14] != "Of which reversed" {
		t.Fatalf("CSV header %q", h)
	}
	for _, r := range rows[1:] {
		want := ""
		if r[0] == "Money not assigned to a notice" {
			want = "150000"
		}
		if r[14] != want {
			t.Errorf("CSV row %q: reversed %q, want %q", r, r[14], want)
		}
	}
}
