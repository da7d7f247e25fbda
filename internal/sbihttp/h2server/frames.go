package h2server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/net/http2"

	"github.com/keelcore/keel/internal/sbihttp/h2wire"
)

// frame handles one frame the client sent, c.mu held. It returns the
// code of a connection error (RFC 9113 §5.4.1), or ErrCodeNo.
func (c *conn) frame(f http2.Frame) http2.ErrCode {
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return c.headers(f)
	case *http2.DataFrame:
		return c.data(f)
	case *http2.SettingsFrame:
		return c.settings(f)
	case *http2.WindowUpdateFrame:
		return c.windowUpdate(f)
	case *http2.RSTStreamFrame:
		// §6.4: RST_STREAM on an idle stream is a connection error.
		if f.StreamID > c.maxStreamID {
			return http2.ErrCodeProtocol
		}
		if st := c.streams[f.StreamID]; st != nil {
			st.reset = true
			st.cancel()
			c.removeLocked(st)
			c.cond.Broadcast()
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			c.wfr.WritePing(true, f.Data)
			c.flushLocked()
		}
	case *http2.GoAwayFrame:
		// §6.8: the client opens no more streams; those open are
		// answered, then the connection closes.
		c.closing = true
		if len(c.streams) == 0 {
			c.nc.Close()
		}
	case *http2.PushPromiseFrame:
		return http2.ErrCodeProtocol // §8.4: a client cannot push
	}
	// PRIORITY (§5.3.2: advisory) and unknown types (§4.1) are ignored.
	return http2.ErrCodeNo
}

// settings applies the client's SETTINGS (RFC 9113 §6.5) and
// acknowledges them.
func (c *conn) settings(f *http2.SettingsFrame) http2.ErrCode {
	if f.IsAck() {
		return http2.ErrCodeNo
	}
	code := http2.ErrCodeNo
	f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			code = h2wire.SettingCode(err)
			return err
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			c.henc.SetMaxDynamicTableSizeLimit(s.Val)
		case http2.SettingInitialWindowSize:
			// §6.9.2: the change applies to every open stream's
			// send window.
			delta := int64(s.Val) - c.peerInitialWindow
			c.peerInitialWindow = int64(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
				if st.sendWindow > maxWindow {
					code = http2.ErrCodeFlowControl
				}
			}
		case http2.SettingMaxFrameSize:
			c.peerMaxFrame = int(s.Val)
		}
		return nil
	})
	if code != http2.ErrCodeNo {
		return code
	}
	c.wfr.WriteSettingsAck()
	c.flushLocked()
	c.cond.Broadcast()
	return http2.ErrCodeNo
}

// windowUpdate grows a send window (RFC 9113 §6.9).
func (c *conn) windowUpdate(f *http2.WindowUpdateFrame) http2.ErrCode {
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		c.sendWindow += inc
		if c.sendWindow > maxWindow {
			return http2.ErrCodeFlowControl
		}
		c.cond.Broadcast()
		return http2.ErrCodeNo
	}
	st := c.streams[f.StreamID]
	if st == nil {
		if f.StreamID > c.maxStreamID {
			return http2.ErrCodeProtocol // §5.1: idle stream
		}
		return http2.ErrCodeNo // closed: a frame in flight
	}
	st.sendWindow += inc
	if st.sendWindow > maxWindow {
		c.resetLocked(st.id, http2.ErrCodeFlowControl)
		return http2.ErrCodeNo
	}
	c.cond.Broadcast()
	return http2.ErrCodeNo
}

// data takes a DATA frame's body bytes (RFC 9113 §6.1), returning the
// flow-control credit it used.
func (c *conn) data(f *http2.DataFrame) http2.ErrCode {
	n := int64(f.Header().Length) // padding included (§6.9.1)
	c.recvWindow -= n
	if c.recvWindow < 0 {
		return http2.ErrCodeFlowControl
	}
	c.recvUnacked += n
	if c.recvUnacked >= connWindow/2 {
		c.wfr.WriteWindowUpdate(0, uint32(c.recvUnacked))
		c.recvWindow += c.recvUnacked
		c.recvUnacked = 0
		c.flushLocked()
	}
	st := c.streams[f.StreamID]
	if st == nil {
		if f.StreamID > c.maxStreamID {
			return http2.ErrCodeProtocol // §5.1: DATA on an idle stream
		}
		return http2.ErrCodeNo // reset or answered already: dropped
	}
	if st.remoteDone {
		c.resetLocked(st.id, http2.ErrCodeStreamClosed) // §5.1 half-closed (remote)
		return http2.ErrCodeNo
	}
	st.recvWindow -= n
	if st.recvWindow < 0 {
		c.resetLocked(st.id, http2.ErrCodeFlowControl)
		return http2.ErrCodeNo
	}
	if !st.discard {
		st.body = append(st.body, f.Data()...)
		if len(st.body) > c.s.MaxRequestBody {
			st.body = st.body[:c.s.MaxRequestBody+1]
			st.discard = true
		}
	}
	if f.StreamEnded() {
		st.remoteDone = true
		if !st.discard && st.declared >= 0 && st.declared != int64(len(st.body)) {
			c.resetLocked(st.id, http2.ErrCodeProtocol) // §8.1.1 malformed
			return http2.ErrCodeNo
		}
		c.dispatchLocked(st)
		return http2.ErrCodeNo
	}
	st.recvUnacked += n
	if st.recvUnacked >= streamWindow/2 {
		c.wfr.WriteWindowUpdate(st.id, uint32(st.recvUnacked))
		st.recvWindow += st.recvUnacked
		st.recvUnacked = 0
		c.flushLocked()
	}
	if st.discard {
		// The handler may answer 413 now; the rest is dropped.
		c.dispatchLocked(st)
	}
	return http2.ErrCodeNo
}

