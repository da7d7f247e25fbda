package h2client

import (
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/net/http2"

	"github.com/keelcore/keel/internal/sbihttp/h2wire"
)

// frame handles one frame of the server's, c.mu held. It returns the
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
		inc := int64(f.Increment)
		if f.StreamID == 0 {
			c.sendWindow += inc
			if c.sendWindow > maxWindow {
				return http2.ErrCodeFlowControl
			}
		} else if st := c.streams[f.StreamID]; st != nil {
			st.sendWindow += inc
			if st.sendWindow > maxWindow {
				c.reset(st, http2.ErrCodeFlowControl)
			}
		}
		c.cond.Broadcast()
	case *http2.RSTStreamFrame:
		if st := c.streams[f.StreamID]; st != nil {
			err := error(fmt.Errorf("h2client: stream reset by the server: %v", f.ErrCode))
			if f.ErrCode == http2.ErrCodeRefusedStream {
				err = errUnprocessed // §8.7: not processed
			}
			c.finishLocked(st, err)
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			c.wfr.WritePing(true, f.Data)
			c.flushLocked()
		} else if c.pinged {
			// The keepalive's PING answered: the next check is a
			// PingInterval away, not the rest of its PingTimeout.
			c.pinged, c.checkedReads = false, c.reads
			c.keepalive.Reset(c.t.pingInterval())
		}
	case *http2.GoAwayFrame:
		// §6.8: streams above the last one were not processed and may
		// go again elsewhere; the others are still answered.
		c.goAway = true
		for id, st := range c.streams {
			if id > f.LastStreamID {
				c.finishLocked(st, errUnprocessed)
			}
		}
		if len(c.streams) == 0 {
			c.closeLocked(errUnprocessed)
		}
	case *http2.PushPromiseFrame:
		return http2.ErrCodeProtocol // §8.4: push was disabled
	}
	return http2.ErrCodeNo
}

// settings applies the server's SETTINGS (§6.5) and acknowledges them.
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
		case http2.SettingMaxConcurrentStreams:
			c.peerMaxStreams = int(min(s.Val, 1<<20))
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

// headers takes an answer's header block, or its trailers (§8.1).
func (c *conn) headers(f *http2.MetaHeadersFrame) http2.ErrCode {
	st := c.streams[f.StreamID]
	if st == nil {
		if f.StreamID >= c.nextID || f.StreamID%2 == 0 {
			return http2.ErrCodeProtocol // §5.1.1: a stream this client never opened
		}
		return http2.ErrCodeNo // a stream this client reset
	}
	if st.header != nil {
		// Trailers end the stream; no SBI answer has any to keep.
		if !f.StreamEnded() {
			c.reset(st, http2.ErrCodeProtocol)
			return http2.ErrCodeNo
		}
		c.finishLocked(st, nil)
		return http2.ErrCodeNo
	}
	status, err := strconv.Atoi(f.PseudoValue("status"))
	if err != nil || status < 100 || status > 999 || f.Truncated {
		c.reset(st, http2.ErrCodeProtocol) // §8.3.2: malformed
		return http2.ErrCodeNo
	}
	if status < 200 {
		// Informational (§8.1): the final answer follows.
		if f.StreamEnded() {
			c.reset(st, http2.ErrCodeProtocol)
		}
		return http2.ErrCodeNo
	}
	regular := f.RegularFields()
	h := make(http.Header, len(regular))
	values := make([]string, len(regular))
	for i, hf := range regular {
		key := c.canonical(hf.Name)
		values[i] = hf.Value
		if old := h[key]; old != nil {
			h[key] = append(old, hf.Value)
		} else {
			h[key] = values[i : i+1 : i+1]
		}
	}
	st.status, st.header = status, h
	if f.StreamEnded() {
		c.finishLocked(st, nil)
	}
	return http2.ErrCodeNo
}

// data takes a DATA frame of an answer's body (§6.1).
func (c *conn) data(f *http2.DataFrame) http2.ErrCode {
	n := int64(f.Header().Length)
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
		if f.StreamID >= c.nextID || f.StreamID%2 == 0 {
			return http2.ErrCodeProtocol
		}
		return http2.ErrCodeNo
	}
	if st.header == nil {
		c.reset(st, http2.ErrCodeProtocol) // DATA before the answer's HEADERS
		return http2.ErrCodeNo
	}
	st.recvWindow -= n
	if st.recvWindow < 0 {
		c.reset(st, http2.ErrCodeFlowControl)
		return http2.ErrCodeNo
	}
	st.body = append(st.body, f.Data()...)
	if len(st.body) > c.t.maxResponseBody() {
		c.reset(st, http2.ErrCodeCancel)
		return http2.ErrCodeNo
	}
	if f.StreamEnded() {
		if cl := st.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(st.body)) {
			c.reset(st, http2.ErrCodeProtocol) // §8.1.1: malformed
			return http2.ErrCodeNo
		}
		c.finishLocked(st, nil)
		return http2.ErrCodeNo
	}
	st.recvUnacked += n
	if st.recvUnacked >= streamWindow/2 {
		c.wfr.WriteWindowUpdate(st.id, uint32(st.recvUnacked))
		st.recvWindow += st.recvUnacked
		st.recvUnacked = 0
		c.flushLocked()
	}
	return http2.ErrCodeNo
}

// reset resets st with code and fails its request.
func (c *conn) reset(st *stream, code http2.ErrCode) {
	c.wfr.WriteRSTStream(st.id, code)
	c.flushLocked()
	c.finishLocked(st, fmt.Errorf("h2client: answer on stream %d: %v", st.id, code))
}

// canonical is the http.Header key of a field name, remembered.
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
