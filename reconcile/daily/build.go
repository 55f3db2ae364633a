package daily

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// part is money of one payment landing on one budget line.
type part struct {
	notice *payment.Notice
	// ni is the notice's index in Input.Notices; -1 when not known.
	ni     int32
	item   int
	amount decimal.Decimal
	excess bool
}

type budgetKey struct{ agency, account, chapter, subitem string }
type channelKey struct{ agency, account, channel string }
type accountKey struct{ agency, account string }

// builder accumulates one report scope.
type builder struct {
	agency      string
	budget      map[budgetKey]*budgetAcc
	channels    map[channelKey]*channelAcc
	payments    []PaymentLine
	allocations []AllocationLine
	// links are the scope's links as their index in run.links (finish
	// makes them its lines): a link is held by the run and in the lines,
	// not a third time here.
	links      []int32
	exceptions []ExceptionLine
	resolved   []ExceptionLine
	adjust     []Adjustment
	unassigned map[string]*UnassignedLine
	control    Control
	// sums are control's sums of lines while they are added (exactSum).
	sums struct{ payment, allocation, excess, unassigned exactSum }
}

func newBuilder(agency string) *builder {
	return &builder{
		agency:     agency,
		budget:     map[budgetKey]*budgetAcc{},
		channels:   map[channelKey]*channelAcc{},
		unassigned: map[string]*UnassignedLine{},
	}
}

// budgetAcc is a budget line while it is built, its money summed in sum.
// chans are the channel lines of its agency and account that it has
// met, found again by channel without hashing three strings.
type budgetAcc struct {
	line  BudgetLine
	sum   figuresSum
	b     *builder
	chans []*channelAcc
}

// channelLine is b.channelLine of the budget line's notice n.
func (l *budgetAcc) channelLine(n *payment.Notice, channel, paymentID string) *channelAcc {
	for _, c := range l.chans {
		if c.line.Channel == channel {
			c.count(paymentID)
			return c
		}
	}
	c := l.b.channelLine(n, channel, paymentID)
	l.chans = append(l.chans, c)
	return c
}

func (b *builder) budgetLine(n *payment.Notice, item int) *budgetAcc {
	ch, sub := "", ""
	if item < len(n.Items) {
		ch, sub = n.Items[item].BudgetChapter, n.Items[item].BudgetSubitem
	}
	k := budgetKey{n.Agency, n.TreasuryAccount, ch, sub}
	l, ok := b.budget[k]
	if !ok {
		l = &budgetAcc{line: BudgetLine{Agency: k.agency, TreasuryAccount: k.account, Chapter: ch, Subitem: sub}, b: b}
		b.budget[k] = l
	}
	return l
}

// channelAcc is a channel line while it is built, its money summed in
// sum: last is the payment it counted last. Payments are added one at a
// time, each id once, so a payment whose parts land on the line twice is
// counted once without a set of every payment's id.
type channelAcc struct {
	line ChannelLine
	sum  figuresSum
	last string
}

func (b *builder) channelLine(n *payment.Notice, channel, paymentID string) *channelAcc {
	k := channelKey{n.Agency, n.TreasuryAccount, channel}
	l, ok := b.channels[k]
	if !ok {
		l = &channelAcc{line: ChannelLine{Agency: k.agency, TreasuryAccount: k.account, Channel: channel}}
		b.channels[k] = l
	}
	if !ok {
		l.last = paymentID
		l.line.Payments++
		return l
	}
	l.count(paymentID)
	return l
}

// count counts the payment on the line, once.
func (l *channelAcc) count(paymentID string) {
	if l.last != paymentID {
		l.last = paymentID
		l.line.Payments++
	}
}

// figuresSum sums Figures exactly (exactSum), each column apart.
type figuresSum struct {
	expected, collected, matched, unmatched, refundsDue, fees exactSum
}

func (s *figuresSum) add(f Figures) {
	s.expected.add(f.Expected.Decimal)
	s.collected.add(f.Collected.Decimal)
	s.matched.add(f.Matched.Decimal)
	s.unmatched.add(f.Unmatched.Decimal)
	s.refundsDue.add(f.RefundsDue.Decimal)
	s.fees.add(f.Fees.Decimal)
}

func (s *figuresSum) figures() Figures {
	return Figures{Expected: s.expected.amount(), Collected: s.collected.amount(), Matched: s.matched.amount(),
		Unmatched: s.unmatched.amount(), RefundsDue: s.refundsDue.amount(), Fees: s.fees.amount()}
}

// exactSum is an exact running total: an int64 of đồng while every term
// is a whole number of at most 18 digits and the total stays in range
// (VND amounts, what reports sum), a decimal from the first term that is
// not. Each decimal addition allocates; a budget or channel line sums
// three columns for every payment it gets, in each of two scopes. Its
// amount has the value a decimal sum of the same terms has, which is all
// a report writes of it.
type exactSum struct {
	n   int64
	d   decimal.Decimal
	big bool
}

func (s *exactSum) add(x decimal.Decimal) {
	if x.IsZero() {
		return
	}
	if !s.big && x.Exponent() == 0 && x.NumDigits() <= 18 {
		v := x.CoefficientInt64()
		if t := s.n + v; (v >= 0) == (t >= s.n) { // no overflow
			s.n = t
			return
		}
	}
	if !s.big {
		s.d, s.big = decimal.NewFromInt(s.n), true
	}
	s.d = s.d.Add(x)
}

