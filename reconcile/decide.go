package reconcile

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
)

// This file is the engine's columnar path, the one Decide takes whenever
// the amounts of a call fit it (scaleOf): notices and payments are held in
// pointer-free columns indexed by position, every amount is an int64
// multiple of 10^exp (exact: exp is the smallest exponent of any amount
// given, so no amount is rounded), strings are compared once, by sorting,
// into dense ranks, and references are extracted and looked up for all
// payments in parallel, chunk by chunk, while one goroutine decides them in
// canonical order, recording what it decides compactly (allocRec,
// excRec); the allocations and exceptions are then written from those
// records at their sorted places, in parallel. Decimals are built only
// for what a Decision holds, with the exponents decimal arithmetic would
// have given them, so the result is the exact path's (exact.go), byte for
// byte, whatever GOMAXPROCS is.

// nstat is a notice status inside the columnar path.
type nstat uint8

const (
	stIssued nstat = iota
	stPartial
	stPaid
	stCancelled
	stExpired
)

func (s nstat) open() bool { return s <= stPartial }

func (s nstat) status() payment.NoticeStatus {
	switch s {
	case stIssued:
		return payment.NoticeIssued
	case stPartial:
		return payment.NoticePartiallyPaid
	case stPaid:
		return payment.NoticePaid
	case stCancelled:
		return payment.NoticeCancelled
	case stExpired:
		return payment.NoticeExpired
	}
	return payment.NoticeIssued
}

// maxUnits bounds the sum of the absolute values of every amount of a
// call, so that no sum or difference the rules form can overflow int64.
const maxUnits = 1 << 62

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// units converts d to an int64 multiple of 10^exp; false when it does not
// fit (more than 18 digits, or too far above exp).
func units(d decimal.Decimal, exp int32) (int64, bool) {
	if d.NumDigits() > 18 {
		return 0, false
	}
	sh := d.Exponent() - exp
	if sh < 0 || sh > 18 {
		return 0, false
	}
	c, p := d.CoefficientInt64(), pow10[sh]
	if c > maxUnits/p || c < -maxUnits/p {
		return 0, false
	}
	return c * p, true
}

// scaleOf finds the common exponent of every amount of a call (at most 0,
// the exponent of decimal.Zero, which paid amounts start from) and
// converts the notices' totals and the payments' amounts to it; false
// when one does not fit or their sum could overflow.
func scaleOf(notices []payment.Notice, payments []payment.Payment, manual []Allocation) (int32, []int64, []int64, bool) {
	exp := int32(0)
	for i := range notices {
		exp = min(exp, notices[i].Total.Amount.Exponent())
	}
	for i := range payments {
		exp = min(exp, payments[i].Amount.Amount.Exponent())
	}
	for i := range manual {
		exp = min(exp, manual[i].Amount.Amount.Exponent())
	}
	if exp < -18 {
		return 0, nil, nil, false
	}
	var sum int64
	add := func(d decimal.Decimal) (int64, bool) {
		v, ok := units(d, exp)
		if !ok {
			return 0, false
		}
		if v < 0 {
			sum -= v
		} else {
			sum += v
		}
		return v, sum <= maxUnits
	}
	totals := make([]int64, len(notices))
	for i := range notices {
		v, ok := add(notices[i].Total.Amount)
		if !ok {
			return 0, nil, nil, false
		}
		totals[i] = v
	}
	amounts := make([]int64, len(payments))
	for i := range payments {
		v, ok := add(payments[i].Amount.Amount)
		if !ok {
			return 0, nil, nil, false
		}
		amounts[i] = v
	}
	for i := range manual {
		if _, ok := add(manual[i].Amount.Amount); !ok {
			return 0, nil, nil, false
		}
	}
	return exp, totals, amounts, true
}

// target is a notice a payment names, with the reference that named it.
type target struct {
	idx      int32
	rule     Rule
	key      string
	evidence string
}

type colDecider struct {
	e        *Engine
	notices  []payment.Notice
	payments []payment.Payment
	exp      int32
	total    []int64
	totalExp []int32
	paid     []int64
	paidExp  []int32
	touched  []bool
	st       []nstat
	vnd      []bool // the notice's currency is VND
	// byKey lists notices in (system, id, position) order, rank is its
	// inverse; keyRank is the dense rank of (system, id) alone.
	byKey   []int32
	rank    []int32
	keyRank []int32
	codes   index[uint64] // by codeKey
	dossier index[string]
	amount  []int64 // per payment, in units of 10^exp
	// pid is the dense rank of each payment's ID among the payments' and
	// the held allocations' ids (mpid): comparing two ranks is comparing
	// two ids.
	pid    []int32
	mpid   []int32
	manual []Allocation
	// What consume decided, in the order it decided it: allocations
	// (allocKey their payment id rank and notice key rank) and exceptions,
	// with the targets, unknown codes and suggested notices their
	// evidence and candidates are written from.
	arecs     []allocRec
	allocKey  []uint64
	erecs     []excRec
	evTargets runs[evTarget]
	evUnknown runs[string]
	cands     []int32
	// sugg is built on first use, or by a goroutine started before the
	// payments are decided (suggDone closed when it is).
	sugg     *colSuggester
	suggDone chan struct{}
	tbuf     []target
	nbuf     []target
	cbuf     []suggestion
	nameBuf  []byte
}

