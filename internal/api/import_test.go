package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/store"
)

// csvBody is a CSV import of n subscribers, generated as it is read, so
// that neither a test nor a benchmark holds the body in memory.
type csvBody struct {
	n, next int
	sent    atomic.Int64
	buf     bytes.Buffer
}

func newCSVBody(n int) *csvBody {
	b := &csvBody{n: n}
	b.buf.WriteString("supi,k,opc,sst,dnn\n")
	return b
}

func (b *csvBody) Read(p []byte) (int, error) {
	for b.buf.Len() < len(p) && b.next < b.n {
		fmt.Fprintf(&b.buf, "imsi-00101%010d,%s,%s,1,internet\n", b.next, testK, testOPc)
		b.next++
	}
	if b.buf.Len() == 0 {
		return 0, io.EOF
	}
	n, _ := b.buf.Read(p)
	b.sent.Add(int64(n))
	return n, nil
}

// endless is a body of one byte repeated without end.
type endless struct {
	c    byte
	sent atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.c
	}
	e.sent.Add(int64(len(p)))
	return len(p), nil
}

func (e *env) post(path, contentType string, body io.Reader) (int, api.Error) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.token.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var apiErr api.Error
	json.NewDecoder(resp.Body).Decode(&apiErr)
	return resp.StatusCode, apiErr
}

// A row without end is refused once it passes the row limit, naming the
// row, long before the body limit: nothing is buffered whole.
func TestImportRowTooLong(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		ct, head string
		fill     byte
		want     string
	}{
		{"text/csv", "supi,k,opc\n", 'x', "CSV record after line 1"},
		{"text/csv", "", 'x', "CSV header"},
		{"application/json", `[{"supi":"`, '1', "JSON row 1"},
	} {
		body := &endless{c: c.fill}
		code, apiErr := e.post("/api/v1/subscribers/import", c.ct, io.MultiReader(strings.NewReader(c.head), body))
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(apiErr.Message, c.want) || !strings.Contains(apiErr.Message, "longer than 65536 bytes") {
			t.Errorf("%s import of an endless row = %d %q, want 413 naming %q and the row limit", c.ct, code, apiErr.Message, c.want)
		}
		// The server stops reading at the row limit; what the client sent
		// beyond it sat in socket buffers.
		if sent := body.sent.Load(); sent > 32<<20 {
			t.Errorf("%s: the client sent %d bytes before the refusal, want the server to stop reading after 64 KiB", c.ct, sent)
		}
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 0 {
		t.Errorf("refused imports stored %d subscribers", n)
	}
}

// A CSV file saved by a spreadsheet (UTF-8 byte order mark, CRLF line
// endings) imports as the same file without them would; so does JSON with
// a byte order mark.
func TestImportSpreadsheetCSV(t *testing.T) {
	e := newEnv(t)
	csv := "\uFEFFsupi,k,opc,sst,dnn\r\n" +
		"imsi-001010000000001," + testK + "," + testOPc + ",1,internet\r\n" +
		"imsi-001010000000002," + testK + "," + testOPc + ",1,internet\r\n"
	if code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", csv); code != 200 || !strings.Contains(string(b), `"imported": 2`) {
		t.Fatalf("CSV import with BOM and CRLF = %d %s, want 200 imported 2", code, b)
	}
	_, b := e.do("GET", "/api/v1/subscribers/imsi-001010000000002", "", "")
	var got api.Subscriber
	json.Unmarshal(b, &got)
	if len(got.DNNs) != 1 || got.DNNs[0].DNN != "internet" {
		t.Errorf("subscriber from a CRLF row = %s, want DNN internet", b)
	}
	js := "\uFEFF[" + subJSON("imsi-001010000000003") + "]\r\n"
	if code, b := e.do("POST", "/api/v1/subscribers/import", "application/json", js); code != 200 {
		t.Errorf("JSON import with BOM = %d %s, want 200", code, b)
	}
}

// The answer to an import with many bad rows lists the first
// store.MaxImportErrors and says how many more there are.
func TestImportErrorsBounded(t *testing.T) {
	e := newEnv(t)
	const bad = store.MaxImportErrors + 50
	var csv strings.Builder
	csv.WriteString("supi,k,opc\n")
	for i := range bad + 10 {
		k := "nothex"
		if i >= bad {
			k = testK
		}
		fmt.Fprintf(&csv, "imsi-00101%010d,%s,%s\n", i, k, testOPc)
	}
	code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", csv.String())
	var apiErr api.Error
	json.Unmarshal(b, &apiErr)
	if code != 400 || len(apiErr.Rows) != store.MaxImportErrors || apiErr.MoreRows != 50 ||
		!strings.Contains(apiErr.Message, fmt.Sprintf("%d rows in error", bad)) || !strings.Contains(apiErr.Message, "50 more") {
		t.Errorf("import with %d bad rows = %d, %d rows listed, more_rows %d, %q; want 400 listing %d and 50 more",
			bad, code, len(apiErr.Rows), apiErr.MoreRows, apiErr.Message, store.MaxImportErrors)
	}
	if len(apiErr.Rows) > 0 && (apiErr.Rows[0].Row != 2 || apiErr.Rows[0].Field != "k") {
		t.Errorf("first refused row = %+v, want line 2, field k", apiErr.Rows[0])
	}
}

