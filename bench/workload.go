package bench

import (
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/payment"
)

// The workload's fixed parts: one procedure system and agency, one
// business day.
const (
	System   = "dvc-bench"
	Agency   = "H40.01"
	Treasury = "3511.0.1055555"
)

// BusinessDate is the day every payment of a workload is paid on.
var BusinessDate = payment.Date{Year: 2026, Month: time.November, Day: 20}

// Mix is the gateways of a workload, in turn: fresh payment k goes
// through Mix[k%len(Mix)].
var Mix = []payment.Gateway{payment.GatewayVietQR, payment.GatewayCamt054, payment.GatewayVNPay, payment.GatewayMoMo, payment.GatewayZaloPay}

var amounts = []int64{20_000, 50_000, 100_000, 150_000, 200_000, 500_000}

// Kind is what an event of a workload is.
type Kind int

// Event kinds.
const (
	// Fresh: a gateway's signed message of a payment not sent before,
	// paying its own notice in full.
	Fresh Kind = iota + 1
	// Duplicate: the same bytes as a fresh event 50 events earlier (a
	// gateway's redelivery): 1 % of the events.
	Duplicate
	// Poison: a message whose signature does not verify (signed with other
	// keys): 0.1 % of the events, dead-lettered, never stored.
	Poison
)

// kindOf is the kind of event i. A duplicate repeats event i-50, which is
// always fresh: i-50 ≡ 0 (mod 100), while poison is ≡ 999 (mod 1000).
func kindOf(i int) Kind {
	switch {
	case i%1000 == 999:
		return Poison
	case i%100 == 50:
		return Duplicate
	}
	return Fresh
}

// Event is one message of a workload, as a gateway's edge publishes it
// onto the gateway's raw topic (keyed by its transaction id).
type Event struct {
	Kind    Kind
	Gateway payment.Gateway
	Key     []byte
	Raw     gateways.Raw
	// Notice is the index of the notice a fresh or duplicate event pays;
	// -1 for poison.
	Notice int
}

// Workload is a seeded, reproducible stream of n signed events of mixed
// gateways: each fresh event pays one notice (Notice(k)) in full by its
// payment code; 1 % are duplicates and 0.1 % poison (kindOf). Events and
// notices are computed on demand, so that a million of them need not be
// held at once.
type Workload struct {
	n             int
	fresh         int
	signer, forge *gatewaysim.Encoder
}

// NewWorkload builds the workload of n events.
func NewWorkload(n int) (*Workload, error) {
	if n < 1 {
		return nil, fmt.Errorf("bench: a workload of %d events", n)
	}
	signer, err := gatewaysim.NewEncoder(gatewaysim.DemoSecrets())
	if err != nil {
		return nil, err
	}
	forge, err := gatewaysim.NewEncoder(ForgedSecrets())
	if err != nil {
		return nil, err
	}
	w := &Workload{n: n, signer: signer, forge: forge}
	for i := range n {
		if kindOf(i) == Fresh {
			w.fresh++
		}
	}
	return w, nil
}

// ForgedSecrets are the demo secrets with every key changed and every
// identity kept: a message signed with them reaches the signature check
// and fails it.
func ForgedSecrets() gatewaysim.Secrets {
	s := gatewaysim.DemoSecrets()
	s.VietQR += "-forged"
	s.Camt054 += "-forged"
	s.VNPay += "-forged"
	s.MoMoSecret += "-forged"
	s.ZaloPayKey2 += "-forged"
	return s
}

// Len is the number of events.
func (w *Workload) Len() int { return w.n }

// Notices is the number of notices, one per fresh event.
func (w *Workload) Notices() int { return w.fresh }

// Count is the number of events of kind k.
func (w *Workload) Count(k Kind) int {
	c := 0
	for i := range w.n {
		if kindOf(i) == k {
			c++
		}
	}
	return c
}

