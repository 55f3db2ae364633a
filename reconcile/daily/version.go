package daily

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Changes lists the keys of lines added, removed and changed between two
// versions, each sorted.
type Changes struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool { return len(c.Added)+len(c.Removed)+len(c.Changed) == 0 }

// Diff is what changed from the previous version of a report.
type Diff struct {
	PreviousVersion int    `json:"previous_version"`
	PreviousSHA256  string `json:"previous_sha256"`
	// Lines covers totals, accounts, budget, channel and unassigned lines.
	Lines       Changes `json:"lines"`
	Payments    Changes `json:"payments"`
	Allocations Changes `json:"allocations"`
	Exceptions  Changes `json:"exceptions"`
	Adjustments Changes `json:"adjustments"`
	// Reversals, by reversal id: absent unless either version lists one.
	Reversals *Changes `json:"reversals,omitempty"`
	// RefundsDue, by exception id (ageing alone is no change): absent
	// unless either version lists one.
	RefundsDue *Changes `json:"refunds_due,omitempty"`
	// LateUnreported, by exception id: absent unless either version lists
	// one.
	LateUnreported *Changes `json:"late_events_unreported_days,omitempty"`
}

// Empty reports whether the two versions say the same thing (ages of
// exceptions and the as-of time aside).
func (d Diff) Empty() bool {
	return d.Lines.Empty() && d.Payments.Empty() && d.Allocations.Empty() && d.Exceptions.Empty() && d.Adjustments.Empty() &&
		(d.Reversals == nil || d.Reversals.Empty()) && (d.RefundsDue == nil || d.RefundsDue.Empty()) &&
		(d.LateUnreported == nil || d.LateUnreported.Empty())
}

// ErrVersion: NextVersion was given reports of different days or agencies.
var ErrVersion = errors.New("report versions do not belong together")

// NextVersion seals cur as the version after prev: version prev.Version+1
// with the diff against prev, or version 1 without a diff when prev is nil.
// prev is only read: a sent version is never changed.
func NextVersion(prev *Report, cur Report) (Report, error) {
	cur.Diff = nil
	cur.SHA256 = ""
	if prev == nil {
		cur.Version = 1
		if err := cur.seal(); err != nil {
			return Report{}, err
		}
		return cur, nil
	}
	if prev.BusinessDate != cur.BusinessDate || prev.Agency != cur.Agency {
		return Report{}, fmt.Errorf("%w: %s %s after %s %s", ErrVersion, cur.BusinessDate, cur.Agency, prev.BusinessDate, prev.Agency)
	}
	d, err := diffReports(prev, &cur)
	if err != nil {
		return Report{}, err
	}
	cur.Version = prev.Version + 1
	cur.Diff = &d
	if err := cur.seal(); err != nil {
		return Report{}, err
	}
	return cur, nil
}

type keyed map[string][]byte

func keyedOf[T any](items []T, key func(T) string) (keyed, error) {
	m := make(keyed, len(items))
	for _, it := range items {
		b, err := appendLineJSON(nil, it)
		if err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
		m[key(it)] = b
	}
	return m, nil
}

func compare(a, b keyed) Changes {
	c := Changes{Added: []string{}, Removed: []string{}, Changed: []string{}}
	for k, vb := range b {
		va, ok := a[k]
		switch {
		case !ok:
			c.Added = append(c.Added, k)
		case !bytes.Equal(va, vb):
			c.Changed = append(c.Changed, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			c.Removed = append(c.Removed, k)
		}
	}
	sort.Strings(c.Added)
	sort.Strings(c.Removed)
	sort.Strings(c.Changed)
	return c
}

func lineKeys(r *Report) (keyed, error) {
	m := keyed{}
	add := func(k string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("diff: %w", err)
		}
		m[k] = b
		return nil
	}
	if err := add("totals", r.Totals); err != nil {
		return nil, err
	}
	for _, l := range r.Accounts {
		if err := add("account|"+l.Agency+"|"+l.TreasuryAccount, l); err != nil {
			return nil, err
		}
	}
	for _, l := range r.Budget {
		if err := add("budget|"+l.Agency+"|"+l.TreasuryAccount+"|"+l.Chapter+"|"+l.Subitem, l); err != nil {
			return nil, err
		}
	}
	for _, l := range r.Channels {
		if err := add("channel|"+l.Agency+"|"+l.TreasuryAccount+"|"+l.Channel, l); err != nil {
			return nil, err
		}
	}
	for _, l := range r.Unassigned {
		if err := add("unassigned|"+l.Channel, l); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func diffReports(prev, cur *Report) (Diff, error) {
	d := Diff{PreviousVersion: prev.Version, PreviousSHA256: prev.SHA256}
	a, err := lineKeys(prev)
	if err != nil {
		return d, err
	}
	b, err := lineKeys(cur)
	if err != nil {
		return d, err
	}
	d.Lines = compare(a, b)

	payKey := func(p PaymentLine) string { return p.PaymentID }
	if d.Payments, err = diffOf(prev.Payments, cur.Payments, payKey); err != nil {
		return d, err
	}
	allocKey := func(l AllocationLine) string { return l.PaymentID + "|" + l.NoticeSystem + "|" + l.NoticeID }
	if d.Allocations, err = diffOf(prev.Allocations, cur.Allocations, allocKey); err != nil {
		return d, err
	}
	// An exception only ageing is not a change.
	ageless := func(xs []ExceptionLine) []ExceptionLine {
		out := make([]ExceptionLine, len(xs))
		for i, x := range xs {
			x.AgeDays = 0
			out[i] = x
		}
		return out
	}
	if d.Exceptions, err = diffOf(ageless(prev.Exceptions), ageless(cur.Exceptions), func(e ExceptionLine) string { return e.ID }); err != nil {
		return d, err
	}
	adjKey := func(a Adjustment) string {
		return a.PaymentID + "|" + string(a.Reason) + "|" + strconv.Quote(a.ExceptionID)
	}
	if d.Adjustments, err = diffOf(prev.Adjustments, cur.Adjustments, adjKey); err != nil {
		return d, err
	}
	if len(prev.Reversals)+len(cur.Reversals) > 0 {
		c, err := diffOf(prev.Reversals, cur.Reversals, func(l ReversalLine) string { return l.ReversalID })
		if err != nil {
			return d, err
		}
		d.Reversals = &c
	}
	if len(prev.RefundsDue)+len(cur.RefundsDue) > 0 {
		ageless := func(ls []RefundLine) []RefundLine {
			out := make([]RefundLine, len(ls))
			for i, l := range ls {
				l.AgeDays = 0
				out[i] = l
			}
			return out
		}
		c, err := diffOf(ageless(prev.RefundsDue), ageless(cur.RefundsDue), func(l RefundLine) string { return l.ExceptionID })
		if err != nil {
			return d, err
		}
		d.RefundsDue = &c
	}
	if len(prev.LateUnreported)+len(cur.LateUnreported) > 0 {
		c, err := diffOf(prev.LateUnreported, cur.LateUnreported, func(l UnreportedLateLine) string { return l.ExceptionID })
		if err != nil {
			return d, err
		}
		d.LateUnreported = &c
	}
	return d, nil
}

func diffOf[T any](a, b []T, key func(T) string) (Changes, error) {
	ka, err := keyedOf(a, key)
	if err != nil {
		return Changes{}, err
	}
	kb, err := keyedOf(b, key)
	if err != nil {
		return Changes{}, err
	}
	return compare(ka, kb), nil
}