// headers opens a stream with a request's header block, or ends one
// with its trailers (RFC 9113 §8.1).
func (c *conn) headers(f *http2.MetaHeadersFrame) http2.ErrCode {
	id := f.StreamID
	if id%2 == 0 {
		return http2.ErrCodeProtocol // §5.1.1: client streams are odd
	}
	if st := c.streams[id]; st != nil {
		// Trailers: §8.1 they end the stream; their fields are not
		// kept (no SBI operation has any).
		if st.remoteDone || !f.StreamEnded() {
			c.resetLocked(id, http2.ErrCodeProtocol)
			return http2.ErrCodeNo
		}
		st.remoteDone = true
		if !st.discard && st.declared >= 0 && st.declared != int64(len(st.body)) {
			c.resetLocked(id, http2.ErrCodeProtocol)
			return http2.ErrCodeNo
		}
		c.dispatchLocked(st)
		return http2.ErrCodeNo
	}
	if id <= c.maxStreamID {
		return http2.ErrCodeProtocol // §5.1.1: not a new stream's identifier
	}
	c.maxStreamID = id
	if c.closing || len(c.streams) >= int(c.s.MaxConcurrentStreams) {
		// §5.1.2, §8.7: not processed, the client may retry it.
		c.resetLocked(id, http2.ErrCodeRefusedStream)
		return http2.ErrCodeNo
	}
	st, ok := c.request(f)
	if !ok {
		c.resetLocked(id, http2.ErrCodeProtocol) // §8.1.1 malformed
		return http2.ErrCodeNo
	}
	st.ctx, st.cancel = context.WithCancel(c.ctx)
	if len(c.streams) == 0 {
		c.nc.SetReadDeadline(time.Time{})
	}
	c.streams[id] = st
	if f.Truncated {
		// The header list exceeded SETTINGS_MAX_HEADER_LIST_SIZE.
		st.remoteDone = f.StreamEnded()
		c.answerLocked(st, &responseWriter{status: 431})
		return http2.ErrCodeNo
	}
	if f.StreamEnded() {
		st.remoteDone = true
		if st.declared > 0 {
			c.resetLocked(id, http2.ErrCodeProtocol)
			return http2.ErrCodeNo
		}
		c.dispatchLocked(st)
	}
	return http2.ErrCodeNo
}

// request reads a request's pseudo-header and header fields into a new
// stream. It reports false for a malformed request (RFC 9113 §8.3.1:
// a missing or unknown pseudo-header field; §8.2.2: a
// connection-specific field; a content-length that is not a number).
func (c *conn) request(f *http2.MetaHeadersFrame) (*stream, bool) {
	st := &stream{id: f.StreamID, declared: -1, recvWindow: streamWindow, sendWindow: c.peerInitialWindow}
	var scheme string
	for _, hf := range f.PseudoFields() {
		switch hf.Name {
		case ":method":
			st.method = hf.Value
		case ":path":
			st.path = hf.Value
		case ":scheme":
			scheme = hf.Value
		case ":authority":
			st.authority = hf.Value
		default: // :protocol (RFC 8441) is not served, :status is no request's
			return nil, false
		}
	}
	// CONNECT (§8.5) is not served.
	if st.method == "" || st.method == "CONNECT" || scheme == "" || st.path == "" || (st.path[0] != '/' && st.path != "*") {
		return nil, false
	}
	regular := f.RegularFields()
	st.header = make(map[string][]string, len(regular))
	values := make([]string, len(regular))
	for i, hf := range regular {
		switch hf.Name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
			return nil, false
		case "te":
			if hf.Value != "trailers" {
				return nil, false
			}
		case "content-length":
			n, err := strconv.ParseUint(hf.Value, 10, 63)
			if err != nil || (st.declared >= 0 && st.declared != int64(n)) {
				return nil, false
			}
			st.declared = int64(n)
		}
		key := c.canonical(hf.Name)
		values[i] = hf.Value
		if old := st.header[key]; old != nil {
			st.header[key] = append(old, hf.Value)
		} else {
			st.header[key] = values[i : i+1 : i+1]
		}
	}
	if st.authority == "" {
		st.authority = st.header.Get("Host")
	}
	return st, true
}

// canonical is the http.Header key of a field name, remembered for the
// connection's next requests.
func (c *conn) canonical(name string) string {
	if k, ok := c.canon[name]; ok {
		return k
	}
	k := http.CanonicalHeaderKey(name)
	if len(c.canon) < 128 {
		c.canon[name] = k
	}
	return k
}