func (e *Engine) decideColumnar(notices []payment.Notice, payments []payment.Payment, manual []Allocation, held func(Allocation) bool) (Decision, bool) {
	if len(notices) > maxPositions || len(payments)+len(manual) > maxPositions {
		return Decision{}, false
	}
	exp, totals, amounts, ok := scaleOf(notices, payments, manual)
	if !ok {
		return Decision{}, false
	}
	d := &colDecider{e: e, notices: notices, payments: payments, exp: exp, total: totals, amount: amounts, manual: manual}
	var order []int
	big := len(notices)+len(payments) >= parallelMin
	together(big,
		d.initNotices,
		func() {
			d.rankIDs(manual)
			order = d.canonicalOrder()
		})
	if big && e.limit >= 0 {
		// Suggestions depend only on what is immutable while payments
		// are decided: built beside the deciding, not in its way.
		d.suggDone = make(chan struct{})
		go func() {
			d.sugg = d.buildSuggester()
			close(d.suggDone)
		}()
	}
	byHand := d.credit(manual, held)
	// The payments to decide, in canonical order: the first of each id
	// (a later one is a redelivery), none an allocation holds.
	seen := make([]bool, len(payments)+len(manual))
	slots := make([]int32, 0, len(order))
	for _, i := range order {
		r := d.pid[i]
		if seen[r] {
			continue
		}
		seen[r] = true
		if byHand[r] {
			continue
		}
		slots = append(slots, int32(i)) //nolint:gosec // G115: positions fit int32 (maxPositions)
	}
	if len(slots) > 0 {
		// Most payments allocate once; about half raise an exception.
		d.arecs = slices.Grow(d.arecs, len(slots))
		d.allocKey = slices.Grow(d.allocKey, len(slots))
		d.erecs = make([]excRec, 0, len(slots)/2+1)
	}
	d.run(slots)
	if d.suggDone != nil {
		<-d.suggDone // no goroutine outlives the call
	}
	return d.result(), true
}

const parallelMin = 1 << 14

// codeKey is the number a payment code is looked up by: its prefix's
// position among the configured prefixes above its 12 digits, equal for
// two codes exactly when their strings are. False for a string of
// another form (another prefix, not 12 digits), which a reference's key
// never is (References reads configured prefixes only).
func codeKey(code string, prefixes []string) (uint64, bool) {
	const digits = payment.SerialDigits + 2
	n := len(code) - digits
	if n < 0 {
		return 0, false
	}
	var v uint64
	for i := n; i < len(code); i++ {
		c := code[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	for k, p := range prefixes {
		if code[:n] == p {
			return uint64(k)<<40 | v, true // 10^12 < 2^40
		}
	}
	return 0, false
}

// maxPositions bounds the notices, and the payments with held
// allocations, of a call the columnar path takes: it holds positions
// and ranks as int32.
const maxPositions = math.MaxInt32

// together runs fns, concurrently when par.
func together(par bool, fns ...func()) {
	if !par || runtime.GOMAXPROCS(0) < 2 {
		for _, f := range fns {
			f()
		}
		return
	}
	var wg sync.WaitGroup
	for _, f := range fns[1:] {
		wg.Go(f)
	}
	fns[0]()
	wg.Wait()
}

// parFor calls fn on consecutive ranges of [0, n), in parallel when n is
// large.
func parFor(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < parallelMin || w < 2 {
		fn(0, n)
		return
	}
	step := (n + w - 1) / w
	var wg sync.WaitGroup
	for lo := step; lo < n; lo += step {
		wg.Go(func() { fn(lo, min(lo+step, n)) })
	}
	fn(0, min(step, n))
	wg.Wait()
}

// psort sorts xs, the halves in parallel when xs is large, then merges
// them. Only for orders where equal elements are interchangeable (a total
// order, or ranks derived from equal keys): which of two equal elements
// comes first is not the one slices.SortFunc would give.
func psort(xs []int32, c func(a, b int32) int) {
	if len(xs) < parallelMin || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(xs, c)
		return
	}
	h := len(xs) / 2
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(xs[:h], c) })
	slices.SortFunc(xs[h:], c)
	wg.Wait()
	out := make([]int32, 0, len(xs))
	a, b := xs[:h], xs[h:]
	for len(a) > 0 && len(b) > 0 {
		if c(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	out = append(append(out, a...), b...)
	copy(xs, out)
}

func (d *colDecider) initNotices() {
	ns := d.notices
	n := len(ns)
	d.totalExp = make([]int32, n)
	d.paid = make([]int64, n)
	d.paidExp = make([]int32, n)
	d.touched = make([]bool, n)
	d.st = make([]nstat, n)
	d.vnd = make([]bool, n)
	for i := range ns {
		d.totalExp[i] = ns[i].Total.Amount.Exponent()
		d.vnd[i] = ns[i].Total.Currency == payment.VND
		switch ns[i].Status {
		case payment.NoticeCancelled:
			d.st[i] = stCancelled
		case payment.NoticeExpired:
			d.st[i] = stExpired
		case payment.NoticeIssued, payment.NoticePartiallyPaid, payment.NoticePaid, payment.NoticeOverpaid:
		}
	}
	par := n >= parallelMin
	together(par,
		func() {
			d.codes = newIndex[uint64](n)
			for i := range ns {
				// A code of another form is no reference's key: it
				// names nothing.
				if k, ok := codeKey(string(ns[i].Code), d.e.prefixes); ok {
					d.codes.add(k, int32(i))
				}
			}
		},
		func() {
			keys := make([]string, n)
			parFor(n, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					if ns[i].Dossier != "" {
						keys[i] = DossierKey(string(ns[i].Dossier))
					}
				}
			})
			d.dossier = newIndex[string](n)
			for i, k := range keys {
				if k != "" {
					d.dossier.add(k, int32(i))
				}
			}
		},
		func() {
			d.byKey = make([]int32, n)
			for i := range d.byKey {
				d.byKey[i] = int32(i)
			}
			psort(d.byKey, func(a, b int32) int {
				x, y := &ns[a], &ns[b]
				return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(x.ID, y.ID), cmp.Compare(a, b))
			})
			d.rank = make([]int32, n)
			d.keyRank = make([]int32, n)
			k := int32(-1)
			for r, i := range d.byKey {
				d.rank[i] = int32(r)
				if r == 0 || ns[i].System != ns[d.byKey[r-1]].System || ns[i].ID != ns[d.byKey[r-1]].ID {
					k++
				}
				d.keyRank[i] = k
			}
		})
}

