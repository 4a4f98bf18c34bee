package locales

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// latinToCyrillic maps Serbian Latin letters to Cyrillic. The digraphs lj,
// nj and dž are handled in toCyrillic before single letters.
var latinToCyrillic = map[rune]string{
	'a': "а", 'b': "б", 'c': "ц", 'č': "ч", 'ć': "ћ", 'd': "д", 'đ': "ђ", 'e': "е",
	'f': "ф", 'g': "г", 'h': "х", 'i': "и", 'j': "ј", 'k': "к", 'l': "л", 'm': "м",
	'n': "н", 'o': "о", 'p': "п", 'r': "р", 's': "с", 'š': "ш", 't': "т", 'u': "у",
	'v': "в", 'z': "з", 'ž': "ж",
	'A': "А", 'B': "Б", 'C': "Ц", 'Č': "Ч", 'Ć': "Ћ", 'D': "Д", 'Đ': "Ђ", 'E': "Е",
	'F': "Ф", 'G': "Г", 'H': "Х", 'I': "И", 'J': "Ј", 'K': "К", 'L': "Л", 'M': "М",
	'N': "Н", 'O': "О", 'P': "П", 'R': "Р", 'S': "С", 'Š': "Ш", 'T': "Т", 'U': "У",
	'V': "В", 'Z': "З", 'Ž': "Ж",
}

// digraphs are the two-letter Latin spellings of one Cyrillic letter.
var digraphs = []struct{ latin, cyr string }{
	{"lj", "љ"}, {"Lj", "Љ"}, {"LJ", "Љ"},
	{"nj", "њ"}, {"Nj", "Њ"}, {"NJ", "Њ"},
	{"dž", "џ"}, {"Dž", "Џ"}, {"DŽ", "Џ"},
}

// splitStems are word beginnings in which the n+j or d+ž is two letters,
// not one, as in injekcija (инјекција) or nadživeti (надживети); only that
// pair is split, so nadživljavati still gets its љ. Stems are precise:
// odžak is оџак, odžaliti is оджалити.
var splitStems = []string{"injek", "konjunk", "konjug", "vanjez", "tanjug", "nadživ", "nadžnje", "nadžir", "podžanr", "podžup", "odžal", "odživ"}

// keepLatin is what stays in Latin letters inside Serbian Cyrillic text,
// written exactly as in the Latin file: the foreign acronyms readers see
// on papers, signs and web addresses; the international term
// non-refoulement; the names of sources and institutions in another
// language; and the Albanian forms of place names, as on road signs and
// maps. An entry matches only as a whole word or phrase, so the Serbian
// "Vranidol" and "Vranidolu" are still transliterated beside "Vranidoll".
// Any other word of Serbian Latin letters is transliterated, acronyms too:
// a Serbian acronym (VRK, MKCK, KBT) becomes Cyrillic (ВРК, МКЦК, КБТ).
// A new foreign acronym or name that must stay Latin goes here; the
// every-message test in cyrillic_test.go lists the acronyms it finds.
var keepLatin = []string{
	// Acronyms of organisations and bodies, as they sign themselves.
	"CRPK", "DCAM", "DSHAM", "UNHCR", "ICRC", "KRCT", "UNRWA", "CPT",
	// Terms and titles cited in their own language.
	"non-refoulement",
	"Rights in Exile Programme", "Rights in Exile",
	"Komisioni Kombëtar për Refugjatë",
	// Albanian place names beside the Serbian ones.
	"Magurë", "Lipjan", "Vranidoll",
}

// keptLatinLen returns the length of the keepLatin entry at the start of
// s, if one is there as a whole word or phrase, and 0 otherwise. The
// longest entry wins.
func keptLatinLen(s string) int {
	best := 0
	for _, k := range keepLatin {
		if len(k) <= best || !strings.HasPrefix(s, k) {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(s[len(k):]); len(s) > len(k) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			continue
		}
		best = len(k)
	}
	return best
}

// serbianLatin reports whether r is a letter of the Serbian Latin
// alphabet; a word with any other letter (ë, q, w, x, y…) is a foreign
// name and stays as written.
func serbianLatin(r rune) bool {
	_, ok := latinToCyrillic[r]
	return ok
}

