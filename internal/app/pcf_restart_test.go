package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
)

// TestPCFRestartReleasesLocalAssociations restarts a process running the
// UDR (SQLite), UDM and PCF on its data directory: the SM policy
// association of the SMF the process ran (no notificationUri), which the
// restart ended, is gone; an SMF elsewhere keeps its association
// (TS 23.527, restoration after a restart).
func TestPCFRestartReleasesLocalAssociations(t *testing.T) {
	ctx := context.Background()
	cfg := splitConfig(t, "udr", "udm", "pcf")
	const (
		local  = "imsi-001010000000001.LOCAL"
		remote = "imsi-001010000000001.REMOTE"
		value  = `{"supi":"imsi-001010000000001","pduSessionId":1,"dnn":"internet","sliceInfo":{"sst":1},"decision":{"ambrUl":1,"ambrDl":1,"5qi":9,"arpPriority":8}`
	)
	first, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// What the first run's PCF left, written while the process is down.
	db := filepath.Join(cfg.DataDir, app.DatabaseFile)
	recs, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for key, v := range map[string]string{local: value + "}", remote: value + `,"notificationUri":"https://smf.example/cb","resourceUri":"https://pcf.example/x"}`} {
		if _, err := recs.PutRecord(ctx, store.Record{Kind: pcf.RecordKind, Key: key, Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := recs.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if recs, err = sqlite.Open(ctx, db, sqlite.Options{}); err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	if _, err := recs.GetRecord(ctx, pcf.RecordKind, local); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the local SMF's association after the restart: %v, want %v", err, store.ErrNotFound)
	}
	if _, err := recs.GetRecord(ctx, pcf.RecordKind, remote); err != nil {
		t.Errorf("the remote SMF's association after the restart: %v", err)
	}
}