// rankIDs gives every payment id and held allocation's payment id its
// dense rank.
func (d *colDecider) rankIDs(manual []Allocation) {
	n, m := len(d.payments), len(manual)
	key := func(i int32) string {
		if int(i) < n {
			return d.payments[i].ID
		}
		return manual[int(i)-n].PaymentID
	}
	ids := make([]int32, n+m)
	for i := range ids {
		ids[i] = int32(i)
	}
	psort(ids, func(a, b int32) int { return strings.Compare(key(a), key(b)) })
	ranks := make([]int32, n+m)
	r := int32(-1)
	for j, i := range ids {
		if j == 0 || key(i) != key(ids[j-1]) {
			r++
		}
		ranks[i] = r
	}
	d.pid, d.mpid = ranks[:n], ranks[n:]
}

// canonicalOrder is canonicalOrder (exact.go) with ids compared by rank:
// the same comparisons, so the same order, ties included (pdqsort's
// moves depend on the comparisons' outcomes alone). The time and rank
// compared first sit in the sorted elements, not behind an index.
func (d *colDecider) canonicalOrder() []int {
	payments := d.payments
	type key struct {
		at     int64
		pid, i int32
	}
	ks := make([]key, len(payments))
	for i := range ks {
		ks[i] = key{at: payments[i].PaidAt.UnixNano(), pid: d.pid[i], i: int32(i)} //nolint:gosec // G115: positions fit int32 (maxPositions)
	}
	slices.SortFunc(ks, func(a, b key) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if c := cmp.Compare(a.pid, b.pid); c != 0 {
			return c
		}
		p, q := &payments[a.i], &payments[b.i]
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
	order := make([]int, len(ks))
	for j, k := range ks {
		order[j] = int(k.i)
	}
	return order
}

// dec is v (in units of 10^d.exp) as a decimal of exponent e ≥ d.exp.
func (d *colDecider) dec(v int64, e int32) decimal.Decimal {
	return decimal.New(v/pow10[e-d.exp], e)
}

// noticeDec is d.dec(v, e), an amount of notice i: its total itself
// when it is that (the same coefficient and exponent, so the same
// decimal; decimals are immutable), so that a notice paid in full costs
// no new one.
func (d *colDecider) noticeDec(i int32, v int64, e int32) decimal.Decimal {
	if v == d.total[i] && e == d.totalExp[i] {
		return d.notices[i].Total.Amount
	}
	return d.dec(v, e)
}

// outstanding is a notice's total less what is paid, and the exponent
// Decimal.Sub would give it.
func (d *colDecider) outstanding(i int32) (int64, int32) {
	return d.total[i] - d.paid[i], min(d.totalExp[i], d.paidExp[i])
}

func (d *colDecider) credit(manual []Allocation, held func(Allocation) bool) []bool {
	if len(manual) == 0 {
		return make([]bool, len(d.payments))
	}
	byHand := make([]bool, len(d.payments)+len(manual))
	at := make(map[[2]string]int32, len(d.notices))
	for i := range d.notices {
		at[[2]string{d.notices[i].System, d.notices[i].ID}] = int32(i)
	}
	for k, a := range manual {
		if !held(a) {
			continue
		}
		byHand[d.mpid[k]] = true
		i, ok := at[[2]string{a.NoticeSystem, a.NoticeID}]
		if !ok {
			continue
		}
		v, _ := units(a.Amount.Amount, d.exp) // scaleOf checked it
		d.credited(i, v, a.Amount.Amount.Exponent())
		d.arecs = append(d.arecs, allocRec{pi: -1, ni: i, manual: int32(k)})        //nolint:gosec // G115: positions fit int32 (maxPositions)
		d.allocKey = append(d.allocKey, uint64(d.mpid[k])<<32|uint64(d.keyRank[i])) //nolint:gosec // G115: ranks are positions, never negative
	}
	for i := range d.notices {
		if !d.st[i].open() || d.paid[i] <= 0 {
			continue
		}
		if out, _ := d.outstanding(int32(i)); out > 0 {
			d.st[i] = stPartial
		} else {
			d.st[i] = stPaid
		}
	}
	return byHand
}

func (d *colDecider) credited(i int32, v int64, e int32) {
	d.paid[i] += v
	d.paidExp[i] = min(d.paidExp[i], e)
	d.touched[i] = true
}

// The references of the payments to decide are extracted and looked up
// in chunks of chunkSlots payments, by GOMAXPROCS workers, at most
// chunksAhead chunks ahead of the goroutine deciding them.
const chunkSlots = 2048

// span is one payment of a chunk: where its targets and unknown codes
// are, and what deciding it reads of the payment, gathered by fill so
// that the deciding goroutine does not go back to the payment (nor to
// the columns indexed by its position) for it.
type span struct {
	code, dossier, unknown, end, uend int32
	pi, pid                           int32
	exp                               int32 // its amount's exponent
	vnd                               bool  // its currency is VND
	amt                               int64 // in units of 10^d.exp
}

type chunk struct {
	targets []target
	unknown []string
	spans   []span
}

func (d *colDecider) run(slots []int32) {
	nch := (len(slots) + chunkSlots - 1) / chunkSlots
	workers := runtime.GOMAXPROCS(0)
	if nch <= 1 || workers < 2 {
		var c chunk
		var sc scratch
		for k := 0; k < nch; k++ {
			lo, hi := k*chunkSlots, min((k+1)*chunkSlots, len(slots))
			d.fill(&c, slots[lo:hi], &sc)
			d.consume(&c, slots[lo:hi])
		}
		return
	}
	// chunks[k] is written by one worker, then done[k] closed; the
	// deciding goroutine reads chunks[k] only after done[k] is closed.
	chunks := make([]chunk, nch)
	done := make([]chan struct{}, nch)
	for k := range done {
		done[k] = make(chan struct{})
	}
	window := make(chan struct{}, 2*workers+2)
	free := make(chan chunk, 2*workers+2)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var sc scratch
			for {
				// A token before a number: the lowest chunk not yet
				// decided is always being filled or about to be.
				window <- struct{}{}
				k := int(next.Add(1) - 1)
				if k >= nch {
					<-window
					return
				}
				var c chunk
				select {
				case c = <-free:
				default:
				}
				lo, hi := k*chunkSlots, min((k+1)*chunkSlots, len(slots))
				d.fill(&c, slots[lo:hi], &sc)
				chunks[k] = c
				close(done[k])
			}
		})
	}
	for k := range chunks {
		<-done[k]
		lo, hi := k*chunkSlots, min((k+1)*chunkSlots, len(slots))
		d.consume(&chunks[k], slots[lo:hi])
		select {
		case free <- chunks[k]:
		default:
		}
		chunks[k] = chunk{}
		<-window
	}
	wg.Wait()
}

