package reconcile

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
)

// This file is the engine's exact path: every amount a decimal.Decimal.
// It is the algorithm Decide had before the columnar path (decide.go) and
// now runs only when the amounts of a call do not fit that path's int64
// arithmetic exactly (see scaleOf); a differential test holds the two to
// the same Decisions, byte for byte.

type exactNotice struct {
	n      *payment.Notice
	paid   decimal.Decimal
	status payment.NoticeStatus
}

func (s *exactNotice) outstanding() decimal.Decimal { return s.n.Total.Amount.Sub(s.paid) }

func (e *Engine) decideExact(notices []payment.Notice, payments []payment.Payment, manual []Allocation, held func(Allocation) bool) Decision {
	d := exactDecider{e: e}
	d.init(notices)
	byHand := d.credit(manual, held)
	order := canonicalOrder(payments)
	seen := make(map[string]struct{}, len(order))
	for _, i := range order {
		p := &payments[i]
		if _, ok := seen[p.ID]; ok {
			continue
		}
		seen[p.ID] = struct{}{}
		if _, ok := byHand[p.ID]; ok {
			continue
		}
		d.decide(p)
	}
	return d.result()
}

// credit applies the held manual (or fixed) allocations to their notices
// and returns the payments they come from.
func (d *exactDecider) credit(manual []Allocation, held func(Allocation) bool) map[string]struct{} {
	if len(manual) == 0 {
		return nil
	}
	at := make(map[[2]string]int32, len(d.ns))
	for i := range d.ns {
		at[[2]string{d.ns[i].n.System, d.ns[i].n.ID}] = int32(i)
	}
	byHand := map[string]struct{}{}
	for _, a := range manual {
		if !held(a) {
			continue
		}
		byHand[a.PaymentID] = struct{}{}
		i, ok := at[[2]string{a.NoticeSystem, a.NoticeID}]
		if !ok {
			continue
		}
		s := &d.ns[i]
		s.paid = s.paid.Add(a.Amount.Amount)
		d.allocs = append(d.allocs, a)
	}
	for i := range d.ns {
		s := &d.ns[i]
		if !s.status.Open() || !s.paid.IsPositive() {
			continue
		}
		if s.outstanding().IsPositive() {
			s.status = payment.NoticePartiallyPaid
		} else {
			s.status = payment.NoticePaid
		}
	}
	return byHand
}

func canonicalOrder(payments []payment.Payment) []int {
	order := make([]int, len(payments))
	at := make([]int64, len(payments))
	for i := range order {
		order[i] = i
		at[i] = payments[i].PaidAt.UnixNano()
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(at[a], at[b]); c != 0 {
			return c
		}
		p, q := &payments[a], &payments[b]
		if c := strings.Compare(p.ID, q.ID); c != 0 {
			return c
		}
		// Same id twice: a redelivery. Order by content so the one kept
		// does not depend on delivery order.
		if c := p.Amount.Amount.Cmp(q.Amount.Amount); c != 0 {
			return c
		}
		if c := strings.Compare(string(p.Amount.Currency), string(q.Amount.Currency)); c != 0 {
			return c
		}
		if c := strings.Compare(p.Description, q.Description); c != 0 {
			return c
		}
		if c := strings.Compare(p.PayerName, q.PayerName); c != 0 {
			return c
		}
		return strings.Compare(p.PayerAccount, q.PayerAccount)
	})
	return order
}

type exactDecider struct {
	e  *Engine
	ns []exactNotice
	// byKey lists notice indices in (system, id) order; rank is the
	// inverse, so comparing two notices is comparing two ints.
	byKey   []int32
	rank    []int32
	codes   index[string]
	dossier index[string]
	sugg    *exactSuggester
	allocs  []Allocation
	excs    []Exception
}

