package demo_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/demo"
	"github.com/feerecon/feerecon/kafkabus"
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

// The console over the demo day: the day's reports are stored, and the
// outbox keeps delivering while it runs — every report version to the
// treasury's sink and every Kafka copy to the in-process topics; the two
// accounts cover the day's agencies.
func TestConsoleOverTheDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := demo.Open(ctx, demo.Options{Dir: "../testdata/demo"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Console(ctx, demo.ConsoleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Date != (payment.Date{Year: 2026, Month: 11, Day: 26}) || len(c.Accounts) != 2 {
		t.Fatalf("console %+v", c)
	}
	for _, a := range c.Accounts {
		if len(a.Password) < 20 || strings.Join(a.Agencies, " ") != "H40.01 H40.12 H40.25" {
			t.Errorf("account %s: agencies %v, password of %d characters", a.Login, a.Agencies, len(a.Password))
		}
	}
	// ALL and the three agencies: four report versions, two channels each.
	const reports = 4
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for d.DeliveredToTreasury() < reports || d.Published(kafkabus.TopicTreasuryReports) < reports ||
		d.Published(kafkabus.TopicConfirmed) < 30 {
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: treasury %d, treasury.reports %d, payments.confirmed %d", d.DeliveredToTreasury(),
				d.Published(kafkabus.TopicTreasuryReports), d.Published(kafkabus.TopicConfirmed))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if got := d.ConfirmedAtSink(); got != 30 {
		t.Errorf("confirmations at the sink: %d", got)
	}
}

// What an accountant does in the demo's console reaches the demo's
// procedure system: she allocates the unmatched bank transfer to the
// notice it pays (below the approval threshold: applied at once), and the
// notice's confirmation is delivered to the sink while the console runs.
func TestConsoleConfirmationReachesTheSink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := demo.Open(ctx, demo.Options{Dir: "../testdata/demo"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Console(ctx, demo.ConsoleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	srv := httptest.NewServer(c.Handler)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	acc := c.Accounts[0]
	login := post("/console/login", url.Values{"login": {acc.Login}, "password": {acc.Password}})
	var session *http.Cookie
	for _, ck := range login.Cookies() {
		if ck.Name == api.SessionCookie {
			session = ck
		}
	}
	if login.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("login %s: %d", acc.Login, login.StatusCode)
	}
	// All 30 confirmations of the run are at the sink already.
	deadline := time.Now().Add(20 * time.Second)
	for d.ConfirmedAtSink() < 30 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	act := post("/console/exception/act", url.Values{
		"id": {reconcile.ExceptionID(reconcile.ExceptionUnmatched, "camt054:FT2633014420032")}, "action": {"allocate"},
		"reason":   {"the payer's dossier 000.12.30.H40-261126-0031, confirmed by phone"},
		"notice_1": {demo.System + "/TB-2026-01031"}, "amount_1": {"770000"}, "remainder": {"0"},
	}, session)
	if act.StatusCode != http.StatusSeeOther {
		t.Fatalf("allocate: %d", act.StatusCode)
	}
	for d.ConfirmedAtSink() < 31 {
		if time.Now().After(deadline) {
			t.Fatalf("confirmations at the sink: %d, want the allocated notice's 31st", d.ConfirmedAtSink())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