// greaterThan says whether the total is greater than x.
func (s *exactSum) greaterThan(x decimal.Decimal) bool {
	if !s.big && x.Exponent() == 0 && x.NumDigits() <= 18 {
		return s.n > x.CoefficientInt64()
	}
	return s.amount().GreaterThan(x)
}

// amount is the total; the zero Amount when nothing but zero was added,
// as the zero Figures a line starts with.
func (s *exactSum) amount() Amount {
	switch {
	case s.big:
		return amt(s.d)
	case s.n == 0:
		return Amount{}
	}
	return amt(decimal.NewFromInt(s.n))
}

// items returns a notice's budget items' amounts; a notice without items is
// one line without classification.
func items(n *payment.Notice) []decimal.Decimal {
	if len(n.Items) == 0 {
		return []decimal.Decimal{n.Total.Amount}
	}
	out := make([]decimal.Decimal, len(n.Items))
	for i, it := range n.Items {
		out[i] = it.Amount.Amount
	}
	return out
}

// spread lays amount over the notice's items after what was paid before,
// filling each item in order (no proportional split: nothing is rounded).
// Anything beyond the last item lands on the last item.
func spread(n *payment.Notice, before, amount decimal.Decimal) []part {
	return appendSpread(nil, n, -1, before, amount)
}

// appendSpread appends spread's parts to out; ni is n's index in
// Input.Notices, -1 when not known.
func appendSpread(out []part, n *payment.Notice, ni int32, before, amount decimal.Decimal) []part {
	if len(n.Items) <= 1 && amount.Exponent() == 0 && before.Exponent() == 0 && !before.IsNegative() {
		// One item, whole amounts, nothing negative paid before: the part
		// is the amount itself (what the arithmetic below gives, the same
		// decimal to the exponent, without allocating it again).
		if amount.IsPositive() {
			out = append(out, part{notice: n, ni: ni, item: 0, amount: amount})
		}
		return out
	}
	its := items(n)
	offset := decimal.Zero
	for i, a := range its {
		end := offset.Add(a)
		if i == len(its)-1 {
			end = before.Add(amount) // the rest, whatever it is
			if end.LessThan(offset) {
				end = offset
			}
		}
		lo := decimal.Max(offset, before)
		hi := decimal.Min(end, before.Add(amount))
		if hi.GreaterThan(lo) {
			out = append(out, part{notice: n, ni: ni, item: i, amount: hi.Sub(lo)})
		}
		offset = offset.Add(a)
	}
	return out
}

func (r *run) creditStatus(s *payState) CreditStatus {
	switch s.credit {
	case creditOK:
		return CreditMatched
	case creditMismatch:
		return CreditMismatch
	case creditNone:
	}
	if before(r.cfg.date, addDays(s.day(), r.cfg.window)) {
		return CreditAwaiting
	}
	return CreditMissing
}

// reports builds the day's reports: ALL, then one per agency by code, each
// chained to its scope's previous version.
func (r *run) reports() ([]Report, error) {
	rp := r.newReporting()
	r.resolveOverpaid()
	r.release()
	rp.expected()
	if err := rp.payments(); err != nil {
		return nil, err
	}
	rp.statementControl()
	rp.settlementLinks()
	rp.openExceptions()
	rp.resolvedExceptions()
	return rp.versions()
}

// reporting is the state of building one run's reports: a builder for ALL
// and one per agency, made on first use.
type reporting struct {
	*run
	all    *builder
	scopes map[string]*builder
	// paid is what was paid on each notice before the allocation at hand,
	// by the notice's index in Input.Notices.
	paid []decimal.Decimal
	// late are the late_event exceptions by payment id.
	late map[string]*reconcile.Exception
	// asOf is the calendar day the open exceptions' ages are counted to.
	asOf payment.Date
	// reversedBy are the reversals given by the payment they name.
	reversedBy map[string]*payment.Reversal
	// sizes are the agencies' room for lines (scope).
	sizes map[string]*scopeSize
	// firstLines are the budget lines of each notice's first item in ALL
	// and in its agency (budgetLines), by the notice's index in
	// Input.Notices.
	firstLines [][2]*budgetAcc
	// dp is the payment being reported: one for all of them, its slices
	// reused.
	dp dayPayment
	// zero is 0 with exponent 0: the difference of two equal whole
	// amounts, made once.
	zero decimal.Decimal
}

func (r *run) newReporting() *reporting {
	all := newBuilder(AgencyAll)
	all.payments = make([]PaymentLine, 0, len(r.pays))
	all.allocations = make([]AllocationLine, 0, len(r.in.Allocations))
	all.links = make([]int32, 0, len(r.links))
	return &reporting{
		run: r, all: all, scopes: map[string]*builder{}, sizes: r.scopeSizes(),
		paid: r.paidBefore(), late: r.lateEvents(), asOf: r.cfg.calendarDay(r.in.Now), reversedBy: r.reversedBy(),
		zero: decimal.New(0, 0),
	}
}

// scopeSize is room for an agency report's lines of the day's payments:
// at least as many as it gets. A million lines appended to slices that
// double as they grow are copied about once more, and leave up to half of
// the last one unused.
type scopeSize struct{ payments, allocations, links int }