// scratch is a worker's reusable buffers.
type scratch struct {
	one     []Reference // one payment's references
	refs    []Reference // the chunk's, refEnds[k] past payment k's
	refEnds []int
	hits    []int32 // the notices each reference names, hitEnds[j] past reference j's
	hitEnds []int
	dossier []target
	folded  []byte
	ends    []int // where each payment's folded description ends in folded
	descs   []string
	touch   byte // what touching the descriptions read, kept so it is done
}

// fill extracts and looks up the references of the payments of one chunk.
// It reads only what is immutable while payments are decided.
func (d *colDecider) fill(c *chunk, slots []int32, sc *scratch) {
	c.targets, c.unknown, c.spans = c.targets[:0], c.unknown[:0], c.spans[:0]
	// The chunk's descriptions folded into one string: one allocation
	// for them all, which the references' evidence and keys share.
	//
	// The payments are read first, each load independent of the last
	// (slots are in canonical order, scattered in memory): the misses
	// overlap, where folding each as it is read would wait on each in
	// turn. Touching a description's first byte brings it in the same
	// way.
	sc.descs = sc.descs[:0]
	var touch byte
	for _, i := range slots {
		p := &d.payments[i]
		sc.descs = append(sc.descs, p.Description)
		if len(p.Description) > 0 {
			touch ^= p.Description[0]
		}
		c.spans = append(c.spans, span{pi: i, pid: d.pid[i], exp: p.Amount.Amount.Exponent(),
			vnd: p.Amount.Currency == payment.VND, amt: d.amount[i]})
	}
	sc.touch = touch
	sc.folded, sc.ends = sc.folded[:0], sc.ends[:0]
	for _, desc := range sc.descs {
		sc.folded = foldAppend(sc.folded, desc)
		sc.ends = append(sc.ends, len(sc.folded))
	}
	folded := string(sc.folded)
	// Every reference of the chunk first, then every look-up in one
	// tight loop, whose cache misses (a map of a million keys) overlap,
	// then the targets.
	sc.refs, sc.refEnds = sc.refs[:0], sc.refEnds[:0]
	start := 0
	for _, end := range sc.ends {
		sc.one = extractFolded(sc.one, folded[start:end], d.e.prefixes)
		sc.refs = append(sc.refs, sc.one...)
		sc.refEnds = append(sc.refEnds, len(sc.refs))
		start = end
	}
	sc.hits, sc.hitEnds = sc.hits[:0], sc.hitEnds[:0]
	for j := range sc.refs {
		r := &sc.refs[j]
		switch r.Kind {
		case RefCode:
			if key, ok := codeKey(r.Key, d.e.prefixes); ok {
				sc.hits = d.codes.get(key, sc.hits)
			}
		case RefDossier:
			sc.hits = d.dossier.get(r.Key, sc.hits)
		}
		sc.hitEnds = append(sc.hitEnds, len(sc.hits))
	}
	dossierBuf := sc.dossier
	j := 0
	for k := range slots {
		sp := &c.spans[k]
		sp.code, sp.unknown = int32(len(c.targets)), int32(len(c.unknown)) //nolint:gosec // G115: a chunk holds a few thousand references
		dossierBuf = dossierBuf[:0]
		for ; j < sc.refEnds[k]; j++ {
			r := &sc.refs[j]
			lo := 0
			if j > 0 {
				lo = sc.hitEnds[j-1]
			}
			buf := sc.hits[lo:sc.hitEnds[j]]
			if len(buf) == 0 {
				if r.Kind == RefCode {
					c.unknown = append(c.unknown, r.Key)
				}
				continue
			}
			for _, x := range buf {
				t := target{idx: x, rule: r.Rule, key: r.Key, evidence: r.Evidence}
				if r.Kind == RefCode {
					if !containsTarget(c.targets[sp.code:], x) {
						c.targets = append(c.targets, t)
					}
				} else {
					dossierBuf = appendTarget(dossierBuf, t)
				}
			}
		}
		sp.dossier = int32(len(c.targets)) //nolint:gosec // G115: as above
		c.targets = append(c.targets, dossierBuf...)
		sp.end, sp.uend = int32(len(c.targets)), int32(len(c.unknown)) //nolint:gosec // G115: as above
	}
	sc.dossier = dossierBuf
}

