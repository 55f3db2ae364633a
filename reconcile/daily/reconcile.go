package daily

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// LinkRule names how a statement or settlement line was found to be the
// same money as a payment event.
type LinkRule string

// Link rules, strongest first.
const (
	// LinkBankRef: the entry's AcctSvcrRef or EndToEndId equals the
	// event's gateway transaction id or bank reference.
	LinkBankRef LinkRule = "bank_ref"
	// LinkAmountDateReference: same amount, booked within the credit window
	// of the payment's day, and a notice reference found in both texts.
	LinkAmountDateReference LinkRule = "amount_date_reference"
	// LinkSettlementTxn: a wallet settlement line with the event's wallet
	// and transaction id.
	LinkSettlementTxn LinkRule = "settlement_txn"
	// LinkSettlementBatch: a bank credit whose amount is the net total of a
	// wallet's settlement for a day and whose text names the wallet (or
	// whose reference is the settlement's id): the wallet paying out.
	LinkSettlementBatch LinkRule = "settlement_batch"
)

// Link records that a statement line and a payment (or a settlement batch)
// are the same money, and by which rule.
type Link struct {
	StatementID string   `json:"statement_id"`
	Seq         int      `json:"seq"`
	Ref         string   `json:"statement_ref"`
	PaymentID   string   `json:"payment_id,omitempty"`
	Settlement  string   `json:"settlement,omitempty"`
	Rule        LinkRule `json:"rule"`
	Amount      Amount   `json:"amount"`
}

// Result is the outcome of one day's reconciliation.
type Result struct {
	// Links are the statement and settlement lines linked to payments,
	// sorted by (statement id, seq).
	Links []Link
	// Exceptions are the discrepancies this run found (missing_event,
	// missing_credit, amount_mismatch, settlement_short, late_event), sorted
	// by id. Their ids are deterministic: a rerun finds the same ones.
	Exceptions []reconcile.Exception
	// Reports are the day's reports, sealed: ALL first, then one per agency
	// by agency code.
	Reports []Report
}

// Errors of inconsistent input (beyond ErrInvalidInput).
var (
	// ErrUnknownNotice: an allocation or notice state names a notice not in
	// Input.Notices.
	ErrUnknownNotice = errors.New("allocation refers to a notice not in the input")
	// ErrUnknownPayment: an allocation names a payment not in Input.Payments.
	ErrUnknownPayment = errors.New("allocation refers to a payment not in the input")
	// ErrOverAllocated: a payment's allocations (plus its overpaid excess)
	// exceed its amount.
	ErrOverAllocated = errors.New("payment allocated beyond its amount")
	// ErrCurrency: a report amount is not in VND.
	ErrCurrency = errors.New("reports are in VND")
)

// creditSource says what confirms a payment's money.
type creditState uint8

const (
	creditNone creditState = iota
	creditOK
	creditMismatch
)

// payState is a payment while it is reconciled. The run holds them as
// values in one slice and names them by their index there: a million
// states are one object for the collector, not a million.
//
// It is kept small (64 bytes): a million of them are scanned by the
// collector on every cycle. The rare overpaid excess is in run.overpaid.
type payState struct {
	p   *payment.Payment
	fee decimal.Decimal
	// allocs is the payment's part of run.allocs.
	allocs []payAlloc
	// link is the index of the payment's link in run.links, + 1; 0 when
	// unlinked.
	link int32
	// paidOn is the payment's business day (packDate).
	paidOn int32
	wallet bool
	credit creditState
}

// linked says whether the payment has a link.
func (s *payState) linked() bool { return s.link != 0 }

// day is the payment's business day.
func (s *payState) day() payment.Date { return unpackDate(s.paidOn) }

// packDate packs a date into 32 bits: year × 512 + month × 32 + day
// (negative years included, should a zero time come by).
func packDate(d payment.Date) int32 {
	return int32(d.Year)<<9 | int32(d.Month)<<5 | int32(d.Day) //nolint:gosec // G115: years within ±4 million
}

func unpackDate(v int32) payment.Date {
	return payment.Date{Year: int(v >> 9), Month: time.Month(v >> 5 & 15), Day: int(v & 31)}
}

// overpaid is the overpaid excess of a payment (open or resolved overpaid
// exceptions) and the notice it overpaid.
type overpaid struct {
	amount decimal.Decimal
	notice string
	// ni is the notice's index in Input.Notices, or err why there is
	// none (resolveOverpaid).
	ni  int32
	err error
}

// payAlloc is an allocation of a payment with its notice, looked up once
// (a lookup hashes two strings; a day's reporting needs the notice of
// each allocation several times); ni is the notice's index in
// Input.Notices, what the per-notice sums are indexed by.
type payAlloc struct {
	*reconcile.Allocation
	notice *payment.Notice
	ni     int32
}

