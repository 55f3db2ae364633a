package daily

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// part is money of one payment landing on one budget line.
type part struct {
	notice *payment.Notice
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
	budget      map[budgetKey]*BudgetLine
	channels    map[channelKey]*ChannelLine
	chanPays    map[channelKey]map[string]bool
	payments    []PaymentLine
	allocations []AllocationLine
	links       []Link
	exceptions  []ExceptionLine
	resolved    []ExceptionLine
	adjust      []Adjustment
	unassigned  map[string]*UnassignedLine
	control     Control
}

func newBuilder(agency string) *builder {
	return &builder{
		agency:     agency,
		budget:     map[budgetKey]*BudgetLine{},
		channels:   map[channelKey]*ChannelLine{},
		chanPays:   map[channelKey]map[string]bool{},
		unassigned: map[string]*UnassignedLine{},
	}
}

func (b *builder) budgetLine(n *payment.Notice, item int) *BudgetLine {
	ch, sub := "", ""
	if item < len(n.Items) {
		ch, sub = n.Items[item].BudgetChapter, n.Items[item].BudgetSubitem
	}
	k := budgetKey{n.Agency, n.TreasuryAccount, ch, sub}
	l, ok := b.budget[k]
	if !ok {
		l = &BudgetLine{Agency: k.agency, TreasuryAccount: k.account, Chapter: ch, Subitem: sub}
		b.budget[k] = l
	}
	return l
}

func (b *builder) channelLine(n *payment.Notice, channel, paymentID string) *ChannelLine {
	k := channelKey{n.Agency, n.TreasuryAccount, channel}
	l, ok := b.channels[k]
	if !ok {
		l = &ChannelLine{Agency: k.agency, TreasuryAccount: k.account, Channel: channel}
		b.channels[k] = l
		b.chanPays[k] = map[string]bool{}
	}
	if !b.chanPays[k][paymentID] {
		b.chanPays[k][paymentID] = true
		l.Payments++
	}
	return l
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
	its := items(n)
	var out []part
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
			out = append(out, part{notice: n, item: i, amount: hi.Sub(lo)})
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
	if before(r.cfg.date, addDays(s.day, r.cfg.window)) {
		return CreditAwaiting
	}
	return CreditMissing
}

