package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/hnkey"
)

type fakeUEs struct {
	mu   sync.Mutex
	list []api.UEInfo
}

func (f *fakeUEs) UEs() []api.UEInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]api.UEInfo(nil), f.list...)
}

func (f *fakeUEs) Deregister(_ context.Context, supi string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, u := range f.list {
		if u.SUPI == supi {
			f.list[i].State = "deregistering"
			return nil
		}
	}
	return fmt.Errorf("amf: %w", api.ErrNotFound)
}

type fakeHNKeys []hnkey.PublicKey

func (f fakeHNKeys) Public() []hnkey.PublicKey { return f }

// viewServer starts a management API serving fake UEs and home network
// keys and returns an Env pointing the CLI at it.
func viewServer(t *testing.T) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ues := &fakeUEs{list: []api.UEInfo{
		{SUPI: "imsi-001010000000002", State: "registered", GUTI: "5g-guti-00101-010040-0000000b", GNB: "gnb-00101-1",
			AMFUENGAPID: 11, RANUENGAPID: 1, TAI: "00101-000001", LastActivity: at, CMState: "connected"},
		{SUPI: "imsi-001010000000001", State: "authenticating", GNB: "gnb-00101-1", AMFUENGAPID: 10, RANUENGAPID: 2, LastActivity: at.Add(-time.Minute), CMState: "connected"},
	}}
	// TS 33.501 Annex C.4.3 and C.4.4 home network public keys.
	keys := fakeHNKeys{{ID: 1, Scheme: "A", Public: "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650"},
		{ID: 2, Scheme: "B", Public: "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1",
			PublicUncompressed: "0472da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1" +
				"5a7ded52fcbb097a4ed250e036c7b9c8c7004c4eedc4f068cd7bf8d3f900e3b4"}}
	return apiEnv(t, api.Options{UEs: ues, HNKeys: keys})
}

// runScript runs commands and returns the transcript of what they print.
func runScript(env Env, stdout, stderr *bytes.Buffer, mode string, script [][]string) string {
	var transcript strings.Builder
	for _, args := range script {
		if mode == "json" {
			args = append(args, "--json")
		}
		stdout.Reset()
		stderr.Reset()
		code := Main(context.Background(), env, args)
		transcript.WriteString("$ keel " + shellQuote(args) + "\n")
		transcript.WriteString(stdout.String())
		if stderr.Len() > 0 {
			transcript.WriteString("stderr: " + stderr.String())
		}
		fmt.Fprintf(&transcript, "exit %d\n\n", code)
	}
	return transcript.String()
}

func TestUECommands(t *testing.T) {
	for _, mode := range []string{"table", "json"} {
		t.Run(mode, func(t *testing.T) {
			env, stdout, stderr := viewServer(t)
			golden(t, "ue_"+mode, runScript(env, stdout, stderr, mode, [][]string{
				{"ue", "list"},
				{"ue", "list", "--state", "registered"},
				{"ue", "show", "imsi-001010000000002"},
				{"ue", "deregister", "imsi-001010000000002"},
				{"ue", "list", "--state", "registered"},
				{"ue", "deregister", "imsi-001010000000009"},
				{"ue", "show", "imsi-001010000000009"},
				{"ue", "show"},
				{"ue", "frobnicate"},
			}))
		})
	}
}

func TestHNKeyCommands(t *testing.T) {
	for _, mode := range []string{"table", "json"} {
		t.Run(mode, func(t *testing.T) {
			env, stdout, stderr := viewServer(t)
			golden(t, "hnkey_"+mode, runScript(env, stdout, stderr, mode, [][]string{
				{"hnkey", "show"},
				{"hnkey", "show", "extra"},
				{"hnkey", "rotate"},
			}))
		})
	}
}

// TestViewsAbsent checks the answer of a core that serves no UEs.
func TestViewsAbsent(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	if code := Main(context.Background(), env, []string{"ue", "list"}); code != ExitFailure || !strings.Contains(stderr.String(), "HTTP 404") {
		t.Errorf("keel ue list against a core without UEs = exit %d, %q", code, stderr)
	}
}