func (d *colDecider) consume(c *chunk, slots []int32) {
	for k := range slots {
		sp := &c.spans[k]
		var unknown []string
		if sp.uend > sp.unknown {
			unknown = c.unknown[sp.unknown:sp.uend:sp.uend]
		}
		d.decide(sp, c.targets[sp.code:sp.dossier:sp.dossier], c.targets[sp.dossier:sp.end:sp.end], unknown)
	}
}

func appendTarget(ts []target, t target) []target {
	if containsTarget(ts, t.idx) {
		return ts
	}
	return append(ts, t)
}

func containsTarget(ts []target, i int32) bool {
	for _, x := range ts {
		if x.idx == i {
			return true
		}
	}
	return false
}

// narrowDossier keeps, for each dossier key naming several notices, only
// the single one still open, if exactly one is. fill lists the notices of
// one key together (one reference per key, each notice once), so a key's
// notices are a run of rs; the result reuses d.nbuf.
func (d *colDecider) narrowDossier(rs []target) []target {
	if len(rs) < 2 {
		return rs
	}
	out := d.nbuf[:0]
	for lo := 0; lo < len(rs); {
		hi := lo + 1
		for hi < len(rs) && rs[hi].key == rs[lo].key {
			hi++
		}
		group := rs[lo:hi]
		open := -1
		if len(group) > 1 {
			for k, r := range group {
				if d.st[r.idx].open() {
					if open != -1 {
						open = -2
						break
					}
					open = k
				}
			}
		}
		if open >= 0 {
			out = append(out, group[open])
		} else {
			out = append(out, group...)
		}
		lo = hi
	}
	d.nbuf = out
	return out
}

// excForm is the sentence of an exception consume raised: its kind, its
// evidence form and where its candidates come from.
type excForm uint8

const (
	formNotPositive   excForm = iota // invalid_input; candidates the targets
	formWrongAccount                 // wrong_account; other's agency named
	formCurrency                     // currency_mismatch
	formUnmatched                    // unmatched; candidates the suggestions
	formConflict                     // ambiguous: a code and a dossier
	formClosed                       // cancelled_notice; st named
	formAlreadyPaid                  // duplicate
	formNothingDue                   // duplicate
	formOverpaid                     // overpaid; v the excess, v2 the outstanding
	formSeveralClosed                // ambiguous; other and st named
	formSeveralSum                   // ambiguous; v the outstanding sum
)

// excRec is an exception as consume decides it: what its text and
// amounts are made of, as they were when the payment was decided. Its
// strings are written afterwards, in parallel (buildException), so the
// one goroutine deciding in canonical order does only the deciding.
type excRec struct {
	pi     int32
	form   excForm
	st     nstat
	notice int32 // the one notice the exception concerns, -1 for none
	other  int32 // the notice its evidence names (formWrongAccount, formSeveralClosed)
	ts     run   // its targets, in d.evTargets
	us     run   // its unknown codes, in d.evUnknown
	cs, ce int32 // its suggestions, in d.cands
	v, v2  int64 // amounts in units of 10^d.exp, of exponents e, e2
	e, e2  int32
}

// runs holds runs of Ts appended one after another, in blocks that never
// move: growing it copies nothing (exceptions keep their evidence's
// targets here, a few million at 1M payments).
type runs[T any] struct {
	blocks [][]T
}

// run is where runs keeps one: block, offset and length.
type run struct{ b, off, n int32 }

const runBlock = 1 << 14

// grow appends a run of n zero Ts and returns it, to be filled.
func (r *runs[T]) grow(n int) (run, []T) {
	if n == 0 {
		return run{}, nil
	}
	last := len(r.blocks) - 1
	if last < 0 || cap(r.blocks[last])-len(r.blocks[last]) < n {
		r.blocks = append(r.blocks, make([]T, 0, max(n, runBlock)))
		last++
	}
	b := r.blocks[last]
	off := len(b)
	r.blocks[last] = b[:off+n]
	return run{int32(last), int32(off), int32(n)}, r.blocks[last][off : off+n : off+n] //nolint:gosec // G115: blocks and runs are far below 2^31
}

