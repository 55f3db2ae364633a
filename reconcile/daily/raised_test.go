package daily_test

import (
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// An exception is dated when it was raised: the run's Now for what this run
// raises and for a Decision's (given without a time), the stored time for
// one given with it, and the time an earlier version listed it with when
// it was reported before — never a payment's date. Ages count from there.
func TestExceptionsAreDatedWhenRaised(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	stored := time.Date(2026, time.November, 26, 12, 30, 0, 0, payment.Location())
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	for _, tt := range []struct {
		name string
		in   daily.Input
		// want is the created_at of each listed exception by id; others
		// are at def.
		def  time.Time
		want map[string]time.Time
		age  map[string]int
	}{
		{name: "first run: raised now", in: d.input(m, d.events, nowV1, nil), def: nowV1},
		{
			name: "stored with its time: kept",
			in: func() daily.Input {
				in := d.input(m, d.events, nowV1, nil)
				for i := range in.Exceptions {
					if in.Exceptions[i].ID == "unmatched|vietqr:SP1009" {
						in.Exceptions[i].CreatedAt = stored
					}
				}
				return in
			}(),
			def:  nowV1,
			want: map[string]time.Time{"unmatched|vietqr:SP1009": stored},
		},
		{
			name: "next version: listed before keeps its time, the late event is raised now",
			in:   d.input(m, all, nowV2, v1.Reports), def: nowV1,
			want: map[string]time.Time{"late_event|zalopay:261126_2553_000011|2026-11-26": nowV2},
		},
		{
			// Two days later, a re-run with the version before: the same
			// created_at, two days older.
			name: "re-run two days on: older, not newer",
			in:   d.input(m, d.events, nowV1.Add(48*time.Hour), v1.Reports), def: nowV1,
			age: map[string]int{"unmatched|vietqr:SP1009": 2, "missing_event|settlement:vnpay:2026-11-26|14422599": 2},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			givenZero := 0
			for _, e := range tt.in.Exceptions {
				if e.CreatedAt.IsZero() {
					givenZero++
				}
			}
			res := reconcileOK(t, tt.in)
			rep := byAgency(t, res, daily.AgencyAll)
			if len(rep.Exceptions) == 0 {
				t.Fatal("no exception listed")
			}
			paidAt := map[string]time.Time{}
			for _, p := range tt.in.Payments {
				paidAt[p.ID] = p.PaidAt
			}
			for _, e := range rep.Exceptions {
				want, ok := tt.want[e.ID]
				if !ok {
					want = tt.def
				}
				if !e.CreatedAt.Equal(want) {
					t.Errorf("%s created %v, want %v", e.ID, e.CreatedAt, want)
				}
				if at, ok := paidAt[e.PaymentID]; ok && e.CreatedAt.Equal(at) {
					t.Errorf("%s is dated with its payment's date", e.ID)
				}
				if a, ok := tt.age[e.ID]; ok && e.AgeDays != a {
					t.Errorf("%s age %d days, want %d", e.ID, e.AgeDays, a)
				}
			}
			for _, e := range res.Exceptions {
				if e.CreatedAt.IsZero() {
					t.Errorf("Result exception %s has no time", e.ID)
				}
			}
			n := 0
			for _, e := range tt.in.Exceptions {
				if e.CreatedAt.IsZero() {
					n++
				}
			}
			if n != givenZero {
				t.Errorf("Reconcile changed the caller's exceptions (%d without a time, was %d)", n, givenZero)
			}
		})
	}
}

// A Decision's exception names its notice with the notice's system.
func TestExceptionLineNamesTheNoticeSystem(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	rep := byAgency(t, reconcileOK(t, d.input(m, d.events, nowV1, nil)), daily.AgencyAll)
	named := 0
	for _, e := range rep.Exceptions {
		switch {
		case e.NoticeID != "" && e.NoticeSystem != "motcua":
			t.Errorf("%s names notice %q of system %q", e.ID, e.NoticeID, e.NoticeSystem)
		case e.NoticeID == "" && e.NoticeSystem != "":
			t.Errorf("%s names system %q without a notice", e.ID, e.NoticeSystem)
		case e.NoticeID != "":
			named++
		}
		if e.Kind == reconcile.ExceptionCancelledNotice && e.NoticeID == "" {
			t.Errorf("%s names no notice", e.ID)
		}
	}
	if named == 0 {
		t.Fatal("no exception names a notice")
	}
}
