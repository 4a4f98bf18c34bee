package paper

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"

	qr "github.com/piglig/go-qr"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	once    sync.Once
	shared  *render.Screens
	loadErr error
)

func guide(t *testing.T) *render.Screens {
	t.Helper()
	once.Do(func() {
		var cat *locales.Catalog
		if cat, loadErr = locales.Load(); loadErr == nil {
			shared, loadErr = render.New(cat, flows.DefaultContent())
		}
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return shared
}

func TestLink(t *testing.T) {
	tests := []struct {
		bot, lang, topic, want string
		ok                     bool
	}{
		{"KosovoAsylumGuideBot", "ar", "", "https://t.me/KosovoAsylumGuideBot?start=ar", true},
		{"@KosovoAsylumGuideBot", "fa", "appeal", "https://t.me/KosovoAsylumGuideBot?start=fa_appeal", true},
		{"guide_bot", "sr-Cyrl", "help", "https://t.me/guide_bot?start=sr-Cyrl_help", true},
		{"KosovoGuide", "en", "", "", false},               // not a bot username
		{"Bad name bot", "en", "", "", false},              // spaces
		{"KosovoAsylumGuideBot", "en", "court", "", false}, // no such topic
	}
	for _, tt := range tests {
		got, err := Link(tt.bot, tt.lang, tt.topic)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Link(%q, %q, %q) = %q, %v; want %q, ok=%v", tt.bot, tt.lang, tt.topic, got, err, tt.want, tt.ok)
		}
	}
}

var moduleRun = regexp.MustCompile(`M([0-9.]+) ([0-9.]+)h([0-9.]+)v([0-9.]+)`)

// decodePosterQR reads the dark modules back from a poster's path,
// draws them as an image and decodes it as a phone would.
func decodePosterQR(t *testing.T, svg []byte) string {
	t.Helper()
	var d string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("poster is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			for _, a := range se.Attr {
				if a.Name.Local == "d" {
					d = a.Value
				}
			}
		}
	}
	runs := moduleRun.FindAllStringSubmatch(d, -1)
	if len(runs) == 0 {
		t.Fatal("poster has no QR modules")
	}
	const px = 8.0 // pixels a millimetre
	img := image.NewGray(image.Rect(0, 0, int(210*px), int(297*px)))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, r := range runs {
		x, _ := strconv.ParseFloat(r[1], 64)
		y, _ := strconv.ParseFloat(r[2], 64)
		w, _ := strconv.ParseFloat(r[3], 64)
		h, _ := strconv.ParseFloat(r[4], 64)
		for py := int(y * px); py < int((y+h)*px); py++ {
			for pxx := int(x * px); pxx < int((x+w)*px); pxx++ {
				img.SetGray(pxx, py, color.Gray{})
			}
		}
	}
	text, err := qr.Decode(img)
	if err != nil {
		t.Fatalf("the poster's QR code does not decode: %v", err)
	}
	return text
}

func TestPosterInEveryLanguage(t *testing.T) {
	s := guide(t)
	for _, tag := range s.Tags() {
		t.Run(tag, func(t *testing.T) {
			link, err := Link("KosovoAsylumGuideBot", tag, "appeal")
			if err != nil {
				t.Fatal(err)
			}
			pt, err := PosterTextFor(s, tag)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Poster(&b, link, pt); err != nil {
				t.Fatal(err)
			}
			svg := b.Bytes()
			if got := decodePosterQR(t, svg); got != link {
				t.Errorf("QR code reads %q, want %q", got, link)
			}
			text := string(svg)
			for _, want := range []string{`xml:lang="` + tag + `"`, `width="210mm" height="297mm"`, ">" + link + "<"} {
				if !strings.Contains(text, want) {
					t.Errorf("poster lacks %s", want)
				}
			}
			for _, line := range append(wrap(pt.Title, 24), wrap(pt.Privacy, 34)...) {
				if !strings.Contains(text, ">"+xmlEscape(line)+"<") {
					t.Errorf("poster lacks the line %q as text", line)
				}
			}
			if rtl := strings.Contains(text, `direction="rtl"`); rtl != pt.RTL {
				t.Errorf("direction=rtl present = %v, want %v", rtl, pt.RTL)
			}
		})
	}
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func TestQRPNGDecodes(t *testing.T) {
	link := "https://t.me/KosovoAsylumGuideBot?start=uk_rights"
	var b bytes.Buffer
	if err := QRPNG(&b, link, 10); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got, err := qr.Decode(img); err != nil || got != link {
		t.Errorf("PNG reads %q, %v; want %q", got, err, link)
	}
}

func TestPosterForALongUsernameFitsThePage(t *testing.T) {
	link, err := Link("Kosovo_Asylum_Guide_for_All_bot", "sr-Cyrl", "protection")
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := PosterTextFor(guide(t), "sr-Cyrl")
	var b bytes.Buffer
	if err := Poster(&b, link, pt); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`font-size="([0-9.]+)" fill="#111111" direction="ltr"`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatal("no link line")
	}
	size, _ := strconv.ParseFloat(m[1], 64)
	if width := 0.6 * size * float64(len(link)); width > 190 {
		t.Errorf("link is about %.0f mm wide on a 210 mm page", width)
	}
}

