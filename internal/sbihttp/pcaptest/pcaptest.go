// Package pcaptest records the TCP byte streams a server accepts and
// writes them as a capture file (pcap, LINKTYPE_RAW IPv4) that tshark
// decodes as if it had sniffed the loopback: a three-way handshake, the
// data of each direction in segments with consistent sequence and
// acknowledgement numbers, and a FIN exchange. It lets a test put
// tshark's HTTP/2 dissector on the h2c SBI traffic without capture
// privileges (no raw socket, no network namespace).
//
// # Concurrency
//
// A Listener is safe for concurrent use: connections record into their
// own buffers under one mutex, in the order the bytes crossed.
package pcaptest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Listener wraps a net.Listener and records every accepted connection.
type Listener struct {
	net.Listener

	// mu guards conns and each conn's chunks.
	mu    sync.Mutex
	conns []*conn
}

// Listen wraps ln.
func Listen(ln net.Listener) *Listener { return &Listener{Listener: ln} }

// chunk is the bytes of one Read or Write, in the order it happened.
type chunk struct {
	fromClient bool
	data       []byte
	at         time.Time
}

type conn struct {
	net.Conn
	l      *Listener
	chunks []chunk
}

// Accept records the connection it returns.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &conn{Conn: c, l: l}
	l.mu.Lock()
	l.conns = append(l.conns, rc)
	l.mu.Unlock()
	return rc, nil
}

func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.record(true, b[:n])
	return n, err
}

// Write records b before sending it: the peer may answer as soon as the
// bytes are out, and its answer, recorded by Read, must come after them
// in the capture, or a client's next request would join its previous one
// in a segment. A failed write is recorded whole; the capture is only
// read after a clean exchange.
func (c *conn) Write(b []byte) (int, error) {
	c.record(false, b)
	return c.Conn.Write(b)
}

func (c *conn) record(fromClient bool, b []byte) {
	if len(b) == 0 {
		return
	}
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	// Bytes that follow others of the same direction join them, as the
	// sender's stack would coalesce them: the segment boundaries of a
	// capture are the reads of the server otherwise, which split frames
	// where no sender would.
	if n := len(c.chunks); n > 0 && c.chunks[n-1].fromClient == fromClient {
		c.chunks[n-1].data = append(c.chunks[n-1].data, b...)
		return
	}
	c.chunks = append(c.chunks, chunk{fromClient: fromClient, data: bytes.Clone(b), at: time.Now()})
}

// Bytes returns how many bytes were recorded, both directions of every
// connection.
func (l *Listener) Bytes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.conns {
		for _, ch := range c.chunks {
			n += len(ch.data)
		}
	}
	return n
}

// WritePcap writes every recorded connection to a pcap file at path.
// Addresses are the connections' own (loopback); each connection gets
// its handshake before its first bytes and its FINs after its last.
func (l *Listener) WritePcap(path string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var buf bytes.Buffer
	// pcap global header (little-endian, microseconds, LINKTYPE_RAW 101).
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 101)
	buf.Write(hdr)
	for _, c := range l.conns {
		client, ok1 := c.RemoteAddr().(*net.TCPAddr)
		server, ok2 := c.LocalAddr().(*net.TCPAddr)
		if !ok1 || !ok2 || client.IP.To4() == nil || server.IP.To4() == nil {
			return fmt.Errorf("pcaptest: connection %v → %v is not TCP over IPv4", c.RemoteAddr(), c.LocalAddr())
		}
		s := stream{w: &buf, client: client, server: server, cseq: 1000, sseq: 5000}
		at := time.Now()
		if len(c.chunks) > 0 {
			at = c.chunks[0].at
		}
		s.handshake(at)
		for _, ch := range c.chunks {
			s.data(ch)
			at = ch.at
		}
		s.close(at)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// TCP flags.
const (
	fin = 0x01
	syn = 0x02
	psh = 0x08
	ack = 0x10
)

// maxSegment keeps every packet within an Ethernet MTU, as on a wire.
const maxSegment = 1448

// stream writes the packets of one connection, tracking each side's
// next sequence number.
type stream struct {
	w              *bytes.Buffer
	client, server *net.TCPAddr
	cseq, sseq     uint32
}

func (s *stream) handshake(at time.Time) {
	s.packet(at, true, syn, nil)
	s.cseq++
	s.packet(at, false, syn|ack, nil)
	s.sseq++
	s.packet(at, true, ack, nil)
}

func (s *stream) data(ch chunk) {
	for b := ch.data; len(b) > 0; {
		n := min(len(b), maxSegment)
		s.packet(ch.at, ch.fromClient, psh|ack, b[:n])
		if ch.fromClient {
			s.cseq += uint32(n)
		} else {
			s.sseq += uint32(n)
		}
		b = b[n:]
	}
}

func (s *stream) close(at time.Time) {
	s.packet(at, true, fin|ack, nil)
	s.cseq++
	s.packet(at, false, fin|ack, nil)
	s.sseq++
	s.packet(at, true, ack, nil)
}

// packet appends one IPv4/TCP packet with its pcap record header.
func (s *stream) packet(at time.Time, fromClient bool, flags byte, payload []byte) {
	src, dst := s.client, s.server
	seq, ackn := s.cseq, s.sseq
	if !fromClient {
		src, dst = dst, src
		seq, ackn = ackn, seq
	}
	if flags&ack == 0 {
		ackn = 0
	}
	tcp := make([]byte, 20+len(payload))
	binary.BigEndian.PutUint16(tcp[0:], uint16(src.Port))
	binary.BigEndian.PutUint16(tcp[2:], uint16(dst.Port))
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ackn)
	tcp[12] = 5 << 4
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	copy(tcp[20:], payload)
	// TCP checksum over the IPv4 pseudo-header (RFC 793 §3.1).
	pseudo := make([]byte, 12, 12+len(tcp))
	copy(pseudo[0:], src.IP.To4())
	copy(pseudo[4:], dst.IP.To4())
	pseudo[9] = 6
	binary.BigEndian.PutUint16(pseudo[10:], uint16(len(tcp)))
	binary.BigEndian.PutUint16(tcp[16:], checksum(append(pseudo, tcp...)))

	ip := make([]byte, 20, 20+len(tcp))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
	ip[6] = 0x40 // don't fragment
	ip[8] = 64
	ip[9] = 6
	copy(ip[12:], src.IP.To4())
	copy(ip[16:], dst.IP.To4())
	binary.BigEndian.PutUint16(ip[10:], checksum(ip))
	ip = append(ip, tcp...)

	rec := make([]byte, 16)
	binary.LittleEndian.PutUint32(rec[0:], uint32(at.Unix()))
	binary.LittleEndian.PutUint32(rec[4:], uint32(at.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(ip)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(ip)))
	s.w.Write(rec)
	s.w.Write(ip)
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
