package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSubcommandShape holds internal/cli to one shape (issue 9 item 7):
// every subcommand is runX(ctx, opts) with its streams in opts.IO, and no
// parameter is named after a package the file imports (a parameter named
// io hid package io).
func TestSubcommandShape(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	runs := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		imported := map[string]bool{}
		for _, im := range file.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			name := filepath.Base(path)
			if im.Name != nil {
				name = im.Name.Name
			}
			imported[name] = true
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			for _, p := range fn.Type.Params.List {
				for _, n := range p.Names {
					if imported[n.Name] {
						t.Errorf("%s: %s has a parameter %q that hides package %s", fset.Position(n.Pos()), fn.Name.Name, n.Name, n.Name)
					}
				}
			}
			name := fn.Name.Name
			if fn.Recv != nil || len(name) < 4 || !strings.HasPrefix(name, "run") || name[3] < 'A' || name[3] > 'Z' {
				continue
			}
			runs++
			ps := fn.Type.Params.List
			ok = len(ps) == 2 && len(ps[0].Names) <= 1 && len(ps[1].Names) == 1
			if ok {
				sel, isSel := ps[0].Type.(*ast.SelectorExpr)
				star, isStar := ps[1].Type.(*ast.StarExpr)
				ok = isSel && sel.Sel.Name == "Context" && isStar
				if ok {
					id, isID := star.X.(*ast.Ident)
					ok = isID && strings.HasSuffix(id.Name, "Options")
				}
			}
			if !ok {
				t.Errorf("%s: %s must be func %s(ctx context.Context, opts *xOptions) error, with the streams in opts.IO", fset.Position(fn.Pos()), name, name)
			}
		}
	}
	if runs < 8 {
		t.Fatalf("found only %d runX functions", runs)
	}
}
