package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"
)

// guideSet is everything the guide shows, read from the embedded files
// and, where a content folder holds a file of the same name, from there.
type guideSet struct {
	screens *render.Screens
	stale   []*flows.Contact // unconfirmed for more than a year
}

// overridable reports whether a file of a content folder replaces the
// embedded one of that name.
func overridable(name string) bool {
	return name == flows.ContentFile || name == locales.GlossaryFile ||
		strings.HasPrefix(name, "active.") && strings.HasSuffix(name, ".toml")
}

// loadGuide reads and checks the guide: the embedded files, each replaced
// by the file of that name in dir if dir is set. It runs every check the
// tests run and returns every problem found; the set is usable only when
// there are none.
func loadGuide(dir string, today flows.Date) (*guideSet, []flows.Problem, error) {
	var folder fs.FS
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			return nil, nil, fmt.Errorf("content folder %s cannot be read: set ASYLUMGUIDE_CONTENT_DIR to a folder, or make one with: asylumguide content init %s", dir, dir)
		}
		folder = os.DirFS(dir)
	}
	contentBytes := flows.EmbeddedContent()
	if folder != nil {
		b, err := fs.ReadFile(folder, flows.ContentFile)
		switch {
		case err == nil:
			contentBytes = b
		case !errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("content folder: %w", err)
		}
	}
	content, problems := flows.ParseContent(contentBytes, flows.ContentFile)
	cat, err := locales.LoadFS(overlay{base: locales.Files(), top: folder})
	if err != nil {
		// A file go-i18n cannot read at all: one problem, with what it said.
		return nil, append(problems, flows.Problem{File: "the language files", What: err.Error(), Fix: "check the TOML syntax near the place named"}), nil
	}
	problems = append(problems, cat.Check()...)
	if content == nil || len(problems) > 0 {
		return nil, problems, nil
	}
	screens, err := render.New(cat, content)
	if err != nil {
		return nil, append(problems, flows.Problem{File: "the language files", What: err.Error()}), nil
	}
	if problems = screens.Check(); len(problems) > 0 {
		return nil, problems, nil
	}
	return &guideSet{screens: screens, stale: screens.Tree().StaleContacts(today)}, nil, nil
}

// staleLines says which contacts nobody has confirmed for a year, and
// what to do.
func staleLines(stale []*flows.Contact) []string {
	var out []string
	for _, c := range stale {
		out = append(out, fmt.Sprintf("contact %q was last confirmed %04d-%02d (%s), over %d months ago: phone them, then update confirmed and via in %s",
			c.Name, c.Confirmed.Year, c.Confirmed.Month, strings.TrimPrefix(string(c.Via), "contact_via_"), flows.StaleAfter, flows.ContentFile))
	}
	return out
}

// problemsError is the whole list of problems as one error, one per line.
type problemsError []flows.Problem

func (p problemsError) Error() string {
	lines := make([]string, len(p))
	for i, pr := range p {
		lines[i] = "  " + pr.String()
	}
	return fmt.Sprintf("the guide's content has %d problem(s); nothing was changed:\n%s\nrun: asylumguide check -content-dir DIR", len(p), strings.Join(lines, "\n"))
}

// overlay is the embedded files with those of a content folder on top.
type overlay struct {
	base fs.FS
	top  fs.FS // nil for none
}

func (o overlay) Open(name string) (fs.File, error) {
	if o.top != nil && overridable(path.Base(name)) {
		if f, err := o.top.Open(name); err == nil {
			return f, nil
		}
	}
	return o.base.Open(name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.base, name)
	if err != nil || o.top == nil {
		return entries, err
	}
	top, err := fs.ReadDir(o.top, name)
	if err != nil {
		return entries, nil
	}
	for _, e := range top {
		if !e.IsDir() && overridable(e.Name()) && !slices.ContainsFunc(entries, func(b fs.DirEntry) bool { return b.Name() == e.Name() }) {
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// check runs "asylumguide check": the same checks as at start, for a
// translator or an NGO who edited the files, with exit code 1 on problems.
func check(args []string, getenv func(string) string, today flows.Date, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asylumguide check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("content-dir", getenv("ASYLUMGUIDE_CONTENT_DIR"), "folder with content.toml and active.<lang>.toml files to check (env ASYLUMGUIDE_CONTENT_DIR); the embedded files if empty")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	set, problems, err := loadGuide(*dir, today)
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitUsage
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%d problem(s): the bot would refuse these files. Mend each, then run the check again.\n", len(problems))
		return exitError
	}
	for _, l := range staleLines(set.stale) {
		fmt.Fprintln(stdout, "warning: "+l)
	}
	fmt.Fprintf(stdout, "ok: %d languages, every check passed\n", len(set.screens.Languages()))
	return exitOK
}

// contentInit runs "asylumguide content init DIR": it writes the embedded
// files into DIR as the starting point of an NGO's own content.
func contentInit(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "init" {
		fmt.Fprintln(stderr, "usage: asylumguide content init DIR")
		return exitUsage
	}
	dir := args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "asylumguide: cannot make %s: %v\n", dir, err)
		return exitError
	}
	files := map[string][]byte{flows.ContentFile: flows.EmbeddedContent()}
	names, _ := fs.Glob(locales.Files(), "*.toml")
	for _, n := range names {
		b, _ := fs.ReadFile(locales.Files(), n)
		files[n] = b
	}
	for name := range files {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			fmt.Fprintf(stderr, "asylumguide: %s already holds %s: choose an empty folder, or move it aside first\n", dir, name)
			return exitError
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			fmt.Fprintf(stderr, "asylumguide: %v\n", err)
			return exitError
		}
	}
	fmt.Fprintf(stdout, "wrote %d files to %s: edit them, check them with: asylumguide check -content-dir %s\n", len(files), dir, dir)
	return exitOK
}