// scopeSizes counts, per agency, the lines the day's payments bring it
// (payments, allocations): one payment line per agency a payment pays.
func (r *run) scopeSizes() map[string]*scopeSize {
	sizes := map[string]*scopeSize{}
	var paid []string
	for i := range r.pays {
		s := &r.pays[i]
		if s.day() != r.cfg.date || s.p.Amount.Currency != payment.VND {
			continue
		}
		paid = paid[:0]
		for _, a := range s.allocs {
			n := a.notice
			z, ok := sizes[n.Agency]
			if !ok {
				z = &scopeSize{}
				sizes[n.Agency] = z
			}
			z.allocations++
			if slices.Contains(paid, n.Agency) {
				continue
			}
			paid = append(paid, n.Agency)
			z.payments++
			if s.linked() {
				z.links++
			}
		}
	}
	return sizes
}

// reversedBy returns the reversals given by the payment they name, booked
// on any day: a reversal of a payment of the day booked later marks it
// too. A payment is reversed once (the store refuses a second); were two
// given, the first booked (reversed_at, id) names it.
func (r *run) reversedBy() map[string]*payment.Reversal {
	out := map[string]*payment.Reversal{}
	for i := range r.in.Reversals {
		v := &r.in.Reversals[i]
		if v.PaymentID == "" {
			continue
		}
		if o, ok := out[v.PaymentID]; ok && cmp.Or(o.ReversedAt.Compare(v.ReversedAt), cmp.Compare(o.ID, v.ID)) < 0 {
			continue
		}
		out[v.PaymentID] = v
	}
	return out
}

// paidBefore says what was paid on each notice before today's allocations
// (the states count every payment given, including today's and later
// ones), by the notice's index in Input.Notices.
func (r *run) paidBefore() []decimal.Decimal {
	paidBefore := make([]decimal.Decimal, len(r.in.Notices))
	if len(r.in.NoticeStates) == 0 {
		return paidBefore
	}
	today := make([]decimal.Decimal, len(r.in.Notices))
	for i := range r.pays {
		s := &r.pays[i]
		if before(s.day(), r.cfg.date) {
			continue // paid before the day: part of "before"
		}
		for _, a := range s.allocs {
			today[a.ni] = addExact(today[a.ni], a.Amount.Amount)
		}
	}
	for _, st := range r.in.NoticeStates {
		n, err := r.noticeIndex(st.System, st.NoticeID)
		if err != nil {
			continue // a state of a notice with nothing to report
		}
		b := st.Paid.Amount.Sub(today[n])
		if b.IsPositive() {
			paidBefore[n] = b
		}
	}
	return paidBefore
}

// addExact is a.Add(x), without allocating when a is a zero of exponent
// 0 (a sum not started) and x's exponent is not positive: the sum is then
// x itself, to the exponent.
func addExact(a, x decimal.Decimal) decimal.Decimal {
	if a.IsZero() && a.Exponent() == 0 && x.Exponent() <= 0 {
		return x
	}
	return a.Add(x)
}

// lateEvents returns this run's late_event exceptions by payment id: their
// payments are reported with an adjustment.
func (r *run) lateEvents() map[string]*reconcile.Exception {
	late := map[string]*reconcile.Exception{}
	for i := range r.excs {
		if r.excs[i].Kind == reconcile.ExceptionLateEvent {
			late[r.excs[i].PaymentID] = &r.excs[i]
		}
	}
	return late
}

// scope returns the builder of an agency's report, made on first use.
func (rp *reporting) scope(agency string) *builder {
	b, ok := rp.scopes[agency]
	if !ok {
		b = newBuilder(agency)
		// No room for none: a list nothing is added to stays nil.
		if z := rp.sizes[agency]; z != nil {
			b.payments = sized[PaymentLine](z.payments)
			b.allocations = sized[AllocationLine](z.allocations)
			b.links = sized[int32](z.links)
		}
		rp.scopes[agency] = b
	}
	return b
}

