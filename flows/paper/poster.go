// Package paper puts the guide on paper: A4 posters with a QR code of a
// deep link in one language, and the whole guide as one document (HTML or
// Markdown) that an NGO can print or a reviewer can read in one go.
package paper

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"asylumguide/flows"
	"asylumguide/flows/render"

	qr "github.com/piglig/go-qr"
)

// usernamePattern is a Telegram bot username: 5 to 32 letters, digits or
// underscores, ending in "bot".
var usernamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]$`)

// Link is the deep link that opens the guide in lang, at topic if set.
func Link(username, lang, topic string) (string, error) {
	username = strings.TrimPrefix(username, "@")
	if !usernamePattern.MatchString(username) {
		return "", fmt.Errorf("%q is not a bot username (5-32 letters, digits or _, ending in bot)", username)
	}
	payload := lang
	if topic != "" {
		if _, ok := flows.TopicNode(topic); !ok {
			var names []string
			for _, t := range flows.Topics() {
				names = append(names, t.Name)
			}
			return "", fmt.Errorf("no topic %q (topics: %s)", topic, strings.Join(names, ", "))
		}
		payload += "_" + topic
	}
	return "https://t.me/" + username + "?start=" + payload, nil
}

// code encodes the link with medium error correction, which survives a
// crease or a smudge on a printed poster.
func code(link string) (*qr.QrCode, error) {
	c, err := qr.EncodeText(link, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	return c, nil
}

// QRPNG writes the QR code of link alone as a PNG, scale pixels a module,
// with the quiet zone of four modules scanners need.
func QRPNG(w io.Writer, link string, scale int) error {
	c, err := code(link)
	if err != nil {
		return err
	}
	return c.WriteAsPNG(qr.NewQrCodeImgConfig(scale, 4), w)
}

// PosterText is what a poster says besides its code, in one language.
type PosterText struct {
	Lang     string // BCP 47 tag, for the SVG's xml:lang
	RTL      bool
	Language string // the language's own name
	Title    string // "Free information about asylum in Kosovo"
	Privacy  string // "Private: we keep only your language choice"
}

// PosterTextFor reads a poster's lines from the guide's messages.
func PosterTextFor(s *render.Screens, lang string) (PosterText, error) {
	cat := s.Catalog()
	l, ok := cat.Lookup(lang)
	if !ok {
		return PosterText{}, fmt.Errorf("no language %q (languages: %s)", lang, strings.Join(s.Tags(), ", "))
	}
	title, err := cat.Text(lang, "poster_title", nil)
	if err != nil {
		return PosterText{}, err
	}
	privacy, err := cat.Text(lang, "poster_privacy", nil)
	if err != nil {
		return PosterText{}, err
	}
	return PosterText{Lang: l.Tag, RTL: l.RTL, Language: l.Name, Title: strings.TrimSpace(title), Privacy: strings.TrimSpace(privacy)}, nil
}

// A4 in millimetres, the SVG's user units.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 18.0
)

// Poster writes an A4 SVG poster: the language's name, the title, a large
// QR code of link, the link in text and the privacy line. Text stays text
// (not outlines), so browsers and printers shape Arabic and Farsi
// correctly; right-to-left lines carry direction="rtl".
func Poster(w io.Writer, link string, t PosterText) error {
	c, err := code(link)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" xml:lang="%s">
<title>%s</title>
<rect width="210" height="297" fill="#ffffff"/>
<rect x="6" y="6" width="198" height="285" fill="none" stroke="#1a5e8a" stroke-width="1.2" rx="4"/>
`, html.EscapeString(t.Lang), html.EscapeString(t.Title))
	dir := ""
	if t.RTL {
		dir = ` direction="rtl" unicode-bidi="embed"`
	}
	font := `font-family="'Noto Sans', 'Noto Sans Arabic', 'Noto Naskh Arabic', 'DejaVu Sans', Arial, sans-serif"`
	y := 30.0
	fmt.Fprintf(&b, `<text x="105" y="%.1f" text-anchor="middle" %s font-size="9" fill="#1a5e8a"%s>%s</text>
`, y, font, dir, html.EscapeString(t.Language))
	y += 16
	for _, line := range wrap(t.Title, 24) {
		fmt.Fprintf(&b, `<text x="105" y="%.1f" text-anchor="middle" %s font-size="12" font-weight="bold" fill="#111111"%s>%s</text>
`, y, font, dir, html.EscapeString(line))
		y += 14
	}
	// The code: one path of dark modules, square and crisp at any size.
	const border = 4.0
	side := 140.0
	top := y + 2
	module := side / float64(c.Size()+2*border)
	left := (pageW - side) / 2
	fmt.Fprintf(&b, `<rect x="%.3f" y="%.3f" width="%.3f" height="%.3f" fill="#ffffff"/>
<path fill="#000000" shape-rendering="crispEdges" d="`, left, top, side, side)
	for my := range c.Size() {
		for mx := 0; mx < c.Size(); {
			if !c.Module(mx, my) {
				mx++
				continue
			}
			run := 0
			for mx+run < c.Size() && c.Module(mx+run, my) {
				run++
			}
			fmt.Fprintf(&b, "M%.3f %.3fh%.3fv%.3fh-%.3fz", left+(float64(mx)+border)*module, top+(float64(my)+border)*module, float64(run)*module, module, float64(run)*module)
			mx += run
		}
	}
	b.WriteString("\"/>\n")
	y = top + side + 12
	// The link is Latin and read left to right in every language; a long
	// username gets a smaller font so it stays inside the frame (a
	// monospace glyph is about 0.6 of the font size wide).
	size := min(6.5, 180/(0.6*float64(len(link))))
	fmt.Fprintf(&b, `<text x="105" y="%.1f" text-anchor="middle" font-family="'DejaVu Sans Mono', 'Noto Sans Mono', monospace" font-size="%.2f" fill="#111111" direction="ltr">%s</text>
`, y, size, html.EscapeString(link))
	y += 14
	for _, line := range wrap(t.Privacy, 34) {
		fmt.Fprintf(&b, `<text x="105" y="%.1f" text-anchor="middle" %s font-size="8.5" fill="#333333"%s>%s</text>
`, y, font, dir, html.EscapeString(line))
		y += 11
	}
	if y > pageH-margin {
		return errors.New("poster: the text does not fit on one page")
	}
	b.WriteString("</svg>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return slices.Clip(lines)
}
