package testenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// ListsEveryConstant fails t unless function list, declared in file (a
// path relative to the test's package), names every constant of type typ
// that file declares, and returns how many there are. It keeps the one
// list of a named type's values (the exception kinds, the outbox kinds)
// complete when a value is added: the list validators use can never lag.
func ListsEveryConstant(t testing.TB, file, typ, list string) int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, listed []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.CONST {
				continue
			}
			for _, sp := range d.Specs {
				v, ok := sp.(*ast.ValueSpec)
				if id, isIdent := v.Type.(*ast.Ident); ok && isIdent && id.Name == typ {
					for _, n := range v.Names {
						declared = append(declared, n.Name)
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name == list && d.Recv == nil {
				ast.Inspect(d.Body, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						listed = append(listed, id.Name)
					}
					return true
				})
			}
		}
	}
	if len(declared) == 0 {
		t.Fatalf("%s declares no constant of type %s", file, typ)
	}
	if listed == nil {
		t.Fatalf("%s declares no function %s", file, list)
	}
	for _, name := range declared {
		if !slices.Contains(listed, name) {
			t.Errorf("%s does not list %s (%s)", list, name, file)
		}
	}
	return len(declared)
}