func nilIfEmpty[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// sized is an empty slice with room for n, nil for none.
func sized[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// both returns the builders money on a notice of agency goes to: ALL and
// the agency's.
func (rp *reporting) both(agency string) [2]*builder {
	return [2]*builder{rp.all, rp.scope(agency)}
}

// budgetLines returns the budget lines of the notice n's item in ALL and
// in n's agency. Those of a notice's first item are kept by the notice's
// index ni (-1: not known): a notice's lines are looked for when it is
// expected and again when it is paid, each time a hash of four strings
// per scope.
func (rp *reporting) budgetLines(n *payment.Notice, ni int32, item int) [2]*budgetAcc {
	if item != 0 || ni < 0 {
		bs := rp.both(n.Agency)
		return [2]*budgetAcc{bs[0].budgetLine(n, item), bs[1].budgetLine(n, item)}
	}
	if rp.firstLines == nil {
		rp.firstLines = make([][2]*budgetAcc, len(rp.in.Notices))
	}
	ls := &rp.firstLines[ni]
	if ls[0] == nil {
		bs := rp.both(n.Agency)
		*ls = [2]*budgetAcc{bs[0].budgetLine(n, 0), bs[1].budgetLine(n, 0)}
	}
	return *ls
}

// expected adds the notices issued on the day, not cancelled, to the
// budget lines' expected amounts. The notices are taken in input order:
// the sums are exact and the lines sorted when finished, so the order
// changes nothing but the time a sort would take.
func (rp *reporting) expected() {
	for i := range rp.in.Notices {
		n := &rp.in.Notices[i]
		if n.Status == payment.NoticeCancelled || rp.cfg.day(n.IssuedAt) != rp.cfg.date || n.Total.Currency != payment.VND || !rp.latest(i) {
			continue
		}
		if len(n.Items) == 0 {
			for _, l := range rp.budgetLines(n, int32(i), 0) { //nolint:gosec // G115: see indexNotices
				l.sum.expected.add(n.Total.Amount)
				l.line.NoticesExpected++
			}
			continue
		}
		for j, it := range n.Items {
			for _, l := range rp.budgetLines(n, int32(i), j) { //nolint:gosec // G115: see indexNotices
				l.sum.expected.add(it.Amount.Amount)
				if j == 0 {
					l.line.NoticesExpected++
				}
			}
		}
	}
}

// dayPayment is a payment of the day while it is reported.
type dayPayment struct {
	s       *payState
	channel string
	credit  CreditStatus
	late    *reconcile.Exception // its late_event, if any
	// overpaid is its overpaid excess, if any.
	overpaid overpaid
	// reversal is the reversal that took it back, if any; reversed the
	// part of its unassigned money (rest) that reversal took back.
	reversal *payment.Reversal
	reversed decimal.Decimal
	// parts is its money on the notices' budget items, its overpaid excess
	// last.
	parts []part
	// collected is its money on notices per agency, total their sum, rest
	// the money on no notice.
	collected agencySums
	total     decimal.Decimal
	rest      decimal.Decimal
}

func (dp *dayPayment) matched() bool { return dp.credit == CreditMatched }

// payments adds the payments of the day; foreign ones are only counted.
func (rp *reporting) payments() error {
	for i := range rp.pays {
		s := &rp.pays[i]
		if s.day() != rp.cfg.date {
			continue
		}
		if s.p.Amount.Currency != payment.VND {
			rp.all.control.ForeignPayments++
			continue
		}
		if err := rp.payment(i); err != nil {
			return err
		}
	}
	return nil
}

// payment adds one payment of the day: its allocations, its money on the
// budget and channel lines, its payment lines and what no notice owns.
func (rp *reporting) payment(i int) error {
	s := &rp.pays[i]
	dp := &rp.dp
	*dp = dayPayment{s: s, channel: s.p.Gateway.Channel(), credit: rp.creditStatus(s), late: rp.late[s.p.ID],
		overpaid: rp.overpaid[int32(i)], //nolint:gosec // G115: see indexPayments
		parts:    dp.parts[:0], collected: dp.collected[:0]}
	rp.allocations(dp)
	if err := rp.excess(dp); err != nil {
		return err
	}
	rp.figures(dp)
	dp.reverse(rp.reversedBy[s.p.ID])
	rp.paymentLines(dp)
	rp.unassigned(dp)
	return nil
}

// allocations adds the payment's allocation lines and lays each
// allocation over its notice's items, after what was paid before it.
func (rp *reporting) allocations(dp *dayPayment) {
	p := dp.s.p
	for _, a := range dp.s.allocs {
		n := a.notice
		dp.parts = appendSpread(dp.parts, n, a.ni, rp.paid[a.ni], a.Amount.Amount)
		rp.paid[a.ni] = addExact(rp.paid[a.ni], a.Amount.Amount)
		al := AllocationLine{
			PaymentID: p.ID, NoticeSystem: n.System, NoticeID: n.ID, PaymentCode: a.Code,
			Agency: n.Agency, TreasuryAccount: n.TreasuryAccount, Channel: dp.channel,
			Amount: amt(a.Amount.Amount), Rule: a.Rule, Credit: dp.credit,
		}
		for _, b := range rp.both(n.Agency) {
			b.allocations = append(b.allocations, al)
			b.control.AllocationCount++
			b.sums.allocation.add(a.Amount.Amount)
		}
	}
}

// excess adds the payment's overpaid excess, a refund due, as a part on
// the last item of the overpaid notice.
func (rp *reporting) excess(dp *dayPayment) error {
	s, o := dp.s, dp.overpaid
	if !o.amount.IsPositive() {
		return nil
	}
	if o.err != nil {
		return fmt.Errorf("daily reconcile: overpaid excess of %s: %w", s.p.ID, o.err)
	}
	ni := o.ni
	n := &rp.in.Notices[ni]
	its := items(n)
	dp.parts = append(dp.parts, part{notice: n, ni: ni, item: len(its) - 1, amount: o.amount, excess: true})
	return nil
}

// resolveOverpaid finds the notice of each overpaid excess (the notice
// of that id the payment was allocated to, else the one of that id)
// before the maps by key are released; excess reports what it finds.
func (r *run) resolveOverpaid() {
	for i, o := range r.overpaid {
		system := ""
		for _, a := range r.pays[i].allocs {
			if a.NoticeID == o.notice {
				system = a.NoticeSystem
			}
		}
		o.ni, o.err = r.noticeIndex(system, o.notice)
		r.overpaid[i] = o
	}
}

// figures adds the payment's parts to the budget and channel lines, and
// sums them per agency.
func (rp *reporting) figures(dp *dayPayment) {
	dp.total = decimal.Zero
	for i, pt := range dp.parts {
		n := pt.notice
		f := Figures{Collected: amt(pt.amount)}
		if dp.matched() {
			f.Matched = amt(pt.amount)
		} else {
			f.Unmatched = amt(pt.amount)
		}
		if pt.excess {
			f.RefundsDue = amt(pt.amount)
		}
		// The fee goes with the payment's first part (no split, no rounding).
		if i == 0 {
			f.Fees = amt(dp.s.fee)
		}
		for _, l := range rp.budgetLines(n, pt.ni, pt.item) {
			l.sum.add(f)
			l.channelLine(n, dp.channel, dp.s.p.ID).sum.add(f)
			if pt.excess {
				l.b.sums.excess.add(pt.amount)
			}
		}
		dp.collected.add(n.Agency, pt.amount)
		if i == 0 {
			dp.total = addExact(dp.total, pt.amount)
		} else {
			dp.total = dp.total.Add(pt.amount)
		}
	}
	dp.rest = rp.difference(dp.s.p.Amount.Amount, dp.total)
}

// difference is a.Sub(b), the zero made once when both are the same whole
// amount (a payment all on notices).
func (rp *reporting) difference(a, b decimal.Decimal) decimal.Decimal {
	if a.Exponent() == 0 && b.Exponent() == 0 && a.Equal(b) {
		return rp.zero
	}
	return a.Sub(b)
}

// paymentLines adds the payment's line to each agency it paid, with what
// it brought that agency, and to ALL, with what no notice owns.
func (rp *reporting) paymentLines(dp *dayPayment) {
	p, s := dp.s.p, dp.s
	line := PaymentLine{
		PaymentID: p.ID, Gateway: p.Gateway, Channel: dp.channel, PaidAt: p.PaidAt.UTC(),
		Amount: amt(p.Amount.Amount), Fee: amt(s.fee), Credit: dp.credit, Late: dp.late != nil,
	}
	if s.linked() {
		lk := &rp.links[s.link-1]
		line.LinkRule, line.StatementRef = lk.Rule, lk.Ref
	}
	if dp.reversal != nil {
		line.ReversedBy = dp.reversal.ID
	}
	dp.collected.sort()
	for _, c := range dp.collected {
		pl := line
		pl.Collected = amt(c.sum)
		rp.scope(c.agency).addPayment(pl, s.link, dp.late)
	}
	rest := dp.rest
	pl := line
	pl.Collected, pl.Unassigned, pl.Reversed = amt(dp.total), amt(rest), amt(dp.reversed)
	rp.all.addPayment(pl, s.link, dp.late)
	rp.all.sums.unassigned.add(rest)
}

// reverse records the reversal v of the payment, if any: the part of its
// money on no notice that v took back, at most v's amount (a reversal in
// another currency takes back nothing the report sums). A reversal undoes
// every allocation of its payment (ingest.Processor.Reverse), so that part
// is normally the whole payment; what a reversal found still allocated
// stays collected, and is not counted twice.
func (dp *dayPayment) reverse(v *payment.Reversal) {
	dp.reversal, dp.reversed = v, decimal.Zero
	if v == nil || v.Amount.Currency != dp.s.p.Amount.Currency {
		return
	}
	if rest := dp.rest; rest.IsPositive() && v.Amount.Amount.IsPositive() {
		dp.reversed = decimal.Min(rest, v.Amount.Amount)
	}
}

// unassigned adds what of the payment no notice owns to ALL's unassigned
// line of its channel; a payment on no notice brings its fee there too.
func (rp *reporting) unassigned(dp *dayPayment) {
	rest := dp.rest
	if !rest.IsPositive() && len(dp.parts) != 0 {
		return
	}
	u, ok := rp.all.unassigned[dp.channel]
	if !ok {
		u = &UnassignedLine{Channel: dp.channel}
		rp.all.unassigned[dp.channel] = u
	}
	u.Payments++
	u.Amount.Decimal = u.Amount.Add(rest)
	if dp.matched() {
		u.Matched.Decimal = u.Matched.Add(rest)
	} else {
		u.Unmatched.Decimal = u.Unmatched.Add(rest)
	}
	if len(dp.parts) == 0 {
		u.Fees.Decimal = u.Fees.Add(dp.s.fee)
	}
	addTo(&u.Reversed, amt(dp.reversed))
}

// statementControl counts the statement lines booked on the day into ALL's
// control: debits, and credits each linked or a missing_event.
func (rp *reporting) statementControl() {
	c := &rp.all.control
	var debits, credits, linked, missing exactSum
	for i, l := range rp.lines {
		if !rp.subject(l.BookingDate) {
			continue
		}
		if !l.Credit {
			c.DebitCount++
			debits.add(l.Amount.Amount)
			continue
		}
		c.CreditCount++
		credits.add(l.Amount.Amount)
		if rp.lineLink[i] != 0 {
			c.LinkedCreditCount++
			linked.add(l.Amount.Amount)
		} else {
			c.MissingEventCount++
			missing.add(l.Amount.Amount)
		}
	}
	c.DebitSum, c.CreditSum, c.LinkedCreditSum, c.MissingEventSum = debits.amount(), credits.amount(), linked.amount(), missing.amount()
}

// settlementLinks adds the links of settlement batches, which no payment
// carries, to ALL only.
//
// The run's links are sorted by now (sortLinks); among themselves the
// settlement batches' are in the order they were found, the order of
// their statement lines.
func (rp *reporting) settlementLinks() {
	for i := range rp.links {
		if rp.links[i].PaymentID == "" {
			rp.all.links = append(rp.all.links, int32(i)) //nolint:gosec // G115: see addLink
		}
	}
}

// openExceptions adds the open exceptions to ALL and to the agencies they
// concern.
func (rp *reporting) openExceptions() {
	for _, e := range rp.open() {
		el := rp.exceptionLine(e)
		rp.all.exceptions = append(rp.all.exceptions, el)
		for _, ag := range rp.exceptionAgencies(e) {
			rp.scope(ag).exceptions = append(rp.scope(ag).exceptions, el)
		}
	}
}

// open returns the open exceptions, each id once: the matching ones given,
// then this run's (a stored exception keeps its first version); none whose
// id was given resolved (r.excs has those marked resolved already, see
// resolve).
func (rp *reporting) open() []reconcile.Exception {
	given := make([]reconcile.Exception, 0, len(rp.in.Exceptions))
	for _, e := range rp.in.Exceptions {
		if e.Status == reconcile.ExceptionOpen && rp.resolved[e.ID] == nil {
			given = append(given, e)
		}
	}
	// The same id twice: keep the first created (the store keeps the first).
	slices.SortStableFunc(given, func(a, b reconcile.Exception) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Evidence, b.Evidence))
	})
	seen := map[string]bool{}
	var excs []reconcile.Exception
	for _, e := range given {
		if !seen[e.ID] {
			seen[e.ID] = true
			excs = append(excs, e)
		}
	}
	for _, e := range rp.excs {
		if !seen[e.ID] && e.Status == reconcile.ExceptionOpen {
			seen[e.ID] = true
			excs = append(excs, e)
		}
	}
	return excs
}

