package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// An accountant scoped to one agency sees that agency's notices and
// reports, and nothing of another agency's (404, as if it did not exist);
// an admin and an operator key see every agency; a system key none.
func TestStaffSeeOnlyTheirAgencies(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		for id, agency := range map[string]string{"N-1": "H29.75", "N-2": "G01.899.108", "N-3": "H29.75"} {
			body := strings.Replace(noticeBody(id, "150000"), `"agency_code":"H40.01"`, `"agency_code":"`+agency+`"`, 1)
			p.do("POST", "/v1/notices", sys, body).want(t, http.StatusCreated)
		}
		ctx := context.Background()
		day, _ := payment.ParseDate("2026-11-26")
		if err := p.st.InTx(ctx, func(tx store.Tx) error {
			for _, agency := range []string{"H29.75", "G01.899.108", "ALL"} {
				if err := tx.InsertReport(ctx, store.Report{ID: "2026-11-26/" + agency + "/v1", BusinessDate: day, Agency: agency, Version: 1,
					SHA256: strings.Repeat("a", 64), Body: []byte(`{"agency":"` + agency + `"}`), CreatedAt: clock}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ids := func(r resp) string {
			t.Helper()
			var l api.NoticeList
			r.want(t, http.StatusOK).decode(t, &l)
			var out []string
			for _, n := range l.Notices {
				out = append(out, n.ID+"@"+n.Agency)
			}
			return strings.Join(out, ",")
		}
		_, lan := p.login("lan.nguyen", lanPassword)
		_, admin := p.login("admin", adminPassword)
		const q = "/notices?date=2026-11-27"
		if got := ids(p.as(lan, "GET", "/v1/agencies/H29.75"+q, "")); got != "N-1@H29.75,N-3@H29.75" {
			t.Errorf("lan's agency: %s", got)
		}
		other := p.as(lan, "GET", "/v1/agencies/G01.899.108"+q, "")
		none := p.as(lan, "GET", "/v1/agencies/G99.999"+q, "")
		if other.code != http.StatusNotFound || string(other.body) != string(none.body) {
			t.Errorf("another agency's notices: %d %s; want the 404 of an agency that does not exist", other.code, other.body)
		}
		if got := ids(p.as(admin, "GET", "/v1/agencies/G01.899.108"+q, "")); got != "N-2@G01.899.108" {
			t.Errorf("admin: %s", got)
		}
		if got := ids(p.do("GET", "/v1/agencies/H29.75"+q, op, "")); got != "N-1@H29.75,N-3@H29.75" {
			t.Errorf("operator key: %s", got)
		}
		p.do("GET", "/v1/agencies/H29.75"+q, sys, "").want(t, http.StatusForbidden)
		p.as(lan, "GET", "/v1/agencies/H29.75/notices?date=27-11-2026", "").want(t, http.StatusBadRequest)

		// Reports: the agency's own; not another's, not the all-agency total.
		own := p.as(lan, "GET", "/v1/reports/2026-11-26/H29.75", "").want(t, http.StatusOK)
		if string(own.body) != `{"agency":"H29.75"}` || own.hdr.Get("X-Feerecon-Report-Sha256") != strings.Repeat("a", 64) {
			t.Errorf("own report: %s %v", own.body, own.hdr)
		}
		for _, agency := range []string{"G01.899.108", "ALL"} {
			r := p.as(lan, "GET", "/v1/reports/2026-11-26/"+agency, "")
			missing := p.as(lan, "GET", "/v1/reports/2026-11-25/H29.75", "")
			if r.code != http.StatusNotFound || string(r.body) != string(missing.body) {
				t.Errorf("lan reads %s's report: %d %s", agency, r.code, r.body)
			}
		}
		if r := p.as(admin, "GET", "/v1/reports/2026-11-26/ALL", "").want(t, http.StatusOK); string(r.body) != `{"agency":"ALL"}` {
			t.Errorf("admin's ALL: %s", r.body)
		}
		p.do("GET", "/v1/reports/2026-11-26/G01.899.108", op, "").want(t, http.StatusOK)
		// Exceptions: those of her agency's notices; the unassigned money
		// (a payment naming no notice) only for who sees every agency.
		if err := p.st.InTx(ctx, func(tx store.Tx) error {
			for i, pay := range []struct{ txn, notice string }{{"T-1", "N-1"}, {"T-2", "N-2"}, {"T-3", ""}} {
				pm := payment.Payment{ID: payment.PaymentID(payment.GatewayVietQR, pay.txn), Gateway: payment.GatewayVietQR, TxnID: pay.txn,
					Amount: payment.VNDOf(200_000), PaidAt: clock, Description: "x"}
				if err := tx.InsertPayment(ctx, pm); err != nil {
					return err
				}
				kind := reconcile.ExceptionOverpaid
				if pay.notice != "" {
					if err := tx.InsertAllocation(ctx, reconcile.Allocation{PaymentID: pm.ID, NoticeSystem: sys, NoticeID: pay.notice,
						Amount: payment.VNDOf(150_000), Rule: reconcile.RulePaymentCode}); err != nil {
						return err
					}
				} else {
					kind = reconcile.ExceptionUnmatched
				}
				e := reconcile.Exception{ID: reconcile.ExceptionID(kind, pm.ID), Kind: kind, PaymentID: pm.ID, NoticeID: pay.notice,
					Amount: payment.VNDOf(int64(50_000 + i)), Status: reconcile.ExceptionOpen, CreatedAt: clock}
				if err := tx.UpsertException(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		excs := func(r resp) string {
			t.Helper()
			var l api.ExceptionList
			r.want(t, http.StatusOK).decode(t, &l)
			var out []string
			for _, e := range l.Exceptions {
				out = append(out, string(e.Kind)+":"+e.NoticeID)
			}
			return strings.Join(out, ",")
		}
		// lan (N-1's agency) sees N-1's, and the money naming no notice:
		// no agency's yet, theirs to claim too; never N-2's.
		if got := excs(p.as(lan, "GET", "/v1/exceptions", "")); got != "overpaid:N-1,unmatched:" {
			t.Errorf("lan's exceptions: %s", got)
		}
		if got := excs(p.as(admin, "GET", "/v1/exceptions", "")); got != "overpaid:N-1,overpaid:N-2,unmatched:" {
			t.Errorf("admin's exceptions: %s", got)
		}
		if got := excs(p.do("GET", "/v1/exceptions", op, "")); got != "overpaid:N-1,overpaid:N-2,unmatched:" {
			t.Errorf("operator key's exceptions: %s", got)
		}
	})
}
