package console

import (
	"cmp"
	"slices"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// Figure is a count and its amounts, one per currency (VND first).
type Figure struct {
	Count   int
	Amounts []payment.Money
}

// add counts one item of amount m.
func (f *Figure) add(m payment.Money) {
	f.Count++
	f.addAmount(m)
}

func (f *Figure) addAmount(m payment.Money) {
	for i, a := range f.Amounts {
		if a.Currency == m.Currency {
			f.Amounts[i].Amount = a.Amount.Add(m.Amount)
			return
		}
	}
	f.Amounts = append(f.Amounts, m)
	slices.SortFunc(f.Amounts, func(a, b payment.Money) int {
		switch {
		case a.Currency == b.Currency:
			return 0
		case a.Currency == "VND":
			return -1
		case b.Currency == "VND":
			return 1
		}
		return cmp.Compare(a.Currency, b.Currency)
	})
}

// Row is a Figure under a key (a gateway, an agency code).
type Row struct {
	Key string
	Figure
}

// DayInput is what the Today page is computed from, read from the store.
type DayInput struct {
	// Payments are the day's payments (ListPayments over the day).
	Payments []payment.Payment
	// Allocations are each payment's allocations (AllocationsByPayment).
	Allocations map[string][]reconcile.Allocation
	// NoticeAgency is the agency of each allocated notice; a notice not
	// in it has no known agency ("").
	NoticeAgency map[store.NoticeKey]string
	// Exceptions are those the person may see (ListExceptions with their
	// scope), of any status; only those of the day's payments count.
	Exceptions []reconcile.Exception
	// Reports are the latest version of each agency's report of the day
	// (LatestReports), of every agency.
	Reports []store.Report
	// Outbox holds the outbox messages Today speaks of, of every agency:
	// every pending and every dead one (of any day), and the deliveries
	// of Reports; each once. OutboxTruncated says the store held more
	// pending or dead ones than were read.
	Outbox          []OutboxItem
	OutboxTruncated bool
	// Now is when the page is computed: the backlog's age is now's.
	Now time.Time
	// Unclaimed are the open exceptions that concern no notice, read for
	// a person of some agencies only (for the others they are in
	// Exceptions).
	Unclaimed []reconcile.Exception
}

// OutboxItem is an outbox message as Today shows it: where it is, and
// what it is about. Its payload is not kept.
type OutboxItem struct {
	store.OutboxMessage
	// Agency is the agency the message concerns: a confirmation's
	// notice's, a report's (daily.AgencyAll for the total; seen by who
	// sees every agency, as user.User.CanSee says); "" when it is
	// not known (only who sees every agency sees it).
	Agency string
	// Subject names what it carries: a notice "system/notice id", a
	// report "date/agency".
	Subject string
}

// Today is a day's figures within a person's scope.
type Today struct {
	Date payment.Date
	// Unclaimed is, for a person of some agencies, the day's open
	// exceptions of money that names no notice (no agency's yet, theirs to
	// claim): apart from Collected, which is their agencies' money.
	Unclaimed Figure
	// Collected is the money of the day's payments the scope sees: its
	// allocations to notices of the scope plus its exceptions (the money
	// matching left unallocated); ByChannel splits it by gateway.
	Collected Figure
	ByChannel []Row
	// ByAgency is the matched money per agency of the scope (a count of
	// allocations); Matched is their total.
	ByAgency []Row
	Matched  Figure
	// Open and Resolved are the day's payments' exceptions by status.
	Open     Figure
	Resolved Figure
	// ByHour splits the day's collections and exceptions by the hour of
	// their payment in Asia/Ho_Chi_Minh: 24 hours, 0 to 23.
	ByHour []Hour
	// Reports are the day's reports the scope sees, with their
	// deliveries to the treasury.
	Reports []ReportState
	// Outbox is the backlog and the dead deliveries the scope sees.
	Outbox Backlog
}

// Hour is one hour of the day: the payments collected in it (what the
// scope sees of them, as Collected) and their exceptions (those of Open
// and Resolved).
type Hour struct {
	Hour       int
	Collected  Figure
	Exceptions Figure
}

// ReportState is the latest version of an agency's report of the day and
// its two deliveries to the treasury, as the Reports page shows them: the
// signed webhook (kind report), then the Kafka copy on treasury.reports
// (kind report_kafka).
type ReportState struct {
	Agency     string
	Version    int
	CreatedAt  time.Time
	SHA256     string
	Deliveries []ReportDelivery
}

// SHA256Prefix is the start of the report's SHA-256, enough to compare
// with the treasury's copy by eye.
func (r ReportState) SHA256Prefix() string { return r.SHA256[:min(12, len(r.SHA256))] }

// Backlog is the outbox as the scope sees it: pending and dead messages by
// kind, and the dead ones themselves, newest first.
type Backlog struct {
	ByKind  []KindBacklog
	Pending int
	// OldestPending is the age, at Now, of the oldest pending message
	// (since it was queued); 0 when none is pending.
	OldestPending time.Duration
	Dead          int
	// DeadList holds the newest MaxListed dead messages.
	DeadList  []OutboxItem
	MaxListed int
	// Truncated: the store held more than was read; the counts are
	// lower bounds.
	Truncated bool
}

// KindBacklog is one outbox kind's backlog.
type KindBacklog struct {
	Kind          store.OutboxKind
	Pending       int
	OldestPending time.Duration
	Dead          int
}

// MaxDeadListed bounds the dead deliveries Today lists (all are counted).
const MaxDeadListed = 20

// ComputeToday computes the figures of date from in for a person who
// sees the agencies sees accepts. Only matching's exceptions count (they
// hold money no allocation holds, so allocations plus exceptions are the
// payment); the daily run's (a missing credit, a short settlement) belong
// to the day's report.
func ComputeToday(date payment.Date, sees func(agency string) bool, in DayInput) Today {
	t := Today{Date: date}
	unclaimed := map[string][]reconcile.Exception{}
	for _, e := range in.Unclaimed {
		if e.Status == reconcile.ExceptionOpen && e.PaymentID != "" && fromMatching(e.Kind) {
			unclaimed[e.PaymentID] = append(unclaimed[e.PaymentID], e)
		}
	}
	for _, p := range in.Payments {
		for _, e := range unclaimed[p.ID] {
			t.Unclaimed.add(e.Amount)
		}
	}
	excs := map[string][]reconcile.Exception{}
	for _, e := range in.Exceptions {
		// Closed as allocated, its money is in the payment's manual
		// allocations now: counted there, not twice.
		if e.PaymentID != "" && fromMatching(e.Kind) && e.Status != reconcile.ExceptionAllocated {
			excs[e.PaymentID] = append(excs[e.PaymentID], e)
		}
	}
	channels := map[string]*Figure{}
	agencies := map[string]*Figure{}
	t.ByHour = make([]Hour, 24)
	for i := range t.ByHour {
		t.ByHour[i].Hour = i
	}
	for _, p := range in.Payments {
		hour := &t.ByHour[p.PaidAt.In(payment.Location()).Hour()]
		var seen Figure
		for _, a := range in.Allocations[p.ID] {
			agency := in.NoticeAgency[store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}]
			if !sees(agency) {
				continue
			}
			seen.addAmount(a.Amount)
			t.Matched.add(a.Amount)
			fig(agencies, agency).add(a.Amount)
		}
		for _, e := range excs[p.ID] {
			seen.addAmount(e.Amount)
			switch e.Status {
			case reconcile.ExceptionOpen:
				t.Open.add(e.Amount)
				hour.Exceptions.add(e.Amount)
			case reconcile.ExceptionResolved, reconcile.ExceptionRefund, reconcile.ExceptionWrittenOff, reconcile.ExceptionAllocated:
				t.Resolved.add(e.Amount)
				hour.Exceptions.add(e.Amount)
			}
		}
		if len(seen.Amounts) == 0 {
			continue // nothing of this payment is the scope's
		}
		ch := fig(channels, string(p.Gateway))
		ch.Count++
		t.Collected.Count++
		hour.Collected.Count++
		for _, m := range seen.Amounts {
			ch.addAmount(m)
			t.Collected.addAmount(m)
			hour.Collected.addAmount(m)
		}
	}
	t.ByChannel = rows(channels)
	t.ByAgency = rows(agencies)
	t.Reports = reportStates(in, sees)
	t.Outbox = backlog(in, sees)
	return t
}

