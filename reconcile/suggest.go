package reconcile

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// colSuggester finds candidate notices for an unmatched payment, for a
// person to look at; suggestions are never allocated. A candidate is a
// notice still open, issued within the window before the payment (or up
// to a day after it, for clock skew between systems), whose outstanding
// amount equals the payment's or whose payer name folds to the payer's.
// Both together rank first, then either; ties go to the notice issued
// nearest the payment, then to (system, id).
//
// Buckets are ranges of one array of notice positions, each sorted by
// IssuedAt, then system, id; payer names are dictionary-encoded.
type colSuggester struct {
	nameID   []int32 // folded payer name per notice, -1 for none
	names    map[string]int32
	byAmount buckets[int64]
	byName   buckets[int32]
	byBoth   buckets[[2]int64]
}

// buckets groups notice positions by a key: bucket b is items[off[b]:off[b+1]],
// issued[off[b]:off[b+1]] their issue times (copies, side by side: a
// scan's binary search and walk read one array, not a notice each).
type buckets[K comparable] struct {
	at     map[K]int32
	off    []int32
	items  []int32
	issued []time.Time
}

// makeBuckets fills buckets from order, keeping its order in each.
func makeBuckets[K comparable](order []int32, ns []payment.Notice, key func(int32) (K, bool)) buckets[K] {
	at := map[K]int32{}
	ids := make([]int32, len(order))
	var count []int32
	for j, i := range order {
		k, ok := key(i)
		if !ok {
			ids[j] = -1
			continue
		}
		b, seen := at[k]
		if !seen {
			b = int32(len(count)) //nolint:gosec // G115: at most one bucket per notice (maxPositions)
			at[k] = b
			count = append(count, 0)
		}
		ids[j] = b
		count[b]++
	}
	off := make([]int32, len(count)+1)
	for b, c := range count {
		off[b+1] = off[b] + c
	}
	items := make([]int32, off[len(count)])
	issued := make([]time.Time, len(items))
	next := append([]int32(nil), off[:len(count)]...)
	for j, i := range order {
		if b := ids[j]; b >= 0 {
			items[next[b]] = i
			issued[next[b]] = ns[i].IssuedAt
			next[b]++
		}
	}
	return buckets[K]{at: at, off: off, items: items, issued: issued}
}

// get is the bucket of k: its notices and their issue times.
func (b *buckets[K]) get(k K) ([]int32, []time.Time) {
	id, ok := b.at[k]
	if !ok {
		return nil, nil
	}
	lo, hi := b.off[id], b.off[id+1]
	return b.items[lo:hi], b.issued[lo:hi]
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

// suggest appends to out the notices suggested for p, best first.
func (d *colDecider) suggest(p *payment.Payment, amount int64, out []int32) []int32 {
	if d.e.limit < 0 {
		return out
	}
	d.suggester()
	d.nameBuf = foldNameAppend(d.nameBuf[:0], p.PayerName)
	name := d.nameBuf
	nameID := int32(-1)
	if id, ok := d.sugg.names[string(name)]; ok && len(name) > 0 {
		nameID = id
	}
	cands := d.cbuf[:0]
	want := 2 * d.e.limit
	if len(name) > 0 {
		bucket, issued := d.sugg.byBoth.get([2]int64{amount, int64(nameID)})
		cands = d.scan(p, bucket, issued, amount, nameID, want, cands)
		bucket, issued = d.sugg.byName.get(nameID)
		cands = d.scan(p, bucket, issued, amount, nameID, want, cands)
	}
	bucket, issued := d.sugg.byAmount.get(amount)
	cands = d.scan(p, bucket, issued, amount, nameID, want, cands)
	slices.SortFunc(cands, func(x, y suggestion) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.age, y.age), cmp.Compare(d.rank[x.idx], d.rank[y.idx]))
	})
	for k, c := range cands {
		if k == d.e.limit {
			break
		}
		out = append(out, c.idx)
	}
	d.cbuf = cands
	return out
}

// suggester waits for the goroutine building the suggester, if one was
// started, or builds it.
func (d *colDecider) suggester() *colSuggester {
	if d.suggDone != nil {
		<-d.suggDone
		d.suggDone = nil
	}
	if d.sugg == nil && d.e.limit >= 0 {
		d.sugg = d.buildSuggester()
	}
	return d.sugg
}

