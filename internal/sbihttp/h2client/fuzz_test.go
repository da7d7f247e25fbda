package h2client

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FuzzConn feeds a connection with a request in flight arbitrary bytes as
// the server's: the client never panics, the request ends (answered or
// failed) and the reading goroutine with the connection. The seeds are
// frame sequences of an answer, of flow control, of CONTINUATION, of
// GOAWAY and of errors.
func FuzzConn(f *testing.F) {
	for _, seed := range seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		sent := make(chan struct{})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			// The preface, SETTINGS and WINDOW_UPDATE newConn sends
			// are 64 octets; what follows is the request.
			buf := make([]byte, 4096)
			n, signalled := 0, false
			for {
				m, err := server.Read(buf)
				n += m
				if n > 64 && !signalled {
					signalled = true
					close(sent)
				}
				if err != nil {
					if !signalled {
						close(sent)
					}
					return
				}
			}
		}()
		c, err := newConn(&Transport{MaxResponseBody: 4096}, client)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", "http://keel/nausf-auth/v1/ue-authentications", bytes.NewReader([]byte(`{"supiOrSuci":"imsi-001010000000001"}`)))
		done := make(chan struct{})
		go func() {
			defer close(done)
			body, _ := io.ReadAll(req.Body)
			if resp, err := c.roundTrip(req, body); err == nil {
				io.ReadAll(resp.Body)
			}
		}()
		<-sent
		server.Write(in)
		server.Close()
		<-done
		<-drained
	})
}

// seeds are server frame sequences for the request on stream 1.
func seeds() [][]byte {
	frames := func(write func(fr *http2.Framer, block func(...string) []byte)) []byte {
		var buf, hbuf bytes.Buffer
		fr := http2.NewFramer(&buf, nil)
		fr.AllowIllegalWrites = true
		enc := hpack.NewEncoder(&hbuf)
		block := func(fields ...string) []byte {
			hbuf.Reset()
			for i := 0; i+1 < len(fields); i += 2 {
				enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
			}
			return append([]byte(nil), hbuf.Bytes()...)
		}
		write(fr, block)
		return buf.Bytes()
	}
	return [][]byte{
		frames(func(fr *http2.Framer, block func(...string) []byte) {
			fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
			fr.WriteSettingsAck()
			fr.WriteWindowUpdate(1, 1000)
			fr.WriteWindowUpdate(0, 1000)
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "201", "content-type", "application/json", "location", "http://keel/x", "content-length", "2"), EndHeaders: true})
			fr.WriteData(1, true, []byte("{}"))
			fr.WritePing(false, [8]byte{7})
		}),
		frames(func(fr *http2.Framer, block func(...string) []byte) {
			fr.WriteSettings()
			b := block(":status", "100")
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b, EndHeaders: true})
			b = block(":status", "200", "x-long", string(bytes.Repeat([]byte("q"), 300)))
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:50]})
			fr.WriteContinuation(1, false, b[50:150])
			fr.WriteContinuation(1, true, b[150:])
			fr.WriteData(1, false, []byte("part"))
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block("x-trailer", "t"), EndStream: true, EndHeaders: true})
		}),
		frames(func(fr *http2.Framer, block func(...string) []byte) {
			fr.WriteSettings()
			fr.WriteGoAway(0, http2.ErrCodeNo, nil)
			fr.WriteRSTStream(1, http2.ErrCodeRefusedStream)
		}),
		frames(func(fr *http2.Framer, block func(...string) []byte) {
			fr.WriteData(1, true, []byte("no headers"))
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 4, BlockFragment: block(":status", "200"), EndStream: true, EndHeaders: true})
			fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true})
			fr.WriteRawFrame(0x20, 0, 0, []byte("unknown"))
		}),
	}
}
