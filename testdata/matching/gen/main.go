// Command gen writes the labelled matching test set in testdata/matching:
// notices.csv, payments.jsonl, labels.csv, collection_accounts.csv (each
// agency's collection accounts), and reversals.jsonl with
// reversal_labels.csv (the banks' reversals of some of the payments),
// reproducibly from a fixed seed. Run from the module root:
//
//	go run ./testdata/matching/gen
//
// Each payment is generated from a scenario (a category) that says what a
// careful accountant expects: the notices it pays and the exception it
// raises, if any. The generator knows nothing of the engine's rules beyond
// the documented contract (payment codes with MOD 97-10 check digits,
// dossier codes of Circular 01/2018); it writes descriptions the way banks
// and payers write them (see shared DOMAIN.md), including deliberately hard
// and hostile ones.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
)

const (
	seed1, seed2 = 20261120, 4
	// seedAccounts is the second seed word of the collection-account
	// scenarios' own random stream.
	seedAccounts = 5
	// seedReversals is the second seed word of the reversals' own random
	// stream: they were added last and change no earlier file.
	seedReversals = 6
	businessDay   = "2026-11-20"
)

type notice struct {
	ID, Dossier, Code, Agency, Payer string
	Amount                           int64
	Issued, Due                      time.Time
	Chapter, Subitem, Treasury       string
	Status                           string
}

type pay struct {
	ID, Gateway, Txn  string
	Amount            string // raw decimal string
	Currency          string
	PaidAt            time.Time
	Desc, Payer, Acct string
	raw               string // when set, written instead of the JSON (bad lines)
	Credited          *payment.CreditedAccount
	Category          string
	ExpNotices        []string
	ExpException      string
	ExpSuggestion     string // a notice the accountant should be offered
}

type gen struct {
	r *rand.Rand
	// ra is the random stream of the collection-account scenarios, and
	// split the number of payments before them: they came later, and
	// drawing from their own stream, appended after the others, leaves
	// every earlier notice, payment and line of the set as it was.
	ra    *rand.Rand
	split int
	// rv is the random stream of the reversals (reversals.go).
	rv        *rand.Rand
	reversals []*reversal
	notices   []*notice
	payments  []*pay
	codes     map[string]bool
	dossiers  map[string]bool
	serials   map[uint64]bool
	day       time.Time
	txn       int
}

var (
	family   = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middle   = []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân"}
	given    = []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đạt"}
	units    = []string{"G01.899.108.000", "000.00.20.H40", "H29.75", "000.31.21.H29", "G12.34.56", "H40.19.01", "000.00.10.H56", "G09.123.45"}
	fees     = []int64{10000, 20000, 25000, 30000, 50000, 75000, 100000, 150000, 200000, 300000, 500000, 1000000, 1500000, 2500000, 35000, 12000, 160000}
	texts    = []string{"Thanh toán lệ phí", "Nộp phí hồ sơ", "chuyen tien le phi ho tich", "thanh toan phi cong chung", "Đóng lệ phí cấp căn cước", "nop le phi", "TT phi tham dinh", "phi chung thuc", "Le phi ly lich tu phap", "nop tien"}
	budget   = [][2]string{{"2716", "chung thuc"}, {"2752", "ho chieu"}, {"2764", "ly lich"}, {"2767", "cu tru"}, {"2768", "can cuoc"}, {"2771", "ho tich"}}
	bins     = []string{"970436", "970418", "970415", "970405", "970422", "970407"}
	outFlag  = flag.String("out", "testdata/matching", "output directory")
	seedFlag = flag.Uint64("seed", seed1, "first PCG seed word (the committed set uses the default)")
)

