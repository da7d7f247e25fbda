package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/api"
)

// newServedEnv serves DNN internet with pools 10.45.0.0/16 and
// 2001:db8:45::/48, whose first addresses are the UPF's on N6.
func newServedEnv(t *testing.T) *env {
	return newEnvWith(t, func(o *api.Options) {
		o.Served = api.Served{
			DNNs: []api.ServedDNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16"), IPv6Pool: netip.MustParsePrefix("2001:db8:45::/48")}},
			N6:   []netip.Addr{netip.MustParseAddr("10.45.0.1"), netip.MustParseAddr("2001:db8:45::1")},
		}
	})
}

func withDNNs(supi, dnns string) string {
	return `{"supi":"` + supi + `","k":"` + testK + `","opc":"` + testOPc + `","dnns":` + dnns + `}`
}

// Subscriptions that no session could use are refused naming the field:
// a DNN the core does not serve, a static address outside the DNN's pool,
// the UPF's N6 address, the pool's network or broadcast address, or an
// address given twice.
func TestProvisioningRefusesWhatCannotWork(t *testing.T) {
	e := newServedEnv(t)
	const supi = "imsi-001010000000001"
	for _, c := range []struct {
		dnns, field, says string
	}{
		{`[{"dnn":"ims"}]`, "dnns[0].dnn", "not served"},
		{`[{"dnn":"internet"},{"dnn":"ims"}]`, "dnns[1].dnn", "not served"},
		{`[{"dnn":"internet","static_ipv4":"10.45.0.1"}]`, "dnns[0].static_ipv4", "N6"},
		{`[{"dnn":"internet","static_ipv4":"10.46.0.5"}]`, "dnns[0].static_ipv4", "outside"},
		{`[{"dnn":"internet","static_ipv4":"10.45.0.0"}]`, "dnns[0].static_ipv4", "network address"},
		{`[{"dnn":"internet","static_ipv4":"10.45.255.255"}]`, "dnns[0].static_ipv4", "broadcast"},
		{`[{"dnn":"internet","static_ipv6":"2001:db8:46::5"}]`, "dnns[0].static_ipv6", "outside"},
		{`[{"dnn":"internet","static_ipv6":"2001:db8:45::99"}]`, "dnns[0].static_ipv6", "N6"},
		{`[{"dnn":"internet","sst":1,"static_ipv4":"10.45.0.9"},{"dnn":"internet","sst":1,"sd":"000001","static_ipv4":"10.45.0.9"}]`, "dnns[1].static_ipv4", "dnns[0].static_ipv4"},
	} {
		body := withDNNs(supi, c.dnns)
		if strings.Contains(c.dnns, `"sd"`) {
			body = strings.Replace(body, `"dnns"`, `"nssai":[{"sst":1},{"sst":1,"sd":"000001"}],"dnns"`, 1)
		}
		code, b := e.do("POST", "/api/v1/subscribers", "application/json", body)
		var apiErr api.Error
		json.Unmarshal(b, &apiErr)
		if code != http.StatusBadRequest || apiErr.Field != c.field || !strings.Contains(apiErr.Message, c.says) {
			t.Errorf("create with dnns %s = %d %s, want 400 field %s saying %q", c.dnns, code, b, c.field, c.says)
		}
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 0 {
		t.Errorf("refused creates stored %d subscribers", n)
	}
	// A served DNN in another case, and addresses in the pool, are taken.
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", withDNNs(supi, `[{"dnn":"Internet","static_ipv4":"10.45.0.7","static_ipv6":"2001:db8:45:1::7"}]`)); code != http.StatusCreated {
		t.Errorf("create with a served DNN and pool addresses = %d %s, want 201", code, b)
	}
}

