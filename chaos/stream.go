package chaos

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/payment"
)

// The stream's fixed parts: one procedure system and agency, a code prefix
// of its own, one business day.
const (
	System     = "dvc-chaos"
	Agency     = "H40.01"
	CodePrefix = "CH"
	Treasury   = "3511.0.1055555"
)

// BusinessDate is the day every payment of the stream is paid on.
var BusinessDate = payment.Date{Year: 2026, Month: time.November, Day: 20}

// Kind is what an event of the stream does.
type Kind int

// Event kinds.
const (
	// Create posts a notice (POST /v1/notices).
	Create Kind = iota + 1
	// Amend changes a notice's amount (PUT /v1/notices/{id}), always before
	// any payment of it is sent, so its outcome does not depend on timing.
	Amend
	// Pay sends a valid, signed gateway message (callback or raw topic).
	Pay
	// Tampered sends a callback signed with the wrong keys: refused at the
	// edge with its reason, never stored.
	Tampered
	// Malformed publishes bytes no adapter reads onto a raw topic: the
	// consumer dead-letters them to payments.dlq.
	Malformed
)

// Via is how a message reaches serve.
type Via int

// Routes of a message.
const (
	// HTTP: POST (or GET for VNPay) to /gateways/{name}/callback; the
	// sender retries until a 2xx (the edge acknowledges only what Kafka
	// stored).
	HTTP Via = iota + 1
	// Topic: published by the harness straight onto payments.raw.{name}.
	Topic
)

// NoticeSpec is one notice of the stream. Code is the payment code the
// notice's creation is issued: the i-th notice created gets serial i+1, as
// notices are created one at a time in index order on a fresh database.
type NoticeSpec struct {
	ID       string
	Dossier  string
	Code     payment.PaymentCode
	Payer    string
	Amount   int64 // at creation
	Amended  int64 // 0: never amended; else the amount after the amendment
	IssuedAt time.Time
	// Paid: a payment of the final amount is in the stream.
	Paid bool
}

// Final is the notice's amount once the stream is through.
func (n NoticeSpec) Final() int64 {
	if n.Amended != 0 {
		return n.Amended
	}
	return n.Amount
}

// Event is one step of the stream.
type Event struct {
	Kind   Kind
	Notice int // Create, Amend: the notice's index
	Via    Via
	// Payment is what a Pay event's message decodes to (the adapter's
	// view, gatewaysim.Expected); Raw is the message itself.
	Payment payment.Payment
	Raw     gateways.Raw
	// Redelivery: a Pay event whose message was sent before (same bytes).
	Redelivery bool
	// PoisonID names a Tampered or Malformed event (header x-chaos-poison
	// on the topic; the evidence's SHA-256 for a refused callback).
	PoisonID string
}

// HeaderPoison marks a malformed message on a raw topic; the DLQ keeps it.
const HeaderPoison = "X-Chaos-Poison"

// Stream is a known, seeded sequence of events. Notices [0, Precreated)
// are created before the events; the others by Create events.
type Stream struct {
	Seed       int64
	Notices    []NoticeSpec
	Precreated int
	Events     []Event
}

// Valid returns the distinct valid payments of the stream (each once,
// redeliveries removed), in stream order.
func (s *Stream) Valid() []payment.Payment {
	var out []payment.Payment
	seen := map[string]bool{}
	for _, e := range s.Events {
		if e.Kind == Pay && !seen[e.Payment.ID] {
			seen[e.Payment.ID] = true
			out = append(out, e.Payment)
		}
	}
	return out
}