func main() {
	flag.Parse()
	loc := payment.Location()
	day, err := time.ParseInLocation(time.DateOnly, businessDay, loc)
	if err != nil {
		log.Fatal(err)
	}
	g := &gen{r: rand.New(rand.NewPCG(*seedFlag, seed2)), ra: rand.New(rand.NewPCG(*seedFlag, seedAccounts)),
		rv:    rand.New(rand.NewPCG(*seedFlag, seedReversals)),
		codes: map[string]bool{}, dossiers: map[string]bool{}, serials: map[uint64]bool{}, day: day}
	g.build()
	g.split = len(g.payments)
	first := g.r
	g.r = g.ra
	g.buildAccounts()
	g.r = g.rv
	g.buildReversals()
	g.r = first
	if err := g.write(*outFlag); err != nil {
		log.Fatal(err)
	}
	if err := g.writeReversals(*outFlag); err != nil {
		log.Fatal(err)
	}
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g *gen) chance(p float64) bool   { return g.r.Float64() < p }

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *gen) name() string {
	return g.pick(family) + " " + g.pick(middle) + " " + g.pick(given)
}

// newNotice issues a notice with a fresh code and dossier.
func (g *gen) newNotice(amount int64) *notice {
	var serial uint64
	for {
		serial = g.r.Uint64N(payment.MaxSerial + 1)
		if !g.serials[serial] {
			break
		}
	}
	g.serials[serial] = true
	code, err := payment.NewPaymentCode("NP", serial)
	if err != nil {
		log.Fatal(err)
	}
	issued := g.day.Add(-time.Duration(g.r.IntN(30*24)) * time.Hour).Add(-time.Duration(g.r.IntN(3600)) * time.Second)
	var dossier string
	for {
		dd := issued.AddDate(0, 0, -g.r.IntN(3))
		dossier = fmt.Sprintf("%s-%s-%04d", g.pick(units), dd.Format("060102"), 1+g.r.IntN(9999))
		if !g.dossiers[dossier] {
			break
		}
	}
	g.dossiers[dossier] = true
	g.codes[string(code)] = true
	b := budget[g.r.IntN(len(budget))]
	n := &notice{
		ID: fmt.Sprintf("TB-%05d", len(g.notices)+1), Dossier: dossier, Code: string(code),
		Agency: agencyCode(g.digits(5)), Payer: g.name(), Amount: amount,
		Issued: issued, Due: issued.AddDate(0, 0, 30), Chapter: "00" + g.digits(1), Subitem: b[0],
		Treasury: "7111.0.100" + g.digits(4), Status: "issued",
	}
	g.notices = append(g.notices, n)
	return n
}

func (g *gen) fee() int64 { return fees[g.r.IntN(len(fees))] }

// at returns a time on the business day, in +07:00.
func (g *gen) at() time.Time {
	return g.day.Add(time.Duration(6*3600+g.r.IntN(17*3600)) * time.Second)
}

func (g *gen) newPay(cat string, amount int64, desc string, expNotices []*notice, exc string) *pay {
	g.txn++
	gw := g.pick([]string{"vietqr", "vietqr", "vietqr", "camt054", "vnpay", "momo", "zalopay"})
	txn := fmt.Sprintf("T%07d", g.txn)
	p := &pay{
		ID: payment.PaymentID(payment.Gateway(gw), txn), Gateway: gw, Txn: txn,
		Amount: fmt.Sprint(amount), Currency: "VND", PaidAt: g.at(), Desc: desc,
		Payer: g.name(), Acct: g.digits(10 + g.r.IntN(4)), Category: cat, ExpException: exc,
	}
	for _, n := range expNotices {
		p.ExpNotices = append(p.ExpNotices, n.ID)
	}
	g.payments = append(g.payments, p)
	return p
}

// --- how people and banks write references ---------------------------------

func (g *gen) caseMangle(s string) string {
	switch g.r.IntN(3) {
	case 0:
		return strings.ToLower(s)
	case 1:
		return strings.ToUpper(s)
	}
	return s
}

func (g *gen) text() string {
	t := g.pick(texts)
	if g.chance(0.5) {
		t = strip(t)
	}
	return g.caseMangle(t)
}

