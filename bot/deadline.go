package bot

import (
	"fmt"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Kosovo's time zone even in a container without zoneinfo

	"asylumguide/flows"
)

// kosovo is the time zone the appeal deadline is counted in.
var kosovo = mustLoadLocation("Europe/Belgrade")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is embedded above, so this cannot happen.
		panic(fmt.Sprintf("load time zone %s: %v", name, err))
	}
	return loc
}

// Today is the calendar day in Kosovo at instant t.
func Today(t time.Time) flows.Date { return flows.DateOf(t.In(kosovo)) }

// Show returns the screen a button action leads to, in lang, on day today
// in Kosovo, and a short notice to pop up (a language saved, a future
// date refused). A nil screen means the message stays as it is.
func (s *Screens) Show(act flows.Action, lang string, today flows.Date) (*Screen, string, error) {
	switch act.Kind {
	case flows.Noop:
		return nil, "", nil
	case flows.SetLanguage:
		return s.Get(act.Lang, flows.Main), s.Saved(act.Lang), nil
	case flows.ShowMonth:
		y, m := act.Date.Year, act.Date.Month
		if (flows.Date{Year: y, Month: m, Day: 1}).After(today) {
			y, m = today.Year, today.Month
		}
		sc, err := s.calendar(lang, y, m, today)
		return sc, "", err
	case flows.PickDay:
		if act.Date.After(today) {
			notice, err := s.cat.Text(lang, "appeal_days_future", nil)
			return nil, notice, err
		}
		sc, err := s.deadline(lang, act.Date, today)
		return sc, "", err
	}
	if act.Target == flows.AppealDays {
		sc, err := s.calendar(lang, today.Year, today.Month, today)
		return sc, "", err
	}
	return s.Get(lang, act.Target), "", nil
}

// datedCache keeps the date picker's screens of one day. It holds at
// most datedMax of them (a calendar per language and month, an answer per
// language and date), then starts afresh.
type datedCache struct {
	mu      sync.Mutex
	day     flows.Date
	screens map[datedKey]*Screen
}

type datedKey struct {
	lang   string
	answer bool // an answer for date, or a calendar at date's month
	date   flows.Date
}

const datedMax = 4096

func (c *datedCache) get(today flows.Date, k datedKey, build func() (*Screen, error)) (*Screen, error) {
	c.mu.Lock()
	if c.day != today || len(c.screens) >= datedMax {
		c.day, c.screens = today, map[datedKey]*Screen{}
	}
	sc, ok := c.screens[k]
	c.mu.Unlock()
	if ok {
		return sc, nil
	}
	sc, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.day == today {
		c.screens[k] = sc
	}
	c.mu.Unlock()
	return sc, nil
}

// screen builds a screen at run time, for the date picker.
func (s *Screens) screen(lang string, id flows.ID, text string, rows [][]Key) (*Screen, error) {
	static := s.Get(lang, id)
	sc := &Screen{Node: id, Lang: static.Lang, Text: text, Rows: rows, li: static.li, ni: static.ni}
	var err error
	sc.tail, err = messageTail(text, rows)
	return sc, err
}

// calendar is the date picker at a month, as a screen.
func (s *Screens) calendar(lang string, year, month int, today flows.Date) (*Screen, error) {
	return s.dated.get(today, datedKey{lang: lang, date: flows.Date{Year: year, Month: month}}, func() (*Screen, error) {
		text, rows, err := s.calendarParts(lang, year, month, today)
		if err != nil {
			return nil, err
		}
		return s.screen(lang, flows.AppealDays, text, rows)
	})
}

