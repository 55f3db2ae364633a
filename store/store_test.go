package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
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

func TestAuditActionsListsEveryDeclaredAction(t *testing.T) {
	t.Parallel()
	if n := testenv.ListsEveryConstant(t, "store.go", "AuditAction", "AuditActions"); len(store.AuditActions()) != n {
		t.Errorf("AuditActions has %d actions, store.go declares %d", len(store.AuditActions()), n)
	}
}

func TestNoticeFieldsListsEveryDeclaredField(t *testing.T) {
	t.Parallel()
	if n := testenv.ListsEveryConstant(t, "store.go", "NoticeField", "NoticeFields"); len(store.NoticeFields()) != n {
		t.Errorf("NoticeFields has %d fields, store.go declares %d", len(store.NoticeFields()), n)
	}
}

// EntityKinds names the kind of every entity key function of store.go,
// each once.
func TestEntityKindsNamesEveryEntityFunction(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "store.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var funcs []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasSuffix(fd.Name.Name, "Entity") {
			funcs = append(funcs, fd.Name.Name)
		}
	}
	kinds := store.EntityKinds()
	seen := map[string]bool{}
	for _, k := range kinds {
		if k == "" || seen[k] {
			t.Errorf("entity kind %q empty or twice in %v", k, kinds)
		}
		seen[k] = true
	}
	if len(kinds) != len(funcs) {
		t.Errorf("EntityKinds has %d kinds, store.go declares %d entity functions %v", len(kinds), len(funcs), funcs)
	}
	if got := store.EntityKindOf(store.NoticeEntity("dvc", "a:b")); got != "notice" {
		t.Errorf("EntityKindOf(notice:dvc/a:b) = %q", got)
	}
	if got := store.EntityKindOf("no-colon"); got != "" {
		t.Errorf("EntityKindOf(no-colon) = %q", got)
	}
}
