package flows

import (
	_ "embed"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
)

// ContentFile is the name of the file of contacts and dated facts.
const ContentFile = "content.toml"

//go:embed content.toml
var embeddedContent []byte

// EmbeddedContent returns the contacts and facts built into the program,
// as the file an NGO starts from.
func EmbeddedContent() []byte { return slices.Clone(embeddedContent) }

// Content is what the screens show that an NGO keeps up to date without a
// programmer: the contacts of the organisations, the facts with numbers
// (15 days to appeal) and the day the content was last reviewed.
type Content struct {
	Reviewed Date
	Facts    map[string]Quantity
	Contacts map[string]*Contact
}

var (
	defaultOnce    sync.Once
	defaultContent *Content
)

// DefaultContent returns the embedded content. It is checked by the
// tests (TestEmbeddedContentIsValid), so a broken one never ships; should
// it be broken all the same, DefaultContent panics with the problems.
func DefaultContent() *Content {
	defaultOnce.Do(func() {
		c, problems := ParseContent(embeddedContent, ContentFile)
		if len(problems) > 0 {
			panic(fmt.Sprintf("flows: the embedded %s is invalid: %v", ContentFile, problems))
		}
		defaultContent = c
	})
	return defaultContent
}

// contentFile is content.toml as written.
type contentFile struct {
	Reviewed time.Time `toml:"reviewed"`
	Facts    map[string]struct {
		N      int    `toml:"n"`
		Unit   string `toml:"unit"`
		Source string `toml:"source"`
	} `toml:"facts"`
	Contacts map[string]struct {
		Name      string   `toml:"name"`
		Address   string   `toml:"address"`
		Phone     string   `toml:"phone"`
		Email     string   `toml:"email"`
		Web       []string `toml:"web"`
		Confirmed string   `toml:"confirmed"`
		Via       string   `toml:"via"`
	} `toml:"contacts"`
}

