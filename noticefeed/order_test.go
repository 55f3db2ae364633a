package noticefeed_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// A payment naming a dossier no notice has yet is unmatched; the notice's
// create event (the API behind it, with the hook serve sets) decides it
// again in the same transaction: the answer shows the notice paid, and its
// confirmation names the payment.
func TestNoticeAfterItsPaymentIsPaidOnCreate(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	srv := newAPI(t, st, "dvc-hanoi")
	e, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pr := ingest.New(st, e, func() time.Time { return clock }, nil)
	srv.OnNotice(func(ctx context.Context, tx store.Tx, n payment.Notice, amended bool) error {
		_, err := pr.NoticeChanged(ctx, tx, n, amended)
		return err
	})
	p := payment.Payment{ID: payment.PaymentID(payment.GatewayVietQR, "FT1"), Gateway: payment.GatewayVietQR, TxnID: "FT1",
		Amount: payment.VNDOf(150_000), PaidAt: clock.Add(-time.Hour), PayerName: "NGUYEN VAN A",
		Description: "nop le phi ho so 000.00.20.H40-240916-0012"}
	out, err := pr.Record(ctx, p)
	if err != nil || len(out.Exceptions) != 1 || out.Exceptions[0].Kind != reconcile.ExceptionUnmatched {
		t.Fatalf("payment before its notice: %+v, %v", out, err)
	}
	res, err := noticefeed.Apply(ctx, srv, noticefeed.Event{Action: noticefeed.ActionCreate, System: "dvc-hanoi",
		NoticeID: "HS-1", Notice: noticeJSON("HS-1", "150000", "Nguyen Van A")})
	if err != nil {
		t.Fatal(err)
	}
	var v api.NoticeView
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Status != payment.NoticePaid || len(v.Allocations) != 1 || v.Allocations[0].PaymentID != p.ID {
		t.Fatalf("created notice: %s %+v", v.Status, v.Allocations)
	}
	_ = st.InTx(ctx, func(tx store.Tx) error {
		es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
		if err != nil || len(es) != 0 {
			t.Errorf("payment's exceptions after its notice: %+v, %v", es, err)
		}
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation})
		if err != nil || len(ms) != 1 {
			t.Fatalf("confirmations: %d, %v", len(ms), err)
		}
		var c ingest.Confirmation
		if err := json.Unmarshal(ms[0].Payload, &c); err != nil || len(c.Allocations) != 1 || c.Allocations[0].PaymentID != p.ID {
			t.Errorf("confirmation %+v, %v", c, err)
		}
		return nil
	})
}