// at is the run x.
func (r *runs[T]) at(x run) []T {
	if x.n == 0 {
		return nil
	}
	return r.blocks[x.b][x.off : x.off+x.n : x.off+x.n]
}

// evTarget is a target as an exception's evidence and candidates name it.
type evTarget struct {
	idx      int32
	rule     Rule
	evidence string
}

// allocRec is an allocation as consume decides it; buildAllocation
// writes it.
type allocRec struct {
	pi, ni int32
	// manual is the position of a held allocation in d.manual, -1 for
	// one the engine made.
	manual int32
	e      int32
	v      int64
	// whole: the amount is the payment's own decimal, as given (not
	// rebuilt from v, which would lose nothing but might not share it).
	whole    bool
	rule     Rule
	evidence string
}

func (d *colDecider) decide(s *span, byCode, byDossier []target, unknown []string) {
	byDossier = d.narrowDossier(byDossier)
	targets := append(d.tbuf[:0], byCode...)
	conflict := false
	for _, r := range byDossier {
		if containsTarget(byCode, r.idx) {
			continue
		}
		if len(byCode) > 0 {
			conflict = true
		}
		targets = append(targets, r)
	}
	if len(targets) > 1 {
		slices.SortFunc(targets, func(a, b target) int { return cmp.Compare(d.rank[a.idx], d.rank[b.idx]) })
	}
	d.tbuf = targets
	ev := evidenceAt{ts: targets, unknown: unknown}
	pi := s.pi

	if s.amt <= 0 {
		d.exception(pi, formNotPositive, -1, ev)
		return
	}
	if other, wrong := d.wrongAccount(pi, targets); wrong {
		r := d.exception(pi, formWrongAccount, d.single(targets), ev)
		r.other = other
		return
	}
	// The payment's currency differs from its first notice's, or is
	// not VND: as both VND, or neither.
	if !s.vnd || len(targets) > 0 && !d.vnd[targets[0].idx] {
		d.exception(pi, formCurrency, d.single(targets), ev)
		return
	}
	switch {
	case len(targets) == 0:
		r := d.exception(pi, formUnmatched, -1, ev)
		r.cs = int32(len(d.cands)) //nolint:gosec // G115: at most limit candidates per payment decided (maxPositions)
		d.cands = d.suggest(&d.payments[pi], s.amt, d.cands)
		r.ce = int32(len(d.cands)) //nolint:gosec // G115: as above
	case conflict:
		d.exception(pi, formConflict, -1, ev)
	case len(targets) == 1:
		d.one(s, targets[0], ev)
	default:
		d.many(s, targets, ev)
	}
}

// evidenceAt is what an exception's evidence lists: the targets of a
// payment and the well-formed codes that named no notice.
type evidenceAt struct {
	ts      []target
	unknown []string
}

// wrongAccount reports the first target whose agency does not collect
// into the account p was credited to, if collection accounts are
// configured and know that account.
func (d *colDecider) wrongAccount(pi int32, ts []target) (int32, bool) {
	if !d.e.accounts.Configured() {
		return -1, false
	}
	p := &d.payments[pi]
	if p.CreditedAccount.IsZero() {
		return -1, false
	}
	for _, t := range ts {
		if ag := d.notices[t.idx].Agency; !d.e.accounts.Collects(ag, p.CreditedAccount) {
			return t.idx, true
		}
	}
	return -1, false
}

func (d *colDecider) one(s *span, t target, ev evidenceAt) {
	pi, i := s.pi, t.idx
	switch d.st[i] {
	case stCancelled, stExpired:
		d.exception(pi, formClosed, i, ev).st = d.st[i]
		return
	case stPaid:
		d.exception(pi, formAlreadyPaid, i, ev)
		return
	case stIssued, stPartial:
	}
	out, outExp := d.outstanding(i)
	if out <= 0 {
		d.exception(pi, formNothingDue, i, ev)
		return
	}
	amt := s.amt
	switch {
	case amt < out:
		d.allocate(s.pid, allocRec{pi: pi, ni: i, manual: -1, v: amt, e: s.exp, whole: true, rule: t.rule, evidence: t.evidence})
		d.st[i] = stPartial
	case amt == out:
		d.allocate(s.pid, allocRec{pi: pi, ni: i, manual: -1, v: amt, e: s.exp, whole: true, rule: t.rule, evidence: t.evidence})
		d.st[i] = stPaid
	default:
		d.allocate(s.pid, allocRec{pi: pi, ni: i, manual: -1, v: out, e: outExp, rule: t.rule, evidence: t.evidence})
		d.st[i] = stPaid
		r := d.exception(pi, formOverpaid, i, ev)
		r.v, r.e = amt-out, min(s.exp, outExp)
		r.v2, r.e2 = out, outExp
	}
}