// calendarParts is the date picker at a month: weekday names, the days as
// buttons (today marked), arrows to the months before and after (none
// after the current month, none before 2018), Back and Main menu.
func (s *Screens) calendarParts(lang string, year, month int, today flows.Date) (string, [][]Key, error) {
	appeal, err := s.cat.Count(lang, string(flows.AppealPeriod.Unit), flows.AppealPeriod.N)
	if err != nil {
		return "", nil, err
	}
	monthName, err := FormatDate(s.cat, lang, flows.Date{Year: year, Month: month})
	if err != nil {
		return "", nil, err
	}
	text, err := s.cat.Text(lang, flows.AppealDays.BodyID(), map[string]any{"Appeal": appeal, "Month": monthName})
	if err != nil {
		return "", nil, err
	}
	var rows [][]Key
	head := make([]Key, 7)
	for i := range head {
		name, err := s.cat.Text(lang, "weekday_"+strconv.Itoa(i+1), nil)
		if err != nil {
			return "", nil, err
		}
		head[i] = Key{Text: name, Data: flows.NoopData}
	}
	rows = append(rows, head)
	for _, week := range flows.MonthGrid(year, month) {
		row := make([]Key, 7)
		for i, day := range week {
			if day == 0 {
				row[i] = Key{Text: "·", Data: flows.NoopData}
				continue
			}
			d := flows.Date{Year: year, Month: month, Day: day}
			label := strconv.Itoa(day)
			if d == today {
				label = "•" + label + "•"
			}
			row[i] = Key{Text: label, Data: flows.DayData(d)}
		}
		rows = append(rows, row)
	}
	var nav []Key
	if py, pm := flows.PrevMonth(year, month); py >= flows.FirstYear {
		nav = append(nav, Key{Text: "◀️", Data: flows.MonthData(py, pm)})
	}
	if ny, nm := flows.NextMonth(year, month); !(flows.Date{Year: ny, Month: nm, Day: 1}).After(today) {
		nav = append(nav, Key{Text: "▶️", Data: flows.MonthData(ny, nm)})
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	back, err := s.navRow(lang, flows.Appeal)
	if err != nil {
		return "", nil, err
	}
	return text, append(rows, back), nil
}

// deadline answers the date picker: the last day to appeal counted from
// the date on the decision, how many days are left, and CRPK's contacts.
func (s *Screens) deadline(lang string, decision, today flows.Date) (*Screen, error) {
	return s.dated.get(today, datedKey{lang: lang, answer: true, date: decision}, func() (*Screen, error) {
		return s.buildDeadline(lang, decision, today)
	})
}

func (s *Screens) buildDeadline(lang string, decision, today flows.Date) (*Screen, error) {
	last := flows.LastDayToAppeal(decision)
	left := today.DaysUntil(last)
	data := map[string]any{"Phone": flows.CRPK.Phone}
	var err error
	if data["Appeal"], err = s.cat.Count(lang, string(flows.AppealPeriod.Unit), flows.AppealPeriod.N); err != nil {
		return nil, err
	}
	if data["Decision"], err = FormatDate(s.cat, lang, decision); err != nil {
		return nil, err
	}
	if data["LastDay"], err = FormatDate(s.cat, lang, last); err != nil {
		return nil, err
	}
	id := "appeal_days_today"
	switch {
	case left > 0:
		id = "appeal_days_result"
		if data["Left"], err = s.cat.Count(lang, string(flows.Days), left); err != nil {
			return nil, err
		}
	case left < 0:
		id = "appeal_days_passed"
	}
	text, err := s.cat.Text(lang, id, data)
	if err != nil {
		return nil, err
	}
	labels, err := s.texts(lang, flows.MsgWebsite, flows.MsgMap, flows.AppealHelp.ButtonID(), "appeal_days_again_button")
	if err != nil {
		return nil, err
	}
	rows := [][]Key{
		{{Text: labels[0], URL: flows.CRPK.Web[0]}, {Text: labels[1], URL: flows.CRPK.MapURL()}},
		{{Text: labels[2], Data: flows.NavData(flows.AppealHelp)}},
		{{Text: labels[3], Data: flows.MonthData(decision.Year, decision.Month)}},
	}
	back, err := s.navRow(lang, flows.Appeal)
	if err != nil {
		return nil, err
	}
	return s.screen(lang, flows.AppealDays, text, append(rows, back))
}

// texts renders messages that take no template data.
func (s *Screens) texts(lang string, ids ...string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		t, err := s.cat.Text(lang, id, nil)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// navRow is the Back and Main menu row, Back leading to parent.
func (s *Screens) navRow(lang string, parent flows.ID) ([]Key, error) {
	labels, err := s.texts(lang, flows.MsgBack, flows.MsgMainMenu)
	if err != nil {
		return nil, err
	}
	return []Key{{Text: labels[0], Data: flows.NavData(parent)}, {Text: labels[1], Data: flows.NavData(flows.Main)}}, nil
}
