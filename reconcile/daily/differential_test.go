package daily_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// differentialFile holds, per seed, the SHA-256 of everything Reconcile
// returned for a generated day (two versions of it) as the code before
// issue 13's columnar rework wrote it (commit ccbd0c1). The rework must
// return the same bytes.
const differentialFile = "testdata/differential.sha256"

// generatedDay is a seeded day of a few thousand rows with every kind of
// discrepancy: bank payments linked by reference, end-to-end id, amount
// and reference, or not at all; amounts that differ; wallet settlements
// short, over, settled twice, missing, paid out or not; credits without
// an event; payments after the cut-off and of earlier days; duplicates;
// notices of two systems sharing an id, cancelled ones, several items;
// reversals and resolved exceptions; late events in version 2.
func generatedDay(t testing.TB, m matcher, seed uint64) (v1, v2 daily.Input) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 13))
	loc := payment.Location()
	start := businessDate.Start()
	n := 1500 + r.IntN(1500)
	agencies := []string{"H29.75", "H29.76", "G01.12", "X9"}
	subitems := []string{"2752", "2764", "2767"}
	var notices []payment.Notice
	codes := make([]payment.PaymentCode, n)
	amounts := make([]int64, n)
	for i := range n {
		code, err := payment.NewPaymentCode("NP", uint64(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		codes[i] = code
		ag := agencies[r.IntN(len(agencies))]
		k := 1 + r.IntN(3)
		var items []payment.NoticeItem
		var total int64
		for j := range k {
			a := int64(10_000 * (1 + r.IntN(20)))
			total += a
			items = append(items, payment.NoticeItem{FeeType: "le_phi", Kind: payment.FeeKindLePhi, Amount: payment.VNDOf(a),
				BudgetChapter: "418", BudgetSubitem: subitems[(i+j)%len(subitems)]})
		}
		amounts[i] = total
		system := "motcua"
		if r.IntN(10) == 0 {
			system = "dvc"
		}
		st := payment.NoticeIssued
		if r.IntN(40) == 0 {
			st = payment.NoticeCancelled
		}
		issued := start.Add(time.Duration(r.IntN(24*3600)-3600*6) * time.Second)
		id := "TB-" + strconv.Itoa(i%(n-50)) // some ids in both systems
		notices = append(notices, payment.Notice{ID: id, System: system, Code: code, Agency: ag, Total: payment.VNDOf(total),
			IssuedAt: issued, TreasuryAccount: "3511.0." + ag, Items: items, Status: st, Version: 1})
		if r.IntN(50) == 0 { // a later version of the same notice
			nv := notices[len(notices)-1]
			nv.Version, nv.TreasuryAccount = 2, "3511.1."+ag
			notices = append(notices, nv)
		}
	}
	var pays []payment.Payment
	var lines []statements.Line
	var setts []settlement.Line
	var reversals []payment.Reversal
	seq := 0
	line := func(l statements.Line) {
		seq++
		l.StatementID, l.Seq, l.Source, l.Account = "camt053:0071000123456:gen", seq, statements.SourceCamt053, "0071000123456"
		if l.BookingDate.IsZero() {
			l.BookingDate = businessDate
		}
		l.ValueDate = l.BookingDate
		lines = append(lines, l)
	}
	netByWallet := map[payment.Gateway]int64{}
	for i := range n {
		amount := amounts[i]
		switch r.IntN(8) {
		case 0:
			amount += 5_000 // overpaid
		case 1:
			amount -= 5_000 // underpaid
		}
		desc := string(codes[i]) + " nop phi"
		switch r.IntN(15) {
		case 0:
			desc = "khong ro noi dung"
		case 1:
			desc = string(codes[i]) + " " + string(codes[(i+1)%n])
		}
		paid := start.Add(time.Duration(r.IntN(30*3600)-4*3600) * time.Second) // the day before, the day, after the cut-off
		var p payment.Payment
		if r.IntN(4) > 0 {
			g := payment.GatewayVietQR
			if r.IntN(5) == 0 {
				g = payment.GatewayCamt054
			}
			txn := "SP" + strconv.Itoa(i)
			p = payment.Payment{ID: payment.PaymentID(g, txn), Gateway: g, TxnID: txn, Amount: payment.VNDOf(amount), PaidAt: paid, Description: desc}
			if r.IntN(3) > 0 {
				p.BankRef = "FT" + strconv.Itoa(i)
			}
			booked := businessDate
			if r.IntN(8) == 0 {
				booked = businessDate.AddDays(-1)
			}
			credited := amount
			if r.IntN(25) == 0 {
				credited += 1_000 // amount_mismatch
			}
			l := statements.Line{Credit: true, Amount: payment.VNDOf(credited), BookingDate: booked, Text: "IBFT nop phi 0071000123456789"}
			switch k := r.IntN(12); {
			case k < 5 && p.BankRef != "":
				l.Ref = p.BankRef
			case k < 7:
				l.EndToEndID, l.Ref = txn, "NX"+strconv.Itoa(i)
			case k < 10:
				l.Ref, l.Text = "NP"+strconv.Itoa(i), "IBFT "+desc
			case k == 10:
				l = statements.Line{} // never credited: missing_credit
			default:
				l.Ref = "FT" + strconv.Itoa(i+1) // someone else's reference
			}
			if l.Credit {
				line(l)
			}
		} else {
			w := payment.GatewayVNPay
			if r.IntN(2) == 0 {
				w = payment.GatewayMoMo
			}
			txn := strconv.Itoa(10_000_000 + i)
			p = payment.Payment{ID: payment.PaymentID(w, txn), Gateway: w, TxnID: txn, Amount: payment.VNDOf(amount), PaidAt: paid, Description: desc}
			fee := amount / 100
			gross, net := amount, amount-fee
			switch r.IntN(12) {
			case 0:
				net -= 500 // short
			case 1:
				net += 500 // over
			case 2:
				gross += 2_000 // gross differs from the payment
			}
			sl := settlement.Line{Seq: i + 1, Wallet: w, TxnID: txn, Gross: payment.VNDOf(gross), Fee: payment.VNDOf(fee), Net: payment.VNDOf(net), SettledDate: businessDate}
			switch r.IntN(15) {
			case 0: // not settled: missing_credit
			case 1: // settled twice
				setts = append(setts, sl)
				sl.Seq += 100_000
				setts = append(setts, sl)
				netByWallet[w] += 2 * net
			default:
				setts = append(setts, sl)
				netByWallet[w] += net
			}
		}
		pays = append(pays, p)
		if r.IntN(60) == 0 {
			pays = append(pays, p) // a redelivery
		}
		if r.IntN(80) == 0 {
			reversals = append(reversals, payment.Reversal{ID: payment.ReversalID(p.Gateway, "RV"+strconv.Itoa(i)), Gateway: p.Gateway,
				TxnID: "RV" + strconv.Itoa(i), Amount: p.Amount, ReversedAt: paid.Add(time.Hour), PaymentID: p.ID})
		}
		if r.IntN(40) == 0 {
			line(statements.Line{Credit: true, Amount: payment.VNDOf(75_000), Ref: "FTX" + strconv.Itoa(i), Text: "khong ro <&> 123456789012"})
		}
		if r.IntN(70) == 0 {
			line(statements.Line{Credit: false, Amount: payment.VNDOf(12_000), Ref: "DB" + strconv.Itoa(i), Text: "phi ngan hang"})
		}
	}
	// One wallet paid out its day, the other did not.
	line(statements.Line{Credit: true, Amount: payment.VNDOf(netByWallet[payment.GatewayVNPay]), Text: "VNPAY thanh toan"})
	events := make([]payment.Payment, 0, len(pays))
	var late []payment.Payment
	for _, p := range pays {
		if r.IntN(20) == 0 {
			late = append(late, p)
		} else {
			events = append(events, p)
		}
	}
	d := day{notices: notices, events: events, late: late, lines: lines, settlement: setts}
	now1 := time.Date(2026, time.November, 27, 1, 0, 0, 0, loc)
	v1 = d.input(m, events, now1, nil)
	v1.Reversals = reversals
	v2 = d.input(m, pays, now1.Add(8*time.Hour), nil)
	v2.Reversals = reversals
	return v1, v2
}

// resultBytes is everything a Result says, as bytes.
func resultBytes(t testing.TB, res daily.Result) []byte {
	t.Helper()
	var b strings.Builder
	for _, rep := range res.Reports {
		j, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
	}
	for _, v := range []any{res.Links, res.Exceptions} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
	}
	return []byte(b.String())
}

