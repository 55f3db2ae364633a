package payment

import (
	"errors"
	"strings"
	"testing"
)

func TestNoticeProblemsMatchValidate(t *testing.T) {
	t.Parallel()
	n := Notice{Total: Money{Currency: "USD"}, Version: 0}
	probs := n.Problems()
	// notice_id, system, dossier, agency, treasury account, currency, amount,
	// issued_at, status, version.
	if len(probs) != 10 {
		t.Fatalf("Problems() = %d entries: %q", len(probs), probs)
	}
	err := n.Validate()
	if !errors.Is(err, ErrInvalidNotice) || !strings.HasSuffix(err.Error(), strings.Join(probs, "; ")) {
		t.Errorf("Validate() = %v, want the problems joined", err)
	}
	if (Notice{}).Problems() == nil {
		t.Error("empty notice has no problems")
	}
}
