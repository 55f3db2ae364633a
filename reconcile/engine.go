package reconcile

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
)

// Config configures the matching engine.
type Config struct {
	// CodePrefixes are the payment-code prefixes accepted in descriptions;
	// the 12 digits typed alone are validated under each. Default ["NP"].
	CodePrefixes []string
	// SuggestionLimit caps the candidates suggested for an unmatched
	// payment. Default 5; negative disables suggestions.
	SuggestionLimit int
	// SuggestionWindow is how long before a payment a notice may have been
	// issued to be suggested for it. Default 90 days.
	SuggestionWindow time.Duration
	// CollectionAccounts are the accounts each agency collects into. When
	// configured, a payment credited to a known account that is not one
	// of them for the agency of a notice it names is a wrong_account
	// exception; an unknown credited account is decided as before. The
	// zero value configures none: nothing is checked.
	CollectionAccounts collection.Accounts
}

// Defaults.
const (
	DefaultSuggestionLimit  = 5
	DefaultSuggestionWindow = 90 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if len(c.CodePrefixes) == 0 {
		c.CodePrefixes = []string{payment.DefaultCodePrefix}
	}
	if c.SuggestionLimit == 0 {
		c.SuggestionLimit = DefaultSuggestionLimit
	}
	if c.SuggestionWindow == 0 {
		c.SuggestionWindow = DefaultSuggestionWindow
	}
	return c
}

// Validate reports all problems of the configuration (after defaults) at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	p := config.In("reconcile")
	seen := map[string]bool{}
	for _, prefix := range c.CodePrefixes {
		if err := payment.ValidatePrefix(prefix); err != nil {
			p.Add(err)
		}
		if seen[prefix] {
			p.Addf("prefix %q listed twice", prefix)
		}
		seen[prefix] = true
	}
	if c.SuggestionLimit > 100 {
		p.Addf("suggestion limit %d is above 100", c.SuggestionLimit)
	}
	if c.SuggestionWindow < 0 {
		p.Addf("suggestion window is negative")
	}
	return p.Err()
}

// Engine allocates payments to notices. It is immutable after NewEngine
// and safe for concurrent use.
type Engine struct {
	prefixes []string
	limit    int
	window   time.Duration
	accounts collection.Accounts
}

// NewEngine validates cfg, applies defaults and builds an engine.
func NewEngine(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	prefixes := append([]string(nil), cfg.CodePrefixes...)
	sort.Strings(prefixes)
	return &Engine{prefixes: prefixes, limit: cfg.SuggestionLimit, window: cfg.SuggestionWindow,
		accounts: cfg.CollectionAccounts}, nil
}

// NoticeState is a notice after the payments of a Decision.
type NoticeState struct {
	System    string               `json:"system"`
	NoticeID  string               `json:"notice_id"`
	Code      payment.PaymentCode  `json:"payment_code,omitempty"`
	Status    payment.NoticeStatus `json:"status"`
	AmountDue payment.Money        `json:"amount_due"`
	Paid      payment.Money        `json:"paid"`
}

// Decision is the outcome of matching a set of payments against a set of
// notices. Allocations are sorted by (payment, system, notice), exceptions
// by (payment, kind, id), notices by (system, id).
type Decision struct {
	Allocations []Allocation  `json:"allocations"`
	Exceptions  []Exception   `json:"exceptions"`
	Notices     []NoticeState `json:"notices"`
}

type noticeState struct {
	n      *payment.Notice
	paid   decimal.Decimal
	status payment.NoticeStatus
}

func (s *noticeState) outstanding() decimal.Decimal { return s.n.Total.Amount.Sub(s.paid) }

// index maps a key to one notice, or to several in dup.
type index struct {
	one map[string]int32
	dup map[string][]int32
}

func newIndex(n int) index { return index{one: make(map[string]int32, n)} }

func (x *index) add(key string, i int32) {
	if key == "" {
		return
	}
	first, ok := x.one[key]
	if !ok {
		x.one[key] = i
		return
	}
	if x.dup == nil {
		x.dup = map[string][]int32{}
	}
	if _, ok := x.dup[key]; !ok {
		x.dup[key] = []int32{first}
	}
	x.dup[key] = append(x.dup[key], i)
}

