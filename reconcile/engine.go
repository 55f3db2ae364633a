package reconcile

import (
	"cmp"
	"sort"
	"time"

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

// index maps a key to one notice, or to several: a negative value -k-1
// is the list dups[k], so that a look-up is one map access either way.
type index[K comparable] struct {
	one  map[K]int32
	dups [][]int32
}

func newIndex[K comparable](n int) index[K] { return index[K]{one: make(map[K]int32, n)} }

func (x *index[K]) add(key K, i int32) {
	first, ok := x.one[key]
	switch {
	case !ok:
		x.one[key] = i
	case first >= 0:
		x.dups = append(x.dups, []int32{first, i})
		x.one[key] = -int32(len(x.dups)) //nolint:gosec // G115: at most one list per notice (maxPositions)
	default:
		x.dups[-first-1] = append(x.dups[-first-1], i)
	}
}

func (x *index[K]) get(key K, out []int32) []int32 {
	i, ok := x.one[key]
	switch {
	case !ok:
		return out
	case i >= 0:
		return append(out, i)
	}
	return append(out, x.dups[-i-1]...)
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
//
// Cost: linear in the payments but for sorting (ids, notice keys). The
// references of all payments are read in parallel (GOMAXPROCS workers),
// payments are decided one by one in canonical order, what is decided is
// written out (allocations, exceptions, notice states) in parallel, and
// the Decision is the same, byte for byte, whatever the parallelism. Amounts are held as
// int64 multiples of their common smallest unit when they fit (exactly:
// nothing is rounded), as decimals otherwise.
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

// resolved is a notice named by a payment, with the strongest reference.
type resolved struct {
	idx int32
	ref Reference
}

func (e *Engine) decideAround(notices []payment.Notice, payments []payment.Payment, manual []Allocation, held func(Allocation) bool) Decision {
	if d, ok := e.decideColumnar(notices, payments, manual, held); ok {
		return d
	}
	return e.decideExact(notices, payments, manual, held)
}

// CompareExceptions is the order of a Decision's exceptions: by payment id,
// kind, then id. A batch run keeps its exceptions in the same order.
func CompareExceptions(a, b Exception) int {
	return cmp.Or(cmp.Compare(a.PaymentID, b.PaymentID), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
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