// resolvedExceptions adds the exceptions given resolved, aged until their
// resolution.
func (rp *reporting) resolvedExceptions() {
	for _, id := range sortedKeys(rp.resolved) {
		e := rp.resolved[id]
		el := rp.exceptionLine(*e)
		if e.ResolvedAt != nil {
			at := e.ResolvedAt.UTC()
			el.ResolvedAt = &at
			el.AgeDays = days(rp.cfg.calendarDay(e.CreatedAt), rp.cfg.calendarDay(at))
		}
		if e.Status != reconcile.ExceptionResolved {
			el.ClosedAs = e.Status
		}
		rp.all.resolved = append(rp.all.resolved, el)
		for _, ag := range rp.exceptionAgencies(*e) {
			rp.scope(ag).resolved = append(rp.scope(ag).resolved, el)
		}
	}
}

// exceptionLine is e as a report lists it, aged until the run's day.
func (rp *reporting) exceptionLine(e reconcile.Exception) ExceptionLine {
	el := ExceptionLine{
		ID: e.ID, Kind: e.Kind, PaymentID: e.PaymentID, StatementRef: e.StatementRef,
		NoticeSystem: e.NoticeSystem, NoticeID: e.NoticeID, Amount: amt(e.Amount.Amount), Currency: e.Amount.Currency, Candidates: e.Candidates,
		Evidence: e.Evidence, CreatedAt: e.CreatedAt.UTC(), AgeDays: days(rp.cfg.calendarDay(e.CreatedAt), rp.asOf),
	}
	if el.Candidates == nil {
		el.Candidates = []string{}
	}
	return el
}

