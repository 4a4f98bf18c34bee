package render

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"asylumguide/flows"
	"asylumguide/locales"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxFound is the most screens a search offers.
const MaxFound = 5

// Weights of where a word stands on a screen: its button label and its
// search words say what the screen is about, the label most; its text
// only mentions. A word in both the title and the text counts for both.
const (
	weightLabel = 4
	weightWords = 3
	weightBody  = 1
)

// How well a query word matches a word of the index: exactly, as its
// beginning ("appea" for "appeal"), with another ending ("žalbe" for
// "žalba", "appeals" for "appeal"), or with one typing slip.
const (
	exact  = 1.0
	prefix = 0.9
	stem   = 0.75
	typo   = 0.6
)

// menuShare is the part of a screen's score its menu gains.
const menuShare = 0.3

// minScore keeps out screens that only mention a common word in passing.
const minScore = 1.0

// Index finds the guide's screens for a typed question, in every
// language. It is built once from the rendered screens and the search
// words of each locale file, and holds nothing a person typed.
type Index struct {
	langs map[string]*langIndex
	tags  []string // search order when the reader's language finds nothing
}

// langIndex is one language's words, each with the screens it is on.
type langIndex struct {
	terms    []string    // folded, sorted
	postings [][]posting // per term
	idf      []float32   // per term
	nodes    []flows.ID
	parent   []int     // per node, the index of its menu, or -1
	scratch  sync.Pool // *[]float32, a score per node
}

type posting struct {
	node  uint8
	title uint8 // weightLabel, weightWords or 0
	body  uint8 // weightBody or 0
}

// Searchable reports whether a node is offered by search: every screen
// but the main menu, the language picker and the answers to commands.
func Searchable(n *flows.Node) bool {
	return n.ID != flows.Main && n.ID != flows.LanguagePicker && !n.Hidden
}

// SearchID is the message id of a screen's extra search words.
func SearchID(id flows.ID) string { return string(id) + "_search" }

// NewIndex indexes the screens of s: each searchable screen's button
// label and search words (weight 3) and its text (weight 1).
func NewIndex(s *Screens) (*Index, error) {
	x := &Index{langs: map[string]*langIndex{}}
	for _, l := range s.Languages() {
		li := &langIndex{}
		words := map[string]map[uint8]posting{}
		add := func(node uint8, text string, weight uint8) {
			for _, w := range words1(text) {
				m := words[w]
				if m == nil {
					m = map[uint8]posting{}
					words[w] = m
				}
				p := m[node]
				p.node = node
				if weight == weightBody {
					p.body = weight
				} else {
					p.title = max(p.title, weight)
				}
				m[node] = p
			}
		}
		for _, n := range s.Nodes() {
			if !Searchable(n) {
				continue
			}
			node := uint8(len(li.nodes))
			li.nodes = append(li.nodes, n.ID)
			label, err := s.Text(l.Tag, n.ID.ButtonID(), nil)
			if err != nil {
				return nil, err
			}
			extra, err := s.Text(l.Tag, SearchID(n.ID), nil)
			if err != nil {
				return nil, err
			}
			add(node, label, weightLabel)
			add(node, extra, weightWords)
			add(node, PlainText(s.Get(l.Tag, n.ID).Text), weightBody)
		}
		for _, id := range li.nodes {
			n, _ := s.Tree().Node(id)
			li.parent = append(li.parent, slices.Index(li.nodes, n.Parent))
		}
		li.terms = make([]string, 0, len(words))
		for w := range words {
			li.terms = append(li.terms, w)
		}
		slices.Sort(li.terms)
		for _, w := range li.terms {
			var ps []posting
			for _, p := range words[w] {
				ps = append(ps, p)
			}
			slices.SortFunc(ps, func(a, b posting) int { return int(a.node) - int(b.node) })
			li.postings = append(li.postings, ps)
			li.idf = append(li.idf, float32(math.Log(1+float64(len(li.nodes))/float64(len(ps)))))
		}
		n := len(li.nodes)
		li.scratch.New = func() any { s := make([]float32, n); return &s }
		x.langs[l.Tag] = li
		x.tags = append(x.tags, l.Tag)
	}
	// After the reader's own language: English, then the others.
	slices.SortStableFunc(x.tags, func(a, b string) int {
		switch {
		case a == locales.Default && b != locales.Default:
			return -1
		case b == locales.Default && a != locales.Default:
			return 1
		}
		return 0
	})
	return x, nil
}

