package gatewaysim

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
	"github.com/shopspring/decimal"
)

var gmt7 = time.FixedZone("GMT+7", 7*3600)

func at(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, gmt7)
}

// newPayment builds a valid payment of gateway g.
func newPayment(g payment.Gateway, txn string, dong int64, paidAt time.Time, desc string) payment.Payment {
	return payment.Payment{
		ID:          payment.PaymentID(g, txn),
		Gateway:     g,
		TxnID:       txn,
		Amount:      payment.VNDOf(dong),
		PaidAt:      paidAt,
		Description: desc,
	}
}

// carriesPayer reports whether g's format has the payer's name and account:
// only camt054 (RltdPties/Dbtr, DbtrAcct). The SePay webhook, the VNPay
// IPN, the MoMo IPN and the ZaloPay callback do not.
func carriesPayer(g payment.Gateway) bool { return g == payment.GatewayCamt054 }

// descriptions are what citizens and banks write, with diacritics and the
// characters each encoding must escape.
var descriptions = []string{
	"Nộp lệ phí cấp giấy phép xây dựng NP000000000151",
	"Thanh toán phí thẩm định hồ sơ 000.25.31.H40-261126-0008",
	"NGUYỄN THỊ ÁNH TUYẾT chuyển tiền lệ phí trước bạ",
	`Đóng phí & lệ phí <hộ tịch> "bản sao" 100% + thuế=0; a~b 'x'`,
	"MBVCB.3278614135.NP000000000248 nộp phí.CT tu 0071000000001 PHẠM THỊ DUNG toi 3511055555",
	"  hai  khoảng trắng\tvà tab\nxuống dòng\r\n ",
	"",
	// Longer than one camt.054 Ustrd line (140 characters), with a
	// multi-byte letter across the cut.
	strings.Repeat("Lệ phí hộ tịch ", 9) + "ệ" + strings.Repeat("đ", 150),
}

// times include the edges of the GMT+7 business day.
var times = []time.Time{
	at(2026, 11, 26, 23, 59, 59, 0),
	at(2026, 11, 27, 0, 0, 0, 0),
	at(2026, 11, 27, 0, 0, 1, 0), // 2026-11-26T17:00:01Z
	at(2026, 12, 31, 23, 59, 59, 0),
	at(2027, 1, 1, 0, 0, 0, 0),
	at(2026, 11, 27, 9, 15, 30, 0).In(time.UTC), // a UTC time.Time is the same instant
	at(2024, 2, 29, 12, 0, 0, 0),
}

var amounts = []int64{1, 1_000, 20_000, 150_000, 2_277_000, 99_999_999, 100_000_000}

// txnID returns a transaction id of the shape gateway g uses.
func txnID(g payment.Gateway, i int) string {
	switch g {
	case payment.GatewayCamt054:
		return fmt.Sprintf("FT26331%08d", 14420000+i)
	case payment.GatewayVNPay:
		return strconv.Itoa(14422574 + i)
	case payment.GatewayVietQR, payment.GatewayMoMo, payment.GatewayZaloPay:
		return strconv.Itoa(92704 + i)
	}
	panic("unknown gateway " + g)
}

// zaloDescription shapes desc as the adapter builds Description:
// app_trans_id ("yymmdd_<code>"), then one space and embed_data if any.
func zaloDescription(i int, desc string) string {
	id := fmt.Sprintf("261127_NP%012d", 151+97*i)
	if desc == "" {
		return id
	}
	return id + " " + desc
}