// A row with a wrong number of fields is refused alone; the rows after it
// are still read and checked.
func TestImportShortRow(t *testing.T) {
	e := newEnv(t)
	csv := "supi,k,opc\n" +
		"imsi-001010000000001," + testK + "\n" +
		"imsi-001010000000002,nothex," + testOPc + "\n"
	code, b := e.do("POST", "/api/v1/subscribers/import", "text/csv", csv)
	var apiErr api.Error
	json.Unmarshal(b, &apiErr)
	if code != 400 || len(apiErr.Rows) != 2 || apiErr.Rows[0].Row != 2 || apiErr.Rows[1].Row != 3 || apiErr.Rows[1].Field != "k" {
		t.Errorf("import with a short row = %d %s, want 400 listing rows 2 and 3 (k)", code, b)
	}
}

// An import of thousands of rows streams through: rows are stored as they
// arrive, the answer counts them all.
func TestImportStreamed(t *testing.T) {
	e := newEnv(t)
	const n = 20_000
	body := newCSVBody(n)
	code, apiErr := e.post("/api/v1/subscribers/import", "text/csv", body)
	if code != 200 {
		t.Fatalf("import of %d rows = %d %+v", n, code, apiErr)
	}
	if got, _ := e.store.CountSubscribers(context.Background()); got != n {
		t.Errorf("after importing %d rows, %d subscribers", n, got)
	}
}

// memoryPeak samples the Go heap in use while it runs and reads the
// process's peak resident set (VmHWM, reset when sampling starts).
type memoryPeak struct {
	stop chan struct{}
	wg   sync.WaitGroup
	heap uint64 // written by the sampler, read after stop
}

func startMemoryPeak() *memoryPeak {
	// Writing 5 to clear_refs resets VmHWM (Linux 4.0, proc(5)).
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m := &memoryPeak{stop: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			m.heap = max(m.heap, ms.HeapInuse)
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// end stops sampling and returns the peak heap in use and peak RSS, in
// bytes (RSS 0 where /proc does not tell it).
func (m *memoryPeak) end() (heap, rss uint64) {
	close(m.stop)
	m.wg.Wait()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return m.heap, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			rss = kb << 10
		}
	}
	return m.heap, rss
}

// BenchmarkImportMemory imports a CSV file of n rows through the API into
// the SQLite store, the body generated as it is sent, and reports the peak
// Go heap in use and the process's peak RSS (client, server and SQLite
// together) during the import. Memory must not grow with n.
func BenchmarkImportMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 3_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			var heap, rss uint64
			for b.Loop() {
				b.StopTimer()
				e := newEnv(b)
				runtime.GC()
				peak := startMemoryPeak()
				b.StartTimer()
				code, apiErr := e.post("/api/v1/subscribers/import", "text/csv", newCSVBody(n))
				b.StopTimer()
				h, r := peak.end()
				heap, rss = max(heap, h), max(rss, r)
				if code != 200 {
					b.Fatalf("import of %d rows = %d %+v", n, code, apiErr)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
		})
	}
}

// An import sent slowly does not hold the store's write lock while it is
// being sent: other writes (a create here; an authentication's SQN
// advance in a running core) go through in the meantime.
func TestSlowImportDoesNotBlockWrites(t *testing.T) {
	e := newEnv(t)
	pr, pw := io.Pipe()
	type result struct {
		code int
		err  api.Error
	}
	done := make(chan result, 1)
	go func() {
		code, apiErr := e.post("/api/v1/subscribers/import", "text/csv", pr)
		done <- result{code, apiErr}
	}()
	fmt.Fprintf(pw, "supi,k,opc\n")
	for i := range 100 {
		fmt.Fprintf(pw, "imsi-00101%010d,%s,%s\n", i, testK, testOPc)
	}
	time.Sleep(500 * time.Millisecond) // the core reads the rows sent so far

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/v1/subscribers", strings.NewReader(subJSON("imsi-001019999999999")))
	req.Header.Set("Authorization", "Bearer "+e.token.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("create while an import is being sent = %v, want it answered at once", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("create while an import is being sent = %d, want 201", resp.StatusCode)
		}
	}

	fmt.Fprintf(pw, "imsi-00101%010d,%s,%s\n", 100, testK, testOPc)
	pw.Close()
	if r := <-done; r.code != http.StatusOK {
		t.Errorf("slow import = %d %+v, want 200", r.code, r.err)
	}
	if n, _ := e.store.CountSubscribers(context.Background()); n != 102 {
		t.Errorf("after the slow import and the create, %d subscribers, want 102", n)
	}
}
