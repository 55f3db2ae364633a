package statements_test

import (
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/store"
)

// The persisted shape is a conversion: this test stops compiling if Line and
// store.StatementLine drift apart.
func TestLineConvertsToStoreShape(t *testing.T) {
	t.Parallel()
	l := statements.Line{StatementID: "s", Seq: 3, Source: statements.SourceCamt053, Ref: "FT1", Credit: true, Amount: payment.VNDOf(150000)}
	got := store.StatementLine(l)
	if got.StatementID != "s" || got.Seq != 3 || got.Ref != "FT1" || !got.Credit || !got.Amount.Equal(payment.VNDOf(150000)) {
		t.Fatalf("conversion lost fields: %+v", got)
	}
	back := statements.Line(got)
	if back.Ref != l.Ref || back.Seq != l.Seq {
		t.Fatalf("round trip lost fields: %+v", back)
	}
}