// table returns the round-trip cases of gateway g.
func table(g payment.Gateway) []payment.Payment {
	var ps []payment.Payment
	n := max(len(descriptions), len(times), len(amounts))
	for i := range n {
		desc := descriptions[i%len(descriptions)]
		if g == payment.GatewayZaloPay {
			desc = zaloDescription(i, desc)
		}
		p := newPayment(g, txnID(g, i), amounts[i%len(amounts)], times[i%len(times)], desc)
		p.PayerName = "NGUYỄN VĂN ÂN"
		p.PayerAccount = fmt.Sprintf("00710001%05d", i)
		if i%2 == 0 {
			p.BankRef = fmt.Sprintf("FT2633%010d", i)
		}
		p.RawRef = "payments.raw/0/" + strconv.Itoa(i) // never carried
		ps = append(ps, p)
	}
	// Sub-second times where the format carries them.
	switch g {
	case payment.GatewayMoMo, payment.GatewayZaloPay:
		desc := "Lệ phí lý lịch tư pháp"
		if g == payment.GatewayZaloPay {
			desc = zaloDescription(n, desc)
		}
		ps = append(ps, newPayment(g, txnID(g, n), 50_000, at(2026, 11, 26, 23, 59, 59, 999_000_000), desc))
	case payment.GatewayCamt054:
		ps = append(ps, newPayment(g, txnID(g, n), 50_000, at(2026, 11, 26, 23, 59, 59, 123_456_789), "Lệ phí căn cước"))
	case payment.GatewayVietQR, payment.GatewayVNPay:
	}
	if g == payment.GatewayZaloPay {
		// No space: embed_data "{}", Description is app_trans_id alone;
		// real embed_data JSON after the space.
		ps = append(ps,
			newPayment(g, txnID(g, n+1), 10_000, times[0], "261127_NP000000000151"),
			newPayment(g, txnID(g, n+2), 10_000, times[1], `261127_NP000000000248 {"ghi_chu":"Lệ phí hộ tịch"}`))
	}
	return ps
}

func decoders(t testing.TB) gateways.Set {
	t.Helper()
	set, err := Decoders(DemoSecrets())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// roundTrip encodes p, decodes it with the real adapter and checks the
// result against p and Expected(p).
func roundTrip(t *testing.T, set gateways.Set, p payment.Payment) {
	t.Helper()
	raw, err := Encode(p, DemoSecrets())
	if err != nil {
		t.Fatalf("Encode(%s): %v", p.ID, err)
	}
	dec, err := set.Get(p.Gateway)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dec.Decode(raw)
	if err := gatewaytest.Check(p.Gateway, got, err); err != nil {
		t.Fatalf("%s: %v", p.ID, err)
	}
	if err != nil {
		t.Fatalf("Decode(Encode(%s)): %v\nbody: %s", p.ID, err, raw.Body)
	}
	if len(got) != 1 {
		t.Fatalf("%s: decoded %d payments, want 1", p.ID, len(got))
	}
	q := got[0]
	if q.ID != p.ID || q.Gateway != p.Gateway || q.TxnID != p.TxnID {
		t.Errorf("%s: decoded id %q gateway %q txn %q", p.ID, q.ID, q.Gateway, q.TxnID)
	}
	if !q.Amount.Equal(p.Amount) {
		t.Errorf("%s: amount %s, want %s", p.ID, q.Amount, p.Amount)
	}
	if !q.PaidAt.Equal(p.PaidAt) {
		t.Errorf("%s: paid_at %s, want %s", p.ID, q.PaidAt.Format(time.RFC3339Nano), p.PaidAt.Format(time.RFC3339Nano))
	}
	if payment.DateOf(q.PaidAt) != payment.DateOf(p.PaidAt) {
		t.Errorf("%s: business date %s, want %s", p.ID, payment.DateOf(q.PaidAt), payment.DateOf(p.PaidAt))
	}
	if q.Description != p.Description {
		t.Errorf("%s: description\n got %q\nwant %q", p.ID, q.Description, p.Description)
	}
	wantName, wantAcct := "", ""
	if carriesPayer(p.Gateway) {
		wantName, wantAcct = p.PayerName, p.PayerAccount
	}
	if q.PayerName != wantName || q.PayerAccount != wantAcct {
		t.Errorf("%s: payer %q %q, want %q %q", p.ID, q.PayerName, q.PayerAccount, wantName, wantAcct)
	}
	if diff := diffPayment(q, Expected(p)); diff != "" {
		t.Errorf("%s: decoded payment differs from Expected: %s", p.ID, diff)
	}
}

// diffPayment compares every field of two payments (times by instant and
// zone name, money by value).
func diffPayment(a, b payment.Payment) string {
	var d []string
	cmp := func(name, x, y string) {
		if x != y {
			d = append(d, fmt.Sprintf("%s %q != %q", name, x, y))
		}
	}
	cmp("id", a.ID, b.ID)
	cmp("gateway", string(a.Gateway), string(b.Gateway))
	cmp("txn", a.TxnID, b.TxnID)
	if !a.Amount.Equal(b.Amount) {
		d = append(d, fmt.Sprintf("amount %s != %s", a.Amount, b.Amount))
	}
	if !a.PaidAt.Equal(b.PaidAt) || a.PaidAt.Location().String() != b.PaidAt.Location().String() {
		d = append(d, fmt.Sprintf("paid_at %s != %s", a.PaidAt, b.PaidAt))
	}
	cmp("payer_name", a.PayerName, b.PayerName)
	cmp("payer_account", a.PayerAccount, b.PayerAccount)
	cmp("description", a.Description, b.Description)
	cmp("bank_ref", a.BankRef, b.BankRef)
	cmp("raw_ref", a.RawRef, b.RawRef)
	return strings.Join(d, "; ")
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	set := decoders(t)
	for _, g := range payment.Gateways() {
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			for _, p := range table(g) {
				roundTrip(t, set, p)
			}
		})
	}
}

