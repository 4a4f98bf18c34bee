package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestLoadSmoke runs a small load against the real binary: every update
// gets its reply, the bot exits 0 on SIGTERM, and the report is complete.
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the bot")
	}
	var out bytes.Buffer
	if err := run([]string{"-users", "30", "-duration", "2s", "-warmup", "0s", "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if r.Sent == 0 || r.Missing != 0 {
		t.Errorf("sent %d, missing %d; want some sent and none missing", r.Sent, r.Missing)
	}
	if r.BotExit != "0" {
		t.Errorf("bot exit %s after SIGTERM, want 0", r.BotExit)
	}
	if r.PeakRSSMB <= 0 || r.Calls["editMessageText"] == 0 || r.P99 <= 0 {
		t.Errorf("incomplete report: %+v", r)
	}
}
