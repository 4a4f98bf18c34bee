package bot

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"asylumguide/flows"
)

// Preview runs the guide in a terminal: it prints a screen as plain text
// with its buttons numbered, and reads the reader's choice from in: a
// number, b (back), m (main menu) or q (quit). It needs no token and no
// network, and reads any script piped to it. It returns at q or at the end
// of in.
func Preview(s *Screens, lang string, today flows.Date, in io.Reader, out io.Writer) error {
	if _, ok := s.byLang[lang]; !ok {
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
			fmt.Fprintf(w, "\n%s\n%s\n\n", strings.Repeat("─", 40), PlainText(sc.Text))
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
		fmt.Fprintf(w, "\n[1-%d, b back, m menu, q quit] > ", len(keys))
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
			if n, ok := s.tree.Node(sc.Node); ok && n.Parent != "" {
				sc = s.Get(lang, n.Parent)
			}
			continue
		}
		i, err := strconv.Atoi(input)
		if err != nil || i < 1 || i > len(keys) {
			fmt.Fprintf(w, "Type a number from 1 to %d, or b, m or q.\n", len(keys))
			show = false
			continue
		}
		k := keys[i-1]
		if k.URL != "" {
			fmt.Fprintf(w, "On a phone this button opens %s\n", k.URL)
			show = false
			continue
		}
		act := s.tree.Parse(k.Data)
		if act.Kind == flows.SetLanguage {
			lang = act.Lang
		}
		next, notice, err := s.Show(act, lang, today)
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
func numbered(sc *Screen) []Key {
	var keys []Key
	for _, row := range sc.Rows {
		keys = append(keys, row...)
	}
	return keys
}

// Tags lists the language tags of the screens.
func (s *Screens) Tags() []string {
	tags := make([]string, len(s.langs))
	for i, l := range s.langs {
		tags[i] = l.Tag
	}
	return tags
}

// PlainText turns Telegram HTML into the text a reader sees: tags dropped,
// entities decoded.
func PlainText(h string) string {
	var b strings.Builder
	for len(h) > 0 {
		i := strings.IndexByte(h, '<')
		if i < 0 {
			b.WriteString(h)
			break
		}
		b.WriteString(h[:i])
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			b.WriteString(h[i:])
			break
		}
		h = h[i+j+1:]
	}
	return html.UnescapeString(b.String())
}
