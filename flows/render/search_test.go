package render

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"asylumguide/flows"
)

// searchCase is a query a person really types and the screen that must
// come first. The queries come from each language's translator: with and
// without diacritics, the other script or letter variants, plural and
// case endings, a typo, and a query in another language.
type searchCase struct {
	query string
	want  flows.ID
	// or is another screen that answers the question as well: both of
	// CRPK's screens for a lawyer, the Help menu (which lists the
	// emergency numbers) for an ambulance.
	or flows.ID
}

var searchCases = map[string][]searchCase{
	"en": {
		{"appeal", flows.Appeal, ""}, {"appeals", flows.Appeal, ""}, {"apeal", flows.Appeal, ""},
		{"I was refused", flows.Appeal, ""}, {"rejected", flows.Appeal, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp},
		{"deadline", flows.AppealDeadline, ""}, {"police", flows.HelpEmergency, ""}, {"hospital", flows.HelpEmergency, ""},
		{"doctor", flows.HelpEmergency, ""}, {"interpreter", flows.ApplyInterpreter, ""}, {"detained", flows.RightsDetained, ""},
		{"DEPORTATION", flows.RightsReturn, ""}, {"torture", flows.HelpKRCT, ""}, {"how long does the decision take", flows.ApplyDecision, ""},
		{"recours", flows.Appeal, ""}, {"жалба", flows.Appeal, ""},
	},
	"sq": {
		{"ankese", flows.Appeal, ""}, {"ankesë", flows.Appeal, ""}, {"me refuzuan kerkesen", flows.Appeal, ""},
		{"afati i ankeses", flows.AppealDeadline, ""}, {"kalendari", flows.AppealDays, ""}, {"avokat falas", flows.HelpCRPK, ""},
		{"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"përkthyesi", flows.ApplyInterpreter, ""}, {"me arrestuan", flows.RightsDetained, ""},
		{"burgu", flows.RightsDetained, ""}, {"emergenca", flows.HelpEmergency, ""}, {"spitali", flows.HelpEmergency, ""},
		{"deportimi", flows.RightsReturn, ""}, {"magura", flows.ApplyAfter, ""}, {"bashkim familjar", flows.HelpICRC, ""},
	},
	"sr-Latn": {
		{"zalba", flows.Appeal, ""}, {"žalbe", flows.Appeal, ""}, {"жалба", flows.Appeal, ""},
		{"odbijenica", flows.Appeal, ""}, {"negativno resenje", flows.Appeal, ""}, {"rok za zalbu", flows.AppealDeadline, ""},
		{"besplatnog advokata", flows.HelpCRPK, ""}, {"prevodioca", flows.ApplyInterpreter, ""}, {"uhapsen", flows.RightsDetained, ""},
		{"притвор", flows.RightsDetained, ""}, {"hitna pomoc", flows.HelpEmergency, flows.Help}, {"болница", flows.HelpEmergency, ""},
		{"deportacija", flows.RightsReturn, ""}, {"psihlog", flows.HelpKRCT, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp},
	},
	"sr-Cyrl": {
		{"жалба", flows.Appeal, ""}, {"zalba", flows.Appeal, ""}, {"притвор", flows.RightsDetained, ""},
		{"болница", flows.HelpEmergency, ""}, {"адвокат", flows.HelpCRPK, flows.AppealHelp}, {"преводилац", flows.ApplyInterpreter, ""},
		{"депортација", flows.RightsReturn, ""}, {"hitna pomoc", flows.HelpEmergency, flows.Help}, {"рок за жалбу", flows.AppealDeadline, ""},
		{"одбијеница", flows.Appeal, ""}, {"uhapsen", flows.RightsDetained, ""}, {"лекар", flows.HelpEmergency, ""},
		{"психолог", flows.HelpKRCT, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"tortura", flows.HelpKRCT, ""},
	},
	"uk": {
		{"апеляція", flows.Appeal, ""}, {"мені відмовили", flows.Appeal, ""}, {"апелляция", flows.Appeal, ""},
		{"апеляция", flows.Appeal, ""}, {"юристи", flows.HelpCRPK, ""}, {"безкоштовного адвоката", flows.HelpCRPK, ""},
		{"дедлайн", flows.AppealDeadline, ""}, {"вязниця", flows.RightsDetained, ""}, {"мене затримали", flows.RightsDetained, ""},
		{"викликати швидку", flows.HelpEmergency, ""}, {"перекладача", flows.ApplyInterpreter, ""}, {"депортаця", flows.RightsReturn, ""},
		{"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"гуманітарка", flows.HelpRedCross, ""}, {"убежище", flows.Apply, ""},
	},
	"tr": {
		{"itiraz", flows.Appeal, ""}, {"başvurum reddedildi", flows.Appeal, ""}, {"negatif geldi", flows.Appeal, ""},
		{"itiraz suresi kac gun", flows.AppealDeadline, ""}, {"son günümü hesapla", flows.AppealDays, ""}, {"ucretsiz avukat", flows.HelpCRPK, ""},
		{"tercümana ihtiyacım var", flows.ApplyInterpreter, ""}, {"GÖZALTINA ALINDIM", flows.RightsDetained, ""}, {"sinir disi edilecek miyim", flows.RightsReturn, ""},
		{"siginma merkezi", flows.ApplyAfter, ""}, {"hastaneye", flows.HelpEmergency, ""}, {"mahkame", flows.AppealCourt, ""},
		{"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"kizilay", flows.HelpRedCross, ""}, {"ikamet izni", flows.ProtSubsidiary, ""},
	},
	"fa": {
		{"اعتراض", flows.Appeal, ""}, {"ريجكت شدم", flows.Appeal, ""}, {"کیسم رد شده", flows.Appeal, ""},
		{"وکیل", flows.HelpCRPK, flows.AppealHelp}, {"وكيل مجاني", flows.HelpCRPK, ""}, {"شفاخانه", flows.HelpEmergency, ""},
		{"۱۱۲", flows.HelpEmergency, ""}, {"امبولانس", flows.HelpEmergency, ""}, {"مهلت اعتراض چند روزه", flows.AppealDeadline, flows.AppealDays},
		{"بازداشت شدم", flows.RightsDetained, ""}, {"دیپورتم میکنند", flows.RightsReturn, ""}, {"مترجمها", flows.ApplyInterpreter, ""},
		{"شکنحه", flows.HelpKRCT, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"etiraz", flows.Appeal, ""},
		{"جنتری", flows.AppealDays, ""}, {"هلال احمر", flows.HelpRedCross, ""}, {"محکمه", flows.AppealCourt, ""},
	},
	"ar": {
		{"محامي", flows.HelpCRPK, flows.AppealHelp}, {"طعن", flows.Appeal, ""}, {"رفضوني", flows.Appeal, ""},
		{"الشرطه", flows.HelpEmergency, ""}, {"اسعاف", flows.HelpEmergency, ""}, {"مستشفيات", flows.HelpEmergency, ""},
		{"المترجمين", flows.ApplyInterpreter, ""}, {"مهلة الطعن", flows.AppealDeadline, ""}, {"كم يوم باقي", flows.AppealDays, ""},
		{"الاونروا", flows.ProtRefugee, ""}, {"يرحلوني", flows.RightsReturn, ""}, {"مسكوني", flows.RightsDetained, ""},
		{"اعتراظ", flows.Appeal, ""}, {"لم شمل عائلتي", flows.HelpICRC, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp},
	},
	"fr": {
		{"j'ai été débouté", flows.Appeal, ""}, {"ma demande a ete refusee", flows.Appeal, ""}, {"Recours", flows.Appeal, ""},
		{"récours", flows.Appeal, ""}, {"combien de jours pour faire un recours", flows.AppealDeadline, flows.Appeal}, {"avocats gratuits", flows.HelpCRPK, ""},
		{"psycologue", flows.HelpKRCT, ""}, {"ma femme est detenue", flows.RightsDetained, ""}, {"centre de rétention", flows.RightsDetained, ""},
		{"on va me déporter", flows.RightsReturn, ""}, {"hopital", flows.HelpEmergency, ""}, {"interprete", flows.ApplyInterpreter, ""},
		{"convention de geneve", flows.ProtRefugee, ""}, {"lawyer", flows.HelpCRPK, flows.AppealHelp}, {"l'interprète", flows.ApplyInterpreter, ""},
	},
}

func TestSearchFindsTheRightScreen(t *testing.T) {
	s := testScreens(t)
	for _, tag := range s.Tags() {
		cases := searchCases[tag]
		if len(cases) < 15 {
			t.Errorf("%s: %d search cases, want at least 15", tag, len(cases))
		}
		for _, tt := range cases {
			got := s.index.Search(tag, tt.query)
			if len(got) == 0 || got[0] != tt.want && (tt.or == "" || got[0] != tt.or) {
				t.Errorf("%s: Search(%q) = %v, want %s first", tag, tt.query, got, tt.want)
			}
		}
	}
}

// TestSearchAnswers: a question that finds screens lists them with their
// buttons and Main menu; one that finds nothing gets a kind line, the
// main menu and CRPK; neither ever repeats what was typed.
func TestSearchAnswers(t *testing.T) {
	s := testScreens(t)
	for _, tag := range s.Tags() {
		query := "xqzv-" + tag + "-zzqq"
		sc, found, err := s.Search(tag, query)
		if err != nil || found {
			t.Fatalf("%s: Search(%q) = found %v, %v", tag, query, found, err)
		}
		var crpk bool
		for _, row := range sc.Rows {
			for _, k := range row {
				crpk = crpk || k.Data == flows.NavData(flows.HelpCRPK)
			}
		}
		if !crpk || len(sc.Rows) < 7 {
			t.Errorf("%s: nothing found gives %d rows, CRPK %v; want the main menu and CRPK", tag, len(sc.Rows), crpk)
		}
		if strings.Contains(sc.Text, "xqzv") {
			t.Errorf("%s: the answer repeats the question:\n%s", tag, sc.Text)
		}
		sc, found, err = s.Search(tag, "lawyer appeal")
		if err != nil || !found {
			t.Fatalf("%s: Search(lawyer appeal) found nothing: %v", tag, err)
		}
		if n := len(sc.Rows); n < 2 || n > MaxFound+1 || sc.Rows[n-1][0].Data != flows.NavData(flows.Main) {
			t.Errorf("%s: found %d rows, want 1 to %d screens and Main menu", tag, n, MaxFound)
		}
		if strings.Contains(strings.ToLower(sc.Text), "lawyer appeal") {
			t.Errorf("%s: the answer repeats the question", tag)
		}
	}
}

// FuzzSearch feeds any text to the search in any language: it never
// panics, never returns more than MaxFound screens, and never takes long.
func FuzzSearch(f *testing.F) {
	s := testScreens(f)
	for _, q := range []string{"appeal", "ankese", "жалба", "اعتراض", "ي ك ة ى", "l'asile", "зв’язок", "", "\xff\xfe", strings.Repeat("a", 600), "۱۱۲", "İSTANBUL ı"} {
		f.Add(q, "en")
		f.Add(q, "fa")
	}
	f.Fuzz(func(t *testing.T, query, lang string) {
		start := time.Now()
		got := s.index.Search(lang, query)
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Search(%q) took %v", query, d)
		}
		if len(got) > MaxFound {
			t.Errorf("Search(%q) = %d screens", query, len(got))
		}
	})
}

// BenchmarkSearch runs real queries of every language against that
// language's index, the English fallback included.
func BenchmarkSearch(b *testing.B) {
	s := testScreens(b)
	type q struct{ lang, text string }
	var qs []q
	for tag, cases := range searchCases {
		for _, c := range cases {
			qs = append(qs, q{tag, c.query})
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := qs[i%len(qs)]
		s.index.Search(c.lang, c.text)
		i++
	}
}

// BenchmarkSearchIndex builds the index of every language and reports the
// heap it keeps.
func BenchmarkSearchIndex(b *testing.B) {
	s := testScreens(b)
	var before, after runtime.MemStats
	var keep *Index
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		x, err := NewIndex(s)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		keep = x
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "index-MB")
	_ = keep
}
