package reconcile

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// declaredConstants returns the names of the constants of type typ that
// file declares, in declaration order.
func declaredConstants(t *testing.T, file, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			v := sp.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); ok && id.Name == typ {
				for _, n := range v.Names {
					names = append(names, n.Name)
				}
			}
		}
	}
	return names
}

// namesIn returns the identifiers that function fn of file names.
func namesIn(t *testing.T, file, fn string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn && fd.Recv == nil {
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					names = append(names, id.Name)
				}
				return true
			})
		}
	}
	return names
}

// ExceptionKinds is the one list of kinds: it must name every constant
// declared, so that a new kind reaches every validator at once.
func TestExceptionKindsListsEveryDeclaredKind(t *testing.T) {
	t.Parallel()
	declared := declaredConstants(t, "types.go", "ExceptionKind")
	if len(declared) < 12 {
		t.Fatalf("found %d ExceptionKind constants in types.go: %v", len(declared), declared)
	}
	listed := namesIn(t, "types.go", "ExceptionKinds")
	for _, name := range declared {
		if !slices.Contains(listed, name) {
			t.Errorf("ExceptionKinds does not list %s", name)
		}
	}
	kinds := ExceptionKinds()
	if len(kinds) != len(declared) {
		t.Errorf("ExceptionKinds has %d kinds, types.go declares %d", len(kinds), len(declared))
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