// Search returns up to MaxFound screens for query, best first: in lang,
// or, if nothing there matches, in English and then the other languages
// (people type in the language they type best).
func (x *Index) Search(lang, query string) []flows.ID {
	q := queryWords(query)
	defer q.free()
	if len(q.words) == 0 {
		return nil
	}
	if li := x.langs[lang]; li != nil {
		if found := li.search(q.words); len(found) > 0 {
			return found
		}
	}
	for _, tag := range x.tags {
		if tag == lang {
			continue
		}
		if found := x.langs[tag].search(q.words); len(found) > 0 {
			return found
		}
	}
	return nil
}

// search scores every screen of the language for the query words.
func (li *langIndex) search(words []string) []flows.ID {
	sp := li.scratch.Get().(*[]float32)
	scores := *sp
	clear(scores)
	defer li.scratch.Put(sp)
	// The best match of one query word on each screen, in its title and
	// in its text; and the sum over the words of the title matches.
	best := make([]float32, 3*len(scores))
	title, body, titles := best[:len(scores)], best[len(scores):2*len(scores)], best[2*len(scores):]
	for _, w := range words {
		if i, ok := slices.BinarySearch(li.terms, w); ok && 2*len(li.postings[i]) > len(li.nodes) {
			// A word on most screens ("the", "and") tells nothing.
			continue
		}
		clear(best[:2*len(scores)])
		li.match(w, func(term int, factor float32) {
			f := factor * li.idf[term]
			for _, p := range li.postings[term] {
				title[p.node] = max(title[p.node], float32(p.title)*f)
				body[p.node] = max(body[p.node], float32(p.body)*f)
			}
		})
		for i := range scores {
			scores[i] += title[i] + body[i]
			titles[i] += title[i]
		}
	}
	// A menu whose screens are about the words is a good answer for a
	// general word ("appeal" for the appeal screens): it gains a part of
	// their title scores.
	for i, p := range li.parent {
		if p >= 0 {
			scores[p] += menuShare * titles[i]
		}
	}
	var found []flows.ID
	for len(found) < MaxFound {
		top, topScore := -1, float32(minScore)
		for i, v := range scores {
			// On a tie, a screen beats the menu it is in: it is the more
			// precise answer.
			if v >= topScore && (top < 0 || v > topScore || li.parent[i] == top) {
				top, topScore = i, v
			}
		}
		if top < 0 {
			break
		}
		found = append(found, li.nodes[top])
		scores[top] = 0
	}
	return found
}

// match calls hit for every term that query word w matches, with how well.
// A word that is in the index as typed needs no typo tolerance, and its
// other endings count for less.
func (li *langIndex) match(w string, hit func(term int, factor float32)) {
	n := utf8.RuneCountInString(w)
	i, found := slices.BinarySearch(li.terms, w)
	stemFactor := float32(stem)
	if found {
		hit(i, exact)
		stemFactor = stem / 2
	}
	if n >= 4 {
		// Terms that begin with w: "appea" finds "appeal". Shorter words
		// ("the") would begin too many.
		for j := i; j < len(li.terms) && strings.HasPrefix(li.terms[j], w); j++ {
			if li.terms[j] != w {
				hit(j, prefix)
			}
		}
	}
	if n < 5 {
		return
	}
	// The same stem with another ending: drop the last letter (the last
	// two of a longer word) and take the terms that begin so and are
	// about as long.
	cut := 1
	if n >= 7 {
		cut = 2
	}
	st := w[:byteOffset(w, n-cut)]
	j, _ := slices.BinarySearch(li.terms, st)
	for ; j < len(li.terms) && strings.HasPrefix(li.terms[j], st); j++ {
		t := li.terms[j]
		if tn := utf8.RuneCountInString(t); t != w && !strings.HasPrefix(t, w) && tn >= n-3 && tn <= n+3 {
			hit(j, stemFactor)
		}
	}
	if found {
		return
	}
	// One typing slip: a letter wrong, missing, extra or two swapped.
	for j, t := range li.terms {
		if t[0] == w[0] || len(t) > 1 && t[1] == w[1] {
			if tn := utf8.RuneCountInString(t); tn >= n-1 && tn <= n+1 && oneEdit(w, t) {
				hit(j, typo)
			}
		}
	}
}

// byteOffset is the byte offset of rune n of s.
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// oneEdit reports whether a and b differ by exactly one letter changed,
// added, removed, or two neighbours swapped.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	a, b = a[i:], b[i:]
	ra, sa := utf8.DecodeRuneInString(a)
	rb, sb := utf8.DecodeRuneInString(b)
	switch {
	case a[sa:] == b[sb:]: // changed
		return true
	case a == b[sb:], a[sa:] == b: // added or removed
		return true
	}
	ra2, sa2 := utf8.DecodeRuneInString(a[sa:])
	rb2, sb2 := utf8.DecodeRuneInString(b[sb:])
	return ra == rb2 && ra2 == rb && a[sa+sa2:] == b[sb+sb2:] // swapped
}

