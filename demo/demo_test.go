package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/demo"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// The demo day is designed (testdata/demo/gen.py) with 24 notices paid
// exactly in the shapes banks write, one paid in two instalments, one
// overpaid, one paid twice, two paid by one transfer, one paid with
// look-alike letters, one with a typo the check digits refuse, one with no
// reference, one cancelled before it is paid, and seven never paid.
func TestDemoDay(t *testing.T) {
	t.Parallel()
	sum, err := demo.Run(context.Background(), demo.Options{Dir: "../testdata/demo"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"notices", sum.Notices, 40},
		{"paid", sum.NoticesByStatus[payment.NoticePaid], 24 + 1 + 1 + 1 + 2 + 1},
		{"cancelled", sum.NoticesByStatus[payment.NoticeCancelled], 1},
		{"issued", sum.NoticesByStatus[payment.NoticeIssued], 2 + 7},
		{"payments", sum.Payments, 34},
		{"redelivered", sum.Redelivered, 2},
		{"dead-lettered", sum.DeadLettered, 1},
		{"allocations", sum.Allocated, 24 + 2 + 1 + 1 + 2 + 1},
		{"unmatched", sum.Exceptions[reconcile.ExceptionUnmatched], 2},
		{"overpaid", sum.Exceptions[reconcile.ExceptionOverpaid], 1},
		{"duplicate", sum.Exceptions[reconcile.ExceptionDuplicate], 1},
		{"cancelled_notice", sum.Exceptions[reconcile.ExceptionCancelledNotice], 1},
		{"confirmations", sum.Confirmations, 30},
		{"confirmed at the sink", sum.ConfirmedAtSink, 30},
		{"rejected by the sink", sum.SinkRejected, 0},
		{"still due", sum.ConfirmationsDue, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	var b bytes.Buffer
	sum.Print(&b)
	if !strings.Contains(b.String(), "matched (allocations): 31") {
		t.Errorf("summary:\n%s", b.String())
	}
}