// BankRef goes where the format has a field for it; elsewhere the adapter
// derives it. Spelled out here, independently of Expected.
func TestBankRef(t *testing.T) {
	t.Parallel()
	set := decoders(t)
	paid := at(2026, 11, 27, 10, 0, 0, 0)
	tests := []struct {
		g             payment.Gateway
		txn, desc     string
		bankRef, want string
	}{
		{payment.GatewayVietQR, "92704", "NP000000000151", "MBVCB.3278907687", "MBVCB.3278907687"},
		{payment.GatewayVietQR, "92704", "NP000000000151", "", ""},
		{payment.GatewayVNPay, "14422574", "NP000000000151", "VNP14422574", "VNP14422574"},
		{payment.GatewayVNPay, "14422574", "NP000000000151", "", ""},
		{payment.GatewayMoMo, "2588659987", "NP000000000151", "FR-ORDER-1", "FR-ORDER-1"},
		{payment.GatewayMoMo, "2588659987", "NP000000000151", "", "FR2588659987"},
		{payment.GatewayCamt054, "FT26331123", "NP000000000151", "ignored", "FT26331123"},
		{payment.GatewayZaloPay, "240911000001", "261127_NP000000000151 nộp phí", "ignored", "261127_NP000000000151"},
	}
	for _, tt := range tests {
		p := newPayment(tt.g, tt.txn, 10_000, paid, tt.desc)
		p.BankRef = tt.bankRef
		raw, err := Encode(p, DemoSecrets())
		if err != nil {
			t.Fatal(err)
		}
		ps, err := set[tt.g].Decode(raw)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s: %d payments, %v", tt.g, len(ps), err)
		}
		if ps[0].BankRef != tt.want {
			t.Errorf("%s bank_ref %q: decoded %q, want %q", tt.g, tt.bankRef, ps[0].BankRef, tt.want)
		}
	}
}

// amountRE finds the amount's digits in each format's body.
var amountRE = map[payment.Gateway]*regexp.Regexp{
	payment.GatewayVietQR:  regexp.MustCompile(`"transferAmount":(\d)`),
	payment.GatewayCamt054: regexp.MustCompile(`<Amt Ccy="VND">(\d)`),
	payment.GatewayVNPay:   regexp.MustCompile(`vnp_Amount=(\d)`),
	payment.GatewayMoMo:    regexp.MustCompile(`"amount":(\d)`),
	payment.GatewayZaloPay: regexp.MustCompile(`\\"amount\\":(\d)`),
}

// tamperAmount changes the first digit of the amount: the body stays
// well-formed, only the signature stops matching.
func tamperAmount(t *testing.T, g payment.Gateway, body []byte) []byte {
	t.Helper()
	m := amountRE[g].FindSubmatchIndex(body)
	if m == nil {
		t.Fatalf("%s: no amount in %s", g, body)
	}
	out := append([]byte(nil), body...)
	out[m[2]] = '1' + (out[m[2]]-'0')%9 // 1→2 … 8→9, 9→1
	return out
}