func seenCand(cands []suggestion, i int32) bool {
	for _, c := range cands {
		if c.idx == i {
			return true
		}
	}
	return false
}

// scan walks a bucket outward from the payment time, nearest issue time
// first, and collects up to want new candidates with a positive score.
// The candidates already collected are the ones seen: cands holds every
// notice that scored.
func (d *colDecider) scan(p *payment.Payment, bucket []int32, at []time.Time, amount int64, nameID int32, want int, cands []suggestion) []suggestion {
	if len(bucket) == 0 {
		return cands
	}
	issued := func(k int) time.Time { return at[k] }
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
		if !d.st[i].open() || seenCand(cands, i) {
			continue
		}
		score := 0
		if d.total[i]-d.paid[i] == amount && d.sameCurrency(i, p) {
			score += 2
		}
		if nameID >= 0 && d.sugg.nameID[i] == nameID {
			score += 2
		}
		if score == 0 {
			continue
		}
		age := p.PaidAt.Sub(at[k])
		if age < 0 {
			age = -age
		}
		cands = append(cands, suggestion{idx: i, score: score, age: age})
		got++
	}
	return cands
}

// sameCurrency reports whether notice i is in p's currency, from the
// notice's column when p is in VND (as every payment reaching a
// suggestion is).
func (d *colDecider) sameCurrency(i int32, p *payment.Payment) bool {
	if p.Amount.Currency == payment.VND {
		return d.vnd[i]
	}
	return d.notices[i].Total.Currency == p.Amount.Currency
}

func (d *colDecider) buildSuggester() *colSuggester {
	ns := d.notices
	s := &colSuggester{nameID: make([]int32, len(ns)), names: map[string]int32{}}
	// The names folded into one buffer per range, each looked up
	// without a string of its own: a string only for a name new to the
	// dictionary.
	type folded struct {
		lo   int
		b    []byte
		ends []int32
	}
	var mu sync.Mutex
	var parts []folded
	parFor(len(ns), func(lo, hi int) {
		f := folded{lo: lo, ends: make([]int32, 0, hi-lo)}
		for i := lo; i < hi; i++ {
			f.b = foldNameAppend(f.b, ns[i].PayerName)
			f.ends = append(f.ends, int32(len(f.b))) //nolint:gosec // G115: a range's names are far below 2 GiB
		}
		mu.Lock()
		parts = append(parts, f)
		mu.Unlock()
	})
	slices.SortFunc(parts, func(a, b folded) int { return cmp.Compare(a.lo, b.lo) })
	for _, f := range parts {
		start := int32(0)
		for k, end := range f.ends {
			i := f.lo + k
			name := f.b[start:end]
			start = end
			s.nameID[i] = -1
			if len(name) == 0 {
				continue
			}
			id, ok := s.names[string(name)]
			if !ok {
				id = int32(len(s.names)) //nolint:gosec // G115: at most one name per notice (maxPositions)
				s.names[string(name)] = id
			}
			s.nameID[i] = id
		}
	}
	// One sort of every notice by (issued, system, id); buckets filled in
	// that order come out sorted.
	order := make([]int32, 0, len(ns))
	issued := make([]int64, len(ns))
	for i := range ns {
		// The notice's own status, not d.st: this may run while
		// payments are decided (and d.st changes), and a cancelled or
		// expired notice stays so.
		if ns[i].Status == payment.NoticeCancelled || ns[i].Status == payment.NoticeExpired {
			continue
		}
		issued[i] = ns[i].IssuedAt.UnixNano()
		order = append(order, int32(i))
	}
	psort(order, func(a, b int32) int {
		if c := cmp.Compare(issued[a], issued[b]); c != 0 {
			return c
		}
		return cmp.Compare(d.rank[a], d.rank[b])
	})
	together(len(ns) >= parallelMin,
		func() { s.byAmount = makeBuckets(order, ns, func(i int32) (int64, bool) { return d.total[i], true }) },
		func() {
			s.byName = makeBuckets(order, ns, func(i int32) (int32, bool) { return s.nameID[i], s.nameID[i] >= 0 })
		},
		func() {
			s.byBoth = makeBuckets(order, ns, func(i int32) ([2]int64, bool) {
				return [2]int64{d.total[i], int64(s.nameID[i])}, s.nameID[i] >= 0
			})
		})
	return s
}