// A static address is one subscriber's: a create or change giving it (or
// for IPv6 its /64) to another is refused with 409 naming the field and
// the holder.
func TestStaticAddressTaken(t *testing.T) {
	e := newServedEnv(t)
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", withDNNs("imsi-001010000000001", `[{"dnn":"internet","static_ipv4":"10.45.0.7","static_ipv6":"2001:db8:45:1::7"}]`)); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, b)
	}
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/subscribers", withDNNs("imsi-001010000000002", `[{"dnn":"internet","static_ipv4":"10.45.0.7"}]`), "dnns[0].static_ipv4"},
		{"POST", "/api/v1/subscribers", withDNNs("imsi-001010000000002", `[{"dnn":"internet","static_ipv6":"2001:db8:45:1::8"}]`), "dnns[0].static_ipv6"},
	} {
		code, b := e.do(c.method, c.path, "application/json", c.body)
		var apiErr api.Error
		json.Unmarshal(b, &apiErr)
		if code != http.StatusConflict || apiErr.Field != c.field || !strings.Contains(apiErr.Message, "imsi-001010000000001") {
			t.Errorf("%s %s = %d %s, want 409 field %s naming the holder", c.method, c.body, code, b, c.field)
		}
	}
	if code, b := e.do("POST", "/api/v1/subscribers", "application/json", withDNNs("imsi-001010000000002", `[{"dnn":"internet"}]`)); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, b)
	}
	code, b := e.do("PATCH", "/api/v1/subscribers/imsi-001010000000002", "application/json", `{"dnns":[{"dnn":"internet","static_ipv4":"10.45.0.7"}]}`)
	if code != http.StatusConflict || !strings.Contains(string(b), "dnns[0].static_ipv4") {
		t.Errorf("PATCH taking another's address = %d %s, want 409 naming dnns[0].static_ipv4", code, b)
	}
	// The holder keeps its address through a change of something else.
	if code, b := e.do("PATCH", "/api/v1/subscribers/imsi-001010000000001", "application/json", `{"ue_ambr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`); code != http.StatusOK {
		t.Errorf("PATCH of the holder = %d %s, want 200", code, b)
	}
}

// Of concurrent creates of one static address, one wins; the others are
// answered 409 naming the field.
func TestStaticAddressConcurrentCreates(t *testing.T) {
	e := newServedEnv(t)
	const n = 6
	codes := make([]int, n)
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			supi := "imsi-00101000000001" + string(rune('0'+i))
			codes[i], bodies[i] = e.do("POST", "/api/v1/subscribers", "application/json", withDNNs(supi, `[{"dnn":"internet","static_ipv4":"10.45.3.3"}]`))
		}()
	}
	wg.Wait()
	won := 0
	for i, code := range codes {
		switch {
		case code == http.StatusCreated:
			won++
		case code != http.StatusConflict || !strings.Contains(string(bodies[i]), "dnns[0].static_ipv4"):
			t.Errorf("concurrent create %d = %d %s, want 201 or 409 naming dnns[0].static_ipv4", i, code, bodies[i])
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent creates of one address succeeded, want 1", won, n)
	}
}

// An import makes the same checks: a DNN not served and an N6 address are
// refused naming the row and field (400), and two rows with one address
// are refused naming both rows (409).
func TestImportServedChecks(t *testing.T) {
	e := newServedEnv(t)
	head := "supi,k,opc,dnn,static_ipv4\n"
	row := func(supi, dnn, addr string) string {
		return supi + "," + testK + "," + testOPc + "," + dnn + "," + addr + "\n"
	}
	code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", head+
		row("imsi-001010000000001", "internet", "10.45.0.7")+
		row("imsi-001010000000002", "ims", "")+
		row("imsi-001010000000003", "internet", "10.45.0.1"))
	var apiErr api.Error
	json.Unmarshal(b, &apiErr)
	if code != http.StatusBadRequest || len(apiErr.Rows) != 2 ||
		apiErr.Rows[0].Row != 3 || apiErr.Rows[0].Field != "dnns[0].dnn" ||
		apiErr.Rows[1].Row != 4 || apiErr.Rows[1].Field != "dnns[0].static_ipv4" {
		t.Errorf("import with an unserved DNN and an N6 address = %d %s, want 400 listing rows 3 (dnn) and 4 (static_ipv4)", code, b)
	}

	code, b = e.do("POST", "/api/v1/subscribers/import", "text/csv", head+
		row("imsi-001010000000001", "internet", "10.45.0.7")+
		row("imsi-001010000000002", "internet", "10.45.0.8")+
		row("imsi-001010000000003", "internet", "10.45.0.7"))
	apiErr = api.Error{}
	json.Unmarshal(b, &apiErr)
	if code != http.StatusConflict || len(apiErr.Rows) != 1 || apiErr.Rows[0].Row != 4 ||
		apiErr.Rows[0].Field != "dnns[0].static_ipv4" || !strings.Contains(apiErr.Rows[0].Reason, "row 2") {
		t.Errorf("import with one address in rows 2 and 4 = %d %s, want 409 at row 4 naming row 2", code, b)
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 0 {
		t.Errorf("refused imports stored %d subscribers", n)
	}
}