// strip removes diacritics the way bank cores do (a tiny table; the
// generator must not share the engine's folding code).
func strip(s string) string {
	from := []string{"àáạảãâầấậẩẫăằắặẳẵ", "èéẹẻẽêềếệểễ", "ìíịỉĩ", "òóọỏõôồốộổỗơờớợởỡ", "ùúụủũưừứựửữ", "ỳýỵỷỹ", "đ",
		"ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", "ÈÉẸẺẼÊỀẾỆỂỄ", "ÌÍỊỈĨ", "ÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", "ÙÚỤỦŨƯỪỨỰỬỮ", "ỲÝỴỶỸ", "Đ"}
	to := "aeiouydAEIOUYD"
	var b strings.Builder
	for _, r := range s {
		done := false
		for i, set := range from {
			if strings.ContainsRune(set, r) {
				b.WriteByte(to[i])
				done = true
				break
			}
		}
		if !done {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeForm writes a code as a payer might, keeping every character.
func (g *gen) codeForm(code string) string {
	p, d := code[:2], code[2:]
	switch g.r.IntN(8) {
	case 0:
		return p + " " + d[:4] + " " + d[4:8] + " " + d[8:]
	case 1:
		return p + "-" + d
	case 2:
		return p + "." + d[:4] + "." + d[4:8] + "." + d[8:]
	case 3:
		return strings.ToLower(code)
	case 4:
		return p + " " + d
	case 5:
		return p + d[:6] + " " + d[6:]
	}
	return code
}

// lookalike swaps 1–3 of the digits 0 and 1 for O/o and I/l/i.
func (g *gen) lookalike(code string) (string, bool) {
	b := []byte(code)
	var pos []int
	for i := 2; i < len(b); i++ {
		if b[i] == '0' || b[i] == '1' {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return "", false
	}
	g.r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	n := 1 + g.r.IntN(min(3, len(pos)))
	for _, i := range pos[:n] {
		if b[i] == '0' {
			b[i] = "Oo"[g.r.IntN(2)]
		} else {
			b[i] = "Ili"[g.r.IntN(3)]
		}
	}
	return string(b), true
}

// digitsForm writes the 12 digits without the prefix.
func (g *gen) digitsForm(code string) string {
	d := code[2:]
	switch g.r.IntN(3) {
	case 0:
		return d[:4] + " " + d[4:8] + " " + d[8:]
	case 1:
		return d[:3] + " " + d[3:6] + " " + d[6:9] + " " + d[9:]
	}
	return d
}

func (g *gen) dossierForm(d string) string {
	switch g.r.IntN(6) {
	case 0:
		return strings.NewReplacer(".", "", "-", " ").Replace(d) // G01899108000 231110 0096
	case 1:
		i := strings.Index(d, "-")
		return strings.ReplaceAll(d[:i], ".", "") + " " + strings.ReplaceAll(d[i+1:], "-", "")
	case 2:
		return strings.NewReplacer(".", "", "-", "").Replace(d)
	case 3:
		return strings.ToLower(d)
	case 4: // OCR: 0 read as O, 1 as I in the unit id
		i := strings.Index(d, "-")
		return strings.NewReplacer("0", "O", "1", "I").Replace(d[:i]) + d[i:]
	}
	return d
}

// envelope wraps a payer's text the way a bank does.
func (g *gen) envelope(inner string, payer string) string {
	switch g.r.IntN(9) {
	case 0, 1:
		sep := "."
		if g.chance(0.3) {
			sep = " "
		}
		return "MBVCB." + g.digits(10) + sep + inner + ".CT tu " + g.digits(13) + " " + strings.ToUpper(strip(payer)) + " toi " + g.digits(13)
	case 2, 3:
		t := g.at()
		return g.digits(6) + "." + t.Format("020106") + "." + t.Format("150405") + "." + inner
	case 4:
		return "IBFT " + inner
	case 5:
		return "REM Tfr " + inner
	case 6:
		return "FT" + g.digits(14) + " " + inner
	case 7:
		return g.pick(bins) + g.digits(13) + "." + inner
	}
	return inner
}

// body places a reference among the payer's words.
func (g *gen) body(ref string) string {
	switch g.r.IntN(4) {
	case 0:
		return ref + " " + g.text()
	case 1:
		return g.text() + " " + ref
	case 2:
		return g.text() + " ma " + ref + " " + g.caseMangle(strip(g.name()))
	}
	return ref
}

func (g *gen) describe(ref, payer string) string { return g.envelope(g.body(ref), payer) }

// --- scenarios ---------------------------------------------------------------

func (g *gen) build() {
	for range 170 {
		n := g.newNotice(g.fee())
		g.newPay("code_exact", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), []*notice{n}, "")
	}
	for range 60 {
		n := g.newNotice(g.fee())
		s, ok := g.lookalike(n.Code)
		if !ok {
			s = n.Code
		}
		g.newPay("code_lookalike", n.Amount, g.describe(s, n.Payer), []*notice{n}, "")
	}
	for range 60 {
		n := g.newNotice(g.fee())
		g.newPay("code_digits_only", n.Amount, g.describe(g.digitsForm(n.Code), n.Payer), []*notice{n}, "")
	}
	for range 70 {
		n := g.newNotice(g.fee())
		words := g.pick([]string{"ho so", "hồ sơ", "HS", "cho ho so", "ma ho so"})
		g.newPay("dossier", n.Amount, g.describe(words+" "+g.dossierForm(n.Dossier), n.Payer), []*notice{n}, "")
	}
	for range 15 { // code and dossier of the same notice
		n := g.newNotice(g.fee())
		g.newPay("code_and_dossier_same", n.Amount, g.describe(n.Code+" ho so "+n.Dossier, n.Payer), []*notice{n}, "")
	}
	for range 30 { // instalments: 2 or 3 payments completing the notice
		k := 2 + g.r.IntN(2)
		n := g.newNotice(int64(k) * 100000 * int64(1+g.r.IntN(5)))
		part := n.Amount / int64(k)
		base := g.at().Add(-6 * time.Hour)
		for i := range k {
			amt := part
			if i == k-1 {
				amt = n.Amount - part*int64(k-1)
			}
			p := g.newPay("instalment", amt, g.describe(g.codeForm(n.Code)+fmt.Sprintf(" dot %d", i+1), n.Payer), []*notice{n}, "")
			p.PaidAt = base.Add(time.Duration(i) * 2 * time.Hour)
		}
	}
	for range 25 {
		n := g.newNotice(g.fee())
		g.newPay("overpaid", n.Amount+int64(1+g.r.IntN(20))*1000, g.describe(n.Code, n.Payer), []*notice{n}, "overpaid")
	}
	for range 25 { // the same notice paid twice
		n := g.newNotice(g.fee())
		first := g.newPay("duplicate_first", n.Amount, g.describe(n.Code, n.Payer), []*notice{n}, "")
		second := g.newPay("duplicate_second", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), nil, "duplicate")
		first.PaidAt = g.day.Add(8 * time.Hour)
		second.PaidAt = first.PaidAt.Add(time.Duration(1+g.r.IntN(600)) * time.Minute)
	}
	for range 20 {
		a, b := g.newNotice(g.fee()), g.newNotice(g.fee())
		g.newPay("multi_exact", a.Amount+b.Amount, g.describe(a.Code+" "+g.codeForm(b.Code), a.Payer), []*notice{a, b}, "")
	}
	for range 15 {
		a, b := g.newNotice(g.fee()), g.newNotice(g.fee())
		g.newPay("multi_inexact", a.Amount+b.Amount-5000, g.describe(a.Code+", "+b.Code, a.Payer), nil, "ambiguous")
	}
	for range 12 {
		a, b := g.newNotice(g.fee()), g.newNotice(g.fee())
		g.newPay("code_dossier_conflict", a.Amount, g.describe(a.Code+" ho so "+b.Dossier, a.Payer), nil, "ambiguous")
	}
	for range 20 {
		n := g.newNotice(g.fee())
		n.Status = "cancelled"
		g.newPay("cancelled", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), nil, "cancelled_notice")
	}
	for range 12 {
		n := g.newNotice(g.fee())
		p := g.newPay("foreign_currency", 0, g.describe(n.Code, n.Payer), nil, "currency_mismatch")
		p.Currency = g.pick([]string{"USD", "EUR"})
		p.Amount = fmt.Sprintf("%d.%02d", 1+g.r.IntN(80), g.r.IntN(100))
	}
	for range 40 { // typos the check digits catch: never allocated
		n := g.newNotice(g.fee())
		g.newPay("typo", n.Amount, g.describe(g.typo(n.Code), n.Payer), nil, "unmatched")
	}
	for range 15 { // typo in the 12 digits typed without prefix
		n := g.newNotice(g.fee())
		g.newPay("typo_digits", n.Amount, g.describe(g.typo(n.Code)[2:], n.Payer), nil, "unmatched")
	}
	for range 20 { // truncated by the bank inside the code
		n := g.newNotice(g.fee())
		cut := 5 + g.r.IntN(8)
		g.newPay("truncated", n.Amount, g.text()+" "+n.Code[:cut], nil, "unmatched")
	}
	for range 15 { // truncated after the code: still readable
		n := g.newNotice(g.fee())
		t := strip(g.text())
		g.newPay("truncated_after_code", n.Amount, n.Code+" "+t[:min(len(t), 6)], []*notice{n}, "")
	}
	for range 35 { // no reference; amount and payer of an open notice: suggest, never allocate
		n := g.newNotice(g.fee())
		p := g.newPay("no_reference", n.Amount, g.envelope(g.text()+" "+g.caseMangle(strip(n.Payer)), n.Payer), nil, "unmatched")
		p.Payer = strings.ToUpper(strip(n.Payer))
		p.ExpSuggestion = n.ID
	}
	for range 30 { // digit runs that look like codes but name no notice
		g.newPay("code_shaped_noise", g.fee(), g.describe(g.noise(), g.name()), nil, "unmatched")
	}
	for range 15 { // an account number that passes mod 97 by chance, beside a real code
		n := g.newNotice(g.fee())
		acct := g.unissuedValid()
		desc := "MBVCB." + g.digits(10) + "." + g.codeForm(n.Code) + " " + g.text() + ".CT tu " + acct + " " + strings.ToUpper(strip(n.Payer)) + " toi " + g.digits(13)
		g.newPay("account_passes_mod97", n.Amount, desc, []*notice{n}, "")
	}
	for range 15 { // an unissued valid-looking code alone
		g.newPay("unissued_valid_code", g.fee(), g.describe("NP"+g.unissuedValid(), g.name()), nil, "unmatched")
	}
	for range 8 { // paid on another day: not selected for this business day
		n := g.newNotice(g.fee())
		p := g.newPay("other_day", n.Amount, g.describe(n.Code, n.Payer), nil, "skipped")
		p.PaidAt = g.day.Add(-time.Duration(1+g.r.IntN(20)) * time.Hour) // the day before, local time
	}
	for range 20 { // punctuation around the code, words glued after it
		n := g.newNotice(g.fee())
		forms := []string{"(" + n.Code + ")", "[" + strings.ToLower(n.Code) + "]", "Ma TT:" + n.Code, "NP#" + n.Code[2:],
			n.Code + "đóng phí", "\"" + n.Code + "\"", "ma thanh toan: " + n.Code[:2] + " " + n.Code[2:] + ";"}
		g.newPay("code_punctuated", n.Amount, g.envelope(g.pick(forms)+" "+g.text(), n.Payer), []*notice{n}, "")
	}
	for range 15 { // a dossier code with a wrong sequence number: no notice has it
		n := g.newNotice(g.fee())
		d := n.Dossier
		for g.dossiers[d] {
			d = d[:len(d)-4] + fmt.Sprintf("%04d", g.r.IntN(10000))
		}
		g.newPay("dossier_unknown", n.Amount, g.describe("ho so "+d, n.Payer), nil, "unmatched")
	}
	for range 10 { // a dossier code cut short by the bank
		n := g.newNotice(g.fee())
		g.newPay("dossier_truncated", n.Amount, g.text()+" ho so "+n.Dossier[:len(n.Dossier)-2-g.r.IntN(4)], nil, "unmatched")
	}
	for range 10 { // a dossier whose first notice was cancelled and re-issued
		old := g.newNotice(g.fee())
		old.Status = "cancelled"
		n := g.newNotice(old.Amount)
		n.Dossier = old.Dossier
		g.newPay("dossier_reissued", n.Amount, g.describe("ho so "+g.dossierForm(n.Dossier), n.Payer), []*notice{n}, "")
	}
	for range 10 { // an instalment, then a second payment larger than the rest
		n := g.newNotice(200000)
		first := g.newPay("instalment_then_overpaid", 100000, g.describe(n.Code, n.Payer), []*notice{n}, "")
		second := g.newPay("instalment_then_overpaid", 150000, g.describe(g.codeForm(n.Code), n.Payer), []*notice{n}, "overpaid")
		first.PaidAt = g.day.Add(9 * time.Hour)
		second.PaidAt = first.PaidAt.Add(3 * time.Hour)
	}
	// lines a reader must reject, listed as invalid_input
	for i, raw := range []string{
		`{"payment_id":"vietqr:BAD1","gateway":"vietqr","gateway_txn_id":"BAD1","amount":150000,"currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"NP000000000151"}`,
		`{"payment_id":"vietqr:BAD2","gateway":"vietqr","gateway_txn_id":"BAD2","amount":"150000.5","currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"x"}`,
		`{"payment_id":"vietqr:BAD3","gateway":"vietqr","gateway_txn_id":"BAD3","amount":"150000","currency":"VND","paid_at":"20/11/2026 09:00","description":"x"}`,
		`{"payment_id":"vietqr:BAD4","gateway":"vietqr","gateway_txn_id":"BAD4","amount":"-150000","currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"x"}`,
		`{"payment_id":"vietqr:BAD5", "gateway":"vietqr", "gateway_txn_id":`,
		`{"payment_id":"vietqr:BAD6","gateway":"","gateway_txn_id":"BAD6","amount":"150000","currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"x"}`,
	} {
		g.payments = append(g.payments, &pay{ID: fmt.Sprintf("vietqr:BAD%d", i+1), raw: raw, Category: "invalid_line", ExpException: "invalid_input"})
	}
}

// collectionAccounts is collection_accounts.csv (package payment/collection):
// three agencies, each with bank and wallet accounts, one bank account
// shared by two of them (a provincial account serving a district too).
var collectionAccounts = []struct{ agency, bin, account string }{
	{"H29.75", "970415", "113000006100"},
	{"H29.75", "momo", "MOMOFEER2024"},
	{"G01.899.108", "970436", "0071000123456"},
	{"G01.899.108", "vnpay", "FEERECON01"},
	{"H40.19", "970418", "1250001234567"},
	{"H40.19", "zalopay", "2553"},
	{"H40.19", "970415", "113000006100"},
}

// credited is how gateway-side data names collection account i: a bank
// account by a VietQR-style webhook (with its BIN) or a camt.054 (no BIN,
// the account alone); a wallet by its gateway and merchant id.
func (g *gen) credited(i int) (string, payment.CreditedAccount) {
	a := collectionAccounts[i]
	if payment.Gateway(a.bin).Wallet() {
		return a.bin, payment.WalletAccount(payment.Gateway(a.bin), a.account)
	}
	if g.chance(0.3) {
		return "camt054", payment.BankAccount("", a.account)
	}
	return "vietqr", payment.BankAccount(a.bin, a.account)
}

// rowsOf lists the rows of agency (own) or of no agency sharing the
// account with it (!own).
func rowsOf(agency string, own bool) []int {
	var out []int
	for i, a := range collectionAccounts {
		mine := false
		for _, b := range collectionAccounts {
			if b.agency == agency && b.bin == a.bin && b.account == a.account {
				mine = true
			}
		}
		if mine == own {
			out = append(out, i)
		}
	}
	return out
}

// withAccount sets p's gateway (and id) and credited account.
func withAccount(p *pay, gw string, c payment.CreditedAccount) {
	p.Gateway, p.ID = gw, payment.PaymentID(payment.Gateway(gw), p.Txn)
	p.Credited = &c
}

// accountNotice is a notice of one of the agencies with collection accounts.
func (g *gen) accountNotice() *notice {
	n := g.newNotice(g.fee())
	n.Agency = g.pick([]string{"H29.75", "G01.899.108", "H40.19"})
	return n
}

// buildAccounts adds the payments whose credited account is known: to a
// collection account of their notice's agency (allocated as any other),
// to another agency's (a payer who copied the account from another
// office's notice or QR) or to nobody's (a mistyped account, an account
// the bank feed carries but no agency collects into): wrong_account, never
// allocated, so the payer's correct payment afterwards pays the notice.
func (g *gen) buildAccounts() {
	for range 30 {
		n := g.accountNotice()
		own := rowsOf(n.Agency, true)
		gw, c := g.credited(own[g.r.IntN(len(own))])
		p := g.newPay("credited_own_account", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), []*notice{n}, "")
		withAccount(p, gw, c)
	}
	for range 20 {
		n := g.accountNotice()
		other := rowsOf(n.Agency, false)
		gw, c := g.credited(other[g.r.IntN(len(other))])
		p := g.newPay("wrong_account_other_agency", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), nil, "wrong_account")
		withAccount(p, gw, c)
	}
	for range 15 {
		n := g.accountNotice()
		p := g.newPay("wrong_account_nobody", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), nil, "wrong_account")
		switch g.r.IntN(3) {
		case 0: // a collection account with one digit wrong
			acct := []byte("113000006100")
			i := g.r.IntN(len(acct))
			acct[i] = byte('0' + (int(acct[i]-'0')+1+g.r.IntN(9))%10)
			withAccount(p, "vietqr", payment.BankAccount("970415", string(acct)))
		case 1: // the same number at another bank
			withAccount(p, "vietqr", payment.BankAccount("970422", "0071000123456"))
		default: // a wallet merchant no agency has
			withAccount(p, "momo", payment.WalletAccount(payment.GatewayMoMo, "MOMO"+g.digits(8)))
		}
	}
	for range 8 { // to another agency's account first, then to the right one
		n := g.accountNotice()
		other, own := rowsOf(n.Agency, false), rowsOf(n.Agency, true)
		first := g.newPay("wrong_account_then_paid", n.Amount, g.describe(n.Code, n.Payer), nil, "wrong_account")
		gw, c := g.credited(other[g.r.IntN(len(other))])
		withAccount(first, gw, c)
		second := g.newPay("wrong_account_then_paid", n.Amount, g.describe(g.codeForm(n.Code), n.Payer), []*notice{n}, "")
		gw, c = g.credited(own[g.r.IntN(len(own))])
		withAccount(second, gw, c)
		first.PaidAt = g.day.Add(8 * time.Hour)
		second.PaidAt = first.PaidAt.Add(time.Duration(30+g.r.IntN(600)) * time.Minute)
	}
}

