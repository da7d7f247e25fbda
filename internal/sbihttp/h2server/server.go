package h2server

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Server serves h2c connections to Handler.
//
// Concurrency: Serve owns the accepting goroutine it is called on, and
// starts one goroutine per connection (conn.serve), which reads its
// frames and, on exit, waits for the handlers of its streams before it is
// counted done. Handlers run on goroutines that Go provides. Shutdown and
// Close end the accepting and join every connection's goroutine. The
// fields below mu are set before Serve and read-only after.
type Server struct {
	// Handler answers every request.
	Handler http.Handler
	// Go runs fn asynchronously (on a worker kept between requests);
	// nil starts a goroutine. fn never panics: a handler's panic is
	// recovered, logged and ends its stream.
	Go func(fn func())
	// BaseContext is the parent of every request's context; nil means
	// context.Background().
	BaseContext context.Context
	// MaxConcurrentStreams bounds the streams a client may have open on
	// one connection (SETTINGS_MAX_CONCURRENT_STREAMS); 0 means 1000.
	MaxConcurrentStreams uint32
	// MaxHeaderListSize bounds a request's header list
	// (SETTINGS_MAX_HEADER_LIST_SIZE); 0 means 1 MiB, as net/http.
	MaxHeaderListSize uint32
	// MaxRequestBody bounds the body kept of a request: past it the
	// handler runs with the first MaxRequestBody+1 bytes (so that an
	// http.MaxBytesReader of MaxRequestBody fails) and the rest is
	// discarded; 0 means 1 MiB.
	MaxRequestBody int
	// PrefaceTimeout bounds the wait for a new connection's preface and
	// SETTINGS; IdleTimeout closes a connection with no stream for that
	// long; WriteTimeout bounds each write. 0 means 10 s, 2 min, 10 s.
	PrefaceTimeout, IdleTimeout, WriteTimeout time.Duration
	// ErrorLog receives handler panics and accept errors; nil discards.
	ErrorLog *log.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	shutdown  bool
	wg        sync.WaitGroup // one per connection goroutine
}

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

func (s *Server) defaults() {
	if s.MaxConcurrentStreams == 0 {
		s.MaxConcurrentStreams = 1000
	}
	if s.MaxHeaderListSize == 0 {
		s.MaxHeaderListSize = 1 << 20
	}
	if s.MaxRequestBody <= 0 {
		s.MaxRequestBody = 1 << 20
	}
	if s.PrefaceTimeout <= 0 {
		s.PrefaceTimeout = 10 * time.Second
	}
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = 2 * time.Minute
	}
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = 10 * time.Second
	}
	if s.BaseContext == nil {
		s.BaseContext = context.Background()
	}
}

// Serve accepts connections on ln and serves each on a goroutine of its
// own, until ln fails or Shutdown or Close is called; then it returns
// ErrServerClosed (or ln's error). It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.defaults()
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if down {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("h2server: accept: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, nc)
		s.mu.Lock()
		if s.shutdown {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting, sends every connection GOAWAY, lets the
// streams already opened finish until ctx ends, then closes what remains
// and joins every connection's goroutine. It returns ctx's error if it
// had to cut streams short.
func (s *Server) Shutdown(ctx context.Context) error {
	conns := s.stopAccepting()
	for _, c := range conns {
		c.goAway()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-done
		return ctx.Err()
	}
}

// Close stops accepting, closes every connection at once and joins their
// goroutines (which wait for their handlers).
func (s *Server) Close() error {
	s.stopAccepting()
	s.closeConns()
	s.wg.Wait()
	return nil
}

func (s *Server) stopAccepting() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.nc.Close()
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	}
}
