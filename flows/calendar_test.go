package flows

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Belgrade without the system's zoneinfo
)

func TestLastDayToAppeal(t *testing.T) {
	tests := []struct {
		decision, want Date
	}{
		{Date{2026, 11, 5}, Date{2026, 11, 20}},
		{Date{2026, 11, 20}, Date{2026, 12, 5}}, // month end
		{Date{2026, 12, 20}, Date{2027, 1, 4}},  // year end
		{Date{2026, 12, 31}, Date{2027, 1, 15}}, // last day of the year
		{Date{2026, 2, 14}, Date{2026, 3, 1}},   // February, common year
		{Date{2028, 2, 14}, Date{2028, 2, 29}},  // February, leap year
		{Date{2026, 3, 20}, Date{2026, 4, 4}},   // across the spring DST change (29 March)
		{Date{2026, 10, 20}, Date{2026, 11, 4}}, // across the autumn DST change (25 October)
		{Date{2026, 3, 29}, Date{2026, 4, 13}},  // on the DST change itself
	}
	for _, tt := range tests {
		if got := New(testLangs, DefaultContent()).LastDayToAppeal(tt.decision); got != tt.want {
			t.Errorf("LastDayToAppeal(%v) = %v, want %v", tt.decision, got, tt.want)
		}
	}
}

func TestDaysUntil(t *testing.T) {
	tests := []struct {
		from, to Date
		want     int
	}{
		{Date{2026, 11, 26}, Date{2026, 11, 26}, 0},
		{Date{2026, 11, 26}, Date{2026, 12, 5}, 9},
		{Date{2026, 12, 30}, Date{2027, 1, 2}, 3},
		{Date{2026, 3, 28}, Date{2026, 3, 30}, 2},   // a 23-hour day in between
		{Date{2026, 10, 24}, Date{2026, 10, 26}, 2}, // a 25-hour day in between
		{Date{2026, 11, 26}, Date{2026, 11, 14}, -12},
	}
	for _, tt := range tests {
		if got := tt.from.DaysUntil(tt.to); got != tt.want {
			t.Errorf("%v.DaysUntil(%v) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestTodayInKosovo checks which day it is in Kosovo at instants near
// midnight and near the daylight-saving changes.
func TestTodayInKosovo(t *testing.T) {
	kosovo, err := time.LoadLocation("Europe/Belgrade")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		utc  string
		want Date
	}{
		{"2026-11-26T22:59:00Z", Date{2026, 11, 26}}, // 23:59 CET
		{"2026-11-26T23:00:00Z", Date{2026, 11, 27}}, // midnight CET
		{"2026-03-28T23:30:00Z", Date{2026, 3, 29}},  // 00:30 CET, the day clocks go forward
		{"2026-03-29T21:59:00Z", Date{2026, 3, 29}},  // 23:59 CEST
		{"2026-03-29T22:00:00Z", Date{2026, 3, 30}},  // midnight CEST
		{"2026-10-24T21:59:00Z", Date{2026, 10, 24}}, // 23:59 CEST, before clocks go back
		{"2026-10-24T22:00:00Z", Date{2026, 10, 25}},
		{"2026-12-31T23:30:00Z", Date{2027, 1, 1}}, // new year in Kosovo, not yet in London
	}
	for _, tt := range tests {
		at, _ := time.Parse(time.RFC3339, tt.utc)
		if got := DateOf(at.In(kosovo)); got != tt.want {
			t.Errorf("%s is %v in Kosovo, want %v", tt.utc, got, tt.want)
		}
	}
}

func TestParseCalendarData(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	main := Action{Kind: Navigate, Target: Main}
	tests := []struct {
		data string
		want Action
	}{
		{"v1:cal:202611", Action{Kind: ShowMonth, Target: AppealDays, Date: Date{2026, 11, 0}}},
		{"v1:cal:201801", Action{Kind: ShowMonth, Target: AppealDays, Date: Date{2018, 1, 0}}},
		{"v1:day:20261126", Action{Kind: PickDay, Target: AppealDays, Date: Date{2026, 11, 26}}},
		{"v1:day:20280229", Action{Kind: PickDay, Target: AppealDays, Date: Date{2028, 2, 29}}},
		{"v1:noop", Action{Kind: Noop}},
		{"v1:day:20260229", main}, // not a leap year
		{"v1:day:20261131", main},
		{"v1:day:20261340", main},
		{"v1:day:2026113", main},
		{"v1:day:202611260", main},
		{"v1:day:-0261126", main},
		{"v1:day:+2026112", main},
		{"v1:day:20171231", main}, // before the law
		{"v1:cal:202613", main},
		{"v1:cal:202600", main},
		{"v1:cal:abcdef", main},
		{"v1:cal:2026 1", main},
		{"v1:cal:", main},
	}
	for _, tt := range tests {
		if got := tree.Parse(tt.data); got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.data, got, tt.want)
		}
	}
	for _, d := range []Date{{2026, 11, 26}, {2018, 1, 1}, {2099, 12, 31}} {
		data := DayData(d)
		if len(data) > MaxData {
			t.Errorf("DayData(%v) is %d bytes", d, len(data))
		}
		if got := tree.Parse(data); got.Kind != PickDay || got.Date != d {
			t.Errorf("DayData(%v) = %q parses as %+v", d, data, got)
		}
	}
	if got := tree.Parse(MonthData(2026, 3)); got.Kind != ShowMonth || got.Date != (Date{Year: 2026, Month: 3}) {
		t.Errorf("MonthData round trip: %+v", got)
	}
}

func TestMonthGrid(t *testing.T) {
	tests := []struct {
		year, month int
		want        [][]int
	}{
		// November 2026 starts on a Sunday.
		{2026, 11, [][]int{
			{0, 0, 0, 0, 0, 0, 1},
			{2, 3, 4, 5, 6, 7, 8},
			{9, 10, 11, 12, 13, 14, 15},
			{16, 17, 18, 19, 20, 21, 22},
			{23, 24, 25, 26, 27, 28, 29},
			{30, 0, 0, 0, 0, 0, 0},
		}},
		// February 2027 starts on a Monday and fills four weeks exactly.
		{2027, 2, [][]int{
			{1, 2, 3, 4, 5, 6, 7},
			{8, 9, 10, 11, 12, 13, 14},
			{15, 16, 17, 18, 19, 20, 21},
			{22, 23, 24, 25, 26, 27, 28},
		}},
	}
	for _, tt := range tests {
		got := MonthGrid(tt.year, tt.month, time.Monday)
		if !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("MonthGrid(%d, %d) = %v, want %v", tt.year, tt.month, got, tt.want)
		}
	}
	if y, m := PrevMonth(2027, 1); y != 2026 || m != 12 {
		t.Errorf("PrevMonth(2027, 1) = %d, %d", y, m)
	}
	if y, m := NextMonth(2026, 12); y != 2027 || m != 1 {
		t.Errorf("NextMonth(2026, 12) = %d, %d", y, m)
	}
}

