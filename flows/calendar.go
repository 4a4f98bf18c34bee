package flows

import (
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // Kosovo's time zone even in a container without zoneinfo
)

// Calendar callback data. All state of the date picker travels in these:
// the server keeps nothing and stores nothing.
const (
	monthPrefix = "v1:cal:" // + YYYYMM: show that month
	dayPrefix   = "v1:day:" // + YYYYMMDD: the decision is dated that day
	// NoopData is the data of calendar cells that do nothing when tapped
	// (weekday names, blank days); the tap is answered and nothing changes.
	NoopData = "v1:noop"
)

// FirstYear is the earliest year the picker offers: the Law on Asylum
// (No. 06/L-026) dates from 2018.
const FirstYear = 2018

// MonthData is the callback data that shows the calendar at a month.
func MonthData(year, month int) string {
	return monthPrefix + pad(year, 4) + pad(month, 2)
}

// DayData is the callback data of a day in the calendar.
func DayData(d Date) string {
	return dayPrefix + pad(d.Year, 4) + pad(d.Month, 2) + pad(d.Day, 2)
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// parseCalendar reads calendar callback data. ok is false for anything
// that is not a real date in the picker's range.
func parseCalendar(data string) (Action, bool) {
	switch {
	case data == NoopData:
		return Action{Kind: Noop}, true
	case len(data) == len(monthPrefix)+6 && data[:len(monthPrefix)] == monthPrefix:
		y, okY := digits(data[len(monthPrefix):][:4])
		m, okM := digits(data[len(monthPrefix)+4:])
		if !okY || !okM || y < FirstYear || y > 9999 || m < 1 || m > 12 {
			return Action{}, false
		}
		return Action{Kind: ShowMonth, Target: AppealDays, Date: Date{Year: y, Month: m}}, true
	case len(data) == len(dayPrefix)+8 && data[:len(dayPrefix)] == dayPrefix:
		s := data[len(dayPrefix):]
		y, okY := digits(s[:4])
		m, okM := digits(s[4:6])
		d, okD := digits(s[6:])
		if !okY || !okM || !okD || y < FirstYear || !(Date{y, m, d}).Valid() {
			return Action{}, false
		}
		return Action{Kind: PickDay, Target: AppealDays, Date: Date{y, m, d}}, true
	}
	return Action{}, false
}

// digits parses a run of ASCII digits only (no sign, no spaces).
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// civil is the date at noon UTC: date arithmetic on it never meets a
// daylight-saving change.
func (d Date) civil() time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, 12, 0, 0, 0, time.UTC)
}

// Valid reports whether d is a real calendar day.
func (d Date) Valid() bool {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		return false
	}
	return DateOf(d.civil()) == d
}

// DateOf is the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	return Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date { return DateOf(d.civil().AddDate(0, 0, n)) }

// DaysUntil is the number of days from d to e: 0 on the same day,
// negative when e is before d.
func (d Date) DaysUntil(e Date) int {
	return int(e.civil().Sub(d.civil()).Hours() / 24)
}

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.DaysUntil(e) < 0 }

// LastDayToAppeal is the last day of the appeal period counted from the
// date on the decision: that date plus the appeal fact (15 days, Law on
// Asylum, Art. 74). It counts from the date written on the decision, not
// from the day the decision was received, so it never gives a later day
// than the law.
func (t *Tree) LastDayToAppeal(decision Date) Date {
	return decision.AddDays(t.content.Facts[appealFact].N)
}

// daysIn is the number of days in a month.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// MonthGrid lays out a month in weeks that start on first (Monday in
// Kosovo, Saturday in Persian calendars); 0 marks a cell outside the
// month.
func MonthGrid(year, month int, first time.Weekday) [][]int {
	start := time.Date(year, time.Month(month), 1, 12, 0, 0, 0, time.UTC)
	days := start.AddDate(0, 1, -1).Day()
	lead := (int(start.Weekday()) - int(first) + 7) % 7
	var weeks [][]int
	week := make([]int, 7)
	col := lead
	for day := 1; day <= days; day++ {
		week[col] = day
		if col++; col == 7 {
			weeks = append(weeks, week)
			week, col = make([]int, 7), 0
		}
	}
	if col > 0 {
		weeks = append(weeks, week)
	}
	return weeks
}

// PrevMonth and NextMonth step the calendar.
func PrevMonth(year, month int) (int, int) {
	if month == 1 {
		return year - 1, 12
	}
	return year, month - 1
}

// NextMonth is the month after.
func NextMonth(year, month int) (int, int) {
	if month == 12 {
		return year + 1, 1
	}
	return year, month + 1
}