func (r *run) reports() ([]Report, error) {
	// What was paid on each notice before today's allocations (the states
	// count every payment given, including today's and later ones).
	paidBefore := map[*payment.Notice]decimal.Decimal{}
	today := map[*payment.Notice]decimal.Decimal{}
	for _, s := range r.pays {
		if before(s.day, r.cfg.date) {
			continue // paid before the day: part of "before"
		}
		for _, a := range s.allocs {
			n, _ := r.notice(a.NoticeSystem, a.NoticeID)
			today[n] = today[n].Add(a.Amount.Amount)
		}
	}
	for _, st := range r.in.NoticeStates {
		n, err := r.notice(st.System, st.NoticeID)
		if err != nil {
			continue // a state of a notice with nothing to report
		}
		b := st.Paid.Amount.Sub(today[n])
		if b.IsPositive() {
			paidBefore[n] = b
		}
	}

	late := map[string]*reconcile.Exception{}
	for i := range r.excs {
		if r.excs[i].Kind == reconcile.ExceptionLateEvent {
			late[r.excs[i].PaymentID] = &r.excs[i]
		}
	}

	all := newBuilder(AgencyAll)
	all.payments = make([]PaymentLine, 0, len(r.pays))
	all.allocations = make([]AllocationLine, 0, len(r.in.Allocations))
	all.links = make([]Link, 0, len(r.links))
	scopes := map[string]*builder{}
	scope := func(agency string) *builder {
		b, ok := scopes[agency]
		if !ok {
			b = newBuilder(agency)
			scopes[agency] = b
		}
		return b
	}

	// Expected: notices issued on the day, not cancelled.
	for _, n := range sortedNotices(r.notices) {
		if n.Status == payment.NoticeCancelled || r.cfg.day(n.IssuedAt) != r.cfg.date || n.Total.Currency != payment.VND {
			continue
		}
		for _, b := range []*builder{all, scope(n.Agency)} {
			for i, a := range items(n) {
				l := b.budgetLine(n, i)
				l.Expected.Decimal = l.Expected.Add(a)
				if i == 0 {
					l.NoticesExpected++
				}
			}
		}
	}

	for _, s := range r.pays {
		if s.day != r.cfg.date {
			continue
		}
		p := s.p
		if p.Amount.Currency != payment.VND {
			all.control.ForeignPayments++
			continue
		}
		channel := p.Gateway.Channel()
		credit := r.creditStatus(s)
		matched := credit == CreditMatched
		var parts []part
		for _, a := range s.allocs {
			n, _ := r.notice(a.NoticeSystem, a.NoticeID)
			ps := spread(n, paidBefore[n], a.Amount.Amount)
			paidBefore[n] = paidBefore[n].Add(a.Amount.Amount)
			parts = append(parts, ps...)
			al := AllocationLine{
				PaymentID: p.ID, NoticeSystem: n.System, NoticeID: n.ID, PaymentCode: a.Code,
				Agency: n.Agency, TreasuryAccount: n.TreasuryAccount, Channel: channel,
				Amount: amt(a.Amount.Amount), Rule: a.Rule, Credit: credit,
			}
			for _, b := range []*builder{all, scope(n.Agency)} {
				b.allocations = append(b.allocations, al)
				b.control.AllocationCount++
				b.control.AllocationSum.Decimal = b.control.AllocationSum.Add(a.Amount.Amount)
			}
		}
		if s.excess.IsPositive() {
			system := ""
			for _, a := range s.allocs {
				if a.NoticeID == s.excNote {
					system = a.NoticeSystem
				}
			}
			n, err := r.notice(system, s.excNote)
			if err != nil {
				return nil, fmt.Errorf("daily reconcile: overpaid excess of %s: %w", p.ID, err)
			}
			its := items(n)
			parts = append(parts, part{notice: n, item: len(its) - 1, amount: s.excess, excess: true})
		}
		// The fee goes with the payment's first part (no split, no rounding).
		fee := s.fee
		var collected agencySums
		total := decimal.Zero
		for i, pt := range parts {
			n := pt.notice
			f := Figures{Collected: amt(pt.amount)}
			if matched {
				f.Matched = amt(pt.amount)
			} else {
				f.Unmatched = amt(pt.amount)
			}
			if pt.excess {
				f.RefundsDue = amt(pt.amount)
			}
			if i == 0 {
				f.Fees = amt(fee)
			}
			for _, b := range []*builder{all, scope(n.Agency)} {
				b.budgetLine(n, pt.item).Figures.add(f)
				b.channelLine(n, channel, p.ID).Figures.add(f)
				if pt.excess {
					b.control.ExcessSum.Decimal = b.control.ExcessSum.Add(pt.amount)
				}
			}
			collected.add(n.Agency, pt.amount)
			total = total.Add(pt.amount)
		}
		rest := p.Amount.Amount.Sub(total)
		line := PaymentLine{
			PaymentID: p.ID, Gateway: p.Gateway, Channel: channel, PaidAt: p.PaidAt.UTC(),
			Amount: amt(p.Amount.Amount), Fee: amt(fee), Credit: credit, Late: late[p.ID] != nil,
		}
		if s.link != nil {
			line.LinkRule, line.StatementRef = s.link.Rule, s.link.Ref
		}
		collected.sort()
		for _, c := range collected {
			b := scope(c.agency)
			pl := line
			pl.Collected = amt(c.sum)
			b.addPayment(pl, s.link, late[p.ID])
		}
		pl := line
		pl.Collected, pl.Unassigned = amt(total), amt(rest)
		all.addPayment(pl, s.link, late[p.ID])
		all.control.UnassignedSum.Decimal = all.control.UnassignedSum.Add(rest)
		if rest.IsPositive() || len(parts) == 0 {
			u, ok := all.unassigned[channel]
			if !ok {
				u = &UnassignedLine{Channel: channel}
				all.unassigned[channel] = u
			}
			u.Payments++
			u.Amount.Decimal = u.Amount.Add(rest)
			if matched {
				u.Matched.Decimal = u.Matched.Add(rest)
			} else {
				u.Unmatched.Decimal = u.Unmatched.Add(rest)
			}
			if len(parts) == 0 {
				u.Fees.Decimal = u.Fees.Add(fee)
			}
		}
	}

	// Statement credits of the day: each linked or a missing_event.
	for i, l := range r.lines {
		if !r.subject(l.BookingDate) {
			continue
		}
		if !l.Credit {
			all.control.DebitCount++
			all.control.DebitSum.Decimal = all.control.DebitSum.Add(l.Amount.Amount)
			continue
		}
		all.control.CreditCount++
		all.control.CreditSum.Decimal = all.control.CreditSum.Add(l.Amount.Amount)
		if r.lineLink[i] != nil {
			all.control.LinkedCreditCount++
			all.control.LinkedCreditSum.Decimal = all.control.LinkedCreditSum.Add(l.Amount.Amount)
		} else {
			all.control.MissingEventCount++
			all.control.MissingEventSum.Decimal = all.control.MissingEventSum.Add(l.Amount.Amount)
		}
	}
	for _, lk := range r.links {
		if lk.PaymentID == "" {
			all.links = append(all.links, lk) // settlement batches: ALL only
		}
	}

	// Open exceptions: the matching ones given, then this run's (a stored
	// exception keeps its first version); none whose id was given resolved
	// (r.excs has those marked resolved already, see resolve).
	given := make([]reconcile.Exception, 0, len(r.in.Exceptions))
	for _, e := range r.in.Exceptions {
		if e.Status == reconcile.ExceptionOpen && r.resolved[e.ID] == nil {
			given = append(given, e)
		}
	}
	// The same id twice: keep the first created (the store keeps the first).
	sort.SliceStable(given, func(i, j int) bool {
		if given[i].ID != given[j].ID {
			return given[i].ID < given[j].ID
		}
		if !given[i].CreatedAt.Equal(given[j].CreatedAt) {
			return given[i].CreatedAt.Before(given[j].CreatedAt)
		}
		return given[i].Evidence < given[j].Evidence
	})
	seen := map[string]bool{}
	var excs []reconcile.Exception
	for _, e := range given {
		if !seen[e.ID] {
			seen[e.ID] = true
			excs = append(excs, e)
		}
	}
	for _, e := range r.excs {
		if !seen[e.ID] && e.Status == reconcile.ExceptionOpen {
			seen[e.ID] = true
			excs = append(excs, e)
		}
	}
	asOf := r.cfg.calendarDay(r.in.Now)
	line := func(e reconcile.Exception) ExceptionLine {
		el := ExceptionLine{
			ID: e.ID, Kind: e.Kind, PaymentID: e.PaymentID, StatementRef: e.StatementRef, NoticeID: e.NoticeID,
			Amount: amt(e.Amount.Amount), Currency: e.Amount.Currency, Candidates: e.Candidates,
			Evidence: e.Evidence, CreatedAt: e.CreatedAt.UTC(), AgeDays: days(r.cfg.calendarDay(e.CreatedAt), asOf),
		}
		if el.Candidates == nil {
			el.Candidates = []string{}
		}
		return el
	}
	for _, e := range excs {
		el := line(e)
		all.exceptions = append(all.exceptions, el)
		for _, ag := range r.exceptionAgencies(e) {
			scope(ag).exceptions = append(scope(ag).exceptions, el)
		}
	}
	for _, id := range sortedKeys(r.resolved) {
		e := r.resolved[id]
		el := line(*e)
		if e.ResolvedAt != nil {
			at := e.ResolvedAt.UTC()
			el.ResolvedAt = &at
			el.AgeDays = days(r.cfg.calendarDay(e.CreatedAt), r.cfg.calendarDay(at))
		}
		all.resolved = append(all.resolved, el)
		for _, ag := range r.exceptionAgencies(*e) {
			scope(ag).resolved = append(scope(ag).resolved, el)
		}
	}

	var out []Report
	agencies := make([]string, 0, len(scopes))
	for ag := range scopes {
		agencies = append(agencies, ag)
	}
	sort.Strings(agencies)
	builders := append([]*builder{all}, make([]*builder, 0, len(agencies))...)
	for _, ag := range agencies {
		builders = append(builders, scopes[ag])
	}
	for _, b := range builders {
		cur := r.finish(b)
		rep, err := NextVersion(r.previous(b.agency), cur)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
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

func (a agencySums) sort() { sort.Slice(a, func(i, j int) bool { return a[i].agency < a[j].agency }) }

func (b *builder) addPayment(pl PaymentLine, link *Link, late *reconcile.Exception) {
	b.payments = append(b.payments, pl)
	b.control.PaymentCount++
	b.control.PaymentSum.Decimal = b.control.PaymentSum.Add(pl.Collected.Decimal).Add(pl.Unassigned.Decimal)
	if link != nil {
		b.links = append(b.links, *link)
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
		if ns := r.byID[e.NoticeID]; len(ns) == 1 {
			return []string{ns[0].Agency}
		}
	}
	s, ok := r.payIdx[e.PaymentID]
	if e.PaymentID == "" || !ok {
		return nil
	}
	var out []string
	for _, a := range s.allocs {
		if n, err := r.notice(a.NoticeSystem, a.NoticeID); err == nil && !slices.Contains(out, n.Agency) {
			out = append(out, n.Agency)
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

func sortedNotices(m map[string]*payment.Notice) []*payment.Notice {
	out := make([]*payment.Notice, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].System != out[j].System {
			return out[i].System < out[j].System
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// finish turns a builder into an unsealed version-0 report with sorted
// lines and totals.
func (r *run) finish(b *builder) Report {
	rep := Report{
		BusinessDate: r.cfg.date, Agency: b.agency, Currency: payment.VND,
		Cutoff: FormatCutoff(r.cfg.cutoff), CreditWindowDays: r.cfg.window, AsOf: r.in.Now.UTC(),
		Control:     b.control,
		Payments:    b.payments,
		Allocations: b.allocations,
		Links:       b.links,
		Exceptions:  b.exceptions,
		Adjustments: b.adjust,
		Resolved:    b.resolved, // nil when none: omitted, as in reports made before it existed
	}
	accounts := map[accountKey]*AccountLine{}
	for _, l := range b.budget {
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
		rep.Channels = append(rep.Channels, *l)
	}
	for _, u := range b.unassigned {
		rep.Unassigned = append(rep.Unassigned, *u)
		rep.Totals.Unassigned.Decimal = rep.Totals.Unassigned.Add(u.Amount.Decimal)
		rep.Totals.UnassignedFees.Decimal = rep.Totals.UnassignedFees.Add(u.Fees.Decimal)
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

func sortReport(rep *Report) {
	sort.Slice(rep.Budget, func(i, j int) bool {
		a, b := rep.Budget[i], rep.Budget[j]
		if a.Agency != b.Agency {
			return a.Agency < b.Agency
		}
		if a.TreasuryAccount != b.TreasuryAccount {
			return a.TreasuryAccount < b.TreasuryAccount
		}
		if a.Chapter != b.Chapter {
			return a.Chapter < b.Chapter
		}
		return a.Subitem < b.Subitem
	})
	sort.Slice(rep.Accounts, func(i, j int) bool {
		a, b := rep.Accounts[i], rep.Accounts[j]
		if a.Agency != b.Agency {
			return a.Agency < b.Agency
		}
		return a.TreasuryAccount < b.TreasuryAccount
	})
	sort.Slice(rep.Channels, func(i, j int) bool {
		a, b := rep.Channels[i], rep.Channels[j]
		if a.Agency != b.Agency {
			return a.Agency < b.Agency
		}
		if a.TreasuryAccount != b.TreasuryAccount {
			return a.TreasuryAccount < b.TreasuryAccount
		}
		return a.Channel < b.Channel
	})
	sort.Slice(rep.Unassigned, func(i, j int) bool { return rep.Unassigned[i].Channel < rep.Unassigned[j].Channel })
	sort.Slice(rep.Payments, func(i, j int) bool { return rep.Payments[i].PaymentID < rep.Payments[j].PaymentID })
	sort.Slice(rep.Allocations, func(i, j int) bool {
		a, b := rep.Allocations[i], rep.Allocations[j]
		if a.PaymentID != b.PaymentID {
			return a.PaymentID < b.PaymentID
		}
		if a.NoticeSystem != b.NoticeSystem {
			return a.NoticeSystem < b.NoticeSystem
		}
		return a.NoticeID < b.NoticeID
	})
	sort.Slice(rep.Links, func(i, j int) bool {
		if rep.Links[i].StatementID != rep.Links[j].StatementID {
			return rep.Links[i].StatementID < rep.Links[j].StatementID
		}
		return rep.Links[i].Seq < rep.Links[j].Seq
	})
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