func TestTamperedFailsSignature(t *testing.T) {
	t.Parallel()
	set := decoders(t)
	other := DemoSecrets()
	other.VietQR += "x"
	other.Camt054 += "x"
	other.VNPay += "x"
	other.MoMoSecret += "x"
	other.ZaloPayKey2 += "x"
	for _, g := range payment.Gateways() {
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			dec := set[g]
			for _, p := range table(g) {
				raw, err := Encode(p, DemoSecrets())
				if err != nil {
					t.Fatal(err)
				}
				tampered := gateways.Raw{Body: tamperAmount(t, g, raw.Body), Headers: raw.Headers}
				ps, err := dec.Decode(tampered)
				if !errors.Is(err, gateways.ErrSignature) || len(ps) != 0 {
					t.Errorf("%s tampered amount: %d payments, err %v; want ErrSignature", p.ID, len(ps), err)
				}
				forged, err := Encode(p, other)
				if err != nil {
					t.Fatal(err)
				}
				if ps, err := dec.Decode(forged); !errors.Is(err, gateways.ErrSignature) || len(ps) != 0 {
					t.Errorf("%s signed with another key: %d payments, err %v; want ErrSignature", p.ID, len(ps), err)
				}
			}
		})
	}
}

// A message for another merchant identity is refused even when signed with
// the right key.
func TestOtherMerchantRefused(t *testing.T) {
	t.Parallel()
	set := decoders(t)
	s := DemoSecrets()
	s.VNPayTmnCode, s.MoMoPartnerCode, s.ZaloPayAppID = "OTHERTMN", "MOMOOTHER", "1234"
	for _, g := range []payment.Gateway{payment.GatewayVNPay, payment.GatewayMoMo, payment.GatewayZaloPay} {
		p := table(g)[0]
		raw, err := Encode(p, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := set[g].Decode(raw); !errors.Is(err, gateways.ErrSignature) {
			t.Errorf("%s for another merchant: %v, want ErrSignature", g, err)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	paid := at(2026, 11, 27, 10, 0, 0, 0)
	ok := func(g payment.Gateway) payment.Payment {
		desc := "NP000000000151 lệ phí"
		return newPayment(g, txnID(g, 0), 10_000, paid, desc)
	}
	with := func(g payment.Gateway, f func(*payment.Payment)) payment.Payment {
		p := ok(g)
		f(&p)
		p.ID = payment.PaymentID(p.Gateway, p.TxnID)
		return p
	}
	usd := payment.Money{Amount: decimal.RequireFromString("12.50"), Currency: "USD"}
	tests := []struct {
		name string
		p    payment.Payment
		want error
	}{
		{"zero amount", with(payment.GatewayVietQR, func(p *payment.Payment) { p.Amount = payment.VNDOf(0) }), payment.ErrInvalidPayment},
		{"fractional VND", with(payment.GatewayMoMo, func(p *payment.Payment) {
			p.Amount = payment.Money{Amount: decimal.RequireFromString("1.5"), Currency: payment.VND}
		}), payment.ErrInvalidPayment},
		{"id mismatch", func() payment.Payment { p := ok(payment.GatewayVNPay); p.ID = "vnpay:other"; return p }(), payment.ErrInvalidPayment},
		{"unknown gateway", with(payment.GatewayVNPay, func(p *payment.Payment) { p.Gateway = "paypal" }), payment.ErrInvalidPayment},
		{"no paid_at", with(payment.GatewayVNPay, func(p *payment.Payment) { p.PaidAt = time.Time{} }), payment.ErrInvalidPayment},
		{"before 1970", with(payment.GatewayCamt054, func(p *payment.Payment) { p.PaidAt = at(1969, 12, 31, 0, 0, 0, 0) }), payment.ErrInvalidPayment}, // payment.CheckTime: no fee is paid before 2000
		{"year 10000", with(payment.GatewayCamt054, func(p *payment.Payment) { p.PaidAt = at(10000, 1, 1, 0, 0, 0, 0) }), payment.ErrInvalidPayment},
		{"vietqr letters in id", with(payment.GatewayVietQR, func(p *payment.Payment) { p.TxnID = "TAMPERED1" }), ErrUnencodable},
		{"vietqr leading zero", with(payment.GatewayVietQR, func(p *payment.Payment) { p.TxnID = "0123" }), ErrUnencodable},
		{"vietqr 31 digits", with(payment.GatewayVietQR, func(p *payment.Payment) { p.TxnID = strings.Repeat("1", 31) }), ErrUnencodable},
		{"momo letters in id", with(payment.GatewayMoMo, func(p *payment.Payment) { p.TxnID = "M1" }), ErrUnencodable},
		{"zalopay letters in id", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.TxnID = "Z1" }), ErrUnencodable},
		{"vietqr milliseconds", with(payment.GatewayVietQR, func(p *payment.Payment) { p.PaidAt = p.PaidAt.Add(time.Millisecond) }), ErrUnencodable},
		{"vnpay milliseconds", with(payment.GatewayVNPay, func(p *payment.Payment) { p.PaidAt = p.PaidAt.Add(time.Millisecond) }), ErrUnencodable},
		{"momo microseconds", with(payment.GatewayMoMo, func(p *payment.Payment) { p.PaidAt = p.PaidAt.Add(time.Microsecond) }), ErrUnencodable},
		{"zalopay microseconds", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.PaidAt = p.PaidAt.Add(time.Microsecond) }), ErrUnencodable},
		{"vnpay USD", with(payment.GatewayVNPay, func(p *payment.Payment) { p.Amount = usd }), ErrUnencodable},
		{"vietqr USD", with(payment.GatewayVietQR, func(p *payment.Payment) { p.Amount = usd }), ErrUnencodable},
		{"momo invalid UTF-8", with(payment.GatewayMoMo, func(p *payment.Payment) { p.Description = "l\xe1 phi" }), ErrUnencodable},
		{"vnpay invalid UTF-8", with(payment.GatewayVNPay, func(p *payment.Payment) { p.Description = "l\xe1 phi" }), ErrUnencodable},
		{"vnpay NUL", with(payment.GatewayVNPay, func(p *payment.Payment) { p.BankRef = "VNP\x00" }), ErrUnencodable},
		{"zalopay NUL", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = "NP1 a\x00" }), ErrUnencodable},
		{"vnpay letters in id", with(payment.GatewayVNPay, func(p *payment.Payment) { p.TxnID = "VNP1" }), ErrUnencodable},
		{"camt054 C1 control in txn", with(payment.GatewayCamt054, func(p *payment.Payment) { p.TxnID = "FT\u00851" }), ErrUnencodable},
		{"camt054 NUL", with(payment.GatewayCamt054, func(p *payment.Payment) { p.Description = "a\x00" }), ErrUnencodable},
		{"vietqr invalid UTF-8 ref", with(payment.GatewayVietQR, func(p *payment.Payment) { p.BankRef = "\xff" }), ErrUnencodable},
		{"camt054 control character", with(payment.GatewayCamt054, func(p *payment.Payment) { p.Description = "phí\x01" }), ErrUnencodable},
		{"camt054 padded txn", with(payment.GatewayCamt054, func(p *payment.Payment) { p.TxnID = " FT1" }), ErrUnencodable},
		{"camt054 36-char txn", with(payment.GatewayCamt054, func(p *payment.Payment) { p.TxnID = strings.Repeat("F", 36) }), ErrUnencodable},
		{"camt054 padded payer", with(payment.GatewayCamt054, func(p *payment.Payment) { p.PayerName = "AN " }), ErrUnencodable},
		{"camt054 long account", with(payment.GatewayCamt054, func(p *payment.Payment) { p.PayerAccount = strings.Repeat("1", 35) }), ErrUnencodable},
		{"zalopay empty description", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = "" }), ErrUnencodable},
		{"zalopay leading space", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = " NP1" }), ErrUnencodable},
		{"zalopay trailing space", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = "NP1 " }), ErrUnencodable},
		{"zalopay {} embed", with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = "NP1 {}" }), ErrUnencodable},
	}
	for _, tt := range tests {
		raw, err := Encode(tt.p, DemoSecrets())
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
		if raw.Body != nil || raw.Headers != nil {
			t.Errorf("%s: a message came with the error", tt.name)
		}
	}
	// The same values where the format does carry them.
	set := decoders(t)
	for _, p := range []payment.Payment{
		with(payment.GatewayCamt054, func(p *payment.Payment) { p.PaidAt = p.PaidAt.Add(time.Nanosecond) }),
		with(payment.GatewayVNPay, func(p *payment.Payment) { p.TxnID = "000123" }),
		with(payment.GatewayVNPay, func(p *payment.Payment) { p.Description = "lệ phí\x01\x7f" }),
		with(payment.GatewayVietQR, func(p *payment.Payment) { p.Description = "\x01\t\n\u0080\uFFFD" }),
		with(payment.GatewayCamt054, func(p *payment.Payment) { p.Amount = usd }),
		with(payment.GatewayVietQR, func(p *payment.Payment) { p.TxnID = "0" }),
		with(payment.GatewayZaloPay, func(p *payment.Payment) { p.Description = "NP1 {} " }),
	} {
		t.Run(p.ID, func(t *testing.T) { roundTrip(t, set, p) })
	}
}

