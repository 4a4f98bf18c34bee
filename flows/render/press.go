package render

import (
	"sync"

	"asylumguide/flows"
)

// Press returns the screen a button action leads to, in lang, on day
// today in Kosovo, and a short notice to pop up (a language saved, a
// future date refused). A nil screen means the message stays as it is.
func (s *Screens) Press(act flows.Action, lang string, today flows.Date) (*Screen, string, error) {
	switch act.Kind {
	case flows.Noop, flows.SendGuide:
		// The screen stays; the guide's file comes as a message of its own.
		return nil, "", nil
	case flows.SetLanguage:
		return s.Get(act.Lang, flows.Main), s.Saved(act.Lang), nil
	case flows.ShowMonth:
		sc, err := s.calendar(lang, act.Date.Year, act.Date.Month, today)
		return sc, "", err
	case flows.PickDay:
		sc, err := s.deadline(lang, act.Date, today)
		if sc == nil && err == nil {
			notice, err := s.cat.Text(lang, flows.MsgDeadlineFuture, nil)
			return nil, notice, err
		}
		return sc, "", err
	}
	if act.Target == flows.AppealDays {
		sc, err := s.calendar(lang, today.Year, today.Month, today)
		return sc, "", err
	}
	return s.Get(lang, act.Target), "", nil
}

// calendar is the date picker at a month.
func (s *Screens) calendar(lang string, year, month int, today flows.Date) (*Screen, error) {
	return s.dated.get(today, datedKey{lang: lang, date: flows.Date{Year: year, Month: month}}, func() (*Screen, error) {
		return s.renderDated(lang, s.tree.Calendar(year, month, today, s.langs[s.lang(lang)].FirstWeekday))
	})
}

// deadline answers the date picker for a decision dated decision; nil
// for a date after today.
func (s *Screens) deadline(lang string, decision, today flows.Date) (*Screen, error) {
	if decision.After(today) {
		return nil, nil
	}
	return s.dated.get(today, datedKey{lang: lang, answer: true, date: decision}, func() (*Screen, error) {
		fs, _ := s.tree.Deadline(decision, today)
		return s.renderDated(lang, fs)
	})
}

func (s *Screens) renderDated(lang string, fs flows.Screen) (*Screen, error) {
	sc, err := s.render(s.langs[s.lang(lang)], fs)
	if err != nil {
		return nil, err
	}
	sc.Dated = true
	return sc, nil
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
