package store_test

import (
	"testing"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/testenv"
)

func TestOutboxKindsListsEveryDeclaredKind(t *testing.T) {
	t.Parallel()
	if n := testenv.ListsEveryConstant(t, "store.go", "OutboxKind", "OutboxKinds"); len(store.OutboxKinds()) != n {
		t.Errorf("OutboxKinds has %d kinds, store.go declares %d", len(store.OutboxKinds()), n)
	}
}

func TestKeyRolesListsEveryDeclaredRole(t *testing.T) {
	t.Parallel()
	if n := testenv.ListsEveryConstant(t, "store.go", "KeyRole", "KeyRoles"); len(store.KeyRoles()) != n {
		t.Errorf("KeyRoles has %d roles, store.go declares %d", len(store.KeyRoles()), n)
	}
}
