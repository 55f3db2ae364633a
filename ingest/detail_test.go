package ingest

import (
	"encoding/json"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// TestDetailsMarshalAsTheirMaps: the audit details marshal to the bytes
// the maps they replaced gave — the chain's hashes over stored entries
// depend on them — with allocations, none (nil and empty), exceptions
// and escapes.
func TestDetailsMarshalAsTheirMaps(t *testing.T) {
	t.Parallel()
	alloc := reconcile.Allocation{PaymentID: "vietqr:1", NoticeSystem: "sys", NoticeID: `N"1`, Code: "NP000000000013",
		Amount: payment.VNDOf(150000), Rule: reconcile.RulePaymentCode, Evidence: "code <NP000000000013> & more"}
	for _, c := range []struct {
		got  any
		want map[string]any
	}{
		{decideDetail{PaymentID: "vietqr:1", Amount: payment.VNDOf(150000), Allocations: []reconcile.Allocation{alloc}, Exceptions: []string{}},
			map[string]any{"payment_id": "vietqr:1", "amount": payment.VNDOf(150000), "allocations": []reconcile.Allocation{alloc}, "exceptions": []string{}}},
		{decideDetail{PaymentID: "momo:2", Amount: payment.VNDOf(1), Exceptions: []string{"ex-1", "ex-2"}},
			map[string]any{"payment_id": "momo:2", "amount": payment.VNDOf(1), "allocations": []reconcile.Allocation(nil), "exceptions": []string{"ex-1", "ex-2"}}},
		{statusDetail{From: payment.NoticeIssued, To: payment.NoticePaid, Paid: payment.VNDOf(150000)},
			map[string]any{"from": payment.NoticeIssued, "to": payment.NoticePaid, "paid": payment.VNDOf(150000)}},
		{confirmDetail{MessageID: "confirmation|sys|N1|a+b", Payers: []string{"a", "b"}, Status: payment.NoticeOverpaid},
			map[string]any{"message_id": "confirmation|sys|N1|a+b", "payers": []string{"a", "b"}, "status": payment.NoticeOverpaid}},
		{confirmDetail{MessageID: "m", Payers: []string{}},
			map[string]any{"message_id": "m", "payers": []string{}, "status": payment.NoticeStatus("")}},
	} {
		got, err := json.Marshal(c.got)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%T:\n got %s\nwant %s", c.got, got, want)
		}
	}
}
