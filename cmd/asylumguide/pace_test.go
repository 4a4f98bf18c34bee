package main

import (
	"io"
	"strings"
	"testing"

	"asylumguide/bot/telegramtest"

	"golang.org/x/time/rate"
)

// TestPaceSettings: the bot's pace comes from ASYLUMGUIDE_RATE and
// ASYLUMGUIDE_CHAT_RATE, or -rate and -chat-rate, which win; 0 turns a
// limit off and a negative or unreadable value is a clear error.
func TestPaceSettings(t *testing.T) {
	tests := []struct {
		name               string
		env                map[string]string
		args               []string
		wantRate, wantChat rate.Limit
		wantErr            string
	}{
		{"defaults", nil, nil, 30, 1, ""},
		{"from the environment", map[string]string{"ASYLUMGUIDE_RATE": "20", "ASYLUMGUIDE_CHAT_RATE": "0.5"}, nil, 20, 0.5, ""},
		{"flags win", map[string]string{"ASYLUMGUIDE_RATE": "20"}, []string{"-rate", "25", "-chat-rate", "2"}, 25, 2, ""},
		{"0 turns them off", map[string]string{"ASYLUMGUIDE_RATE": "0"}, []string{"-chat-rate", "0"}, rate.Inf, rate.Inf, ""},
		{"negative", nil, []string{"-rate", "-1"}, 0, 0, "cannot be negative"},
		{"not a number", map[string]string{"ASYLUMGUIDE_CHAT_RATE": "fast"}, nil, 0, 0, "ASYLUMGUIDE_CHAT_RATE"},
		{"NaN", map[string]string{"ASYLUMGUIDE_RATE": "NaN"}, nil, 0, 0, "cannot be negative"},
		{"infinite", nil, []string{"-chat-rate", "+Inf"}, 0, 0, "cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "TELEGRAM_BOT_TOKEN" {
					return telegramtest.Token
				}
				return tt.env[k]
			}
			c, err := parseConfig(tt.args, getenv, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one that mentions %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, gotChat := limit(c.rate), limit(c.chatRate); got != tt.wantRate || gotChat != tt.wantChat {
				t.Errorf("rate %v, chat rate %v; want %v and %v", got, gotChat, tt.wantRate, tt.wantChat)
			}
		})
	}
}