// Notice is notice k: issued the day before, payment code NP of serial
// k+1, one item.
func (w *Workload) Notice(k int) (payment.Notice, error) {
	code, err := payment.NewPaymentCode(payment.DefaultCodePrefix, uint64(k)+1) //nolint:gosec // G115: k ≥ 0, an index
	if err != nil {
		return payment.Notice{}, err
	}
	amount := payment.VNDOf(amounts[k%len(amounts)])
	issued := BusinessDate.AddDays(-1).Start().Add(8*time.Hour + time.Duration(k%36_000)*time.Second)
	return payment.Notice{
		ID: fmt.Sprintf("BN-%08d", k), System: System, Code: code, Agency: Agency,
		Dossier:   payment.DossierCode(fmt.Sprintf("000.00.20.H40-2611%02d-%04d", 1+k/10_000%28, k%10_000)),
		PayerName: "Nguyễn Văn An",
		Items: []payment.NoticeItem{{FeeType: "Lệ phí hộ tịch", Kind: payment.FeeKindLePhi, Amount: amount,
			BudgetChapter: "599", BudgetSubitem: "2771"}},
		Total: amount, IssuedAt: issued, DueAt: issued.Add(72 * time.Hour),
		TreasuryAccount: Treasury, Status: payment.NoticeIssued, Version: 1,
	}, nil
}

// payment is the payment of notice k, in its gateway's terms.
func (w *Workload) payment(k int, n payment.Notice) payment.Payment {
	g := Mix[k%len(Mix)]
	txn := strconv.Itoa(7_000_000_000 + k)
	p := payment.Payment{ID: payment.PaymentID(g, txn), Gateway: g, TxnID: txn, Amount: n.Total,
		PaidAt:      BusinessDate.Start().Add(8*time.Hour + time.Duration(k%36_000)*time.Second),
		Description: "NOP LE PHI " + string(n.Code) + " " + n.ID}
	switch g {
	case payment.GatewayZaloPay:
		// app_trans_id, a space, embed_data (gatewaysim's ZaloPay shape).
		p.Description = string(n.Code) + " nop le phi"
	case payment.GatewayCamt054:
		p.PayerName, p.PayerAccount = "NGUYEN VAN AN", "0071000123456"
	case payment.GatewayVietQR, payment.GatewayVNPay, payment.GatewayMoMo:
	}
	return p
}

// Payment is the payment the fresh event of notice k decodes to
// (gatewaysim.Expected).
func (w *Workload) Payment(k int) (payment.Payment, error) {
	n, err := w.Notice(k)
	if err != nil {
		return payment.Payment{}, err
	}
	return gatewaysim.Expected(w.payment(k, n)), nil
}

// Events yields the events in order, or the first error (then stops).
func (w *Workload) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		var recent [100]Event // event i%100: the source of a duplicate
		k := 0
		for i := range w.n {
			var e Event
			var err error
			switch kindOf(i) {
			case Fresh:
				e, err = w.fresh1(k)
				k++
			case Duplicate:
				e = recent[(i-50)%100]
				e.Kind = Duplicate
			case Poison:
				e, err = w.poison(i, k)
			}
			if err != nil {
				yield(Event{}, err)
				return
			}
			recent[i%100] = e
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (w *Workload) fresh1(k int) (Event, error) {
	n, err := w.Notice(k)
	if err != nil {
		return Event{}, err
	}
	p := w.payment(k, n)
	raw, err := w.signer.Encode(p)
	if err != nil {
		return Event{}, fmt.Errorf("bench: encode %s: %w", p.ID, err)
	}
	return Event{Kind: Fresh, Gateway: p.Gateway, Key: []byte(p.TxnID), Raw: raw, Notice: k}, nil
}

// poison is event i, a forged message naming a notice already paid (k-1)
// with a transaction id no fresh event has.
func (w *Workload) poison(i, k int) (Event, error) {
	n, err := w.Notice(max(0, k-1))
	if err != nil {
		return Event{}, err
	}
	p := w.payment(k, n)
	p.TxnID = strconv.Itoa(9_000_000_000 + i)
	p.ID = payment.PaymentID(p.Gateway, p.TxnID)
	raw, err := w.forge.Encode(p)
	if err != nil {
		return Event{}, fmt.Errorf("bench: encode poison %s: %w", p.ID, err)
	}
	return Event{Kind: Poison, Gateway: p.Gateway, Key: []byte(p.TxnID), Raw: raw, Notice: -1}, nil
}
