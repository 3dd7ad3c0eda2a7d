package noise

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIDocumented checks that docs/API.md lists every exported name of
// the library's packages in the section of its package: functions, types,
// constants and variables by name (`Name`), methods of exported types as
// `Type.Method`. A name with no place there has no place in the API.
func TestAPIDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, s := range strings.Split(string(doc), "\n## ")[1:] {
		title, body, _ := strings.Cut(s, "\n")
		sections[strings.Fields(title)[0]] = body
	}
	for _, pkg := range []struct{ dir, section string }{
		{".", "noise"}, {"imageio", "imageio"}, {"eval", "eval"}, {"diffusion", "diffusion"},
	} {
		body, ok := sections[pkg.section]
		if !ok {
			t.Errorf("docs/API.md has no section %q", "## "+pkg.section)
			continue
		}
		for _, name := range apiExported(t, pkg.dir) {
			if !strings.Contains(body, "`"+name+"`") {
				t.Errorf("docs/API.md does not list %s.%s: add it under its concept in the %q section", pkg.section, name, pkg.section)
			}
		}
	}
}

// apiExported returns the exported names declared in the non-test Go files
// of dir, methods as Type.Method.
func apiExported(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names = append(names, d.Name.Name)
					continue
				}
				typ := d.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				if id, ok := typ.(*ast.Ident); ok && id.IsExported() {
					names = append(names, id.Name+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.IsExported() {
								names = append(names, id.Name)
							}
						}
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("no exported names in %s", dir)
	}
	return names
}
