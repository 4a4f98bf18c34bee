package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPosterCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"poster", "-bot", "KosovoAsylumGuideBot", "-lang", "all", "-topic", "appeal", "-o", dir}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, tag := range []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"} {
		b, err := os.ReadFile(filepath.Join(dir, "poster-"+tag+"_appeal.svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "https://t.me/KosovoAsylumGuideBot?start="+tag+"_appeal") {
			t.Errorf("%s poster lacks its link", tag)
		}
	}
	png := filepath.Join(dir, "qr.png")
	if code := run(context.Background(), []string{"poster", "-bot", "KosovoAsylumGuideBot", "-lang", "ar", "-format", "png", "-o", png}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil); code != exitOK {
		t.Fatalf("png: exit %d: %s", code, stderr.String())
	}
	if b, _ := os.ReadFile(png); !strings.HasPrefix(string(b), "\x89PNG") {
		t.Error("qr.png is not a PNG")
	}
}

func TestPosterCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"poster"}, "-bot is required"},
		{[]string{"poster", "-bot", "NotAGuide", "-o", os.DevNull}, "not a bot username"},
		{[]string{"poster", "-bot", "GuideBot", "-lang", "xx"}, "no language"},
		{[]string{"poster", "-bot", "GuideBot", "-topic", "court"}, "no topic"},
		{[]string{"poster", "-bot", "GuideBot", "-format", "pdf"}, "use svg or png"},
		{[]string{"export", "-lang", "xx"}, "no language"},
		{[]string{"export", "-format", "pdf"}, "use html or md"},
	}
	for _, tt := range tests {
		var stdout, stderr syncBuffer
		code := run(context.Background(), tt.args, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
		if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tt.args, code, stderr.String(), exitUsage, tt.want)
		}
	}
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	out := filepath.Join(dir, "guide-ar.html")
	if code := run(context.Background(), []string{"export", "-lang", "ar", "-o", out}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `<html lang="ar" dir="rtl">`) {
		t.Error("Arabic export is not marked right-to-left")
	}
	stdout = syncBuffer{}
	if code := run(context.Background(), []string{"export", "-lang", "en", "-format", "md"}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil); code != exitOK {
		t.Fatalf("md: exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "# Kosovo Asylum Guide") {
		t.Errorf("markdown export starts %q", stdout.String()[:40])
	}
}

func TestHealthcheckCommand(t *testing.T) {
	p := start(t, nil)
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"ASYLUMGUIDE_LISTEN": p.addr}), strings.NewReader(""), &stdout, &stderr, nil); code != exitOK {
		t.Errorf("healthcheck of a running bot: exit %d, %s", code, stderr.String())
	}
	p.stop(t)
	stderr = syncBuffer{}
	if code := run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"ASYLUMGUIDE_LISTEN": p.addr}), strings.NewReader(""), &stdout, &stderr, nil); code != exitError {
		t.Errorf("healthcheck of a stopped bot: exit %d, want %d", code, exitError)
	}
}