// randomText mixes Vietnamese words, payment and dossier codes and the
// characters each encoding escapes.
func randomText(r *rand.Rand) string {
	pieces := []string{
		"nộp", "lệ", "phí", "hộ", "tịch", "Nguyễn", "Thị", "ĐẶNG", "Quốc", "Khánh", "chuyển", "tiền",
		"trước", "bạ", "căn", "cước", "MBVCB.3278614135.", ".CT", "tu", "toi", "IBFT", "&", "<", ">",
		`"`, "'", "%", "+", "=", ";", "~", "#", "?", "/", "\\", "\t", "\n", "\r", "{}", "{", "}", "😀",
		"NP000000000151", "np 000000 000248", "000.25.31.H40-261126-0008", "G01.899.108.000-231110-0096",
	}
	var b strings.Builder
	for range r.IntN(40) {
		if b.Len() > 0 && r.IntN(3) > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randomPayment draws a payment that gateway g's format carries: ids of
// its shape, times at its precision between 2020 and 2031 GMT+7, amounts
// from 1 to 100 000 000 đồng.
func randomPayment(r *rand.Rand, g payment.Gateway) payment.Payment {
	start := at(2020, 1, 1, 0, 0, 0, 0).Unix()
	end := at(2031, 1, 1, 0, 0, 0, 0).Unix()
	paid := time.Unix(start+r.Int64N(end-start), 0)
	var txn string
	switch g {
	case payment.GatewayMoMo, payment.GatewayZaloPay:
		paid = paid.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		txn = strconv.FormatUint(1+r.Uint64N(1e15), 10)
	case payment.GatewayCamt054:
		paid = paid.Add(time.Duration(r.IntN(1e9)))
		txn = fmt.Sprintf("FT%d%011d", 20+r.IntN(10), r.Int64N(1e11))
	case payment.GatewayVNPay:
		txn = strconv.FormatUint(1+r.Uint64N(1e8), 10)
	case payment.GatewayVietQR:
		txn = strconv.FormatUint(r.Uint64N(1e12), 10)
	}
	desc := randomText(r)
	if g == payment.GatewayZaloPay {
		id := paid.In(gmt7).Format("060102") + "_" + strconv.Itoa(r.IntN(1e6))
		if rest := randomText(r); rest != "" && rest != emptyEmbedData {
			id += " " + rest
		}
		desc = id
	}
	p := newPayment(g, txn, 1+r.Int64N(100_000_000), paid, desc)
	if r.IntN(2) == 0 {
		p.PayerName = strings.TrimSpace(randomText(r))
		if utf8.RuneCountInString(p.PayerName) > 140 {
			p.PayerName = strings.TrimSpace(string([]rune(p.PayerName)[:140]))
		}
		p.PayerAccount = strconv.FormatInt(r.Int64N(1e13), 10)
	}
	if r.IntN(2) == 0 {
		p.BankRef = "FT" + strconv.FormatInt(r.Int64N(1e14), 10)
	}
	return p
}

func TestRandomRoundTrip(t *testing.T) {
	t.Parallel()
	set := decoders(t)
	for i, g := range payment.Gateways() {
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(20261127, uint64(i)))
			for range 200 {
				roundTrip(t, set, randomPayment(r, g))
			}
		})
	}
}