// phonePattern is an international number as people dial it: +, the
// country code, and digits in groups.
var phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{0,2}( ?[0-9]{1,4}){2,6}$`)

var units = map[string]Unit{"days": Days, "months": Months, "years": Years}

var ways = map[string]Confirmation{"source_page": FromSourcePage, "phone": ByPhone, "website": OnWebsite}

// ParseContent reads and checks a content file: every fact a screen uses
// present with a whole number and a unit, every contact a screen shows
// present with a phone number in international form, a well-formed e-mail
// and https links, and real dates. It returns every problem it finds,
// each with its line in file.
func ParseContent(b []byte, file string) (*Content, []Problem) {
	text := string(b)
	at := func(table, key string) int { return lineOf(text, table, key) }
	var f contentFile
	if _, err := toml.Decode(text, &f); err != nil {
		p := Problem{File: file, What: "is not valid TOML: " + err.Error(), Fix: "check the quotes, = signs and [headers] near that line"}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p.Line = pe.Position.Line
			p.What = "is not valid TOML: " + pe.Message
		}
		return nil, []Problem{p}
	}
	var problems []Problem
	bad := func(line int, id, what, fix string) {
		problems = append(problems, Problem{File: file, Line: line, ID: id, What: what, Fix: fix})
	}
	c := &Content{Facts: map[string]Quantity{}, Contacts: map[string]*Contact{}}
	c.Reviewed = DateOf(f.Reviewed)
	if f.Reviewed.IsZero() {
		bad(at("", "reviewed"), "reviewed", "is not a date", "write the day of the last review as YYYY-MM-DD, without quotes")
	}
	for key, fact := range f.Facts {
		id := "facts." + key
		unit, ok := units[fact.Unit]
		switch {
		case !ok:
			bad(at(id, "unit"), id, fmt.Sprintf("has the unit %q", fact.Unit), `write unit = "days", "months" or "years"`)
		case fact.N <= 0:
			bad(at(id, "n"), id, fmt.Sprintf("has the number %d", fact.N), "write a whole number above 0")
		case strings.TrimSpace(fact.Source) == "":
			bad(at(id, ""), id, "says nowhere where it comes from", `add source = "…": the article, or the page it rests on`)
		}
		c.Facts[key] = Quantity{N: fact.N, Unit: unit}
	}
	for key, ct := range f.Contacts {
		id := "contacts." + key
		contact := &Contact{Name: ct.Name, Address: ct.Address, Phone: ct.Phone, Email: ct.Email, Web: ct.Web}
		if strings.TrimSpace(ct.Name) == "" {
			bad(at(id, ""), id, "has no name", `add name = "…", for the people who run the bot`)
		}
		if strings.TrimSpace(ct.Address) == "" {
			bad(at(id, "address"), id, "has no address", `add address = "…"`)
		}
		if digits := strings.Count(strings.Map(keepDigits, ct.Phone), ""); !phonePattern.MatchString(ct.Phone) || digits-1 < 8 || digits-1 > 15 {
			bad(at(id, "phone"), id, fmt.Sprintf("has the phone number %q", ct.Phone), "write it in international form: + and the country code, then the number, e.g. +383 38 243 610")
		}
		if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email || a.Name != "" {
			bad(at(id, "email"), id, fmt.Sprintf("has the e-mail %q", ct.Email), "write the address alone, such as info@example.org")
		}
		if len(ct.Web) == 0 {
			bad(at(id, "web"), id, "has no website", `add web = ["https://…"]`)
		}
		for _, w := range ct.Web {
			if u, err := url.Parse(w); err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(w, " \"<>") {
				bad(at(id, "web"), id, fmt.Sprintf("has the link %q", w), "write the full address, starting https://")
			}
		}
		if d, ok := parseMonthOrDay(ct.Confirmed); ok {
			contact.Confirmed = d
		} else {
			bad(at(id, "confirmed"), id, fmt.Sprintf("has the date %q", ct.Confirmed), `write when it was confirmed as "YYYY-MM-DD", or "YYYY-MM"`)
		}
		if via, ok := ways[ct.Via]; ok {
			contact.Via = via
		} else {
			bad(at(id, "via"), id, fmt.Sprintf("says it was confirmed via %q", ct.Via), `write via = "source_page", "phone" or "website"`)
		}
		c.Contacts[key] = contact
	}
	for _, key := range usedFacts() {
		if _, ok := c.Facts[key]; !ok {
			bad(0, "facts."+key, "is missing, and a screen shows it", "add [facts."+key+"] with n, unit and source (see the embedded file: asylumguide content init)")
		}
	}
	for _, key := range usedContacts() {
		if _, ok := c.Contacts[key]; !ok {
			bad(0, "contacts."+key, "is missing, and a screen shows it", "add [contacts."+key+"] (see the embedded file: asylumguide content init)")
		}
	}
	slices.SortFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
	if len(problems) > 0 {
		return nil, problems
	}
	return c, nil
}

func keepDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// parseMonthOrDay reads "YYYY-MM-DD" or "YYYY-MM".
func parseMonthOrDay(s string) (Date, bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) != 4 || len(parts[1]) != 2 {
		return Date{}, false
	}
	y, okY := digits(parts[0])
	m, okM := digits(parts[1])
	d := Date{Year: y, Month: m}
	if !okY || !okM || m < 1 || m > 12 {
		return Date{}, false
	}
	if len(parts) == 3 {
		day, ok := digits(parts[2])
		if !ok || len(parts[2]) != 2 {
			return Date{}, false
		}
		d.Day = day
		if !d.Valid() {
			return Date{}, false
		}
	}
	return d, true
}

// lineOf is the line of key in [table] of text (the table's header if key
// is ""), or of a top-level key when table is "".
func lineOf(text, table, key string) int {
	in := table == ""
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			in = l == "["+table+"]"
			if in && key == "" {
				return i + 1
			}
			continue
		}
		if in && key != "" && (strings.HasPrefix(l, key+" ") || strings.HasPrefix(l, key+"=")) {
			return i + 1
		}
	}
	return 0
}

// usedFacts and usedContacts are the keys the screens refer to.
func usedFacts() []string {
	var keys []string
	for _, n := range nodes {
		for _, k := range n.Quantities {
			keys = append(keys, k)
		}
	}
	keys = append(keys, appealFact)
	slices.Sort(keys)
	return slices.Compact(keys)
}

func usedContacts() []string {
	var keys []string
	for _, n := range nodes {
		if n.Contact != "" {
			keys = append(keys, n.Contact)
		}
	}
	keys = append(keys, legalAid)
	slices.Sort(keys)
	return slices.Compact(keys)
}