func (d *exactDecider) init(notices []payment.Notice) {
	d.ns = make([]exactNotice, len(notices))
	d.codes = newIndex[string](len(notices))
	d.dossier = newIndex[string](len(notices))
	for i := range notices {
		n := &notices[i]
		st := payment.NoticeIssued
		switch n.Status {
		case payment.NoticeCancelled, payment.NoticeExpired:
			st = n.Status
		case payment.NoticeIssued, payment.NoticePartiallyPaid, payment.NoticePaid, payment.NoticeOverpaid:
		}
		d.ns[i] = exactNotice{n: n, status: st}
		if n.Code != "" {
			d.codes.add(string(n.Code), int32(i))
		}
		if n.Dossier != "" {
			if k := DossierKey(string(n.Dossier)); k != "" {
				d.dossier.add(k, int32(i))
			}
		}
	}
	d.byKey = make([]int32, len(notices))
	for i := range d.byKey {
		d.byKey[i] = int32(i)
	}
	slices.SortFunc(d.byKey, func(a, b int32) int {
		x, y := &notices[a], &notices[b]
		// The same notice twice: keep input position stable.
		return cmp.Or(cmp.Compare(x.System, y.System), cmp.Compare(x.ID, y.ID), cmp.Compare(a, b))
	})
	d.rank = make([]int32, len(notices))
	for r, i := range d.byKey {
		d.rank[i] = int32(r)
	}
}

func (d *exactDecider) decide(p *payment.Payment) {
	refs := d.e.References(p.Description)
	var byCode, byDossier []resolved
	var unknown []string
	var buf []int32
	for _, r := range refs {
		buf = buf[:0]
		switch r.Kind {
		case RefCode:
			buf = d.codes.get(r.Key, buf)
		case RefDossier:
			buf = d.dossier.get(r.Key, buf)
		}
		if len(buf) == 0 {
			if r.Kind == RefCode {
				unknown = append(unknown, r.Key)
			}
			continue
		}
		for _, i := range buf {
			if r.Kind == RefCode {
				byCode = appendResolved(byCode, resolved{i, r})
			} else {
				byDossier = appendResolved(byDossier, resolved{i, r})
			}
		}
	}
	// A dossier naming several notices counts only through the one of
	// them that still accepts money, if exactly one does.
	byDossier = exactNarrowDossier(d.ns, byDossier)

	targets := append([]resolved(nil), byCode...)
	conflict := false
	for _, r := range byDossier {
		if containsIdx(byCode, r.idx) {
			continue
		}
		if len(byCode) > 0 {
			conflict = true
		}
		targets = append(targets, r)
	}
	sort.Slice(targets, func(a, b int) bool { return d.less(targets[a].idx, targets[b].idx) })
	ev := &lazyEvidence{ts: targets, unknown: unknown}

	if !p.Amount.Amount.IsPositive() {
		// Edges validate amounts; a zero or negative one reaching the
		// engine is still never allocated.
		d.exception(p, ExceptionInvalidInput, p.Amount, d.ids(targets), nil, EvidenceNotPositive.Format(ev.String()))
		return
	}
	if agency, wrong := d.wrongAccount(p, targets); wrong {
		d.exception(p, ExceptionWrongAccount, p.Amount, d.ids(targets), exactSingle(d, targets),
			EvidenceWrongAccount.Format(p.CreditedAccount.Masked(), agency, ev.String()))
		return
	}
	if cur := p.Amount.Currency; len(targets) > 0 && cur != d.ns[targets[0].idx].n.Total.Currency || cur != payment.VND {
		d.exception(p, ExceptionCurrencyMismatch, p.Amount, d.ids(targets), exactSingle(d, targets), EvidenceReferences.Format(ev.String()))
		return
	}
	switch {
	case len(targets) == 0:
		evidence := EvidenceReferences.Format(ev.String())
		if evidence == "" {
			evidence = EvidenceNoReference.Format()
		}
		d.exception(p, ExceptionUnmatched, p.Amount, d.suggest(p), nil, evidence)
	case conflict:
		d.exception(p, ExceptionAmbiguous, p.Amount, d.ids(targets), nil,
			EvidenceCodeAndDossier.Format(ev.String()))
	case len(targets) == 1:
		d.one(p, targets[0], ev)
	default:
		d.many(p, targets, ev)
	}
}