type run struct {
	in  Input
	cfg config
	// notices are the latest version of each notice, as its index in
	// Input.Notices.
	notices map[noticeKey]int32
	// isLatest says of each of Input.Notices whether notices holds it.
	isLatest []bool
	// byID are the notices by id alone, -1 for an id of several systems;
	// made on first use (noticesByID): most days never look a notice up
	// without its system.
	byID   map[string]int32
	pays   []payState // deduplicated, sorted by id
	payIdx map[string]int32
	// allocs are every payment's allocations, a payment's together
	// (payState.allocs).
	allocs []payAlloc
	lines  []*statements.Line // sorted
	// lineLink is the index of each line's link in links, + 1; 0 when
	// unlinked.
	lineLink []int32
	setts    []*settlement.Line
	batches  []*batch
	// links are the links in the order they were found until sortLinks,
	// then sorted.
	links []Link
	// linksStrict says that no two links have the same (statement id,
	// seq) (sortLinks): a report's links in any order then sort to one
	// order only.
	linksStrict bool
	excs        []reconcile.Exception
	// overpaid are the payments' overpaid excesses, by index in pays.
	overpaid map[int32]overpaid
	// resolved are the exceptions given resolved, by id (see resolve).
	resolved map[string]*reconcile.Exception
}

// compareLinks orders links by (statement id, seq).
func compareLinks(a, b Link) int {
	return cmp.Or(cmp.Compare(a.StatementID, b.StatementID), cmp.Compare(a.Seq, b.Seq))
}

// noticeKey names a notice: its id is unique within its issuing system.
type noticeKey struct{ system, id string }

// Reconcile runs the three-way reconciliation of one business day: notices
// and the matching result, payment events, and bank statement / wallet
// settlement lines. It is a pure function of in.
func Reconcile(in Input) (Result, error) {
	cfg, err := in.config()
	if err != nil {
		return Result{}, err
	}
	r := &run{in: in, cfg: cfg}
	if err := r.index(); err != nil {
		return Result{}, err
	}
	r.linkSettlements()
	r.linkBankRefs()
	r.linkByReference()
	r.linkBatches()
	r.sortLinks()
	r.detect()
	r.stamp()
	r.resolve()
	reports, err := r.reports()
	if err != nil {
		return Result{}, err
	}
	sort.Slice(r.excs, func(i, j int) bool { return r.excs[i].ID < r.excs[j].ID })
	return Result{Links: r.links, Exceptions: r.excs, Reports: reports}, nil
}

// index reads the input into the run: the latest version of each notice,
// one payment per id with its allocations and overpaid excess, and the
// statement and settlement lines sorted, each once.
func (r *run) index() error {
	r.indexNotices()
	r.indexPayments()
	if err := r.indexAllocations(); err != nil {
		return err
	}
	r.indexExcess()
	if err := r.checkAllocations(); err != nil {
		return err
	}
	r.indexStatementLines()
	r.indexSettlements()
	return nil
}

// indexNotices keeps the latest version of each notice, by system and id
// and by id alone.
func (r *run) indexNotices() {
	r.notices = make(map[noticeKey]int32, len(r.in.Notices))
	r.isLatest = make([]bool, len(r.in.Notices))
	for i := range r.in.Notices {
		n := &r.in.Notices[i]
		k := noticeKey{n.System, n.ID}
		prev, ok := r.notices[k]
		if ok && r.in.Notices[prev].Version >= n.Version {
			continue // the latest version of a notice wins
		}
		if ok {
			r.isLatest[prev] = false
		}
		r.notices[k] = int32(i) //nolint:gosec // G115: a day's notices are far fewer than 2³¹
		r.isLatest[i] = true
	}
}

// latest says whether Input.Notices[i] is the latest version of its
// notice: the one the run uses.
func (r *run) latest(i int) bool { return r.isLatest[i] }

// noticesByID returns the notices by id alone (run.byID), made on first
// use.
func (r *run) noticesByID() map[string]int32 {
	if r.byID != nil {
		return r.byID
	}
	r.byID = make(map[string]int32, len(r.in.Notices))
	for i, latest := range r.isLatest {
		if !latest {
			continue
		}
		id := r.in.Notices[i].ID
		if _, several := r.byID[id]; several {
			r.byID[id] = -1
			continue
		}
		r.byID[id] = int32(i) //nolint:gosec // G115: see indexNotices
	}
	return r.byID
}

// release lets the collector have the maps by key of the payments and
// notices, a tenth of what the run holds at 1M, once the reports no
// longer need them (pay and noticeIndex do without).
func (r *run) release() { r.payIdx, r.notices = nil, nil }