// reportStates are the reports of the day the scope sees (ALL only for
// who sees every agency), by agency, the total first.
func reportStates(in DayInput, sees func(string) bool) []ReportState {
	byID := make(map[string]store.OutboxMessage, len(in.Outbox))
	for _, m := range in.Outbox {
		byID[m.ID] = m.OutboxMessage
	}
	delivery := func(channel Label, id string) ReportDelivery {
		m, ok := byID[id]
		return ReportDelivery{Channel: channel, Found: ok, Message: m}
	}
	out := []ReportState{}
	for _, r := range in.Reports {
		if !sees(r.Agency) {
			continue
		}
		id := outbox.Report.ID(r.ID)
		out = append(out, ReportState{Agency: r.Agency, Version: r.Version, CreatedAt: r.CreatedAt, SHA256: r.SHA256,
			Deliveries: []ReportDelivery{delivery(LDeliveryWebhook, id), delivery(LDeliveryKafka, outbox.KafkaID(id))}})
	}
	// The total first, then the agencies in order.
	total := func(r ReportState) int {
		if r.Agency == daily.AgencyAll {
			return 0
		}
		return 1
	}
	slices.SortFunc(out, func(a, b ReportState) int {
		return cmp.Or(cmp.Compare(total(a), total(b)), cmp.Compare(a.Agency, b.Agency))
	})
	return out
}

