package locales

import "testing"

// BenchmarkMatch matches Telegram language codes as updates carry them:
// a handful of codes, seen again and again.
func BenchmarkMatch(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	codes := []string{"en", "ar", "uk", "ru", "fa", "sr", "de", "pt-br", "tr", "sq", "fr-CA", ""}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Match(codes[i%len(codes)])
		i++
	}
}

// BenchmarkMatchFirstTime is the cost of a code not seen before: parsing
// it and running the x/text matcher.
func BenchmarkMatchFirstTime(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	codes := []string{"en-US", "ar-SY", "uk-UA", "ru", "fa-AF", "sr-Latn-RS", "de-AT", "pt-br", "tr-TR", "sq-AL", "fr-CA", "hr"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.match(codes[i%len(codes)])
		i++
	}
}
