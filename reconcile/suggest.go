package reconcile

import (
	"sort"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// suggester finds candidate notices for an unmatched payment: notices still
// open whose amount due equals the payment's amount, or whose payer name
// folds to the payer's, issued within the window before the payment (one
// day after it is tolerated for clock skew). Suggestions are for a person;
// they are never allocated.
type suggester struct {
	byAmount map[string][]int32 // sorted by IssuedAt, then system, id
	byName   map[string][]int32
}

// maxScan bounds the notices looked at per bucket, so one popular amount
// (a standard fee) cannot make an unmatched payment cost a scan of all.
const maxScan = 256

const skew = 24 * time.Hour

func (d *decider) suggest(p *payment.Payment) []string {
	if d.e.limit < 0 {
		return []string{}
	}
	if d.sugg == nil {
		d.sugg = d.buildSuggester()
	}
	type cand struct {
		idx   int32
		score int
		age   time.Duration
	}
	name := FoldName(p.PayerName)
	seen := map[int32]bool{}
	var cands []cand
	consider := func(bucket []int32) {
		hi := sort.Search(len(bucket), func(i int) bool {
			return d.ns[bucket[i]].n.IssuedAt.After(p.PaidAt.Add(skew))
		})
		from := p.PaidAt.Add(-d.e.window)
		for k, scanned := hi-1, 0; k >= 0 && scanned < maxScan; k, scanned = k-1, scanned+1 {
			i := bucket[k]
			s := &d.ns[i]
			if s.n.IssuedAt.Before(from) {
				break
			}
			if !s.status.Open() || seen[i] {
				continue
			}
			score := 0
			if s.n.Total.Currency == p.Amount.Currency && s.outstanding().Equal(p.Amount.Amount) {
				score += 2
			}
			if name != "" && FoldName(s.n.PayerName) == name {
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
			cands = append(cands, cand{idx: i, score: score, age: age})
		}
	}
	consider(d.sugg.byAmount[p.Amount.Amount.String()])
	if name != "" {
		consider(d.sugg.byName[name])
	}
	sort.Slice(cands, func(a, b int) bool {
		x, y := cands[a], cands[b]
		if x.score != y.score {
			return x.score > y.score
		}
		if x.age != y.age {
			return x.age < y.age
		}
		return d.less(x.idx, y.idx)
	})
	out := []string{}
	for _, c := range cands {
		if len(out) == d.e.limit {
			break
		}
		out = append(out, d.ns[c.idx].n.ID)
	}
	return out
}

func (d *decider) buildSuggester() *suggester {
	s := &suggester{byAmount: map[string][]int32{}, byName: map[string][]int32{}}
	for i := range d.ns {
		n := d.ns[i].n
		if d.ns[i].status == payment.NoticeCancelled || d.ns[i].status == payment.NoticeExpired {
			continue
		}
		k := n.Total.Amount.String()
		s.byAmount[k] = append(s.byAmount[k], int32(i))
		if name := FoldName(n.PayerName); name != "" {
			s.byName[name] = append(s.byName[name], int32(i))
		}
	}
	order := func(b []int32) {
		sort.Slice(b, func(x, y int) bool {
			p, q := d.ns[b[x]].n, d.ns[b[y]].n
			if !p.IssuedAt.Equal(q.IssuedAt) {
				return p.IssuedAt.Before(q.IssuedAt)
			}
			return d.less(b[x], b[y])
		})
	}
	for _, b := range s.byAmount {
		order(b)
	}
	for _, b := range s.byName {
		order(b)
	}
	return s
}