// backlog counts the pending and dead messages the scope sees, by kind.
func backlog(in DayInput, sees func(string) bool) Backlog {
	b := Backlog{Truncated: in.OutboxTruncated, MaxListed: MaxDeadListed}
	kinds := map[store.OutboxKind]*KindBacklog{}
	for _, k := range store.OutboxKinds() {
		b.ByKind = append(b.ByKind, KindBacklog{Kind: k})
	}
	for i := range b.ByKind {
		kinds[b.ByKind[i].Kind] = &b.ByKind[i]
	}
	for _, d := range in.Outbox {
		k := kinds[d.Kind]
		if k == nil || !sees(d.Agency) {
			continue
		}
		switch d.State {
		case store.OutboxPending:
			age := max(in.Now.Sub(d.CreatedAt), 0)
			k.Pending++
			k.OldestPending = max(k.OldestPending, age)
			b.Pending++
			b.OldestPending = max(b.OldestPending, age)
		case store.OutboxDead:
			k.Dead++
			b.Dead++
			b.DeadList = append(b.DeadList, d)
		case store.OutboxDelivered:
		}
	}
	slices.SortFunc(b.DeadList, func(x, y OutboxItem) int {
		return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	if len(b.DeadList) > MaxDeadListed {
		b.DeadList = b.DeadList[:MaxDeadListed]
	}
	return b
}

// fromMatching reports whether the matching engine raises exceptions of
// kind k (reconcile: "the first six come from matching"), or an
// accountant's allocation leaves (remainder): money of a payment.
func fromMatching(k reconcile.ExceptionKind) bool {
	switch k {
	case reconcile.ExceptionUnmatched, reconcile.ExceptionAmbiguous, reconcile.ExceptionOverpaid,
		reconcile.ExceptionDuplicate, reconcile.ExceptionCancelledNotice, reconcile.ExceptionCurrencyMismatch,
		reconcile.ExceptionRemainder, reconcile.ExceptionWrongAccount:
		return true
	case reconcile.ExceptionMissingEvent, reconcile.ExceptionMissingCredit, reconcile.ExceptionAmountMismatch,
		reconcile.ExceptionSettlementShort, reconcile.ExceptionLateEvent, reconcile.ExceptionInvalidInput,
		reconcile.ExceptionUnknownReversal:
		return false
	}
	return false
}

func fig(m map[string]*Figure, key string) *Figure {
	f, ok := m[key]
	if !ok {
		f = &Figure{}
		m[key] = f
	}
	return f
}

func rows(m map[string]*Figure) []Row {
	out := make([]Row, 0, len(m))
	for k, f := range m {
		out = append(out, Row{Key: k, Figure: *f})
	}
	slices.SortFunc(out, func(a, b Row) int { return cmp.Compare(a.Key, b.Key) })
	return out
}
