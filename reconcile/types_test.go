package reconcile

import (
	"testing"

	"github.com/feerecon/feerecon/testenv"
)

// ExceptionKinds is the one list of kinds: it must name every constant
// declared, so that a new kind reaches every validator at once.
func TestExceptionKindsListsEveryDeclaredKind(t *testing.T) {
	t.Parallel()
	n := testenv.ListsEveryConstant(t, "types.go", "ExceptionKind", "ExceptionKinds")
	kinds := ExceptionKinds()
	if len(kinds) != n {
		t.Errorf("ExceptionKinds has %d kinds, types.go declares %d", len(kinds), n)
	}
	for _, k := range kinds {
		if !k.Valid() {
			t.Errorf("%q is not Valid", k)
		}
	}
	if ExceptionKind("paid").Valid() {
		t.Error(`"paid" is a valid kind`)
	}
}
