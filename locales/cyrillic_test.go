package locales

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestToCyrillic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Srpski", "Српски"},
		{"ljubav, njiva, džep, Đorđe, ćup, čaša, šuma, žaba", "љубав, њива, џеп, Ђорђе, ћуп, чаша, шума, жаба"},
		{"Ljubljana DŽEP Džamija NGO", "Љубљана ЏЕП Џамија NGO"},
		{"injekcija i nadživeti", "инјекција и надживети"},
		{"nadživljavati, konjunkcija, odžak, Odžaci, nadžak, odžaliti", "надживљавати, конјункција, оџак, Оџаци, наџак, оджалити"},
		{"<b>Žalba</b> u roku od {{.Appeal}} (Zakon o azilu, član 74)", "<b>Жалба</b> у року од {{.Appeal}} (Закон о азилу, члан 74)"},
		{"Pišite CRPK na crp@crpkosovo.org ili help.crpkosovo.org", "Пишите CRPK на crp@crpkosovo.org или help.crpkosovo.org"},
		{"DCAM (DSHAM) i UNHCR", "DCAM (DSHAM) и UNHCR"},
		{`<a href="https://crpkosovo.org">sajt</a>`, `<a href="https://crpkosovo.org">сајт</a>`},
		{"Pošaljite /forget ili /language", "Пошаљите /forget или /language"},
		{"<i>Komisioni Kombëtar për Refugjatë</i> i <i>Narodna komisija za izbeglice</i>", "<i>Komisioni Kombëtar për Refugjatë</i> и <i>Народна комисија за избеглице</i>"},
		{"Zakon br. 06/L-026, član 3 §1.18 i 52(1)", "Закон бр. 06/L-026, члан 3 §1.18 и 52(1)"},
		{"Tom &amp; Jerry", "Том &amp; Jerry"},
		{"✅ Jezik sačuvan: Srpski", "✅ Језик сачуван: Српски"},
		{"I tako", "И тако"},
	}
	for _, tt := range tests {
		if got := ToCyrillic(tt.in); got != tt.want {
			t.Errorf("ToCyrillic(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

var latinLetter = regexp.MustCompile(`[A-Za-zčćđšžČĆĐŠŽ]`)

// TestSerbianCyrillicIsGenerated checks the Cyrillic messages exist for
// every Latin one and hold no Latin letters outside what must stay Latin.
func TestSerbianCyrillicIsGenerated(t *testing.T) {
	c := load(t)
	if _, ok := c.Lookup("sr-Latn"); !ok {
		t.Skip("no Serbian Latin file yet")
	}
	cyr, ok := c.Lookup("sr-Cyrl")
	if !ok || cyr.Name != "Српски" {
		t.Fatalf("sr-Cyrl = %+v, %v; want it generated, named Српски", cyr, ok)
	}
	// Alternatives are tried in order: an <i> span of a foreign name first,
	// before its tags alone match.
	keep := regexp.MustCompile(`<i>[^<]*[ëçqwxy][^<]*</i>|<[^>]*>|{{[^}]*}}|&[a-z]+;|https?://\S+|[\w.-]+@[\w.-]+|[a-z0-9-]+(\.[a-z0-9-]+)+|/[a-z]+|\b[A-Z]{2,}\b|\S*[ëçqwxyQWXY]\S*|\d+/L-\d+`)
	for _, id := range c.IDs("sr-Latn") {
		m, _ := c.Message("sr-Cyrl", id)
		if m == nil {
			t.Errorf("sr-Cyrl lacks %s", id)
			continue
		}
		rest := keep.ReplaceAllString(strings.Join([]string{m.One, m.Few, m.Other}, " "), "")
		if l := latinLetter.FindString(rest); l != "" {
			t.Errorf("sr-Cyrl %s keeps Latin %q in %q", id, l, rest)
		}
	}
}

func TestMatchLanguageCodes(t *testing.T) {
	stub := fstest.MapFS{}
	for tag, name := range map[string]string{"sq": "Shqip", "sr-Latn": "Srpski", "en": "English", "uk": "Українська", "ar": "العربية", "tr": "Türkçe", "fa": "فارسی", "fr": "Français"} {
		stub["active."+tag+".toml"] = &fstest.MapFile{Data: []byte("language_name = \"" + name + "\"\n")}
	}
	c, err := LoadFS(stub)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{"en", "en"}, {"en-US", "en"}, {"sq", "sq"}, {"sq-AL", "sq"}, {"uk", "uk"},
		{"ar", "ar"}, {"ar-SY", "ar"}, {"tr", "tr"}, {"fa", "fa"}, {"fa-AF", "fa"}, {"prs", "fa"},
		{"fr", "fr"}, {"fr-CA", "fr"},
		{"sr", "sr-Cyrl"}, {"sr-Cyrl", "sr-Cyrl"}, {"sr-Latn", "sr-Latn"}, {"sr-Latn-RS", "sr-Latn"}, {"sr-ME", "sr-Latn"},
		{"hr", "sr-Latn"}, {"bs", "sr-Latn"},
		// Nothing near: English, never Serbian Cyrillic for Russian.
		{"ru", ""}, {"be", ""}, {"bg", ""}, {"de", ""}, {"pt-br", ""}, {"es", ""}, {"zh-hans", ""},
		{"", ""}, {"garbage!!", ""}, {"x-klingon", ""}, {"\xff", ""},
	}
	for _, tt := range tests {
		l, ok := c.Match(tt.code)
		if l.Tag != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tt.code, l.Tag, ok, tt.want)
		}
	}
}