// folder folds text for search: Unicode normalisation with the marks
// removed (so "ankese" finds "ankesë", and Arabic short vowels and hamza
// seats fall away), one form for letters that several alphabets write
// differently, and case folding. Its transformers keep state, so each
// search takes one from the pool.
type folder struct {
	t   transform.Transformer
	src []byte
	dst []byte
}

var folders = sync.Pool{New: func() any {
	return &folder{t: transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(ignorable)), runes.Map(unify), cases.Fold())}
}}

// ignorable are the marks and invisible characters a search skips:
// combining marks (diacritics, Arabic harakat), the Arabic tatweel, zero
// width (non-)joiners and directional controls.
func ignorable(r rune) bool {
	return unicode.Is(unicode.Mn, r) || r == 'ـ' || unicode.Is(unicode.Cf, r)
}

// unify writes one form of letters that are spelled in more than one
// way: Arabic and Persian yeh and kaf, taa marbuta and alef maqsura,
// Persian and Arabic-Indic digits, the apostrophes, and the Latin letters
// without a decomposition (đ, ı, ł, ø).
func unify(r rune) rune {
	switch r {
	case 'ی', 'ى', 'ې':
		return 'ي'
	case 'ک':
		return 'ك'
	case 'ة', 'ە', 'ۀ':
		return 'ه'
	case '’', 'ʼ', '‘', '`', 'ʻ':
		return '\''
	case 'đ', 'Đ':
		return 'd'
	case 'ı':
		return 'i'
	case 'ł', 'Ł':
		return 'l'
	case 'ø', 'Ø':
		return 'o'
	}
	if r >= '٠' && r <= '٩' {
		return '0' + r - '٠'
	}
	if r >= '۰' && r <= '۹' {
		return '0' + r - '۰'
	}
	return r
}

// fold appends the folded s to f.dst.
func (f *folder) fold(s string) string {
	f.t.Reset()
	f.src = append(f.src[:0], locales.ToSerbianLatin(s)...)
	f.dst = f.dst[:0]
	src := f.src
	for {
		if cap(f.dst)-len(f.dst) < 64 {
			f.dst = slices.Grow(f.dst, len(src)*2+64)
		}
		nDst, nSrc, err := f.t.Transform(f.dst[len(f.dst):cap(f.dst)], src, true)
		f.dst = f.dst[:len(f.dst)+nDst]
		src = src[nSrc:]
		if err != transform.ErrShortDst {
			break
		}
	}
	return string(f.dst)
}

// words1 folds text and splits it into words; a word with an apostrophe
// also gives the part after it ("l'asile": "lasile" and "asile"), and
// Ukrainian "зв'язок" is found with or without it.
func words1(text string) []string {
	f := folders.Get().(*folder)
	defer folders.Put(f)
	return split(f.fold(text), nil)
}

// split appends the words of folded text to out.
func split(text string, out []string) []string {
	for len(text) > 0 {
		start := strings.IndexFunc(text, isWordRune)
		if start < 0 {
			break
		}
		text = text[start:]
		end := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) && r != '\'' })
		if end < 0 {
			end = len(text)
		}
		w := strings.Trim(text[:end], "'")
		text = text[end:]
		if i := strings.LastIndexByte(w, '\''); i >= 0 {
			if after := w[i+1:]; utf8.RuneCountInString(after) >= 2 {
				out = append(out, after)
			}
			w = strings.ReplaceAll(w, "'", "")
		}
		if long(w) {
			out = append(out, w)
		}
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// long reports whether a word is worth searching for: a number, or three
// letters at least (two in Arabic script, which writes no short vowels),
// as shorter words are mostly "me", "on", "da".
func long(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	switch n := utf8.RuneCountInString(w); {
	case unicode.IsDigit(r):
		return true
	case unicode.Is(unicode.Arabic, r):
		return n >= 2
	default:
		return n >= 3
	}
}

// query is a typed question's words, held only while it is searched.
type query struct {
	f     *folder
	words []string
}

// maxQueryWords bounds the work one message can ask for.
const maxQueryWords = 12

func queryWords(text string) query {
	if len(text) > 512 {
		text = text[:512]
	}
	f := folders.Get().(*folder)
	words := split(f.fold(text), make([]string, 0, maxQueryWords))
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	return query{f: f, words: words}
}

func (q query) free() { folders.Put(q.f) }