// Message ids of the date picker's answers and buttons.
const (
	MsgDeadlineLeft    = "appeal_days_result"
	MsgDeadlineToday   = "appeal_days_today"
	MsgDeadlinePassed  = "appeal_days_passed"
	MsgDeadlineNotLate = "appeal_days_not_too_late"
	MsgDeadlineFuture  = "appeal_days_future"
	MsgDeadlineAgain   = "appeal_days_again_button"
	msgWeekday         = "weekday_"
	earlier, later     = "◀️", "▶️"
	todayMark, noDay   = "•", "·"
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
func Today(t time.Time) Date { return DateOf(t.In(kosovo)) }

// Calendar is the date picker at a month, on day today in Kosovo, with
// weeks that start on first: the weekday names, the days as buttons
// (today marked), arrows to the months before and after (none after the
// current month, none before FirstYear), Back and Main menu. A month after
// today's shows today's month.
func (t *Tree) Calendar(year, month int, today Date, first time.Weekday) Screen {
	if (Date{Year: year, Month: month, Day: 1}).After(today) {
		year, month = today.Year, today.Month
	}
	n := t.byID[AppealDays]
	s := Screen{Node: n, Texts: []string{n.ID.BodyID()}, Fields: Fields{
		Quantities: map[string]Quantity{"Appeal": t.content.Facts[appealFact]},
		Months:     map[string]Date{"Month": {Year: year, Month: month}},
	}}
	head := make([]Button, 7)
	for i := range head {
		// weekday_1 is Monday … weekday_7 Sunday.
		wd := (int(first)+i+6)%7 + 1
		head[i] = Button{Kind: Noop, Label: msgWeekday + strconv.Itoa(wd)}
	}
	s.Rows = append(s.Rows, head)
	for _, week := range MonthGrid(year, month, first) {
		row := make([]Button, 7)
		for i, day := range week {
			if day == 0 {
				row[i] = Button{Kind: Noop, Label: noDay, Literal: true}
				continue
			}
			d := Date{Year: year, Month: month, Day: day}
			label := strconv.Itoa(day)
			if d == today {
				label = todayMark + label + todayMark
			}
			row[i] = Button{Kind: PickDay, Label: label, Literal: true, Date: d}
		}
		s.Rows = append(s.Rows, row)
	}
	var nav []Button
	if py, pm := PrevMonth(year, month); py >= FirstYear {
		nav = append(nav, Button{Kind: ShowMonth, Label: earlier, Literal: true, Date: Date{Year: py, Month: pm}})
	}
	if ny, nm := NextMonth(year, month); !(Date{Year: ny, Month: nm, Day: 1}).After(today) {
		nav = append(nav, Button{Kind: ShowMonth, Label: later, Literal: true, Date: Date{Year: ny, Month: nm}})
	}
	if len(nav) > 0 {
		s.Rows = append(s.Rows, nav)
	}
	return s.withShare().withNav()
}

// Deadline answers the date picker for a decision dated decision, on day
// today: the last day to appeal counted from that date, how many days
// are left, and where to get help. ok is false for a date after today,
// which no decision can carry.
func (t *Tree) Deadline(decision, today Date) (s Screen, ok bool) {
	if decision.After(today) {
		return Screen{}, false
	}
	last := t.LastDayToAppeal(decision)
	crpk := t.Contact(legalAid)
	left := today.DaysUntil(last)
	s = Screen{Node: t.byID[AppealDays], Fields: Fields{
		Quantities: map[string]Quantity{"Appeal": t.content.Facts[appealFact]},
		Dates:      map[string]Date{"Decision": decision, "LastDay": last},
		Exact:      map[string]string{"Phone": crpk.Phone},
	}}
	switch {
	case left > 0:
		s.Texts = []string{MsgDeadlineLeft}
		s.Fields.Quantities["Left"] = Quantity{left, Days}
	case left == 0:
		s.Texts = []string{MsgDeadlineToday}
	default:
		// Never final: the days may run from the day the decision was
		// received, and CRPK may know other steps.
		s.Texts = []string{MsgDeadlinePassed, MsgDeadlineNotLate}
	}
	s.Rows = [][]Button{
		contactRow(crpk),
		{{Kind: Navigate, Label: AppealHelp.ButtonID(), Target: AppealHelp}},
		{{Kind: ShowMonth, Label: MsgDeadlineAgain, Date: Date{Year: decision.Year, Month: decision.Month}}},
	}
	return s.withNav(), true
}
