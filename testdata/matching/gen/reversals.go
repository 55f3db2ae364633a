package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
)

// reversalDay is when the bank books the reversals: Monday 23 November
// 2026, the first business day after the payments' Friday (banks return
// and recall credits on a later business day).
const reversalDay = "2026-11-23"

// reversal is a bank's reversal of a credit (a camt.054 DBIT with RvslInd
// or a return), and what a careful accountant expects of it: the payment
// it takes back ("" when none can be told), the exception it raises, the
// status of each notice the payment had paid once it is taken back, and
// the payment that then pays the notice instead (the duplicate of a
// reversed payment), if any.
type reversal struct {
	r            payment.Reversal
	Category     string
	ExpPayment   string
	ExpException string
	After        []string // "TB-00012=issued"
	PaidByAfter  string
}

// buildReversals reverses a sample of the bank credits (camt.054
// payments, whose txn id is the bank's AcctSvcrRef that a reversal names
// first) the way banks do: a payer's recall of a transfer to the right
// notice, of an instalment, of an overpayment, of a duplicate (the second
// or the first transfer), of a transfer that named nothing or went to the
// wrong account; and reversals whose original cannot be told: a credit
// not in the set, another amount (the bank kept a fee), no reference at
// all, a second reversal of a payment already reversed.
func (g *gen) buildReversals() {
	// Each notice is touched by one reversal at most (and a duplicate's
	// pair by one), so that every label says the state after it alone.
	touched := map[string]bool{}
	pick := func(n int, cats ...string) []*pay {
		var c []*pay
		for i, p := range g.payments {
			if p.raw == "" && p.Gateway == "camt054" && slices.Contains(cats, p.Category) {
				c = append(c, g.payments[i])
			}
		}
		g.r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		var out []*pay
		for _, p := range c {
			if len(out) == n {
				break
			}
			key := pairKey(g.payments, p)
			if touched[key] || slices.ContainsFunc(p.ExpNotices, func(id string) bool { return touched[id] }) {
				continue
			}
			touched[key] = true
			for _, id := range p.ExpNotices {
				touched[id] = true
			}
			out = append(out, p)
		}
		return out
	}
	status := func(p *pay, st string) []string {
		var out []string
		for _, n := range p.ExpNotices {
			out = append(out, n+"="+st)
		}
		return out
	}
	for _, p := range pick(14, "code_exact", "code_lookalike", "code_digits_only", "dossier", "multi_exact", "code_punctuated", "credited_own_account") {
		g.reverse(p, "reversal_full", status(p, "issued"), "")
	}
	for _, p := range pick(4, "instalment") {
		g.reverse(p, "reversal_instalment", status(p, "partially_paid"), "")
	}
	for _, p := range pick(3, "overpaid") {
		g.reverse(p, "reversal_overpaid", status(p, "issued"), "")
	}
	for _, p := range pick(3, "duplicate_second") { // the payer's bank recalls the second transfer
		first := g.payments[slices.Index(g.payments, p)-1]
		g.reverse(p, "reversal_duplicate_returned", status(first, "paid"), "")
	}
	for _, p := range pick(3, "duplicate_first") { // the first is recalled: the second pays the notice
		second := g.payments[slices.Index(g.payments, p)+1]
		g.reverse(p, "reversal_duplicate_first", status(p, "paid"), second.ID)
	}
	for _, p := range pick(3, "typo", "code_shaped_noise", "no_reference", "unissued_valid_code") {
		g.reverse(p, "reversal_unmatched", nil, "")
	}
	for _, p := range pick(3, "wrong_account_other_agency", "wrong_account_nobody") {
		g.reverse(p, "reversal_wrong_account", nil, "")
	}
	// Reversals no single payment fits: unknown_reversal.
	for range 3 { // a credit of an earlier day, not in the set
		r := g.newReversal(g.fee(), []string{"FT26" + g.digits(12)}, "HOAN TRA GD NHAN NHAM")
		g.reversals = append(g.reversals, &reversal{r: r, Category: "reversal_unknown_original", ExpException: "unknown_reversal"})
	}
	for _, p := range pick(2, "code_exact") { // the bank kept its fee: another amount
		amt := mustInt(p.Amount) - 11000
		if amt <= 0 {
			amt = mustInt(p.Amount) / 2
		}
		r := g.newReversal(amt, []string{p.Txn}, "HOAN TRA GD "+p.Txn+" TRU PHI")
		g.reversals = append(g.reversals, &reversal{r: r, Category: "reversal_other_amount", ExpException: "unknown_reversal"})
	}
	{ // no reference at all
		r := g.newReversal(g.fee(), []string{}, "DIEU CHINH GIAM")
		g.reversals = append(g.reversals, &reversal{r: r, Category: "reversal_no_reference", ExpException: "unknown_reversal"})
	}
	{ // the first full reversal's payment reversed again, later, under another id
		first := g.reversals[0]
		r := g.newReversal(first.r.Amount.Amount.IntPart(), first.r.OriginalRefs[:1], "HOAN TRA GD "+first.r.OriginalRefs[0])
		r.ReversedAt = first.r.ReversedAt.Add(time.Duration(1+g.r.IntN(60)) * time.Minute)
		g.reversals = append(g.reversals, &reversal{r: r, Category: "reversal_again", ExpException: "unknown_reversal"})
	}
	if first, again := g.reversals[0], g.reversals[len(g.reversals)-1]; !again.r.ReversedAt.After(first.r.ReversedAt) {
		panic("reversal_again is not after the reversal it repeats")
	}
}