// typo changes one digit or swaps two adjacent different digits, and keeps
// only results the check digits reject.
func (g *gen) typo(code string) string {
	for {
		b := []byte(code)
		i := 2 + g.r.IntN(12)
		if g.chance(0.5) && i < 13 && b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
		} else {
			b[i] = byte('0' + (int(b[i]-'0')+1+g.r.IntN(9))%10)
		}
		s := string(b)
		if _, err := payment.ParsePaymentCode(s); err != nil {
			return s
		}
	}
}

// unissuedValid returns 12 digits that pass the check under NP but are no
// notice's code.
func (g *gen) unissuedValid() string {
	for {
		d := g.digits(12)
		if _, err := payment.ParsePaymentCode("NP" + d); err == nil && !g.codes["NP"+d] {
			return d
		}
	}
}

// noise is text with digit runs shaped like codes: phone numbers, 12-digit
// runs (valid or not), runs inside longer numbers, an NP with 11 digits.
func (g *gen) noise() string {
	var parts []string
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(6) {
		case 0:
			parts = append(parts, "0"+g.pick([]string{"9", "8", "3", "7"})+g.digits(8))
		case 1:
			d := g.digits(12)
			if g.codes["NP"+d] {
				continue
			}
			parts = append(parts, d)
		case 2:
			parts = append(parts, g.digits(15))
		case 3:
			parts = append(parts, "NP"+g.digits(11))
		case 4:
			parts = append(parts, "HD "+g.digits(12-g.r.IntN(3)))
		default:
			parts = append(parts, g.digits(4)+" "+g.digits(4)+" "+g.digits(5))
		}
	}
	return g.text() + " " + strings.Join(parts, " ")
}