func TestDemoSecrets(t *testing.T) {
	t.Parallel()
	s := DemoSecrets()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	set, err := Decoders(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(set.Gateways()); got != len(payment.Gateways()) {
		t.Fatalf("Decoders configured %d gateways, want %d", got, len(payment.Gateways()))
	}
	for _, k := range []string{s.VietQR, s.Camt054, s.VNPay, s.MoMoSecret, s.ZaloPayKey2} {
		if !strings.HasPrefix(k, "demo-only-") {
			t.Errorf("demo secret %q does not say demo-only", k)
		}
	}
	// Printing or logging Secrets shows none of them.
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("cfg", "secrets", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), logged.String()} {
		if strings.Contains(out, "demo-only") || strings.Contains(out, s.MoMoAccessKey) {
			t.Errorf("secrets printed: %s", out)
		}
	}
}

func TestSecretsValidate(t *testing.T) {
	t.Parallel()
	s := DemoSecrets()
	s.VietQR = "short"
	s.VNPayTmnCode = ""
	s.ZaloPayAppID = "0123"
	err := s.Validate()
	if err == nil {
		t.Fatal("bad secrets accepted")
	}
	for _, want := range []string{"VietQR", "VNPayTmnCode", "ZaloPayAppID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if _, err := Decoders(s); err == nil {
		t.Error("Decoders accepted bad secrets")
	}
	if _, err := Encode(table(payment.GatewayVietQR)[0], s); err == nil {
		t.Error("Encode accepted bad secrets")
	}
}