// TestDifferentialGeneratedDays: on generated days, Reconcile returns
// byte for byte what the code before the rework returned (recorded in
// differentialFile; -update rewrites it, to be done only at that commit).
func TestDifferentialGeneratedDays(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	var got []string
	for seed := uint64(1); seed <= 8; seed++ {
		v1, v2 := generatedDay(t, m, seed)
		r1 := reconcileOK(t, v1)
		// Version 2: every event, after version 1 was sent, one of its
		// exceptions resolved.
		v2.PreviousReports = r1.Reports
		for _, e := range r1.Exceptions {
			if e.Kind == reconcile.ExceptionMissingEvent {
				at := v2.Now.Add(-time.Hour)
				e.Status, e.Resolution, e.ResolvedBy, e.ResolvedAt = reconcile.ExceptionResolved, "bank fee", "ke.toan", &at
				v2.Exceptions = append(v2.Exceptions, e)
				break
			}
		}
		r2 := reconcileOK(t, v2)
		kinds := map[reconcile.ExceptionKind]int{}
		for _, e := range r2.Exceptions {
			kinds[e.Kind]++
		}
		for _, k := range []reconcile.ExceptionKind{reconcile.ExceptionMissingEvent, reconcile.ExceptionMissingCredit,
			reconcile.ExceptionAmountMismatch, reconcile.ExceptionSettlementShort, reconcile.ExceptionLateEvent} {
			if kinds[k] == 0 {
				t.Errorf("seed %d: no %s", seed, k)
			}
		}
		h := sha256.New()
		h.Write(resultBytes(t, r1))
		h.Write(resultBytes(t, r2))
		got = append(got, fmt.Sprintf("%d %s", seed, hex.EncodeToString(h.Sum(nil))))
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(differentialFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(differentialFile, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(differentialFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("generated days differ from the recorded results:\n got %v\nwant %v", got, want)
	}
}
