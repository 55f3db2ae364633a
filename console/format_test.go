package console

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/user"
)

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	usd := payment.Money{Amount: decimal.RequireFromString("1234.5"), Currency: "USD"}
	for _, tc := range []struct {
		lang Lang
		m    payment.Money
		want string
	}{
		{LangVI, payment.VNDOf(1_500_000), "1.500.000 ₫"},
		{LangEN, payment.VNDOf(1_500_000), "1,500,000 VND"},
		{LangVI, payment.VNDOf(0), "0 ₫"},
		{LangVI, payment.VNDOf(999), "999 ₫"},
		{LangVI, payment.VNDOf(1000), "1.000 ₫"},
		{LangEN, payment.VNDOf(123_456_789_012), "123,456,789,012 VND"},
		{LangVI, payment.Money{Amount: decimal.NewFromInt(-50_000), Currency: "VND"}, "-50.000 ₫"},
		{LangVI, usd, "1.234,50 USD"},
		{LangEN, usd, "1,234.50 USD"},
	} {
		if got := formatMoney(tc.lang, tc.m); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.m, got, tc.want)
		}
	}
}

func TestFormatDateAndTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC) // 00:30 on the 28th in Hà Nội
	d := payment.DateOf(at)
	if got := formatDate(LangVI, d); got != "28/11/2026" {
		t.Errorf("vi date %q", got)
	}
	if got := formatDate(LangEN, d); got != "2026-11-28" {
		t.Errorf("en date %q", got)
	}
	if got := formatTime(LangVI, at); got != "00:30 28/11/2026" {
		t.Errorf("vi time %q", got)
	}
	if got := formatTime(LangEN, at); got != "2026-11-28 00:30" {
		t.Errorf("en time %q", got)
	}
}

// Every role has its label in every table.
func TestEveryRoleHasALabel(t *testing.T) {
	t.Parallel()
	for _, lang := range Langs() {
		for _, r := range user.Roles() {
			if _, ok := labels()[lang][roleLabel(r)]; !ok {
				t.Errorf("%s: no label for role %s", lang, r)
			}
		}
	}
}

func TestFormatCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n      int64
		vi, en string
	}{
		{0, "0", "0"}, {999, "999", "999"}, {1000, "1.000", "1,000"}, {100000, "100.000", "100,000"},
		{1234567, "1.234.567", "1,234,567"}, {-1500, "-1.500", "-1,500"},
	} {
		if got := formatCount(LangVI, tc.n); got != tc.vi {
			t.Errorf("vi %d: %q, want %q", tc.n, got, tc.vi)
		}
		if got := formatCount(LangEN, tc.n); got != tc.en {
			t.Errorf("en %d: %q, want %q", tc.n, got, tc.en)
		}
	}
}

// An audit entry's detail reads as text: money as the language writes it.
func TestHistoryText(t *testing.T) {
	t.Parallel()
	detail := []byte(`{"action":"allocate","amount":{"amount":"770000","currency":"VND"},"parts":[{"amount":{"amount":"770000","currency":"VND"},"notice_id":"TB-1","system":"dvc"}],"remainder":"","ok":true}`)
	for lang, want := range map[Lang]string{
		LangVI: "action: allocate; amount: 770.000 ₫; ok: true; parts: [amount: 770.000 ₫; notice_id: TB-1; system: dvc]",
		LangEN: "action: allocate; amount: 770,000 VND; ok: true; parts: [amount: 770,000 VND; notice_id: TB-1; system: dvc]",
	} {
		if got := (page{Lang: lang}).HistoryText(detail); got != want {
			t.Errorf("%s: %q\nwant %q", lang, got, want)
		}
	}
	if got := (page{Lang: LangVI}).HistoryText([]byte("not json")); got != "not json" {
		t.Errorf("not JSON: %q", got)
	}
}