// BenchmarkEncodeDecode measures a message's way through the simulator and
// the real adapter, as the load harness drives it.
func BenchmarkEncodeDecode(b *testing.B) {
	set := decoders(b)
	enc, err := NewEncoder(DemoSecrets())
	if err != nil {
		b.Fatal(err)
	}
	for _, g := range payment.Gateways() {
		b.Run(string(g), func(b *testing.B) {
			ps := table(g)
			dec := set[g]
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				raw, err := enc.Encode(ps[i%len(ps)])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := dec.Decode(raw); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkDecode measures the real adapters alone on simulated messages.
func BenchmarkDecode(b *testing.B) {
	set := decoders(b)
	for _, g := range payment.Gateways() {
		b.Run(string(g), func(b *testing.B) {
			var raws []gateways.Raw
			for _, p := range table(g) {
				raw, err := Encode(p, DemoSecrets())
				if err != nil {
					b.Fatal(err)
				}
				raws = append(raws, raw)
			}
			dec := set[g]
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := dec.Decode(raws[i%len(raws)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// A reversal EncodeReversal writes is the reversal the real camt054
// adapter reads back: its id, amount, time and original references; one
// reference or two; what camt054 cannot carry is refused.
func TestEncodeReversalRoundTrip(t *testing.T) {
	dec, err := decoders(t).Get(payment.GatewayCamt054)
	if err != nil {
		t.Fatal(err)
	}
	rd, ok := dec.(gateways.ReversalDecoder)
	if !ok {
		t.Fatal("the camt054 decoder reads no reversals")
	}
	at := time.Date(2026, 11, 27, 15, 4, 5, 0, gmt7)
	for _, refs := range [][]string{{"FT24330123456789"}, {"FT24330123456789", "E2E-0001"}} {
		r := payment.Reversal{ID: payment.ReversalID(payment.GatewayCamt054, "FT24331000000077"), Gateway: payment.GatewayCamt054,
			TxnID: "FT24331000000077", OriginalRefs: refs, Amount: payment.VNDOf(150_000), ReversedAt: at, Description: "HOAN TRA GD FT24330123456789"}
		raw, err := EncodeReversal(r, DemoSecrets())
		if err != nil {
			t.Fatal(err)
		}
		got, err := rd.DecodeReversals(raw)
		if err != nil || len(got) != 1 {
			t.Fatalf("DecodeReversals = %+v, %v", got, err)
		}
		g := got[0]
		if g.ID != r.ID || !g.Amount.Equal(r.Amount) || !g.ReversedAt.Equal(at) || strings.Join(g.OriginalRefs, ",") != strings.Join(refs, ",") || g.Description != r.Description {
			t.Errorf("read back %+v, want %+v", g, r)
		}
		// The reversal's notification carries no credit.
		if ps, _ := dec.Decode(raw); len(ps) != 0 {
			t.Errorf("Decode of a reversal = %+v; want no payment", ps)
		}
	}
	bad := payment.Reversal{ID: payment.ReversalID(payment.GatewayMoMo, "R1"), Gateway: payment.GatewayMoMo, TxnID: "R1",
		OriginalRefs: []string{"1"}, Amount: payment.VNDOf(1), ReversedAt: at}
	if _, err := EncodeReversal(bad, DemoSecrets()); !errors.Is(err, ErrUnencodable) {
		t.Errorf("a MoMo reversal: %v, want ErrUnencodable", err)
	}
}