// wrongAccount reports whether collection accounts are configured and p
// was credited to a known account that is not one of them for the agency
// of one of the notices it names, and which agency.
func (d *exactDecider) wrongAccount(p *payment.Payment, ts []resolved) (string, bool) {
	if !d.e.accounts.Configured() || p.CreditedAccount.IsZero() {
		return "", false
	}
	for _, t := range ts {
		if ag := d.ns[t.idx].n.Agency; !d.e.accounts.Collects(ag, p.CreditedAccount) {
			return ag, true
		}
	}
	return "", false
}

func (d *exactDecider) one(p *payment.Payment, t resolved, ev *lazyEvidence) {
	s := &d.ns[t.idx]
	switch s.status {
	case payment.NoticeCancelled, payment.NoticeExpired:
		d.exception(p, ExceptionCancelledNotice, p.Amount, []string{s.n.ID}, s.n,
			EvidenceNoticeClosed.Format(string(s.status), ev.String()))
		return
	case payment.NoticePaid, payment.NoticeOverpaid:
		d.exception(p, ExceptionDuplicate, p.Amount, []string{s.n.ID}, s.n,
			EvidenceAlreadyPaid.Format(ev.String()))
		return
	case payment.NoticeIssued, payment.NoticePartiallyPaid:
	}
	out := s.outstanding()
	if !out.IsPositive() {
		// a notice with nothing due (a zero amount) cannot take money
		d.exception(p, ExceptionDuplicate, p.Amount, []string{s.n.ID}, s.n, EvidenceNothingDue.Format(ev.String()))
		return
	}
	amt := p.Amount.Amount
	switch amt.Cmp(out) {
	case -1:
		d.allocate(p, s, amt, t.ref.Rule, t.ref.Evidence)
		s.status = payment.NoticePartiallyPaid
	case 0:
		d.allocate(p, s, amt, t.ref.Rule, t.ref.Evidence)
		s.status = payment.NoticePaid
	default:
		d.allocate(p, s, out, t.ref.Rule, t.ref.Evidence)
		s.status = payment.NoticePaid
		excess := payment.Money{Amount: amt.Sub(out), Currency: p.Amount.Currency}
		d.exception(p, ExceptionOverpaid, excess, []string{s.n.ID}, s.n,
			EvidenceOverpaid.Format(amt.String(), out.String(), ev.String()))
	}
}

func (d *exactDecider) many(p *payment.Payment, ts []resolved, ev *lazyEvidence) {
	sum := decimal.Zero
	for _, t := range ts {
		s := &d.ns[t.idx]
		if !s.status.Open() || !s.outstanding().IsPositive() {
			d.exception(p, ExceptionAmbiguous, p.Amount, d.ids(ts), nil,
				EvidenceSeveralClosed.Format(s.n.ID, string(s.status), ev.String()))
			return
		}
		sum = sum.Add(s.outstanding())
	}
	if !p.Amount.Amount.Equal(sum) {
		d.exception(p, ExceptionAmbiguous, p.Amount, d.ids(ts), nil,
			EvidenceSeveralSum.Format(p.Amount.Amount.String(), sum.String(), ev.String()))
		return
	}
	for _, t := range ts {
		s := &d.ns[t.idx]
		d.allocate(p, s, s.outstanding(), RuleMultiReferenceExactSum, t.ref.Evidence)
		s.status = payment.NoticePaid
	}
}

func (d *exactDecider) allocate(p *payment.Payment, s *exactNotice, amt decimal.Decimal, rule Rule, evidence string) {
	s.paid = s.paid.Add(amt)
	d.allocs = append(d.allocs, Allocation{
		PaymentID:    p.ID,
		NoticeSystem: s.n.System,
		NoticeID:     s.n.ID,
		Code:         s.n.Code,
		Amount:       payment.Money{Amount: amt, Currency: p.Amount.Currency},
		Rule:         rule,
		Evidence:     evidence,
	})
}