// ToCyrillic transliterates Serbian Latin text to Serbian Cyrillic. It
// leaves alone what must stay Latin: HTML tags and entities, template
// actions, URLs, web and e-mail addresses, commands, codes such as
// 06/L-026, the words and phrases of keepLatin (CRPK, non-refoulement,
// Vranidoll), words with letters Serbian does not use (Kombëtar), and an
// <i>…</i> span that holds such a word (an Albanian official name).
// Serbian acronyms are words like any other: VRK becomes ВРК.
func ToCyrillic(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<i>"):
			end := strings.Index(rest, "</i>")
			if end >= 0 && hasForeignWord(rest[3:end]) {
				b.WriteString(rest[:end+4])
				i += end + 4
				continue
			}
			b.WriteString("<i>")
			i += 3
		case rest[0] == '<':
			n := strings.IndexByte(rest, '>') + 1
			if n <= 0 {
				n = len(rest)
			}
			b.WriteString(rest[:n])
			i += n
		case strings.HasPrefix(rest, "{{"):
			n := strings.Index(rest, "}}") + 2
			if n < 2 {
				n = len(rest)
			}
			b.WriteString(rest[:n])
			i += n
		case rest[0] == '&':
			n := strings.IndexByte(rest, ';') + 1
			if n <= 0 || n > 10 {
				n = 1
			}
			b.WriteString(rest[:n])
			i += n
		default:
			r, size := utf8.DecodeRuneInString(rest)
			if !unicode.IsLetter(r) && r != '/' {
				b.WriteString(rest[:size])
				i += size
				continue
			}
			if n := keptLatinLen(rest); n > 0 {
				b.WriteString(rest[:n])
				i += n
				continue
			}
			n := tokenLen(rest)
			b.WriteString(transliterateToken(rest[:n]))
			i += n
		}
	}
	return b.String()
}

// tokenLen is the length of the word, address or command at the start of
// s: letters and digits, joined by the characters addresses use.
func tokenLen(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' || r == '_' ||
			((r == '.' || r == '-' || r == '/' || r == ':') && n+size < len(s) && isWordStart(s[n+size:])) ||
			(r == '/' && n == 0) {
			n += size
			continue
		}
		break
	}
	if n == 0 {
		_, n = utf8.DecodeRuneInString(s)
	}
	return n
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// transliterateToken converts one token, unless it must stay Latin.
func transliterateToken(tok string) string {
	switch {
	case strings.HasPrefix(tok, "/"), strings.ContainsAny(tok, "@:/_0123456789"):
		return tok // command, address, URL, code such as 06/L-026
	case isDomain(tok), hasForeignWord(tok):
		return tok
	}
	lower := strings.ToLower(tok)
	split := -1 // byte offset of a digraph that is two letters
	for _, stem := range splitStems {
		if strings.HasPrefix(lower, stem) {
			split = max(strings.Index(stem, "nj"), strings.Index(stem, "dž"))
		}
	}
	var b strings.Builder
	for i := 0; i < len(tok); {
		if i != split {
			matched := false
			for _, d := range digraphs {
				if strings.HasPrefix(tok[i:], d.latin) {
					b.WriteString(d.cyr)
					i += len(d.latin)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(tok[i:])
		if c, ok := latinToCyrillic[r]; ok {
			b.WriteString(c)
		} else {
			b.WriteString(tok[i : i+size])
		}
		i += size
	}
	return b.String()
}

// webTLDs are the endings that make a dotted word a web address
// (help.crpkosovo.org); other dotted words are Serbian text, such as the
// date pattern dan.mesec.godina.
var webTLDs = []string{"org", "com", "net", "int", "eu", "info", "rs", "gov"}

// isDomain reports whether a dotted token is a web address.
func isDomain(tok string) bool {
	i := strings.LastIndexByte(tok, '.')
	return i > 0 && slices.Contains(webTLDs, strings.ToLower(tok[i+1:]))
}

// hasForeignWord reports whether s holds a letter that is not Serbian
// Latin (and not Cyrillic).
func hasForeignWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && r < 0x400 && !serbianLatin(r) {
			return true
		}
	}
	return false
}

// cyrillicMessages derives Serbian Cyrillic messages from Serbian Latin.
func cyrillicMessages(latin []*i18n.Message) []*i18n.Message {
	out := make([]*i18n.Message, len(latin))
	for i, m := range latin {
		c := *m
		c.Zero, c.One, c.Two = ToCyrillic(m.Zero), ToCyrillic(m.One), ToCyrillic(m.Two)
		c.Few, c.Many, c.Other = ToCyrillic(m.Few), ToCyrillic(m.Many), ToCyrillic(m.Other)
		out[i] = &c
	}
	return out
}

// toLatin spells Serbian Cyrillic in Latin letters: the inverse of
// ToCyrillic, without its keep-in-Latin words, which are Latin already.
var toLatin = func() *strings.Replacer {
	var pairs []string
	for lat, cyr := range latinToCyrillic {
		pairs = append(pairs, cyr, string(lat))
	}
	for _, d := range digraphs {
		if d.latin != strings.ToUpper(d.latin) {
			pairs = append(pairs, d.cyr, d.latin)
		}
	}
	return strings.NewReplacer(pairs...)
}()

// ToSerbianLatin spells the Serbian Cyrillic letters of s in Latin, so
// that a search typed in either script finds the same words.
func ToSerbianLatin(s string) string { return toLatin.Replace(s) }
