package bot

import (
	"context"
	"errors"
	"net/http"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/text/language"
)

// commands are the bot's commands, in menu order. Each has a description
// message "cmd_<name>".
var commands = []string{"menu", "language", "help", "privacy", "forget"}

// library returns a go-telegram/bot client for the calls made once at
// start-up: getMe, the profile, and the webhook.
func (b *Bot) library() (*tgbot.Bot, error) {
	hc := &http.Client{Transport: b.api.rt, Timeout: requestTimeout}
	return tgbot.New(b.cfg.Token,
		tgbot.WithServerURL(strings.TrimRight(b.cfg.APIURL, "/")),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(requestTimeout, hc),
		tgbot.WithErrorsHandler(func(error) {}),
		tgbot.WithDebugHandler(func(string, ...any) {}),
	)
}

// Setup learns the bot's username and sets its commands, description and
// short description in every language. In webhook mode it also registers
// webhookURL with the secret. Failures are logged and Setup goes on: the
// guide works without a profile.
func (b *Bot) Setup(ctx context.Context, webhookURL, secret string) error {
	lib, err := b.library()
	if err != nil {
		return err
	}
	if webhookURL != "" {
		err := b.retry.do(ctx, func() error {
			_, err := lib.SetWebhook(ctx, &tgbot.SetWebhookParams{
				URL: webhookURL, SecretToken: secret, AllowedUpdates: allowedUpdates, MaxConnections: 40,
			})
			return err
		}, nil, nil)
		if err != nil {
			b.log.Error("setWebhook failed: Telegram will not deliver updates", "class", Class(err), "err", err)
		} else {
			b.log.Info("webhook registered")
		}
	}
	if b.botUsername() == "" {
		var me *models.User
		err := b.retry.do(ctx, func() (err error) {
			me, err = lib.GetMe(ctx)
			return err
		}, nil, nil)
		if err != nil {
			b.log.Warn("getMe failed", "class", Class(err), "err", err)
		} else {
			b.reached.Store(true)
			if me.Username != "" {
				name := me.Username
				b.username.Store(&name)
			}
		}
	}
	var failed int
	for _, p := range b.profiles() {
		err := b.retry.do(ctx, func() error {
			if _, err := lib.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: p.commands, LanguageCode: p.code}); err != nil {
				return err
			}
			if _, err := lib.SetMyDescription(ctx, &tgbot.SetMyDescriptionParams{Description: p.description, LanguageCode: p.code}); err != nil {
				return err
			}
			_, err := lib.SetMyShortDescription(ctx, &tgbot.SetMyShortDescriptionParams{ShortDescription: p.short, LanguageCode: p.code})
			return err
		}, nil, nil)
		if err != nil {
			failed++
			b.log.Warn("profile not set", "lang", p.code, "class", Class(err), "err", err)
		}
	}
	if failed > 0 {
		return errors.New("profile: some languages failed")
	}
	b.log.Info("profile set", "languages", len(b.profiles()))
	return nil
}

// profile is the bot's commands and descriptions for one language_code;
// code "" is the default for every other language.
type profile struct {
	code               string
	commands           []models.BotCommand
	description, short string
}

// profiles builds a profile for each two-letter language code Telegram
// knows. Telegram has one code for Serbian: it gets the script that
// "sr" matches (Cyrillic), and Latin readers pick it in the guide.
func (b *Bot) profiles() []profile {
	cat := b.screens.cat
	out := []profile{}
	seen := map[string]bool{}
	for _, l := range cat.Languages() {
		base, _ := language.Make(l.Tag).Base()
		code := base.String()
		if m, ok := cat.Match(code); !ok || m.Tag != l.Tag || seen[code] {
			continue
		}
		seen[code] = true
		p, err := b.profile(l.Tag, code)
		if err != nil {
			b.log.Warn("profile text missing", "lang", l.Tag, "err", err)
			continue
		}
		out = append(out, p)
	}
	if p, err := b.profile("en", ""); err == nil {
		out = append(out, p)
	}
	return out
}

func (b *Bot) profile(tag, code string) (profile, error) {
	cat := b.screens.cat
	p := profile{code: code}
	for _, c := range commands {
		d, err := cat.Text(tag, "cmd_"+c, nil)
		if err != nil {
			return p, err
		}
		p.commands = append(p.commands, models.BotCommand{Command: c, Description: d})
	}
	var err error
	if p.description, err = cat.Text(tag, "bot_description", nil); err != nil {
		return p, err
	}
	if p.short, err = cat.Text(tag, "bot_short_description", nil); err != nil {
		return p, err
	}
	p.description = strings.TrimSpace(p.description)
	return p, nil
}
