package flows

// This file is what a content editor touches: the screens and their order,
// the facts and contacts they carry, the deep-link topics and the
// commands. The machinery that walks it is in tree.go and calendar.go.

// The nodes of the guide, in menu order.
const (
	Main ID = "main"

	Apply            ID = "apply"
	ApplyWhere       ID = "apply_where"
	ApplyInterpreter ID = "apply_interpreter"
	ApplyAfter       ID = "apply_after"
	ApplyDecision    ID = "apply_decision"
	ApplyWait        ID = "apply_wait"

	Protection     ID = "prot"
	ProtRefugee    ID = "prot_refugee"
	ProtSubsidiary ID = "prot_subsidiary"
	ProtTemporary  ID = "prot_temporary"

	Appeal           ID = "appeal"
	AppealDeadline   ID = "appeal_deadline"
	AppealDays       ID = "appeal_days"
	AppealCommission ID = "appeal_commission"
	AppealCourt      ID = "appeal_court"
	AppealHelp       ID = "appeal_help"

	Help           ID = "help"
	HelpCRPK       ID = "help_crpk"
	HelpBeforeCall ID = "help_before_call"
	HelpICRC       ID = "help_icrc"
	HelpKRCT       ID = "help_krct"
	HelpRedCross   ID = "help_redcross"
	HelpEmergency  ID = "help_emergency"

	Rights         ID = "rights"
	RightsReturn   ID = "rights_return"
	RightsDetained ID = "rights_detained"
	RightsTreaties ID = "rights_treaties"
	RightsUNHCR    ID = "rights_unhcr"
	LanguagePicker ID = "language"
	About          ID = "about"
	Privacy        ID = "privacy"
	Usage          ID = "usage"
	Forgotten      ID = "forgotten"
	ForgetFailed   ID = "forget_failed"
)

// The facts and contacts the tree itself uses, by their key in
// content.toml: the appeal period the date picker counts, and the
// organisation it and the search send people to.
const (
	appealFact = "appeal"
	legalAid   = "crpk"
)

// nodes is the whole guide. Every fact in the content brief is reachable
// from Main; see tree_test.go for the checks that keep it whole. A node
// names its contact and the facts its text shows by their keys in
// content.toml, where an NGO keeps them up to date.
var nodes = []*Node{
	{ID: Main, Children: []ID{Apply, Protection, Appeal, Help, Rights, LanguagePicker, About}},

	{ID: Apply, Parent: Main, Children: []ID{ApplyWhere, ApplyInterpreter, ApplyAfter, ApplyDecision, ApplyWait}},
	{ID: ApplyWhere, Parent: Apply},
	{ID: ApplyInterpreter, Parent: Apply},
	{ID: ApplyAfter, Parent: Apply},
	{ID: ApplyDecision, Parent: Apply, Quantities: map[string]string{
		"Decision": "decision", "DecisionMax": "decision_max", "Appeal": "appeal",
	}},
	{ID: ApplyWait, Parent: Apply, Quantities: map[string]string{"Address": "address_change"}},

	{ID: Protection, Parent: Main, Children: []ID{ProtRefugee, ProtSubsidiary, ProtTemporary}},
	{ID: ProtRefugee, Parent: Protection},
	{ID: ProtSubsidiary, Parent: Protection, Quantities: map[string]string{"Permit": "permit_min"}},
	{ID: ProtTemporary, Parent: Protection},

	{ID: Appeal, Parent: Main, Children: []ID{AppealDeadline, AppealDays, AppealCommission, AppealCourt, AppealHelp},
		Quantities: map[string]string{"Appeal": "appeal"}},
	{ID: AppealDeadline, Parent: Appeal, Quantities: map[string]string{"Appeal": "appeal"}},
	{ID: AppealDays, Parent: Appeal, Calendar: true, Quantities: map[string]string{"Appeal": "appeal"}},
	{ID: AppealCommission, Parent: Appeal, Quantities: map[string]string{"Commission": "commission"}},
	{ID: AppealCourt, Parent: Appeal},
	{ID: AppealHelp, Parent: Appeal, Contact: "crpk"},

	{ID: Help, Parent: Main, Children: []ID{HelpCRPK, HelpBeforeCall, HelpICRC, HelpKRCT, HelpRedCross, HelpEmergency}},
	{ID: HelpCRPK, Parent: Help, Contact: "crpk"},
	{ID: HelpBeforeCall, Parent: Help, Contact: "crpk"},
	{ID: HelpICRC, Parent: Help, Contact: "icrc"},
	{ID: HelpKRCT, Parent: Help, Contact: "krct"},
	{ID: HelpRedCross, Parent: Help, Contact: "redcross"},
	{ID: HelpEmergency, Parent: Help},

	{ID: Rights, Parent: Main, Children: []ID{RightsReturn, RightsDetained, RightsTreaties, RightsUNHCR}},
	{ID: RightsReturn, Parent: Rights},
	{ID: RightsDetained, Parent: Rights, Contact: "crpk"},
	{ID: RightsTreaties, Parent: Rights},
	{ID: RightsUNHCR, Parent: Rights},

	{ID: LanguagePicker, Parent: Main},

	{ID: About, Parent: Main, Children: []ID{Privacy, Usage}, Dates: map[string]string{"Reviewed": "reviewed"}},
	{ID: Privacy, Parent: About},
	{ID: Usage, Parent: About},

	{ID: Forgotten, Parent: Main, Hidden: true},
	{ID: ForgetFailed, Parent: Main, Hidden: true},
}

// topics are the deep-link topics an NGO can put in a link, such as
// t.me/<bot>?start=ar_appeal, in the order documentation lists them.
// Each topic can be shared into any chat as a card (Telegram's inline
// mode), written in the message "<node>_card"; Share puts a Share button on
// the topic's own screen.
var topics = []Topic{
	{Name: "apply", Node: Apply, Share: true},
	{Name: "protection", Node: Protection},
	{Name: "appeal", Node: Appeal, Share: true},
	{Name: "deadline", Node: AppealDays, Share: true},
	{Name: "help", Node: Help, Share: true},
	{Name: "crpk", Node: HelpCRPK},
	{Name: "rights", Node: Rights},
	{Name: "detained", Node: RightsDetained},
}

// commands are the bot's commands. Those in the menu are listed, in this
// order, in Telegram's command menu of private chats, each described by
// the message "cmd_<Name>"; a test ties the two together.
var commands = []Command{
	{Name: "start", Node: Main, InGroups: true},
	{Name: "menu", Node: Main, InMenu: true},
	{Name: "language", Node: LanguagePicker, InMenu: true},
	{Name: "help", Node: Usage, InMenu: true},
	{Name: "privacy", Node: Privacy, InMenu: true},
	{Name: "guide", Node: About, InMenu: true, Guide: true},
	{Name: "forget", Node: Forgotten, InMenu: true, Forget: true},
}