// versions finishes each scope's report, ALL first, then the agencies by
// code, as the next version of the scope's previous report.
func (rp *reporting) versions() ([]Report, error) {
	builders := append(make([]*builder, 0, 1+len(rp.scopes)), rp.all)
	for _, ag := range sortedKeys(rp.scopes) {
		builders = append(builders, rp.scopes[ag])
	}
	// Each scope is finished and sealed apart from the others: they only
	// read the run. Sealing writes a report's JSON through SHA-256, a third
	// of the day's work at a million lines, and ALL has half of the lines:
	// on two cores ALL is sealed while the agencies are.
	out := make([]Report, len(builders))
	errs := make([]error, len(builders))
	// A panic in a worker is raised again here, in the caller's goroutine,
	// where it was raised before and where the caller may recover it.
	panics := make([]any, len(builders))
	seal := func(i int) {
		defer func() { panics[i] = recover() }()
		out[i], errs[i] = NextVersion(rp.previous(builders[i].agency), rp.finish(builders[i]))
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(builders)) {
		wg.Go(func() {
			for i := range next {
				seal(i)
			}
		})
	}
	for i := range builders {
		next <- i
	}
	close(next)
	wg.Wait()
	// The first scope's panic or error, as when they were sealed one by
	// one.
	for i, err := range errs {
		if panics[i] != nil {
			panic(panics[i])
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// agencySums is the money of one payment per agency: a short slice, not a
// map, as most payments touch one agency.
type agencySums []struct {
	agency string
	sum    decimal.Decimal
}

func (a *agencySums) add(agency string, d decimal.Decimal) {
	for i := range *a {
		if (*a)[i].agency == agency {
			(*a)[i].sum = (*a)[i].sum.Add(d)
			return
		}
	}
	*a = append(*a, struct {
		agency string
		sum    decimal.Decimal
	}{agency, d})
}

// sort sorts by agency; an agency is there once.
func (a agencySums) sort() {
	if len(a) > 1 {
		sort.Slice(a, func(i, j int) bool { return a[i].agency < a[j].agency })
	}
}

// addPayment adds a payment line, with its link (an index in run.links +
// 1; 0 for none) and its late_event.
func (b *builder) addPayment(pl PaymentLine, link int32, late *reconcile.Exception) {
	b.payments = append(b.payments, pl)
	b.control.PaymentCount++
	b.sums.payment.add(pl.Collected.Decimal)
	b.sums.payment.add(pl.Unassigned.Decimal)
	if link != 0 {
		b.links = append(b.links, link-1)
	}
	if late != nil {
		b.adjust = append(b.adjust, Adjustment{
			PaymentID: pl.PaymentID, Channel: pl.Channel, Reason: late.Kind, ExceptionID: late.ID,
			Amount: pl.Amount, Collected: pl.Collected,
		})
	}
}

// exceptionAgencies: the agency of the exception's notice, else the
// agencies its payment was allocated to; none for money nobody owns yet.
func (r *run) exceptionAgencies(e reconcile.Exception) []string {
	if e.NoticeID != "" {
		if i, ok := r.noticesByID()[e.NoticeID]; ok && i >= 0 {
			return []string{r.in.Notices[i].Agency}
		}
	}
	s, ok := r.pay(e.PaymentID)
	if e.PaymentID == "" || !ok {
		return nil
	}
	var out []string
	for _, a := range s.allocs {
		if !slices.Contains(out, a.notice.Agency) {
			out = append(out, a.notice.Agency)
		}
	}
	sort.Strings(out)
	return out
}

func days(from, to payment.Date) int {
	a := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
	d := int(b.Sub(a) / (24 * time.Hour))
	if d < 0 {
		return 0
	}
	return d
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// finish turns a builder into an unsealed version-0 report with sorted
// lines and totals.
func (r *run) finish(b *builder) Report {
	b.control.PaymentSum, b.control.AllocationSum = b.sums.payment.amount(), b.sums.allocation.amount()
	b.control.ExcessSum, b.control.UnassignedSum = b.sums.excess.amount(), b.sums.unassigned.amount()
	links := r.scopeLinks(b)
	if b.agency != AgencyAll {
		// An agency's lists are nil when empty, as before they were sized
		// (ALL's are made empty, not nil).
		b.payments, b.allocations, links = nilIfEmpty(b.payments), nilIfEmpty(b.allocations), nilIfEmpty(links)
	}
	rep := Report{
		BusinessDate: r.cfg.date, Agency: b.agency, Currency: payment.VND,
		Cutoff: FormatCutoff(r.cfg.cutoff), CreditWindowDays: r.cfg.window, AsOf: r.in.Now.UTC(), AuditHead: r.auditHead(),
		Control:     b.control,
		Payments:    b.payments,
		Allocations: b.allocations,
		Links:       links,
		Exceptions:  b.exceptions,
		Adjustments: b.adjust,
		Resolved:    b.resolved, // nil when none: omitted, as in reports made before it existed
	}
	if b.agency == AgencyAll {
		rep.Reversals = r.reversalLines() // nil when none: omitted likewise
		rep.RefundsDue = r.refundLines()
		rep.LateUnreported = r.lateUnreportedLines()
	}
	accounts := map[accountKey]*AccountLine{}
	for _, acc := range b.budget {
		l := &acc.line
		l.Figures = acc.sum.figures()
		rep.Budget = append(rep.Budget, *l)
		k := accountKey{l.Agency, l.TreasuryAccount}
		a, ok := accounts[k]
		if !ok {
			a = &AccountLine{Agency: l.Agency, TreasuryAccount: l.TreasuryAccount}
			accounts[k] = a
		}
		a.Figures.add(l.Figures)
		a.NoticesExpected += l.NoticesExpected
		rep.Totals.Figures.add(l.Figures)
		rep.Totals.NoticesExpected += l.NoticesExpected
	}
	for _, a := range accounts {
		rep.Accounts = append(rep.Accounts, *a)
	}
	for _, l := range b.channels {
		l.line.Figures = l.sum.figures()
		rep.Channels = append(rep.Channels, l.line)
	}
	for _, u := range b.unassigned {
		rep.Unassigned = append(rep.Unassigned, *u)
		rep.Totals.Unassigned.Decimal = rep.Totals.Unassigned.Add(u.Amount.Decimal)
		rep.Totals.UnassignedFees.Decimal = rep.Totals.UnassignedFees.Add(u.Fees.Decimal)
		addTo(&rep.Totals.UnassignedReversed, u.Reversed)
	}
	rep.Totals.Payments = len(b.payments)
	rep.Totals.OpenExceptions = len(b.exceptions)
	rep.Totals.ResolvedExceptions = len(b.resolved)
	rep.Control.ExceptionCount = len(b.exceptions)
	byKind := map[reconcile.ExceptionKind]*KindCount{}
	for _, e := range b.exceptions {
		k, ok := byKind[e.Kind]
		if !ok {
			k = &KindCount{Kind: e.Kind}
			byKind[e.Kind] = k
		}
		k.Count++
		if e.Currency == payment.VND {
			k.Amount.Decimal = k.Amount.Add(e.Amount.Decimal)
		}
	}
	for _, k := range byKind {
		rep.Totals.ByKind = append(rep.Totals.ByKind, *k)
	}
	sortReport(&rep)
	return rep
}

// scopeLinks are the lines of a scope's links: in run.links' order when
// no two links tie (any order sorts to that one), else in the order they
// were added, for sortReport to sort as it always did.
func (r *run) scopeLinks(b *builder) []Link {
	if r.linksStrict {
		slices.Sort(b.links)
	}
	out := make([]Link, len(b.links))
	for i, l := range b.links {
		out[i] = r.links[l]
	}
	b.links = nil
	return out
}

// strictlySorted says whether xs is in cmp's order with no two lines
// equal: then every sort leaves it as it is, and checking costs one pass
// where sorting a million lines costs many. Lines that tie are sorted as
// they always were, whatever order the sort leaves them in.
func strictlySorted[T any](xs []T, cmp func(a, b *T) int) bool {
	for i := 1; i < len(xs); i++ {
		if cmp(&xs[i-1], &xs[i]) >= 0 {
			return false
		}
	}
	return true
}

func compareAllocationLines(a, b *AllocationLine) int {
	return cmp.Or(cmp.Compare(a.PaymentID, b.PaymentID), cmp.Compare(a.NoticeSystem, b.NoticeSystem), cmp.Compare(a.NoticeID, b.NoticeID))
}

func sortReport(rep *Report) {
	slices.SortFunc(rep.Budget, func(a, b BudgetLine) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.TreasuryAccount, b.TreasuryAccount),
			cmp.Compare(a.Chapter, b.Chapter), cmp.Compare(a.Subitem, b.Subitem))
	})
	slices.SortFunc(rep.Accounts, func(a, b AccountLine) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.TreasuryAccount, b.TreasuryAccount))
	})
	slices.SortFunc(rep.Channels, func(a, b ChannelLine) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.TreasuryAccount, b.TreasuryAccount), cmp.Compare(a.Channel, b.Channel))
	})
	sort.Slice(rep.Unassigned, func(i, j int) bool { return rep.Unassigned[i].Channel < rep.Unassigned[j].Channel })
	// The day's payments, their allocations and links are added in order
	// (payments by id, allocations by notice, links as the run sorted
	// them).
	if !strictlySorted(rep.Payments, func(a, b *PaymentLine) int { return cmp.Compare(a.PaymentID, b.PaymentID) }) {
		sort.Slice(rep.Payments, func(i, j int) bool { return rep.Payments[i].PaymentID < rep.Payments[j].PaymentID })
	}
	if !strictlySorted(rep.Allocations, compareAllocationLines) {
		slices.SortFunc(rep.Allocations, func(a, b AllocationLine) int { return compareAllocationLines(&a, &b) })
	}
	if !strictlySorted(rep.Links, func(a, b *Link) int { return compareLinks(*a, *b) }) {
		slices.SortFunc(rep.Links, compareLinks)
	}
	sort.Slice(rep.Exceptions, func(i, j int) bool { return rep.Exceptions[i].ID < rep.Exceptions[j].ID })
	sort.Slice(rep.Resolved, func(i, j int) bool { return rep.Resolved[i].ID < rep.Resolved[j].ID })
	sort.Slice(rep.Adjustments, func(i, j int) bool { return rep.Adjustments[i].PaymentID < rep.Adjustments[j].PaymentID })
	sort.Slice(rep.Totals.ByKind, func(i, j int) bool { return rep.Totals.ByKind[i].Kind < rep.Totals.ByKind[j].Kind })
	// Empty, not null, in JSON: a reader sees "no lines", not "unknown".
	if rep.Budget == nil {
		rep.Budget = []BudgetLine{}
	}
	if rep.Accounts == nil {
		rep.Accounts = []AccountLine{}
	}
	if rep.Channels == nil {
		rep.Channels = []ChannelLine{}
	}
	if rep.Unassigned == nil {
		rep.Unassigned = []UnassignedLine{}
	}
	if rep.Payments == nil {
		rep.Payments = []PaymentLine{}
	}
	if rep.Allocations == nil {
		rep.Allocations = []AllocationLine{}
	}
	if rep.Links == nil {
		rep.Links = []Link{}
	}
	if rep.Exceptions == nil {
		rep.Exceptions = []ExceptionLine{}
	}
	if rep.Adjustments == nil {
		rep.Adjustments = []Adjustment{}
	}
	if rep.Totals.ByKind == nil {
		rep.Totals.ByKind = []KindCount{}
	}
}

// reversalLines are the reversals booked on the day, ordered by
// (reversed_at, id).
func (r *run) reversalLines() []ReversalLine {
	var out []ReversalLine
	for _, v := range r.in.Reversals {
		if r.cfg.day(v.ReversedAt) != r.cfg.date {
			continue
		}
		out = append(out, ReversalLine{ReversalID: v.ID, PaymentID: v.PaymentID, Channel: v.Gateway.Channel(),
			Amount: Amount{v.Amount.Amount}, Currency: v.Amount.Currency, ReversedAt: v.ReversedAt.UTC()})
	}
	slices.SortFunc(out, func(a, b ReversalLine) int {
		return cmp.Or(a.ReversedAt.Compare(b.ReversedAt), cmp.Compare(a.ReversalID, b.ReversalID))
	})
	return out
}

// auditHead is a copy of the input's audit head: reports share no memory
// with their input.
func (r *run) auditHead() *AuditHead {
	if r.in.AuditHead == nil {
		return nil
	}
	h := *r.in.AuditHead
	return &h
}