// TestDeadlineAnswers checks which answer the date picker gives for a
// decision dated before, on and after the last day, and that a date after
// today gets none.
func TestDeadlineAnswers(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	today := Date{2026, 3, 17}
	tests := []struct {
		decision Date
		want     string
		left     int
	}{
		{Date{2026, 3, 10}, MsgDeadlineLeft, 8},
		{Date{2026, 3, 2}, MsgDeadlineToday, 0},
		{Date{2026, 3, 1}, MsgDeadlinePassed, 0},
		{Date{2025, 12, 31}, MsgDeadlinePassed, 0},
	}
	for _, tt := range tests {
		s, ok := tree.Deadline(tt.decision, today)
		if !ok || len(s.Texts) == 0 || s.Texts[0] != tt.want {
			t.Errorf("Deadline(%v) = %v, %v; want %s", tt.decision, s.Texts, ok, tt.want)
			continue
		}
		if got := s.Fields.Quantities["Left"].N; got != tt.left {
			t.Errorf("Deadline(%v): %d days left, want %d", tt.decision, got, tt.left)
		}
		if got, want := s.Fields.Exact["Phone"], tree.Contact("crpk").Phone; got != want {
			t.Errorf("Deadline(%v): phone %q, want CRPK's %q", tt.decision, got, want)
		}
	}
	if _, ok := tree.Deadline(Date{2026, 3, 18}, today); ok {
		t.Error("Deadline accepted a decision dated after today")
	}
}

// TestCalendarLayout checks the picker's rows: weekday names, weeks of
// seven, arrows only to months that can hold a decision, and Back to
// Appeals.
func TestCalendarLayout(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	today := Date{2026, 3, 17}
	s := tree.Calendar(2026, 3, today, time.Monday)
	if got := s.Rows[0][0]; got.Kind != Noop || got.Label != "weekday_1" {
		t.Errorf("first heading = %+v, want weekday_1", got)
	}
	var marked bool
	for _, row := range s.Rows[1:] {
		for _, b := range row {
			if b.Kind == PickDay && b.Date == today {
				marked = b.Label == "•17•"
			}
		}
	}
	if !marked {
		t.Error("today is not marked in the calendar")
	}
	nav := s.Rows[len(s.Rows)-3]
	if len(nav) != 1 || nav[0].Kind != ShowMonth || nav[0].Date != (Date{Year: 2026, Month: 2}) {
		t.Errorf("arrows in today's month = %+v, want only the one to February", nav)
	}
	if share := s.Rows[len(s.Rows)-2]; share[0].Kind != Share || share[0].Topic != "deadline" {
		t.Errorf("row before the last = %+v, want the Share button of the deadline topic", share)
	}
	back := s.Rows[len(s.Rows)-1]
	if back[0].Target != Appeal || back[1].Target != Main {
		t.Errorf("last row = %+v, want Back to Appeals and Main menu", back)
	}
	if got := tree.Calendar(2027, 1, today, time.Monday); got.Fields.Months["Month"] != (Date{Year: 2026, Month: 3}) {
		t.Errorf("a month after today shows %v, want today's month", got.Fields.Months["Month"])
	}
}

// TestSaturdayFirstWeeks: a Persian calendar starts its weeks on
// Saturday, with Saturday's heading first.
func TestSaturdayFirstWeeks(t *testing.T) {
	// March 2026 begins on a Sunday: the second cell of a Saturday week.
	if got := MonthGrid(2026, 3, time.Saturday)[0]; got[0] != 0 || got[1] != 1 || got[6] != 6 {
		t.Errorf("first week from Saturday = %v, want [0 1 2 3 4 5 6]", got)
	}
	s := New(testLangs, DefaultContent()).Calendar(2026, 3, Date{2026, 3, 17}, time.Saturday)
	if got := s.Rows[0][0].Label; got != "weekday_6" {
		t.Errorf("first heading = %s, want weekday_6 (Saturday)", got)
	}
}
