package paper

import (
	"fmt"
	"html"
	"io"
	"strings"

	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"
)

// Review is the format of the review sheet.
const Review = "review"

// ExportReview writes the review sheet of language lang for a lawyer or a
// translator who signs off the guide: every screen in menu order, English
// and lang side by side (citations and contact blocks as the reader sees
// them), the contacts with the date and way each was confirmed, and for
// each screen a box to tick and room for a comment, laid out to print.
func ExportReview(w io.Writer, s *render.Screens, lang string) error {
	l, ok := s.Catalog().Lookup(lang)
	if !ok {
		return fmt.Errorf("no language %q (languages: %s)", lang, strings.Join(s.Tags(), ", "))
	}
	en := s.All(locales.Default)
	tr := s.All(lang)
	tree := s.Tree()
	dir := "ltr"
	if l.RTL {
		dir = "rtl"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review sheet: Kosovo Asylum Guide, English and %[1]s</title>
<style>
body { font-family: "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif; margin: 1.5rem; color: #111; font-size: 11pt; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin: 0 0 .4rem; color: #1a5e8a; }
table.pair { width: 100%%; border-collapse: collapse; table-layout: fixed; }
table.pair td { vertical-align: top; width: 50%%; padding: .4rem .6rem; border: 1px solid #bbb; white-space: pre-wrap; }
section { border-top: 2px solid #1a5e8a; padding-top: .6rem; margin-top: 1.2rem; break-inside: avoid; }
.buttons { color: #444; font-size: .9em; }
.signoff { margin-top: .4rem; display: flex; gap: 1rem; align-items: flex-start; }
.signoff label { white-space: nowrap; }
.comment { flex: 1; min-height: 3.5rem; border: 1px solid #999; }
table.contacts td, table.contacts th { border: 1px solid #bbb; padding: .3rem .5rem; text-align: start; }
@media print { body { margin: 0; } section { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Review sheet: Kosovo Asylum Guide, English and %[1]s (%[2]s)</h1>
<p>Content last reviewed: %[3]s. For each screen, read the %[1]s beside the English: the same facts, each legal statement with its article, plain words. Tick the box when it is right; write what to change in the box beside it. Sign and date the last page.</p>
`, html.EscapeString(l.Name), html.EscapeString(lang), dateISO(tree.Reviewed()))
	b.WriteString("<h2>Contacts</h2>\n<table class=\"contacts\">\n<tr><th>Organisation</th><th>Address, phone, e-mail, web</th><th>Last confirmed</th></tr>\n")
	for _, c := range tree.Contacts() {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s<br>%s<br>%s<br>%s</td><td>%s, %s</td></tr>\n",
			html.EscapeString(c.Name), html.EscapeString(c.Address), html.EscapeString(c.Phone), html.EscapeString(c.Email),
			html.EscapeString(strings.Join(c.Web, " ")), dateISO(c.Confirmed), strings.ReplaceAll(strings.TrimPrefix(string(c.Via), "contact_via_"), "_", " "))
	}
	b.WriteString("</table>\n")
	for i, sc := range en {
		n, _ := tree.Node(sc.Node)
		fmt.Fprintf(&b, "<section id=\"%s\">\n<h2>%d. %s <small>(%s)</small></h2>\n<table class=\"pair\"><tr>\n", n.ID, i+1, html.EscapeString(firstLine(sc.Text)), n.ID)
		for _, side := range []struct {
			sc   *render.Screen
			lang string
			dir  string
		}{{sc, "en", "ltr"}, {tr[i], lang, dir}} {
			fmt.Fprintf(&b, "<td lang=\"%s\" dir=\"%s\">%s<div class=\"buttons\">%s</div></td>\n",
				side.lang, side.dir, html.EscapeString(render.PlainText(side.sc.Text)), html.EscapeString(buttons(side.sc)))
		}
		fmt.Fprintf(&b, "</tr></table>\n<div class=\"signoff\"><label><input type=\"checkbox\"> Checked</label><div class=\"comment\" contenteditable=\"true\" aria-label=\"Comment on %s\"></div></div>\n</section>\n", n.ID)
	}
	b.WriteString("<p style=\"margin-top:2rem\">Reviewed by: ______________________ &nbsp; Date: ____________ &nbsp; Signature: ______________________</p>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// buttons lists a screen's buttons as a reader sees them.
func buttons(sc *render.Screen) string {
	var out []string
	for _, row := range sc.Rows {
		for _, k := range row {
			out = append(out, "["+k.Text+"]")
		}
	}
	return strings.Join(out, " ")
}

func firstLine(h string) string {
	l, _, _ := strings.Cut(render.PlainText(h), "\n")
	return l
}

func dateISO(d flows.Date) string {
	if d.Day == 0 {
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}