// pairKey names what p shares with the payment beside it: its pair's
// first payment for the second of a duplicate, itself otherwise.
func pairKey(ps []*pay, p *pay) string {
	if i := slices.Index(ps, p); p.Category == "duplicate_second" {
		return ps[i-1].ID
	}
	return p.ID
}

// reverse adds the full reversal of p.
func (g *gen) reverse(p *pay, cat string, after []string, paidBy string) {
	refs := []string{p.Txn}
	if g.chance(0.6) { // the original's EndToEndId travels with its reversal
		refs = append(refs, "NAPAS"+g.digits(12))
	}
	desc := g.pick([]string{"HOAN TRA GD " + p.Txn, "TRA SOAT HOAN TIEN " + p.Txn, "REVERSAL " + p.Txn, "Hoàn trả giao dịch " + p.Txn + " theo yêu cầu KH"})
	r := g.newReversal(mustInt(p.Amount), refs, desc)
	g.reversals = append(g.reversals, &reversal{r: r, Category: cat, ExpPayment: p.ID, After: after, PaidByAfter: paidBy})
}

// newReversal is a camt.054 reversal entry: its own AcctSvcrRef as id,
// booked during the reversal day.
func (g *gen) newReversal(amount int64, refs []string, desc string) payment.Reversal {
	day, err := time.ParseInLocation(time.DateOnly, reversalDay, payment.Location())
	if err != nil {
		panic(err)
	}
	txn := "FT26327" + g.digits(9)
	return payment.Reversal{
		ID: payment.ReversalID(payment.GatewayCamt054, txn), Gateway: payment.GatewayCamt054, TxnID: txn,
		OriginalRefs: refs, Amount: payment.Money{Amount: decimal.NewFromInt(amount), Currency: "VND"},
		ReversedAt: day.Add(time.Duration(8*3600+g.r.IntN(8*3600)) * time.Second), Description: desc,
	}
}

func mustInt(s string) int64 {
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() {
		panic(fmt.Sprintf("amount %q is not whole đồng", s))
	}
	return d.IntPart()
}

// writeReversals writes reversals.jsonl (payment.Reversal JSON, in booking
// order) and reversal_labels.csv (sorted by reversal id).
func (g *gen) writeReversals(dir string) error {
	rs := slices.Clone(g.reversals)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].r.ReversedAt.Before(rs[j].r.ReversedAt) })
	var b strings.Builder
	for _, r := range rs {
		line, err := json.Marshal(r.r)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "reversals.jsonl"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].r.ID < rs[j].r.ID })
	var lb strings.Builder
	w := csv.NewWriter(&lb)
	_ = w.Write([]string{"reversal_id", "category", "expected_payment", "expected_exception", "notices_after", "paid_by_after"})
	for _, r := range rs {
		_ = w.Write([]string{r.r.ID, r.Category, r.ExpPayment, r.ExpException, strings.Join(r.After, " "), r.PaidByAfter})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "reversal_labels.csv"), []byte(lb.String()), 0o644)
}