// --- output ------------------------------------------------------------------

func (g *gen) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// notices.csv
	f, err := os.Create(filepath.Join(dir, "notices.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"notice_id", "dossier_code", "payment_code", "agency_code", "payer_name", "amount", "currency", "issued_at", "due_at", "budget_chapter", "budget_subitem", "treasury_account", "status"})
	for _, n := range g.notices {
		_ = w.Write([]string{n.ID, n.Dossier, n.Code, n.Agency, n.Payer, fmt.Sprint(n.Amount), "VND",
			n.Issued.Format(time.RFC3339), n.Due.Format(time.RFC3339), n.Chapter, n.Subitem, n.Treasury, n.Status})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// payments.jsonl, in a shuffled delivery order: the payments of the
	// collection-account scenarios after the others, shuffled by their
	// own stream
	order := make([]int, len(g.payments))
	for i := range order {
		order[i] = i
	}
	g.r.Shuffle(g.split, func(i, j int) { order[i], order[j] = order[j], order[i] })
	late := order[g.split:]
	g.ra.Shuffle(len(late), func(i, j int) { late[i], late[j] = late[j], late[i] })
	var pj strings.Builder
	for _, i := range order {
		p := g.payments[i]
		if p.raw != "" {
			pj.WriteString(p.raw + "\n")
			continue
		}
		line := map[string]any{
			"payment_id": p.ID, "gateway": p.Gateway, "gateway_txn_id": p.Txn, "amount": p.Amount,
			"currency": p.Currency, "paid_at": p.PaidAt.Format(time.RFC3339), "description": p.Desc,
			"payer_name": p.Payer, "payer_account": p.Acct,
		}
		if p.Credited != nil {
			line["credited_account"] = p.Credited
		}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		pj.Write(b)
		pj.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "payments.jsonl"), []byte(pj.String()), 0o644); err != nil {
		return err
	}
	// collection_accounts.csv
	var ca strings.Builder
	cw := csv.NewWriter(&ca)
	_ = cw.Write([]string{"agency_code", "bin", "account"})
	for _, a := range collectionAccounts {
		_ = cw.Write([]string{a.agency, a.bin, a.account})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "collection_accounts.csv"), []byte(ca.String()), 0o644); err != nil {
		return err
	}
	// labels.csv, sorted by payment id
	ps := append([]*pay(nil), g.payments...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	f, err = os.Create(filepath.Join(dir, "labels.csv"))
	if err != nil {
		return err
	}
	w = csv.NewWriter(f)
	_ = w.Write([]string{"payment_id", "category", "expected_notices", "expected_exception", "expected_suggestion"})
	for _, p := range ps {
		_ = w.Write([]string{p.ID, p.Category, strings.Join(p.ExpNotices, " "), p.ExpException, p.ExpSuggestion})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

// agencyCode makes an agency code in payment's format (H85.163) from five
// digits: the same random draws as before the format was enforced, so the
// payments and labels of the set are unchanged.
func agencyCode(d string) string { return "H" + d[:2] + "." + d[2:] }