func (d *colDecider) many(s *span, ts []target, ev evidenceAt) {
	pi := s.pi
	var sum int64
	sumExp := int32(0) // decimal.Zero's
	for _, t := range ts {
		out, outExp := d.outstanding(t.idx)
		if !d.st[t.idx].open() || out <= 0 {
			r := d.exception(pi, formSeveralClosed, -1, ev)
			r.other, r.st = t.idx, d.st[t.idx]
			return
		}
		sum += out
		sumExp = min(sumExp, outExp)
	}
	if s.amt != sum {
		r := d.exception(pi, formSeveralSum, -1, ev)
		r.v, r.e = sum, sumExp
		return
	}
	for _, t := range ts {
		out, outExp := d.outstanding(t.idx)
		d.allocate(s.pid, allocRec{pi: pi, ni: t.idx, manual: -1, v: out, e: outExp, rule: RuleMultiReferenceExactSum, evidence: t.evidence})
		d.st[t.idx] = stPaid
	}
}

// allocate records r, of the payment of id rank pid.
func (d *colDecider) allocate(pid int32, r allocRec) {
	d.credited(r.ni, r.v, r.e)
	d.arecs = append(d.arecs, r)
	d.allocKey = append(d.allocKey, uint64(pid)<<32|uint64(d.keyRank[r.ni])) //nolint:gosec // G115: ranks are positions, never negative
}

// exception records an exception of payment pi; n is the one notice it
// concerns, -1 when none. The evidence's targets and unknown codes are
// kept (the caller's buffers are reused by the next payment).
func (d *colDecider) exception(pi int32, form excForm, n int32, ev evidenceAt) *excRec {
	r := excRec{pi: pi, form: form, notice: n, other: -1}
	var ts []evTarget
	r.ts, ts = d.evTargets.grow(len(ev.ts))
	for k, t := range ev.ts {
		ts[k] = evTarget{idx: t.idx, rule: t.rule, evidence: t.evidence}
	}
	var us []string
	r.us, us = d.evUnknown.grow(len(ev.unknown))
	copy(us, ev.unknown)
	d.erecs = append(d.erecs, r)
	return &d.erecs[len(d.erecs)-1]
}

func (d *colDecider) single(ts []target) int32 {
	if len(ts) == 1 {
		return ts[0].idx
	}
	return -1
}

func (d *colDecider) buildAllocation(r *allocRec) Allocation {
	if r.manual >= 0 {
		return d.manual[r.manual]
	}
	p := &d.payments[r.pi]
	n := &d.notices[r.ni]
	amt := p.Amount.Amount
	if !r.whole {
		amt = d.noticeDec(r.ni, r.v, r.e)
	}
	return Allocation{
		PaymentID:    p.ID,
		NoticeSystem: n.System,
		NoticeID:     n.ID,
		Code:         n.Code,
		Amount:       payment.Money{Amount: amt, Currency: p.Amount.Currency},
		Rule:         r.rule,
		Evidence:     r.evidence,
	}
}

// textBlock is how many exceptions share one string for their ids and
// evidence (and one array for their candidates): one allocation for
// them all, not several each, and a bounded block kept alive by any one
// of them.
const textBlock = 512

// excWriter writes exceptions a block at a time; one per goroutine.
type excWriter struct {
	text textBuf
	offs []int32 // per exception: where its id starts, its evidence starts, ends
	refs []Ref
}

// textBuf is a byte buffer written as an io.StringWriter.
type textBuf struct{ b []byte }

func (t *textBuf) WriteString(s string) (int, error) {
	t.b = append(t.b, s...)
	return len(s), nil
}

// block writes the exceptions of records recs to out.
func (w *excWriter) block(d *colDecider, out []Exception, recs []keyed) {
	n := 0
	for _, x := range recs {
		n += d.candidates(&d.erecs[x.i])
	}
	slab := make([]string, n)
	w.text.b, w.offs = w.text.b[:0], w.offs[:0]
	for k, x := range recs {
		c := d.candidates(&d.erecs[x.i])
		out[k] = d.buildException(&d.erecs[x.i], w, slab[:0:c])
		slab = slab[c:]
	}
	s := string(w.text.b)
	for k := range out {
		o := w.offs[3*k : 3*k+3]
		out[k].ID, out[k].Evidence = s[o[0]:o[1]], s[o[1]:o[2]]
	}
}

// candidates is how many candidates the exception of r lists.
func (d *colDecider) candidates(r *excRec) int {
	switch r.form {
	case formUnmatched:
		return int(r.ce - r.cs)
	case formClosed, formAlreadyPaid, formNothingDue, formOverpaid:
		return 1
	case formNotPositive, formWrongAccount, formCurrency, formConflict, formSeveralClosed, formSeveralSum:
	}
	return int(r.ts.n)
}