// exception records an exception of p; n is the one notice it concerns,
// nil when none. Its CreatedAt is left zero: Decide has no clock, and an
// exception is raised when its decision is recorded (see Exception).
func (d *exactDecider) exception(p *payment.Payment, kind ExceptionKind, amt payment.Money, candidates []string, n *payment.Notice, evidence string) {
	if candidates == nil {
		candidates = []string{}
	}
	e := Exception{
		ID:         ExceptionID(kind, p.ID),
		Kind:       kind,
		PaymentID:  p.ID,
		Amount:     amt,
		Candidates: candidates,
		Evidence:   evidence,
		Status:     ExceptionOpen,
	}
	if n != nil {
		e.NoticeSystem, e.NoticeID = n.System, n.ID
	}
	d.excs = append(d.excs, e)
}

func (d *exactDecider) less(a, b int32) bool { return d.rank[a] < d.rank[b] }

func (d *exactDecider) ids(ts []resolved) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, d.ns[t.idx].n.ID)
	}
	return out
}

func exactSingle(d *exactDecider, ts []resolved) *payment.Notice {
	if len(ts) == 1 {
		return d.ns[ts[0].idx].n
	}
	return nil
}

func (d *exactDecider) result() Decision {
	slices.SortFunc(d.allocs, func(a, b Allocation) int {
		return cmp.Or(cmp.Compare(a.PaymentID, b.PaymentID), cmp.Compare(a.NoticeSystem, b.NoticeSystem), cmp.Compare(a.NoticeID, b.NoticeID))
	})
	slices.SortFunc(d.excs, CompareExceptions)
	states := make([]NoticeState, len(d.ns))
	for r, i := range d.byKey {
		s := &d.ns[i]
		states[r] = NoticeState{
			System: s.n.System, NoticeID: s.n.ID, Code: s.n.Code, Status: s.status,
			AmountDue: s.n.Total,
			Paid:      payment.Money{Amount: s.paid, Currency: s.n.Total.Currency},
		}
	}
	return Decision{Allocations: d.allocs, Exceptions: d.excs, Notices: states}
}

// narrowDossier keeps, for each dossier key naming several notices, only
// the single one still open, if exactly one is.
func exactNarrowDossier(ns []exactNotice, rs []resolved) []resolved {
	if len(rs) < 2 {
		return rs
	}
	byKey := map[string][]resolved{}
	var keys []string
	for _, r := range rs {
		if _, ok := byKey[r.ref.Key]; !ok {
			keys = append(keys, r.ref.Key)
		}
		byKey[r.ref.Key] = append(byKey[r.ref.Key], r)
	}
	var out []resolved
	for _, k := range keys {
		group := byKey[k]
		if len(group) > 1 {
			var open []resolved
			for _, r := range group {
				if ns[r.idx].status.Open() {
					open = append(open, r)
				}
			}
			if len(open) == 1 {
				group = open
			}
		}
		for _, r := range group {
			out = appendResolved(out, r)
		}
	}
	return out
}

// exactSuggester finds candidate notices for an unmatched payment, for a person
// to look at; suggestions are never allocated. A candidate is a notice
// still open, issued within the window before the payment (or up to a day
// after it, for clock skew between systems), whose outstanding amount
// equals the payment's or whose payer name folds to the payer's. Both
// together rank first, then either; ties go to the notice issued nearest
// the payment, then to (system, id).
type exactSuggester struct {
	names    []string           // folded payer name per notice
	byAmount map[string][]int32 // each bucket sorted by IssuedAt, then system, id
	byName   map[string][]int32
	byBoth   map[string][]int32
}

type exactSuggestion struct {
	idx   int32
	score int
	age   time.Duration
}

