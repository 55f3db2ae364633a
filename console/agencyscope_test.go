package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
)

// Acceptance 3 of issue 10: an accountant of agency X sees none of
// agency Y's rows, on every page. H40.01's accountant requests each page
// — pointed at H29.75's rows where the page takes a key — and finds none
// of h29Markers in it; H29.75's accountant, asking the same, finds every
// marker on some page (so the markers do mark what the pages show).
//
// scopedPages is the table: one line adds a page (h40Status: what H40.01's
// accountant gets).
var scopedPages = []struct {
	name, path string
	h40Status  int
}{
	{"today", "/console/", http.StatusOK},
	{"today, another day", "/console/?date=2026-11-26", http.StatusOK},
	{"notices: by H29.75's notice id", "/console/notices?q=TB-2", http.StatusOK},
	{"notices: by H29.75's payment code", "/console/notices?q=" + code(2), http.StatusOK},
	{"notices: by the dossier of H29.75's", "/console/notices?q=000.00.20.H40-261120-0004", http.StatusOK},
	{"notices: a payer both agencies have", "/console/notices?q=tran+thi+binh&by=payer", http.StatusOK},
	{"notices: a payer both agencies have, as typed", "/console/notices?q=Nguy%E1%BB%85n", http.StatusOK},
	{"notice: H29.75's", "/console/notices/dvc/TB-2", http.StatusNotFound},
	{"notice: H29.75's unpaid", "/console/notices/dvc/TB-4", http.StatusNotFound},
	{"notice: H29.75's QR", "/console/notices/dvc/TB-4/qr.png", http.StatusNotFound},
	{"audit", "/console/audit", http.StatusForbidden},
	{"audit: H29.75's notice's entries", "/console/audit?entity=notice:dvc/TB-2", http.StatusForbidden},
	{"account", "/console/account", http.StatusOK},
	{"exceptions: the queue", "/console/exceptions", http.StatusOK},
	{"exceptions: every status", "/console/exceptions?status=resolved", http.StatusOK},
	{"requests", "/console/requests", http.StatusOK},
	{"exception: H29.75's", "/console/exception?id=duplicate%7Cmomo%3A2901", http.StatusNotFound},
}

// h29Markers are what only H29.75's rows carry in the fixtures: its
// agency code, notices, payment codes, amounts, channel and webhook.
var h29Markers = []string{"H29.75", "TB-2", "TB-4", code(2), code(4), "1.500.000", "320.000", "momo", "h29.example", "410 Gone"}

func TestAgencyScopeOnEveryPage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		harnessFixture(t, b)
		h40, h29 := b.login(h40Login), b.login(h29Login)
		seen := map[string]bool{}
		for _, p := range scopedPages {
			r := b.do("GET", p.path, nil, h40)
			if r.code != p.h40Status {
				t.Errorf("%s: GET %s: %d, want %d", p.name, p.path, r.code, p.h40Status)
			}
			// A page echoes what the person typed (the search box, the
			// language link): a marker in the request is not a leak.
			typed, _ := url.PathUnescape(p.path)
			for _, m := range h29Markers {
				if !strings.Contains(typed, m) && strings.Contains(r.body, m) {
					t.Errorf("%s: GET %s shows H40.01's accountant %q", p.name, p.path, m)
				}
			}
			other := b.do("GET", p.path, nil, h29)
			for _, m := range h29Markers {
				if !strings.Contains(typed, m) && strings.Contains(other.body, m) {
					seen[m] = true
				}
			}
		}
		for _, m := range h29Markers {
			if !seen[m] {
				t.Errorf("no page shows H29.75's accountant %q: the marker marks nothing", m)
			}
		}
	})
}

// h29Exception stores an exception of H29.75's: a MoMo payment of
// 320.000 ₫ naming TB-2, a duplicate (TB-2 is paid), so that the
// exceptions' pages have a row only H29.75's accountant may see.
func h29Exception(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	p := conformance.Payment(payment.GatewayMoMo, "2901", 320_000, clock.Add(-40*time.Minute))
	p.Description = "TB-2 nop lai"
	err := st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertPayment(ctx, p); err != nil {
			return err
		}
		if err := tx.LinkPayment(ctx, p.ID, []store.NoticeKey{{System: "dvc", ID: "TB-2"}}); err != nil {
			return err
		}
		return tx.UpsertException(ctx, reconcile.Exception{ID: reconcile.ExceptionID(reconcile.ExceptionDuplicate, p.ID),
			Kind: reconcile.ExceptionDuplicate, PaymentID: p.ID, NoticeID: "TB-2", Amount: p.Amount, Candidates: []string{"TB-2"},
			Status: reconcile.ExceptionOpen, CreatedAt: p.PaidAt})
	})
	if err != nil {
		t.Fatal(err)
	}
}