func (x *index) get(key string, out []int32) []int32 {
	if d, ok := x.dup[key]; ok {
		return append(out, d...)
	}
	if i, ok := x.one[key]; ok {
		return append(out, i)
	}
	return out
}

// Decide matches payments to notices. It is a pure function of its
// arguments and the engine's configuration:
//
//   - Payments are processed in canonical order (PaidAt, then ID) whatever
//     order they come in, so every delivery order gives the same Decision.
//     A payment ID seen again is a redelivery and is ignored.
//   - Notices enter with their issue-side status: issued, or cancelled /
//     expired (which accept nothing). Paid amounts and the statuses
//     partially_paid / paid are derived only from the payments given, so a
//     notice passed as partially_paid or paid starts from zero paid here.
//   - Decide is correct on any closed subset: the notices given together
//     with every payment that references them. The streaming service relies
//     on this: it extracts a payment's references (Engine.References), locks
//     those notices, loads the other payments already tied to them, calls
//     Decide on that group and replaces the group's allocations and
//     exceptions with the result.
//
// Rules (each allocation and exception records its rule and evidence):
// one notice and amount equal to its outstanding → allocated, paid; less →
// partially_paid; more → the outstanding allocated, paid, and an overpaid
// exception for the excess (a refund case: the excess belongs to the payer,
// not to the notice, so the notice is paid, not overpaid); a settled notice
// → duplicate; cancelled or expired → cancelled_notice; currency other than
// the notice's → currency_mismatch; several notices → allocated to all only
// when the amount is exactly their outstanding sum, else ambiguous; a code
// and a dossier naming different notices → ambiguous; no reference naming
// a given notice → unmatched, with suggestions (same amount, same folded
// payer name, recent) that are never allocated. Nothing is ever allocated
// on amount or payer name alone. Amounts are exact decimals.
//
// Collection accounts (Config.CollectionAccounts), when configured: a
// payment whose credited account is known and is not a collection
// account of the agency of every notice it names is wrong_account (its
// candidates those notices), before any other rule: the money is not in
// the agency's account, so it is never allocated and never confirmed. An
// unknown credited account is decided as if none were configured.
func (e *Engine) Decide(notices []payment.Notice, payments []payment.Payment) Decision {
	return e.DecideAround(notices, payments, nil)
}

// DecideAround is Decide around an accountant's manual allocations
// (RuleManual): they are fixed. Each is credited to its notice before any
// payment is decided, and the payments they come from are not decided at
// all (a payment is decided by the engine or by hand, never both): they
// raise no exception and get no other allocation. The Decision lists the
// manual allocations among its own, so that a notice's state and its
// confirmation see them; callers store only the others. A manual
// allocation to a notice not given is left out, and one of another rule
// is not manual and is ignored.
//
// A notice's status after its manual allocations: paid when they cover
// its total, partially paid when they cover part, unchanged (cancelled,
// expired) when it accepts no money; the engine then decides the other
// payments against what remains outstanding, so a later payment to a
// notice paid by hand is a duplicate, never an undoing.
func (e *Engine) DecideAround(notices []payment.Notice, payments []payment.Payment, manual []Allocation) Decision {
	return e.decideAround(notices, payments, manual, func(a Allocation) bool { return a.Rule == RuleManual })
}

// DecideFixed is DecideAround with every allocation in fixed held as a
// manual one is, whatever its rule: credited first, its payment not
// decided again. Package ingest passes a confirmed notice's allocations
// (the procedure system was told who paid) together with the manual ones,
// so that a later re-decision in canonical order cannot move a confirmed
// notice's money to another payment.
func (e *Engine) DecideFixed(notices []payment.Notice, payments []payment.Payment, fixed []Allocation) Decision {
	return e.decideAround(notices, payments, fixed, func(Allocation) bool { return true })
}