// TestExportHasEveryScreen checks both formats in every language: every
// screen's title is there, in order, with its facts, and right-to-left
// languages say so.
func TestExportHasEveryScreen(t *testing.T) {
	s := guide(t)
	for _, tag := range s.Tags() {
		l, _ := s.Catalog().Lookup(tag)
		secs, err := sections(s, tag)
		if err != nil {
			t.Fatal(err)
		}
		if len(secs) < 28 {
			t.Fatalf("%s: only %d sections", tag, len(secs))
		}
		for _, format := range []string{HTML, Markdown} {
			var b bytes.Buffer
			if err := Export(&b, s, tag, format); err != nil {
				t.Fatalf("%s %s: %v", tag, format, err)
			}
			doc := b.String()
			at := 0
			for _, sec := range secs {
				title := sec.title
				if format == Markdown {
					title = markdown(title)
				}
				i := strings.Index(doc[at:], title)
				if i < 0 {
					t.Errorf("%s %s: section %s (%q) missing or out of order", tag, format, sec.id, title)
					continue
				}
				at += i
			}
			for _, fact := range []string{"+383 38 243 610", "crp@crpkosovo.org", "74", "06/L-026"} {
				if !strings.Contains(doc, fact) {
					t.Errorf("%s %s: %q missing", tag, format, fact)
				}
			}
			if format == HTML {
				dir := "ltr"
				if l.RTL {
					dir = "rtl"
				}
				if !strings.Contains(doc, `<html lang="`+tag+`" dir="`+dir+`">`) {
					t.Errorf("%s html: lang/dir not set", tag)
				}
				dec := xml.NewDecoder(strings.NewReader(doc))
				dec.Strict, dec.AutoClose, dec.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
				for {
					if _, err := dec.Token(); err == io.EOF {
						break
					} else if err != nil {
						t.Errorf("%s html does not parse: %v", tag, err)
						break
					}
				}
			}
			if format == Markdown && l.RTL && !strings.HasPrefix(doc, `<div dir="rtl"`) {
				t.Errorf("%s md: no right-to-left block", tag)
			}
		}
	}
}

// TestExportGolden keeps the English Markdown export for review.
func TestExportGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Export(&b, guide(t), "en", Markdown); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "guide-en.md")
	if *updateGolden {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/paper -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("export differs from %s; rerun with -update if intended", path)
	}
}

// TestReviewSheetEveryLanguage: a review sheet renders for every language
// and holds every screen of both languages, the contacts with their
// confirmation, and a box and a comment per screen.
func TestReviewSheetEveryLanguage(t *testing.T) {
	s := guide(t)
	for _, tag := range s.Tags() {
		var b bytes.Buffer
		if err := ExportReview(&b, s, tag); err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		out := b.String()
		screens := s.All(tag)
		if got := strings.Count(out, `type="checkbox"`); got != len(screens) {
			t.Errorf("%s: %d boxes for %d screens", tag, got, len(screens))
		}
		for i, sc := range screens {
			for _, text := range []string{firstLine(sc.Text), firstLine(s.All("en")[i].Text)} {
				if !strings.Contains(out, htmlEscape(text)) {
					t.Errorf("%s: the sheet lacks %q", tag, text)
				}
			}
		}
		for _, c := range s.Tree().Contacts() {
			if !strings.Contains(out, htmlEscape(c.Phone)) || !strings.Contains(out, dateISO(c.Confirmed)+", source page") {
				t.Errorf("%s: the sheet lacks %s's phone or confirmation", tag, c.Name)
			}
		}
	}
	var b bytes.Buffer
	if err := ExportReview(&b, s, "zxx"); err == nil {
		t.Error("a review sheet in a language the guide lacks was made")
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