func (d *exactDecider) suggest(p *payment.Payment) []string {
	if d.e.limit < 0 {
		return []string{}
	}
	if d.sugg == nil {
		d.sugg = d.buildSuggester()
	}
	amount := p.Amount.Amount.String()
	name := FoldName(p.PayerName)
	var cands []exactSuggestion
	seen := map[int32]bool{}
	want := 2 * d.e.limit
	if name != "" {
		cands = d.scan(p, d.sugg.byBoth[amount+"|"+name], name, want, seen, cands)
		cands = d.scan(p, d.sugg.byName[name], name, want, seen, cands)
	}
	cands = d.scan(p, d.sugg.byAmount[amount], name, want, seen, cands)
	slices.SortFunc(cands, func(x, y exactSuggestion) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.age, y.age), cmp.Compare(d.rank[x.idx], d.rank[y.idx]))
	})
	out := make([]string, 0, d.e.limit)
	for _, c := range cands {
		if len(out) == d.e.limit {
			break
		}
		out = append(out, d.ns[c.idx].n.ID)
	}
	return out
}

// scan walks a bucket outward from the payment time, nearest issue time
// first, and collects up to want new candidates with a positive score.
func (d *exactDecider) scan(p *payment.Payment, bucket []int32, name string, want int, seen map[int32]bool, cands []exactSuggestion) []exactSuggestion {
	if len(bucket) == 0 {
		return cands
	}
	issued := func(k int) time.Time { return d.ns[bucket[k]].n.IssuedAt }
	mid := sort.Search(len(bucket), func(k int) bool { return issued(k).After(p.PaidAt) })
	latest, earliest := p.PaidAt.Add(skew), p.PaidAt.Add(-d.e.window)
	back, fwd := mid-1, mid
	got := 0
	for visited := 0; visited < maxScan && got < want; visited++ {
		var k int
		bOK := back >= 0 && !issued(back).Before(earliest)
		fOK := fwd < len(bucket) && !issued(fwd).After(latest)
		switch {
		case bOK && fOK:
			if p.PaidAt.Sub(issued(back)) <= issued(fwd).Sub(p.PaidAt) {
				k, back = back, back-1
			} else {
				k, fwd = fwd, fwd+1
			}
		case bOK:
			k, back = back, back-1
		case fOK:
			k, fwd = fwd, fwd+1
		default:
			return cands
		}
		i := bucket[k]
		s := &d.ns[i]
		if seen[i] || !s.status.Open() {
			continue
		}
		score := 0
		if s.n.Total.Currency == p.Amount.Currency && s.outstanding().Equal(p.Amount.Amount) {
			score += 2
		}
		if name != "" && d.sugg.names[i] == name {
			score += 2
		}
		if score == 0 {
			continue
		}
		seen[i] = true
		age := p.PaidAt.Sub(s.n.IssuedAt)
		if age < 0 {
			age = -age
		}
		cands = append(cands, exactSuggestion{idx: i, score: score, age: age})
		got++
	}
	return cands
}

func (d *exactDecider) buildSuggester() *exactSuggester {
	s := &exactSuggester{
		names:    make([]string, len(d.ns)),
		byAmount: map[string][]int32{},
		byName:   map[string][]int32{},
		byBoth:   map[string][]int32{},
	}
	// One sort of every notice by (issued, system, id); buckets filled in
	// that order come out sorted.
	order := make([]int32, 0, len(d.ns))
	issued := make([]int64, len(d.ns))
	for i := range d.ns {
		if d.ns[i].status == payment.NoticeCancelled || d.ns[i].status == payment.NoticeExpired {
			continue
		}
		issued[i] = d.ns[i].n.IssuedAt.UnixNano()
		order = append(order, int32(i))
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(issued[a], issued[b]); c != 0 {
			return c
		}
		return cmp.Compare(d.rank[a], d.rank[b])
	})
	for _, i := range order {
		n := d.ns[i].n
		amount := n.Total.Amount.String()
		s.byAmount[amount] = append(s.byAmount[amount], i)
		if name := FoldName(n.PayerName); name != "" {
			s.names[i] = name
			s.byName[name] = append(s.byName[name], i)
			s.byBoth[amount+"|"+name] = append(s.byBoth[amount+"|"+name], i)
		}
	}
	return s
}