func (e *Engine) decideAround(notices []payment.Notice, payments []payment.Payment, manual []Allocation, held func(Allocation) bool) Decision {
	d := decider{e: e}
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
func (d *decider) credit(manual []Allocation, held func(Allocation) bool) map[string]struct{} {
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

type decider struct {
	e  *Engine
	ns []noticeState
	// byKey lists notice indices in (system, id) order; rank is the
	// inverse, so comparing two notices is comparing two ints.
	byKey   []int32
	rank    []int32
	codes   index
	dossier index
	sugg    *suggester
	allocs  []Allocation
	excs    []Exception
}

func (d *decider) init(notices []payment.Notice) {
	d.ns = make([]noticeState, len(notices))
	d.codes = newIndex(len(notices))
	d.dossier = newIndex(len(notices))
	for i := range notices {
		n := &notices[i]
		st := payment.NoticeIssued
		switch n.Status {
		case payment.NoticeCancelled, payment.NoticeExpired:
			st = n.Status
		case payment.NoticeIssued, payment.NoticePartiallyPaid, payment.NoticePaid, payment.NoticeOverpaid:
		}
		d.ns[i] = noticeState{n: n, status: st}
		d.codes.add(string(n.Code), int32(i))
		if n.Dossier != "" {
			d.dossier.add(DossierKey(string(n.Dossier)), int32(i))
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

// resolved is a notice named by a payment, with the strongest reference.
type resolved struct {
	idx int32
	ref Reference
}

func (d *decider) decide(p *payment.Payment) {
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
	byDossier = narrowDossier(d.ns, byDossier)

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
		d.exception(p, ExceptionWrongAccount, p.Amount, d.ids(targets), single(d, targets),
			EvidenceWrongAccount.Format(p.CreditedAccount.Masked(), agency, ev.String()))
		return
	}
	if cur := p.Amount.Currency; len(targets) > 0 && cur != d.ns[targets[0].idx].n.Total.Currency || cur != payment.VND {
		d.exception(p, ExceptionCurrencyMismatch, p.Amount, d.ids(targets), single(d, targets), EvidenceReferences.Format(ev.String()))
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
func (d *decider) wrongAccount(p *payment.Payment, ts []resolved) (string, bool) {
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

func (d *decider) one(p *payment.Payment, t resolved, ev *lazyEvidence) {
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

func (d *decider) many(p *payment.Payment, ts []resolved, ev *lazyEvidence) {
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

func (d *decider) allocate(p *payment.Payment, s *noticeState, amt decimal.Decimal, rule Rule, evidence string) {
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
func (d *decider) exception(p *payment.Payment, kind ExceptionKind, amt payment.Money, candidates []string, n *payment.Notice, evidence string) {
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

func (d *decider) less(a, b int32) bool { return d.rank[a] < d.rank[b] }

func (d *decider) ids(ts []resolved) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, d.ns[t.idx].n.ID)
	}
	return out
}

func single(d *decider, ts []resolved) *payment.Notice {
	if len(ts) == 1 {
		return d.ns[ts[0].idx].n
	}
	return nil
}

// CompareExceptions is the order of a Decision's exceptions: by payment id,
// kind, then id. A batch run keeps its exceptions in the same order.
func CompareExceptions(a, b Exception) int {
	return cmp.Or(cmp.Compare(a.PaymentID, b.PaymentID), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
}

func (d *decider) result() Decision {
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

func appendResolved(rs []resolved, r resolved) []resolved {
	for _, x := range rs {
		if x.idx == r.idx {
			return rs
		}
	}
	return append(rs, r)
}

func containsIdx(rs []resolved, i int32) bool {
	for _, x := range rs {
		if x.idx == i {
			return true
		}
	}
	return false
}

// narrowDossier keeps, for each dossier key naming several notices, only
// the single one still open, if exactly one is.
func narrowDossier(ns []noticeState, rs []resolved) []resolved {
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

// lazyEvidence is the evidence text of an exception, built only when an
// exception is raised: most payments are simply allocated.
type lazyEvidence struct {
	ts      []resolved
	unknown []string
	s       string
	done    bool
}

func (l *lazyEvidence) String() string {
	if !l.done {
		l.s, l.done = evidenceOf(l.ts, l.unknown), true
	}
	return l.s
}

// evidenceOf lists the references that named a given notice, and the
// well-formed codes that named none.
func evidenceOf(ts []resolved, unknown []string) string {
	refs := make([]Ref, 0, len(ts)+1)
	for _, t := range ts {
		refs = append(refs, Ref{Rule: t.ref.Rule, Evidence: t.ref.Evidence})
	}
	if len(unknown) > 0 {
		refs = append(refs, Ref{Unknown: unknown})
	}
	return RefsText(refs)
}