// indexPayments keeps one payment per id (a redelivery is not a second
// payment), sorted by id. Those of later days (paid after the cut-off) can
// still explain a credit the bank booked today; they are not reported or
// judged here.
func (r *run) indexPayments() {
	ps := make([]keyedPayment, len(r.in.Payments))
	for i := range r.in.Payments {
		p := &r.in.Payments[i]
		ps[i] = keyedPayment{prefix: prefixOf(p.ID), p: p}
	}
	// The prefixes decide most comparisons, in the slice, without reading
	// the payments; where they are equal comparePayments decides. Either
	// way the result is comparePayments', so the sort moves the payments
	// as sorting them with comparePayments alone did.
	slices.SortFunc(ps, func(a, b keyedPayment) int {
		if c := cmp.Or(cmp.Compare(a.prefix[0], b.prefix[0]), cmp.Compare(a.prefix[1], b.prefix[1])); c != 0 {
			return c
		}
		return comparePayments(a.p, b.p)
	})
	r.payIdx = make(map[string]int32, len(ps))
	r.pays = make([]payState, 0, len(ps))
	for i, kp := range ps {
		p := kp.p
		if i > 0 && p.ID == ps[i-1].p.ID {
			continue // sorted: the same id is next to the one kept
		}
		r.payIdx[p.ID] = int32(len(r.pays)) //nolint:gosec // G115: a day's payments are far fewer than 2³¹
		r.pays = append(r.pays, payState{p: p, paidOn: packDate(r.cfg.day(p.PaidAt)), wallet: isWallet(p.Gateway)})
	}
}

// pay returns the state of the payment id, if given: pays are sorted by
// id, each once.
func (r *run) pay(id string) (*payState, bool) {
	i, ok := slices.BinarySearchFunc(r.pays, id, func(s payState, id string) int { return cmp.Compare(s.p.ID, id) })
	if !ok {
		return nil, false
	}
	return &r.pays[i], true
}

// keyedPayment is a payment with the first 16 bytes of its id
// (prefixOf) to sort by.
type keyedPayment struct {
	prefix [2]uint64
	p      *payment.Payment
}

