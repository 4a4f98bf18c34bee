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
// cmd -> bot -> render -> (flows, locales); cmd -> data; preview and
// paper build on render, never on the Telegram adapter. flows is pure,
// data knows only bbolt, bot never knows data, and nothing imports cmd.
// The module's own packages must match exactly; a library by its prefix.
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
		{pkg: "asylumguide/flows", allowed: []string{"github.com/BurntSushi/toml"}},
		{pkg: "asylumguide/data", allowed: []string{"go.etcd.io/bbolt", "golang.org/x/sys"}},
		{pkg: "asylumguide/locales", allowed: []string{"asylumguide/flows", "github.com/nicksnyder/go-i18n", "github.com/BurntSushi/toml", "golang.org/x/text"}},
		{pkg: "asylumguide/flows/render", allowed: []string{"asylumguide/flows", "asylumguide/locales"}, ownOnly: true},
		{pkg: "asylumguide/flows/preview", allowed: []string{"asylumguide/flows", "asylumguide/flows/render", "asylumguide/locales"}, ownOnly: true},
		{pkg: "asylumguide/flows/paper", allowed: []string{"asylumguide/flows", "asylumguide/flows/render", "asylumguide/locales"}, ownOnly: true},
		{pkg: "asylumguide/bot", allowed: []string{"asylumguide/flows", "asylumguide/flows/render", "asylumguide/locales"}, ownOnly: true},
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
				own := strings.HasPrefix(a, "asylumguide/")
				if dep == a || !own && strings.HasPrefix(dep, a) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s depends on %s, which the design does not allow", tt.pkg, dep)
			}
		}
	}
}

// TestNothingImportsCmd: the commands only wire; no package depends on them.
func TestNothingImportsCmd(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "asylumguide/bot/...", "asylumguide/flows/...", "asylumguide/data/...", "asylumguide/locales/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "asylumguide/cmd") {
			t.Errorf("%s is imported by a package outside cmd", dep)
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
