package locales

import (
	"sync"

	"golang.org/x/text/language"
)

// maxCodeLen bounds the language codes worth parsing; BCP 47 tags that
// Telegram sends are far shorter.
const maxCodeLen = 35

// matchCache remembers the answer for each language_code seen. Telegram
// sends a small set of codes, and the cache stops growing at a bound so a
// stream of odd codes cannot fill memory.
type matchCache struct {
	mu sync.RWMutex
	m  map[string]int // index into langs, or -1 for no match
}

const matchCacheMax = 512

// Match returns the language for a Telegram language_code such as "en",
// "pt-br" or "sr". A match of confidence No is no match: x/text would
// otherwise offer Serbian Cyrillic to Russian speakers for sharing a
// script. Empty and malformed codes match nothing.
func (c *Catalog) Match(code string) (Language, bool) {
	c.cache.mu.RLock()
	i, ok := c.cache.m[code]
	c.cache.mu.RUnlock()
	if !ok {
		i = c.match(code)
		c.cache.mu.Lock()
		if c.cache.m == nil {
			c.cache.m = make(map[string]int)
		}
		if len(c.cache.m) < matchCacheMax {
			c.cache.m[code] = i
		}
		c.cache.mu.Unlock()
	}
	if i < 0 {
		return Language{}, false
	}
	return c.langs[i], true
}

// kin maps languages the guide does not have to one whose readers
// understand it well, where x/text's matcher finds no match: Croatian,
// Bosnian, Serbo-Croatian and Montenegrin readers read Serbian Latin; Dari
// readers read Farsi.
var kin = map[string]string{"hr": "sr-Latn", "bs": "sr-Latn", "sh": "sr-Latn", "cnr": "sr-Latn", "prs": "fa"}

func (c *Catalog) match(code string) int {
	if code == "" || len(code) > maxCodeLen {
		return -1
	}
	t, err := language.Parse(code)
	if err != nil {
		return -1
	}
	if base, conf := t.Base(); conf == language.Exact {
		if tag, ok := kin[base.String()]; ok {
			if i, ok := c.byTag[tag]; ok {
				return i
			}
		}
	}
	_, i, conf := c.matcher.Match(t)
	if conf == language.No {
		return -1
	}
	// x/text matches a language to another it finds close (Sorani
	// Kurdish to Arabic, Kurmanji to Turkish); a reader of one may not
	// read the other, and the README promises English: only the same
	// language counts (kin above is the list of deliberate exceptions).
	want, _ := t.Base()
	if got, _ := c.langs[i].tag.Base(); got != want {
		return -1
	}
	return i
}