// prefixOf is the first 16 bytes of s, big-endian, zeros after its end:
// two prefixes that differ compare as their strings do (a string that
// ends early is a prefix of the other, zeros and all, so it sorts first,
// as it should); equal prefixes say nothing.
func prefixOf(s string) [2]uint64 {
	var b [16]byte
	copy(b[:], s)
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// comparePayments orders payments by id, then time paid. The same id twice
// with different content: keep one chosen by content, so the choice does
// not depend on input order.
func comparePayments(a, b *payment.Payment) int {
	if c := cmp.Or(cmp.Compare(a.ID, b.ID), a.PaidAt.Compare(b.PaidAt)); c != 0 {
		return c
	}
	return cmp.Or(a.Amount.Amount.Cmp(b.Amount.Amount), cmp.Compare(a.Amount.Currency, b.Amount.Currency),
		cmp.Compare(a.Description, b.Description), cmp.Compare(a.BankRef, b.BankRef),
		cmp.Compare(a.PayerName, b.PayerName), cmp.Compare(a.PayerAccount, b.PayerAccount))
}

// indexAllocations gives each payment its allocations; one naming a
// payment or a notice not in the input is an error.
//
// They are laid out in one slice, each payment's together in input order,
// as appending to a slice per payment would give them: two passes (count,
// then place) instead of a million small slices.
func (r *run) indexAllocations() error {
	// pi and ni are each allocation's payment and notice.
	pi, ni := make([]int32, len(r.in.Allocations)), make([]int32, len(r.in.Allocations))
	count := make([]int32, len(r.pays)+1)
	for i := range r.in.Allocations {
		a := &r.in.Allocations[i]
		p, ok := r.payIdx[a.PaymentID]
		if !ok {
			return fmt.Errorf("daily reconcile: allocation to %s: %w: %s", a.NoticeID, ErrUnknownPayment, a.PaymentID)
		}
		n, err := r.noticeIndex(a.NoticeSystem, a.NoticeID)
		if err != nil {
			return err
		}
		pi[i], ni[i] = p, n
		count[p+1]++
	}
	for p := range r.pays {
		count[p+1] += count[p] // count[p] is now where payment p's allocations start
	}
	r.allocs = make([]payAlloc, len(r.in.Allocations))
	next := count[:len(r.pays)]
	for i := range r.in.Allocations {
		r.allocs[next[pi[i]]] = payAlloc{&r.in.Allocations[i], &r.in.Notices[ni[i]], ni[i]}
		next[pi[i]]++
	}
	start := int32(0)
	for p := range r.pays {
		// next[p] is now where payment p's allocations end.
		r.pays[p].allocs = r.allocs[start:next[p]:next[p]]
		start = next[p]
	}
	return nil
}

// indexExcess gives each payment the excess of its overpaid exceptions,
// open or resolved, and the notice it overpaid.
func (r *run) indexExcess() {
	excess := map[string]bool{} // an exception id counts once
	for i := range r.in.Exceptions {
		e := &r.in.Exceptions[i]
		// Closed as allocated, the payment was allocated again by hand,
		// the excess included: it is no longer an excess.
		if e.Kind != reconcile.ExceptionOverpaid || e.Status == reconcile.ExceptionAllocated || excess[e.ID] {
			continue
		}
		excess[e.ID] = true
		if i, ok := r.payIdx[e.PaymentID]; ok && e.NoticeID != "" {
			if r.overpaid == nil {
				r.overpaid = map[int32]overpaid{}
			}
			o := r.overpaid[i]
			r.overpaid[i] = overpaid{amount: o.amount.Add(e.Amount.Amount), notice: e.NoticeID}
		}
	}
}

// checkAllocations sorts each payment's allocations by notice and checks
// that they are in its currency and, with its excess, within its amount.
func (r *run) checkAllocations() error {
	for i := range r.pays {
		s := &r.pays[i]
		slices.SortFunc(s.allocs, func(a, b payAlloc) int {
			return cmp.Or(cmp.Compare(a.NoticeSystem, b.NoticeSystem), cmp.Compare(a.NoticeID, b.NoticeID))
		})
		var sum exactSum                     // a decimal sum allocates at every step
		sum.add(r.overpaid[int32(i)].amount) //nolint:gosec // G115: see indexPayments
		for _, a := range s.allocs {
			if a.Amount.Currency != s.p.Amount.Currency {
				return fmt.Errorf("daily reconcile: payment %s: allocation in %s: %w", s.p.ID, a.Amount.Currency, payment.ErrCurrencyMismatch)
			}
			sum.add(a.Amount.Amount)
		}
		if sum.greaterThan(s.p.Amount.Amount) {
			return fmt.Errorf("daily reconcile: payment %s of %s: %w (%s)", s.p.ID, s.p.Amount, ErrOverAllocated, sum.amount())
		}
	}
	return nil
}

// indexStatementLines sorts the statement lines by (statement id, seq),
// each once: a statement given twice is one statement, as (statement id,
// seq) is the line's identity in the store too.
func (r *run) indexStatementLines() {
	lines := make([]*statements.Line, 0, len(r.in.StatementLines))
	for i := range r.in.StatementLines {
		lines = append(lines, &r.in.StatementLines[i])
	}
	slices.SortFunc(lines, func(a, b *statements.Line) int {
		return cmp.Or(cmp.Compare(a.StatementID, b.StatementID), cmp.Compare(a.Seq, b.Seq))
	})
	r.lines = lines[:0]
	for i, l := range lines {
		if i > 0 && l.StatementID == lines[i-1].StatementID && l.Seq == lines[i-1].Seq {
			continue
		}
		r.lines = append(r.lines, l)
	}
	r.lineLink = make([]int32, len(r.lines))
}

// indexSettlements sorts the settlement lines by wallet, date, transaction
// and row, each once: the same settlement file given twice is one file.
func (r *run) indexSettlements() {
	r.setts = make([]*settlement.Line, 0, len(r.in.SettlementLines))
	for i := range r.in.SettlementLines {
		r.setts = append(r.setts, &r.in.SettlementLines[i])
	}
	slices.SortFunc(r.setts, func(a, b *settlement.Line) int {
		return cmp.Or(cmp.Compare(a.Wallet, b.Wallet), compareDates(a.SettledDate, b.SettledDate),
			cmp.Compare(a.TxnID, b.TxnID), cmp.Compare(a.Seq, b.Seq))
	})
	setts := r.setts[:0]
	for i, l := range r.setts {
		if i > 0 && sameSettlement(l, r.setts[i-1]) {
			continue
		}
		setts = append(setts, l)
	}
	r.setts = setts
}

// resolve applies the accountants' decisions: an exception given closed
// (resolved, allocated, refund, written off) stays closed. This run's discrepancy of the same id
// (ids are deterministic) is returned resolved, as given, and no report
// lists it as open; the reports list it under Resolved.
func (r *run) resolve() {
	r.resolved = map[string]*reconcile.Exception{}
	for i := range r.in.Exceptions {
		e := &r.in.Exceptions[i]
		if !e.Status.Closed() {
			continue
		}
		// The same id given twice: the earliest resolution, then the
		// smallest evidence, so input order does not matter.
		if p, ok := r.resolved[e.ID]; ok && !earlierResolution(e, p) {
			continue
		}
		r.resolved[e.ID] = e
	}
	for i := range r.excs {
		if g, ok := r.resolved[r.excs[i].ID]; ok {
			x := &r.excs[i]
			x.Status, x.Resolution, x.ResolvedBy, x.ResolvedAt = g.Status, g.Resolution, g.ResolvedBy, g.ResolvedAt
		}
	}
}

func earlierResolution(a, b *reconcile.Exception) bool {
	switch {
	case a.ResolvedAt != nil && b.ResolvedAt == nil:
		return true
	case a.ResolvedAt == nil && b.ResolvedAt != nil:
		return false
	case a.ResolvedAt != nil && !a.ResolvedAt.Equal(*b.ResolvedAt):
		return a.ResolvedAt.Before(*b.ResolvedAt)
	case !a.CreatedAt.Equal(b.CreatedAt):
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.Evidence < b.Evidence
}

func sameSettlement(a, b *settlement.Line) bool {
	return a.Wallet == b.Wallet && a.TxnID == b.TxnID && a.SettledDate == b.SettledDate && a.Seq == b.Seq &&
		a.Gross.Equal(b.Gross) && a.Fee.Equal(b.Fee) && a.Net.Equal(b.Net)
}

// noticeIndex is the index in Input.Notices of the notice (the latest
// version) of system and id; of id alone when system is empty.
func (r *run) noticeIndex(system, id string) (int32, error) {
	switch {
	case system != "" && r.notices == nil: // released
		for i, latest := range r.isLatest {
			if n := &r.in.Notices[i]; latest && n.System == system && n.ID == id {
				return int32(i), nil //nolint:gosec // G115: see indexNotices
			}
		}
	case system != "":
		if i, ok := r.notices[noticeKey{system, id}]; ok {
			return i, nil
		}
	default:
		if i, ok := r.noticesByID()[id]; ok && i >= 0 {
			return i, nil
		}
	}
	return 0, fmt.Errorf("daily reconcile: %w: %q/%q", ErrUnknownNotice, system, id)
}

func isWallet(g payment.Gateway) bool {
	switch g {
	case payment.GatewayVNPay, payment.GatewayMoMo, payment.GatewayZaloPay:
		return true
	case payment.GatewayVietQR, payment.GatewayCamt054:
		return false
	}
	return false
}

func settlementID(l *settlement.Line) string {
	return "settlement:" + string(l.Wallet) + ":" + l.SettledDate.String()
}

// statementRef is how a line is named in an exception: AcctSvcrRef, else
// EndToEndId, else statement id and position.
func statementRef(l *statements.Line) string {
	switch {
	case l.Ref != "":
		return l.Ref
	case l.EndToEndID != "":
		return l.EndToEndID
	}
	return l.StatementID + "#" + strconv.Itoa(l.Seq)
}

func (r *run) subject(d payment.Date) bool { return d == r.cfg.date }

func (r *run) exception(kind reconcile.ExceptionKind, amount payment.Money, evidence string, keys ...string) *reconcile.Exception {
	r.excs = append(r.excs, reconcile.Exception{
		ID:         reconcile.ExceptionID(kind, keys...),
		Kind:       kind,
		Amount:     amount,
		Candidates: []string{},
		Evidence:   evidence,
		Status:     reconcile.ExceptionOpen,
		// CreatedAt is stamped by stamp, once every discrepancy is found.
	})
	return &r.excs[len(r.excs)-1]
}

// stamp dates the exceptions this run raises, and those given without a
// time (a Decision's: Decide has no clock): an exception an earlier
// version of the day listed keeps the time it was listed with, any other
// is raised now (Input.Now). An exception given with its time (the
// store's) keeps it. So a re-run that finds nothing new changes no
// created_at, and a version's exceptions age from when they were first
// raised.
func (r *run) stamp() {
	raised := map[string]time.Time{}
	for i := range r.in.PreviousReports {
		p := &r.in.PreviousReports[i]
		if p.BusinessDate != r.cfg.date {
			continue
		}
		for _, ls := range [][]ExceptionLine{p.Exceptions, p.Resolved} {
			for _, x := range ls {
				if at, ok := raised[x.ID]; !ok || x.CreatedAt.Before(at) {
					raised[x.ID] = x.CreatedAt
				}
			}
		}
	}
	at := func(id string) time.Time {
		if t, ok := raised[id]; ok {
			return t.In(r.cfg.loc)
		}
		return r.in.Now
	}
	for i := range r.excs {
		r.excs[i].CreatedAt = at(r.excs[i].ID)
	}
	var given []reconcile.Exception // copied on the first change: the caller's slice stays as it is
	for i, e := range r.in.Exceptions {
		if !e.CreatedAt.IsZero() {
			continue
		}
		if given == nil {
			given = slices.Clone(r.in.Exceptions)
		}
		given[i].CreatedAt = at(e.ID)
	}
	if given != nil {
		r.in.Exceptions = given
	}
}

func (r *run) linkSettlements() {
	for _, l := range r.setts {
		s, ok := (*payState)(nil), false
		if i, found := r.payIdx[l.PaymentID()]; found {
			s, ok = &r.pays[i], true
		}
		sid := settlementID(l)
		if d, short := l.Short(); short && r.subject(l.SettledDate) {
			// The amount is the gap's magnitude, never negative; a wallet
			// that paid out more than it owed (net + fee > gross) says so
			// in the evidence.
			row := strconv.Itoa(l.Seq)
			ev := reconcile.EvidenceSettlementShort.Format(sid, row, l.Net.Amount.String(), l.Fee.Amount.String(), l.Gross.Amount.String())
			if d.Amount.IsNegative() {
				d.Amount = d.Amount.Neg()
				ev = reconcile.EvidenceSettlementOver.Format(sid, row, l.Net.Amount.String(), l.Fee.Amount.String(), l.Gross.Amount.String(), d.Amount.String())
			}
			e := r.exception(reconcile.ExceptionSettlementShort, d, ev, sid, l.TxnID)
			e.StatementRef = l.TxnID
			if ok {
				e.PaymentID = s.p.ID
			}
		}
		if !ok || s.linked() {
			if r.subject(l.SettledDate) {
				ev := reconcile.EvidenceSettlementNoEvent.Format(sid, strconv.Itoa(l.Seq), string(l.Wallet), l.TxnID)
				if ok {
					ev = reconcile.EvidenceSettledTwice.Format(sid, strconv.Itoa(l.Seq), string(l.Wallet), l.TxnID, r.links[s.link-1].StatementID)
				}
				e := r.exception(reconcile.ExceptionMissingEvent, l.Gross, ev, sid, l.TxnID)
				e.StatementRef = l.TxnID
			}
			continue
		}
		s.link = r.addLink(Link{StatementID: sid, Seq: l.Seq, Ref: l.TxnID, PaymentID: s.p.ID, Rule: LinkSettlementTxn, Amount: amt(l.Gross.Amount)})
		s.fee = l.Fee.Amount
		s.credit = creditOK
		if !l.Gross.Equal(s.p.Amount) {
			s.credit = creditMismatch
			if r.subject(l.SettledDate) || r.subject(s.day()) {
				e := r.exception(reconcile.ExceptionAmountMismatch, diff(l.Gross, s.p.Amount),
					reconcile.EvidenceSettledGross.Format(sid, strconv.Itoa(l.Seq), l.Gross.String(), s.p.Amount.String()), s.p.ID, sid)
				e.PaymentID, e.StatementRef = s.p.ID, l.TxnID
			}
		}
	}
}

// addLink appends lk to the run's links and returns its index + 1 (what
// payState.link and run.lineLink hold).
func (r *run) addLink(lk Link) int32 {
	if r.links == nil {
		// Room for one link a line: most lines are linked, and a million
		// links appended to a slice that doubles are copied once more.
		r.links = make([]Link, 0, len(r.setts)+len(r.lines))
	}
	r.links = append(r.links, lk)
	return int32(len(r.links)) //nolint:gosec // G115: a link a line, far fewer than 2³¹
}

// sortLinks sorts the links by (statement id, seq), as Result.Links lists
// them, and points payState.link and run.lineLink at their new places.
// The order is the one sorting the links found (in the order found) gives,
// ties included; linksStrict says whether there are ties.
func (r *run) sortLinks() {
	// Sorting the positions with the links' comparison makes the same
	// moves as sorting the links themselves: ties end up where they would.
	r.linksStrict = true
	if len(r.links) == 0 {
		return
	}
	links := r.links
	perm := make([]int32, len(links)) // perm[new] = old
	for i := range perm {
		perm[i] = int32(i) //nolint:gosec // G115: see addLink
	}
	if keys, ok := linkKeys(links); ok {
		slices.SortFunc(perm, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
	} else {
		slices.SortFunc(perm, func(a, b int32) int { return compareLinks(links[a], links[b]) })
	}
	place := make([]int32, len(links)+1) // place[old+1] = new + 1
	for i, old := range perm {
		place[old+1] = int32(i + 1) //nolint:gosec // G115: see addLink
	}
	// Move the links in place, one cycle of the permutation at a time:
	// no second copy of a million links.
	for i := range perm {
		if perm[i] < 0 {
			continue
		}
		first := links[i]
		for j := int32(i); ; { //nolint:gosec // G115: see addLink
			k := perm[j]
			perm[j] = -1
			if k == int32(i) { //nolint:gosec // G115: see addLink
				links[j] = first
				break
			}
			links[j] = links[k]
			j = k
		}
	}
	for i := 1; i < len(links); i++ {
		if compareLinks(links[i-1], links[i]) == 0 {
			r.linksStrict = false
			break
		}
	}
	for i := range r.pays {
		r.pays[i].link = place[r.pays[i].link]
	}
	for i, l := range r.lineLink {
		r.lineLink[i] = place[l]
	}
}

// linkKeys are the links' (statement id, seq) as numbers that compare as
// compareLinks does: the statement id's rank among the links' ids, then
// the seq. A million comparisons of two equal statement ids cost more
// than the sort of everything else; false when a seq does not fit.
func linkKeys(links []Link) ([]uint64, bool) {
	rank := map[string]uint64{}
	for i := range links {
		if l := &links[i]; l.Seq < 0 || l.Seq > math.MaxUint32 {
			return nil, false
		}
		rank[links[i].StatementID] = 0
	}
	ids := make([]string, 0, len(rank))
	for id := range rank {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		rank[id] = uint64(i) //nolint:gosec // G115: an index
	}
	keys := make([]uint64, len(links))
	for i := range links {
		keys[i] = rank[links[i].StatementID]<<32 | uint64(links[i].Seq) //nolint:gosec // G115: checked above
	}
	return keys, true
}

func diff(a, b payment.Money) payment.Money {
	d := a.Amount.Sub(b.Amount).Abs()
	return payment.Money{Amount: d, Currency: a.Currency}
}

// linkBankRefs links camt.053 credits to bank payments by reference.
func (r *run) linkBankRefs() {
	refs := r.bankRefIndex()
	for i, l := range r.lines {
		if !l.Credit {
			continue
		}
		var s *payState
		for _, key := range [2]string{l.Ref, l.EndToEndID} {
			if key == "" {
				continue
			}
			for n := refs.head[key]; n != 0; n = refs.next[n-1] {
				if c := &r.pays[refs.pays[n-1]]; !c.linked() {
					s = c
					break
				}
			}
			if s != nil {
				break
			}
		}
		if s == nil {
			continue
		}
		r.linkLine(i, s, LinkBankRef)
		if !l.Amount.Equal(s.p.Amount) {
			s.credit = creditMismatch
			if r.subject(l.BookingDate) || r.subject(s.day()) {
				e := r.exception(reconcile.ExceptionAmountMismatch, diff(l.Amount, s.p.Amount),
					reconcile.EvidenceBookedAmount.Format(l.StatementID, strconv.Itoa(l.Seq), l.Amount.String(), s.p.Amount.String()), s.p.ID, l.StatementID, strconv.Itoa(l.Seq))
				e.PaymentID, e.StatementRef = s.p.ID, statementRef(l)
			}
		}
	}
}

// refIndex lists the bank payments under each reference (gateway
// transaction id, bank reference) in id order, as chains of nodes rather
// than a slice per reference: a million references, a few allocations.
type refIndex struct {
	// head is each reference's first node + 1; next[i] the node after
	// node i, + 1 (0 ends the chain); pays[i] the payment of node i.
	head map[string]int32
	next []int32
	pays []int32
}

func (r *run) bankRefIndex() refIndex {
	x := refIndex{head: make(map[string]int32, len(r.pays))}
	push := func(key string, i int) {
		x.pays = append(x.pays, int32(i)) //nolint:gosec // G115: see indexPayments
		x.next = append(x.next, x.head[key])
		x.head[key] = int32(len(x.pays)) //nolint:gosec // G115: two nodes a payment at most
	}
	// Backwards, each node put first: every chain ends up in id order.
	for i := len(r.pays) - 1; i >= 0; i-- {
		s := &r.pays[i]
		if s.wallet {
			continue
		}
		if s.p.BankRef != "" && s.p.BankRef != s.p.TxnID {
			push(s.p.BankRef, i)
		}
		push(s.p.TxnID, i)
	}
	return x
}

func (r *run) linkLine(i int, s *payState, rule LinkRule) {
	l := r.lines[i]
	s.link = r.addLink(Link{StatementID: l.StatementID, Seq: l.Seq, Ref: statementRef(l), PaymentID: s.p.ID, Rule: rule, Amount: amt(l.Amount.Amount)})
	s.credit = creditOK
	r.lineLink[i] = s.link
}

// linkByReference links the remaining credits by amount, booking date in
// the credit window and a shared notice reference.
func (r *run) linkByReference() {
	if r.in.ExtractRefs == nil {
		return
	}
	byKey := make(map[string][]int32)
	for i := range r.pays {
		s := &r.pays[i]
		if s.wallet || s.linked() {
			continue
		}
		for _, ref := range uniq(r.in.ExtractRefs(s.p.Description)) {
			k := s.p.Amount.String() + "|" + ref
			byKey[k] = append(byKey[k], int32(i)) //nolint:gosec // G115: see indexPayments
		}
	}
	if len(byKey) == 0 {
		return
	}
	for i, l := range r.lines {
		if !l.Credit || r.lineLink[i] != 0 {
			continue
		}
		var found *payState
		for _, ref := range uniq(r.in.ExtractRefs(l.Text)) {
			for _, j := range byKey[l.Amount.String()+"|"+ref] {
				s := &r.pays[j]
				if s.linked() || before(l.BookingDate, s.day()) || before(addDays(s.day(), r.cfg.window), l.BookingDate) {
					continue
				}
				if found == nil || s.p.ID < found.p.ID {
					found = s
				}
			}
		}
		if found != nil {
			r.linkLine(i, found, LinkAmountDateReference)
		}
	}
}

// maskNumbers masks every standalone run of nine or more digits (account and
// card numbers in bank envelopes) in text that goes into a report. Runs glued
// to letters, like the digits of a payment code, are kept.
func maskNumbers(s string) string {
	b := []byte(s)
	isDigit := func(i int) bool { return i >= 0 && i < len(b) && b[i] >= '0' && b[i] <= '9' }
	isAlnum := func(i int) bool {
		return i >= 0 && i < len(b) && (isDigit(i) || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= 'a' && b[i] <= 'z')
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		if !isDigit(i) || isAlnum(i-1) {
			out.WriteByte(b[i])
			i++
			continue
		}
		j := i
		for isDigit(j) {
			j++
		}
		if j-i >= 9 && !isAlnum(j) {
			out.WriteString(payment.MaskAccount(string(b[i:j])))
		} else {
			out.Write(b[i:j])
		}
		i = j
	}
	return out.String()
}

func uniq(xs []string) []string {
	if len(xs) < 2 {
		return xs
	}
	out := append([]string(nil), xs...)
	sort.Strings(out)
	w := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[w-1] {
			out[w] = out[i]
			w++
		}
	}
	return out[:w]
}

// batch is one wallet's settlement for one day: what it owes the account.
type batch struct {
	id     string
	wallet string
	date   payment.Date
	net    decimal.Decimal
	used   bool
}

// linkBatches links bank credits that pay out a wallet's settlement.
func (r *run) linkBatches() {
	var batches []*batch
	byID := map[string]*batch{}
	for _, l := range r.setts {
		id := settlementID(l)
		b, ok := byID[id]
		if !ok {
			b = &batch{id: id, wallet: string(l.Wallet), date: l.SettledDate}
			byID[id] = b
			batches = append(batches, b)
		}
		b.net = b.net.Add(l.Net.Amount)
	}
	r.batches = batches
	if len(batches) == 0 {
		return
	}
	for i, l := range r.lines {
		if !l.Credit || r.lineLink[i] != 0 {
			continue
		}
		text := strings.ToLower(l.Text)
		for _, b := range batches {
			if b.used || !b.net.Equal(l.Amount.Amount) {
				continue
			}
			if l.Ref == b.id || l.EndToEndID == b.id || strings.Contains(text, b.wallet) {
				b.used = true
				r.lineLink[i] = r.addLink(Link{StatementID: l.StatementID, Seq: l.Seq, Ref: statementRef(l), Settlement: b.id, Rule: LinkSettlementBatch, Amount: amt(l.Amount.Amount)})
				break
			}
		}
	}
}

// detect raises missing_event, missing_credit and late_event.
func (r *run) detect() {
	for i, l := range r.lines {
		if !l.Credit || r.lineLink[i] != 0 || !r.subject(l.BookingDate) {
			continue
		}
		e := r.exception(reconcile.ExceptionMissingEvent, l.Amount,
			reconcile.EvidenceCreditNoEvent.Format(l.StatementID, strconv.Itoa(l.Seq), l.BookingDate.String(), strconv.Quote(maskNumbers(l.Text))),
			l.StatementID, strconv.Itoa(l.Seq))
		e.StatementRef = statementRef(l)
	}
	for i := range r.pays {
		s := &r.pays[i]
		deadline := addDays(s.day(), r.cfg.window)
		if s.linked() || before(r.cfg.date, deadline) {
			continue
		}
		paid, window := s.p.PaidAt.In(r.cfg.loc).Format(time.RFC3339), strconv.Itoa(r.cfg.window)
		ev := reconcile.EvidenceNoStatementCredit.Format(paid, s.day().String(), deadline.String(), window)
		if s.wallet {
			ev = reconcile.EvidenceNoSettlementCredit.Format(paid, s.day().String(), string(s.p.Gateway), deadline.String(), window)
		}
		e := r.exception(reconcile.ExceptionMissingCredit, s.p.Amount, ev, s.p.ID)
		e.PaymentID = s.p.ID
	}
	// A wallet settlement the bank has not credited by T+N: the wallet kept
	// the money.
	for _, b := range r.batches {
		deadline := addDays(b.date, r.cfg.window)
		if b.used || before(r.cfg.date, deadline) || !b.net.IsPositive() {
			continue
		}
		e := r.exception(reconcile.ExceptionMissingCredit, payment.Money{Amount: b.net, Currency: payment.VND},
			reconcile.EvidenceSettlementNotCredited.Format(b.id, b.net.String(), deadline.String(), strconv.Itoa(r.cfg.window)), b.id)
		e.StatementRef = b.id
	}
	r.detectLate()
}

// detectLate raises late_event: a payment of the day that no sent version of
// ALL listed on time. A version lists a late payment with its late flag, so
// the payments listed without it are those of version 1, whichever versions
// are given: a late payment stays late, with its adjustment, in every later
// version, and a re-run with nothing new changes nothing.
func (r *run) detectLate() {
	var sent []*Report
	for i := range r.in.PreviousReports {
		if p := &r.in.PreviousReports[i]; p.Agency == AgencyAll && p.BusinessDate == r.cfg.date {
			sent = append(sent, p)
		}
	}
	if len(sent) == 0 {
		return
	}
	sort.SliceStable(sent, func(i, j int) bool { return sent[i].Version < sent[j].Version })
	onTime := make(map[string]bool, len(sent[len(sent)-1].Payments))
	for _, p := range sent {
		for _, pl := range p.Payments {
			if !pl.Late {
				onTime[pl.PaymentID] = true
			}
		}
	}
	first := ReportID(r.cfg.date, AgencyAll, 1)
	for i := range r.pays {
		s := &r.pays[i]
		if s.day() != r.cfg.date || onTime[s.p.ID] || s.p.Amount.Currency != payment.VND {
			continue
		}
		e := r.exception(reconcile.ExceptionLateEvent, s.p.Amount,
			reconcile.EvidenceLate.Format(s.p.PaidAt.In(r.cfg.loc).Format(time.RFC3339), first), s.p.ID, r.cfg.date.String())
		e.PaymentID = s.p.ID
	}
}

func (r *run) previous(agency string) *Report {
	var best *Report
	for i := range r.in.PreviousReports {
		p := &r.in.PreviousReports[i]
		if p.Agency == agency && p.BusinessDate == r.cfg.date && (best == nil || p.Version > best.Version) {
			best = p
		}
	}
	return best
}