// buildException is the exception of r but for its id and evidence,
// which it writes to w.text (their offsets to w.offs), its candidates
// appended to cands.
func (d *colDecider) buildException(r *excRec, w *excWriter, cands []string) Exception {
	p := &d.payments[r.pi]
	ts := d.evTargets.at(r.ts)
	w.refs = w.refs[:0]
	for _, t := range ts {
		w.refs = append(w.refs, Ref{Rule: t.rule, Evidence: t.evidence})
	}
	if r.us.n > 0 {
		w.refs = append(w.refs, Ref{Unknown: d.evUnknown.at(r.us)})
	}
	var args [2]string
	nargs := 0
	e := Exception{PaymentID: p.ID, Amount: p.Amount, Status: ExceptionOpen}
	var form Evidence
	switch r.form {
	case formNotPositive:
		e.Kind, form = ExceptionInvalidInput, EvidenceNotPositive
	case formWrongAccount:
		e.Kind, form = ExceptionWrongAccount, EvidenceWrongAccount
		args, nargs = [2]string{p.CreditedAccount.Masked(), d.notices[r.other].Agency}, 2
	case formCurrency:
		e.Kind, form = ExceptionCurrencyMismatch, EvidenceReferences
	case formUnmatched:
		e.Kind, form = ExceptionUnmatched, EvidenceReferences
		for _, i := range d.cands[r.cs:r.ce] {
			cands = append(cands, d.notices[i].ID)
		}
	case formConflict:
		e.Kind, form = ExceptionAmbiguous, EvidenceCodeAndDossier
	case formClosed:
		e.Kind, form = ExceptionCancelledNotice, EvidenceNoticeClosed
		args, nargs = [2]string{string(r.st.status())}, 1
	case formAlreadyPaid:
		e.Kind, form = ExceptionDuplicate, EvidenceAlreadyPaid
	case formNothingDue:
		e.Kind, form = ExceptionDuplicate, EvidenceNothingDue
	case formOverpaid:
		e.Kind, form = ExceptionOverpaid, EvidenceOverpaid
		e.Amount = payment.Money{Amount: d.dec(r.v, r.e), Currency: p.Amount.Currency}
		args, nargs = [2]string{p.Amount.Amount.String(), d.dec(r.v2, r.e2).String()}, 2
	case formSeveralClosed:
		e.Kind, form = ExceptionAmbiguous, EvidenceSeveralClosed
		args, nargs = [2]string{d.notices[r.other].ID, string(r.st.status())}, 2
	case formSeveralSum:
		e.Kind, form = ExceptionAmbiguous, EvidenceSeveralSum
		args, nargs = [2]string{p.Amount.Amount.String(), d.dec(r.v, r.e).String()}, 2
	}
	switch r.form {
	case formUnmatched:
	case formClosed, formAlreadyPaid, formNothingDue, formOverpaid:
		cands = append(cands, d.notices[r.notice].ID)
	case formNotPositive, formWrongAccount, formCurrency, formConflict, formSeveralClosed, formSeveralSum:
		for _, t := range ts {
			cands = append(cands, d.notices[t.idx].ID)
		}
	}
	e.Candidates = cands
	t := &w.text
	w.offs = append(w.offs, int32(len(t.b))) //nolint:gosec // G115: a block's text is far below 2 GiB
	writeExceptionID(t, e.Kind, p.ID)
	start := len(t.b)
	w.offs = append(w.offs, int32(start)) //nolint:gosec // G115: as above
	// The references are the form's last argument in every form here.
	form.write(t, func(k int) {
		if k == nargs {
			writeRefs(t, w.refs)
		} else {
			_, _ = t.WriteString(args[k])
		}
	})
	if r.form == formUnmatched && len(t.b) == start {
		EvidenceNoReference.write(t, nil)
	}
	w.offs = append(w.offs, int32(len(t.b))) //nolint:gosec // G115: as above
	if r.notice >= 0 {
		e.NoticeSystem, e.NoticeID = d.notices[r.notice].System, d.notices[r.notice].ID
	}
	return e
}

// result orders allocations and exceptions with comparisons equivalent to
// the exact path's (ranks for strings), so slices.SortFunc moves them
// alike, ties included, then writes each at its place, in parallel: each
// is a function of its record alone.
// keyed is a record's position and its sort key.
type keyed struct {
	k uint64
	i int32
}

func (d *colDecider) result() Decision {
	ak := make([]keyed, len(d.arecs))
	for i, k := range d.allocKey {
		ak[i] = keyed{k, int32(i)} //nolint:gosec // G115: positions fit int32 (maxPositions)
	}
	slices.SortFunc(ak, func(a, b keyed) int { return cmp.Compare(a.k, b.k) })
	allocs := make([]Allocation, len(ak))
	parFor(len(ak), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			allocs[j] = d.buildAllocation(&d.arecs[ak[j].i])
		}
	})
	// A payment raises at most one exception: the payment's rank orders
	// them, no two alike.
	ek := make([]keyed, len(d.erecs))
	for i := range d.erecs {
		ek[i] = keyed{uint64(d.pid[d.erecs[i].pi]), int32(i)} //nolint:gosec // G115: a rank is a position, never negative
	}
	slices.SortFunc(ek, func(a, b keyed) int { return cmp.Compare(a.k, b.k) })
	excs := make([]Exception, len(ek))
	parFor(len(ek), func(lo, hi int) {
		var w excWriter
		for j := lo; j < hi; j += textBlock {
			end := min(j+textBlock, hi)
			w.block(d, excs[j:end], ek[j:end])
		}
	})
	states := make([]NoticeState, len(d.notices))
	parFor(len(states), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			i := d.byKey[r]
			n := &d.notices[i]
			paid := decimal.Zero
			if d.touched[i] {
				paid = d.noticeDec(i, d.paid[i], d.paidExp[i])
			}
			states[r] = NoticeState{
				System: n.System, NoticeID: n.ID, Code: n.Code, Status: d.st[i].status(),
				AmountDue: n.Total,
				Paid:      payment.Money{Amount: paid, Currency: n.Total.Currency},
			}
		}
	})
	out := Decision{Allocations: allocs, Exceptions: excs, Notices: states}
	// nil when none, as the exact path's (JSON null, not [])
	if len(out.Allocations) == 0 {
		out.Allocations = nil
	}
	if len(out.Exceptions) == 0 {
		out.Exceptions = nil
	}
	return out
}
