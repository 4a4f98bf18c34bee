// Package preview shows the guide in a terminal: each screen as plain text
// with its buttons numbered, read by typing a number. It needs no token and
// no network, so a translator or lawyer can read every screen, and a script
// can walk it.
package preview

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"asylumguide/flows"
	"asylumguide/flows/render"
)

// Run runs the guide in a terminal: it prints a screen as plain text
// with its buttons numbered, and reads the reader's choice from in: a
// number, a word to search for, b (back), m (main menu) or q (quit). It needs no token and no
// network, and reads any script piped to it. It returns at q or at the end
// of in.
func Run(s *render.Screens, lang string, today flows.Date, in io.Reader, out io.Writer) error {
	if !s.Has(lang) {
		return fmt.Errorf("preview: no language %q (try one of: %s)", lang, strings.Join(s.Tags(), ", "))
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	r := bufio.NewScanner(in)
	sc := s.Get(lang, flows.Main)
	show := true
	for {
		keys := numbered(sc)
		if show {
			fmt.Fprintf(w, "\n%s\n%s\n\n", strings.Repeat("─", 40), render.PlainText(sc.Text))
			i := 0
			for _, row := range sc.Rows {
				// A calendar week is a row of seven: print it as one line.
				if len(row) > 2 {
					for _, k := range row {
						i++
						fmt.Fprintf(w, "%4d) %-4s", i, k.Text)
					}
					fmt.Fprintln(w)
					continue
				}
				for _, k := range row {
					i++
					if k.URL != "" {
						fmt.Fprintf(w, "  %d) %s ↗ %s\n", i, k.Text, k.URL)
					} else {
						fmt.Fprintf(w, "  %d) %s\n", i, k.Text)
					}
				}
			}
		}
		show = true
		fmt.Fprintf(w, "\n[1-%d, a word to search, b back, m menu, q quit] > ", len(keys))
		w.Flush()
		if !r.Scan() {
			fmt.Fprintln(w)
			return r.Err()
		}
		input := strings.TrimSpace(r.Text())
		switch input {
		case "q", "quit", "exit":
			fmt.Fprintln(w)
			return nil
		case "m":
			sc = s.Get(lang, flows.Main)
			continue
		case "b":
			if n, ok := s.Tree().Node(sc.Node); ok && n.Parent != "" {
				sc = s.Get(lang, n.Parent)
			}
			continue
		}
		i, err := strconv.Atoi(input)
		if err != nil && input != "" {
			// A word: search, as the bot does with a typed question.
			if sc, _, err = s.Search(lang, input); err != nil {
				return err
			}
			continue
		}
		if err != nil || i < 1 || i > len(keys) {
			fmt.Fprintf(w, "Type a number from 1 to %d, a word to search for, or b, m or q.\n", len(keys))
			show = false
			continue
		}
		k := keys[i-1]
		if k.URL != "" {
			fmt.Fprintf(w, "On a phone this button opens %s\n", k.URL)
			show = false
			continue
		}
		act := s.Tree().Parse(k.Data)
		if act.Kind == flows.SetLanguage {
			lang = act.Lang
		}
		next, notice, err := s.Press(act, lang, today)
		if err != nil {
			return err
		}
		if notice != "" {
			fmt.Fprintf(w, "%s\n", notice)
		}
		if next == nil {
			show = false
			continue
		}
		sc = next
	}
}

// numbered lists a screen's buttons in reading order.
func numbered(sc *render.Screen) []render.Key {
	var keys []render.Key
	for _, row := range sc.Rows {
		keys = append(keys, row...)
	}
	return keys
}
