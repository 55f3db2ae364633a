package reconcile

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// suggester finds candidate notices for an unmatched payment, for a person
// to look at; suggestions are never allocated. A candidate is a notice
// still open, issued within the window before the payment (or up to a day
// after it, for clock skew between systems), whose outstanding amount
// equals the payment's or whose payer name folds to the payer's. Both
// together rank first, then either; ties go to the notice issued nearest
// the payment, then to (system, id).
type suggester struct {
	names    []string           // folded payer name per notice
	byAmount map[string][]int32 // each bucket sorted by IssuedAt, then system, id
	byName   map[string][]int32
	byBoth   map[string][]int32
}

// maxScan bounds the notices looked at per bucket, so one popular amount
// (a standard fee) cannot make an unmatched payment cost a scan of all.
const maxScan = 256

const skew = 24 * time.Hour

type suggestion struct {
	idx   int32
	score int
	age   time.Duration
}

func (d *decider) suggest(p *payment.Payment) []string {
	if d.e.limit < 0 {
		return []string{}
	}
	if d.sugg == nil {
		d.sugg = d.buildSuggester()
	}
	amount := p.Amount.Amount.String()
	name := FoldName(p.PayerName)
	var cands []suggestion
	seen := map[int32]bool{}
	want := 2 * d.e.limit
	if name != "" {
		cands = d.scan(p, d.sugg.byBoth[amount+"|"+name], name, want, seen, cands)
		cands = d.scan(p, d.sugg.byName[name], name, want, seen, cands)
	}
	cands = d.scan(p, d.sugg.byAmount[amount], name, want, seen, cands)
	slices.SortFunc(cands, func(x, y suggestion) int {
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
func (d *decider) scan(p *payment.Payment, bucket []int32, name string, want int, seen map[int32]bool, cands []suggestion) []suggestion {
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
		cands = append(cands, suggestion{idx: i, score: score, age: age})
		got++
	}
	return cands
}

func (d *decider) buildSuggester() *suggester {
	s := &suggester{
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
