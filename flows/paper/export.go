package paper

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"asylumguide/flows"
	"asylumguide/flows/render"
)

// Formats Export writes.
const (
	HTML     = "html"
	Markdown = "md"
)

// section is one screen of the guide, ready for a document.
type section struct {
	id    flows.ID
	depth int    // 1 for the main menu, 2 for a section, 3 below
	title string // Telegram HTML of the screen's bold first line
	body  string // Telegram HTML of the rest
	links []render.Key
}

// sections returns the guide's screens in tree order, without those that
// make no sense on paper: the language picker, the date picker and the
// answers to commands.
func sections(s *render.Screens, lang string) ([]section, error) {
	tree := s.Tree()
	var out []section
	for _, sc := range s.All(lang) {
		n, _ := tree.Node(sc.Node)
		if n.Hidden || n.Calendar || n.ID == flows.LanguagePicker {
			continue
		}
		depth := 1
		for p := n; p.Parent != ""; p, _ = tree.Node(p.Parent) {
			depth++
		}
		title, body, _ := strings.Cut(sc.Text, "\n")
		if !strings.HasPrefix(title, "<b>") || !strings.HasSuffix(title, "</b>") {
			return nil, fmt.Errorf("screen %s does not start with a bold title", sc.Node)
		}
		sec := section{id: n.ID, depth: min(depth, 3), title: strings.TrimSuffix(strings.TrimPrefix(title, "<b>"), "</b>"), body: strings.TrimSpace(body)}
		for _, row := range sc.Rows {
			for _, k := range row {
				if k.URL != "" {
					sec.links = append(sec.links, k)
				}
			}
		}
		out = append(out, sec)
	}
	return out, nil
}

// paragraphs splits a screen's text at blank lines; within a paragraph,
// lines that start with "• " are list items.
func paragraphs(body string) [][]string {
	var out [][]string
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// Export writes the whole guide in lang as one document: every screen in
// tree order under its heading, with its citations, contacts and links.
func Export(w io.Writer, s *render.Screens, lang, format string) error {
	l, ok := s.Catalog().Lookup(lang)
	if !ok {
		return fmt.Errorf("no language %q (languages: %s)", lang, strings.Join(s.Tags(), ", "))
	}
	secs, err := sections(s, lang)
	if err != nil {
		return err
	}
	switch format {
	case HTML:
		return exportHTML(w, secs, l.Tag, l.RTL)
	case Markdown:
		return exportMarkdown(w, secs, l.Tag, l.RTL)
	}
	return fmt.Errorf("format %q: use html or md", format)
}

func exportHTML(w io.Writer, secs []section, lang string, rtl bool) error {
	dir := "ltr"
	if rtl {
		dir = "rtl"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html>
<html lang="%s" dir="%s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
body { font-family: "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #111; }
h1 { color: #1a5e8a; } h2 { color: #1a5e8a; border-top: 1px solid #ccc; padding-top: 1rem; margin-top: 2rem; }
h2, h3 { break-after: avoid; } section { break-inside: avoid; }
ul { padding-inline-start: 1.5rem; } a { color: #1a5e8a; }
@media print { a { color: inherit; } body { margin: 0; } }
</style>
</head>
<body>
`, html.EscapeString(lang), dir, html.EscapeString(render.PlainText(secs[0].title)))
	for _, sec := range secs {
		fmt.Fprintf(&b, "<section id=\"%s\">\n<h%d>%s</h%d>\n", sec.id, sec.depth, sec.title, sec.depth)
		for _, p := range paragraphs(sec.body) {
			var items, lines []string
			flush := func() {
				if len(lines) > 0 {
					b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
					lines = nil
				}
				if len(items) > 0 {
					b.WriteString("<ul>\n")
					for _, it := range items {
						b.WriteString("<li>" + it + "</li>\n")
					}
					b.WriteString("</ul>\n")
					items = nil
				}
			}
			for _, line := range p {
				if item, ok := strings.CutPrefix(line, "• "); ok {
					if len(lines) > 0 {
						flush()
					}
					items = append(items, item)
					continue
				}
				if len(items) > 0 {
					flush()
				}
				lines = append(lines, line)
			}
			flush()
		}
		if len(sec.links) > 0 {
			b.WriteString("<p>")
			for i, k := range sec.links {
				if i > 0 {
					b.WriteString(" · ")
				}
				fmt.Fprintf(&b, `<a href="%s">%s</a>`, html.EscapeString(k.URL), html.EscapeString(k.Text))
			}
			b.WriteString("</p>\n")
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	boldTag   = regexp.MustCompile(`</?b>`)
	italicTag = regexp.MustCompile(`</?i>`)
	linkTag   = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`)
)

// markdown turns the Telegram HTML of one line into Markdown.
func markdown(s string) string {
	s = linkTag.ReplaceAllString(s, "[$2]($1)")
	s = boldTag.ReplaceAllString(s, "**")
	s = italicTag.ReplaceAllString(s, "*")
	return html.UnescapeString(s)
}

func exportMarkdown(w io.Writer, secs []section, lang string, rtl bool) error {
	var b strings.Builder
	if rtl {
		// Markdown has no direction; an HTML block gives it to renderers
		// that honour it.
		fmt.Fprintf(&b, "<div dir=\"rtl\" lang=\"%s\">\n\n", lang)
	}
	for _, sec := range secs {
		fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", sec.depth), markdown(sec.title))
		for _, p := range paragraphs(sec.body) {
			for i, line := range p {
				if item, ok := strings.CutPrefix(line, "• "); ok {
					b.WriteString("- " + markdown(item) + "\n")
					continue
				}
				if i > 0 && strings.HasPrefix(p[i-1], "• ") {
					b.WriteString("\n") // end the list
				}
				b.WriteString(markdown(line))
				if i < len(p)-1 && !strings.HasPrefix(p[i+1], "• ") {
					b.WriteString("  ") // a line break within the paragraph
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		for i, k := range sec.links {
			if i > 0 {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, "[%s](%s)", k.Text, k.URL)
		}
		if len(sec.links) > 0 {
			b.WriteString("\n\n")
		}
	}
	if rtl {
		b.WriteString("</div>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
