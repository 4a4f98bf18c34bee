package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependenciesPointOneWay enforces the design's package boundaries:
// cmd -> bot -> (flows, locales); cmd -> data. flows is pure, data knows
// only bbolt, and nothing but cmd knows data.
func TestDependenciesPointOneWay(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	tests := []struct {
		pkg     string
		allowed []string // non-standard import path prefixes
		// ownOnly checks only the module's own packages: the adapter may
		// use libraries (Telegram, Prometheus) with their own trees.
		ownOnly bool
	}{
		{pkg: "asylumguide/flows"},
		{pkg: "asylumguide/data", allowed: []string{"go.etcd.io/bbolt", "golang.org/x/sys"}},
		{pkg: "asylumguide/locales", allowed: []string{"github.com/nicksnyder/go-i18n", "github.com/BurntSushi/toml", "golang.org/x/text"}},
		{pkg: "asylumguide/bot", allowed: []string{"asylumguide/flows", "asylumguide/locales"}, ownOnly: true},
	}
	for _, tt := range tests {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", tt.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == tt.pkg || (tt.ownOnly && !strings.HasPrefix(dep, "asylumguide/")) {
				continue
			}
			ok := false
			for _, a := range tt.allowed {
				if strings.HasPrefix(dep, a) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s depends on %s, which the design does not allow", tt.pkg, dep)
			}
		}
	}
}

// TestEveryPackageHasADocComment walks the module and checks each package
// says what it is for.
func TestEveryPackageHasADocComment(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
			if d.IsDir() && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		pkgs := map[string][]*ast.File{}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(path, e.Name()), nil, parser.ParseComments|parser.PackageClauseOnly)
			if err != nil {
				return err
			}
			pkgs[f.Name.Name] = append(pkgs[f.Name.Name], f)
		}
		for name, files := range pkgs {
			checked++
			documented := false
			for _, f := range files {
				if f.Doc != nil {
					documented = true
					want := "Package " + name + " "
					if name == "main" {
						want = "Command "
					}
					if !strings.HasPrefix(f.Doc.Text(), want) {
						t.Errorf("%s: doc comment should start %q", path, want)
					}
				}
			}
			if !documented {
				t.Errorf("package %s in %s has no doc comment", name, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 6 {
		t.Errorf("checked %d packages; the walk missed some", checked)
	}
}
