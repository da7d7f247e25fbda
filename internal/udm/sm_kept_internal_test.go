package udm

import (
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

func TestSMKeptBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	k := newSMKept(func() time.Time { return now }, time.Second, 2)
	data := []sbi.SMData{{DNN: "internet"}}
	k.put("a", data, k.generation())
	k.put("b", data, k.generation())
	k.put("c", data, k.generation())
	if k.size() != 2 {
		t.Errorf("%d kept past the bound of 2 with none expired, want 2", k.size())
	}
	now = now.Add(time.Second)
	k.put("c", data, k.generation())
	if _, ok := k.take("c"); !ok || k.size() != 0 {
		t.Errorf("at the bound with every entry expired: c kept %v, %d left; want c kept and the expired gone", ok, k.size())
	}
	// Entries no Get took go once their lifetime has passed.
	k.put("e", data, k.generation())
	now = now.Add(time.Second)
	k.put("f", data, k.generation())
	if k.size() != 1 {
		t.Errorf("%d kept after a lifetime, want 1: the untaken entry swept", k.size())
	}
	k.take("f")
	// A read that began before a drop keeps nothing.
	gen := k.generation()
	k.drop("x")
	k.put("d", data, gen)
	if _, ok := k.take("d"); ok {
		t.Error("data read before a drop was kept")
	}
}