// Count returns the number of events of kind k.
func (s *Stream) Count(k Kind) int {
	n := 0
	for _, e := range s.Events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// WrongSecrets are the demo secrets with every key changed and every
// identity kept: a message signed with them reaches the signature check
// and fails it.
func WrongSecrets() gatewaysim.Secrets {
	s := gatewaysim.DemoSecrets()
	s.VietQR += "-forged"
	s.Camt054 += "-forged"
	s.VNPay += "-forged"
	s.MoMoSecret += "-forged"
	s.ZaloPayKey2 += "-forged"
	return s
}

var gatewayList = []payment.Gateway{payment.GatewayVietQR, payment.GatewayCamt054, payment.GatewayVNPay, payment.GatewayMoMo, payment.GatewayZaloPay}

var amounts = []int64{20_000, 50_000, 100_000, 150_000, 200_000, 500_000}

var payers = []string{"Nguyễn Thị Mai", "Trần Văn Nam", "Lê Văn Hùng", "Phạm Thu Hà", "Hoàng Minh Đức", "Võ Thị Lan"}

// Generate builds the stream of about events events from seed. The same
// seed and size give the same stream, byte for byte.
func Generate(seed int64, events int) (*Stream, error) {
	if events < 50 {
		return nil, errors.New("chaos: a stream needs at least 50 events")
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)) //nolint:gosec // G404: a seeded, reproducible stream, not a secret
	good, err := gatewaysim.NewEncoder(gatewaysim.DemoSecrets())
	if err != nil {
		return nil, err
	}
	bad, err := gatewaysim.NewEncoder(WrongSecrets())
	if err != nil {
		return nil, err
	}
	// About 45 notices per 100 events (the rest: amendments, payments, redeliveries, poison); half of them created before the stream.
	nNotices := events * 45 / 100
	s := &Stream{Seed: seed, Precreated: nNotices / 2}
	loc := payment.Location()
	for i := range nNotices {
		code, err := payment.NewPaymentCode(CodePrefix, uint64(i)+1)
		if err != nil {
			return nil, err
		}
		n := NoticeSpec{
			ID: fmt.Sprintf("CH-%06d", i+1),
			// Unique dossier codes of the canonical shape, 10,000 a day.
			Dossier:  fmt.Sprintf("000.00.20.H40-2611%02d-%04d", 1+i/10000, i%10000),
			Code:     code,
			Payer:    payers[rng.IntN(len(payers))],
			Amount:   amounts[rng.IntN(len(amounts))],
			IssuedAt: time.Date(2026, 11, 19, 8, 0, 0, 0, loc).Add(time.Duration(i) * time.Second),
			Paid:     rng.IntN(100) < 75,
		}
		if rng.IntN(100) < 15 {
			n.Amended = n.Amount + 10_000*int64(1+rng.IntN(5))
		}
		s.Notices = append(s.Notices, n)
	}

	type slot struct {
		at float64 // position in the stream, 0…1
		e  Event
	}
	var slots []slot
	txn := int64(7_000_000_000)
	pay := func(g payment.Gateway, amount int64, desc string) (payment.Payment, error) {
		txn++
		p := payment.Payment{Gateway: g, TxnID: fmt.Sprint(txn), Amount: payment.VNDOf(amount),
			// Business hours of the day, whole seconds (every format carries them).
			PaidAt:      time.Date(2026, 11, 20, 8, 0, 0, 0, loc).Add(time.Duration(rng.IntN(7*3600)) * time.Second),
			Description: desc}
		p.ID = payment.PaymentID(g, p.TxnID)
		if g == payment.GatewayCamt054 {
			p.PayerName, p.PayerAccount = payers[rng.IntN(len(payers))], fmt.Sprint(1_000_000_000+rng.IntN(1_000_000_000))
		}
		return p, nil
	}
	addPay := func(at float64, p payment.Payment) error {
		raw, err := good.Encode(p)
		if err != nil {
			return err
		}
		via := Topic
		if rng.IntN(2) == 0 {
			via = HTTP
		}
		e := Event{Kind: Pay, Via: via, Payment: gatewaysim.Expected(p), Raw: raw}
		slots = append(slots, slot{at, e})
		// 5 % are delivered again later, by either route.
		if rng.IntN(100) < 5 {
			r := e
			r.Redelivery = true
			r.Via = Via(1 + rng.IntN(2))
			slots = append(slots, slot{at + (1-at)*rng.Float64(), r})
		}
		return nil
	}
	mid := nNotices - s.Precreated
	for i, n := range s.Notices {
		var created float64
		if i >= s.Precreated {
			// Created in index order over the first 80 % of the stream.
			created = 0.8 * (float64(i-s.Precreated) + 0.5) / float64(mid)
			slots = append(slots, slot{created, Event{Kind: Create, Notice: i}})
		}
		ready := created
		if n.Amended != 0 {
			ready = created + 0.05*rng.Float64()
			slots = append(slots, slot{ready, Event{Kind: Amend, Notice: i}})
		}
		if !n.Paid {
			continue
		}
		g := gatewayList[rng.IntN(len(gatewayList))]
		desc := "NOP LE PHI " + string(n.Code) + " " + n.ID
		if g == payment.GatewayZaloPay {
			desc = string(n.Code) + " nop le phi"
		} else if rng.IntN(100) < 20 {
			// By dossier code, as citizens who lost the QR write.
			desc = "nop tien ho so " + n.Dossier
		}
		at := ready + (1-ready)*0.2*rng.Float64()
		// A third of the notices created mid-stream and never amended are
		// paid before they exist: the payment waits for its notice.
		if i >= s.Precreated && n.Amended == 0 && rng.IntN(3) == 0 {
			at = max(0, created-0.05*rng.Float64())
		}
		p, err := pay(g, n.Final(), desc)
		if err != nil {
			return nil, err
		}
		if err := addPay(at, p); err != nil {
			return nil, err
		}
	}
	// Payments naming nothing: unmatched exceptions. Their amounts (11,000
	// to 19,000) are no notice's: an unmatched payment's candidates are
	// the open notices of its amount when it is decided, which depends on
	// the order of arrival (see RELIABILITY.md "## Chaos").
	for range events / 12 {
		p, err := pay(gatewayList[rng.IntN(len(gatewayList))], 11_000+1_000*int64(rng.IntN(9)), fmt.Sprintf("chuyen tien %d", rng.IntN(1_000_000)))
		if err != nil {
			return nil, err
		}
		if p.PayerName != "" {
			// No notice's payer either: `feerecon reconcile` also suggests
			// notices by payer name, the streaming path by amount only.
			p.PayerName = "Công ty Không Tên"
		}
		if err := addPay(rng.Float64(), p); err != nil {
			return nil, err
		}
	}
	// Poison: 1 % forged callbacks, 1 % malformed topic messages.
	for k := range max(1, events/100) {
		g := gatewayList[k%len(gatewayList)]
		p, err := pay(g, amounts[rng.IntN(len(amounts))], "NOP LE PHI "+string(s.Notices[rng.IntN(nNotices)].Code))
		if err != nil {
			return nil, err
		}
		raw, err := bad.Encode(p)
		if err != nil {
			return nil, err
		}
		slots = append(slots, slot{rng.Float64(), Event{Kind: Tampered, Via: HTTP, Payment: p, Raw: raw, PoisonID: fmt.Sprintf("forged-%d", k)}})
		id := fmt.Sprintf("malformed-%d", k)
		body := fmt.Appendf(nil, `{"chaos":%q,"amount":`, id)
		slots = append(slots, slot{rng.Float64(), Event{Kind: Malformed, Via: Topic, Payment: payment.Payment{Gateway: g},
			Raw: gateways.Raw{Body: body, Headers: map[string]string{HeaderPoison: id}}, PoisonID: id}})
	}
	// Creates keep their index order whatever the float positions.
	slices.SortStableFunc(slots, func(a, b slot) int { return cmp.Compare(a.at, b.at) })
	for _, sl := range slots {
		s.Events = append(s.Events, sl.e)
	}
	return s, nil
}
