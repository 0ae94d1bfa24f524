package faulttest

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// relistenFor bounds how long Refuse keeps trying to listen on the
// target's port again when it is momentarily busy; relistenEvery is the
// pause between tries.
const (
	relistenFor   = 2 * time.Second
	relistenEvery = 10 * time.Millisecond
)

// Refuse stops the target from accepting connections for d (0: for good):
// it closes the target's listener and every open connection, so new
// requests get "connection refused", then (when d > 0) listens again on
// the same port and serves as before. It returns at once. A later call
// replaces a pending comeback: the target is back d after the last call.
// If the port is taken by someone else in between and stays taken for 2 s,
// the target stays down (ListenError says why). The sink is not affected.
func (s *Server) Refuse(d time.Duration) {
	if !s.listener.refuse(d) {
		return // closed
	}
	s.target.CloseClientConnections()
}

// ListenError returns why the target could not listen again after Refuse
// (its port stayed taken), or nil.
func (s *Server) ListenError() error {
	s.listener.mu.Lock()
	defer s.listener.mu.Unlock()
	return s.listener.err
}

// refusableListener is the target's listener. Refuse closes the socket
// under it while http.Server keeps calling Accept, which waits until a new
// socket is in place (or the listener is closed), so the server itself
// never stops and Close works the same in every state.
type refusableListener struct {
	addr net.Addr

	mu       sync.Mutex
	socket   net.Listener  // nil while refusing
	changed  chan struct{} // closed (and replaced) when socket changes or the listener closes
	closed   bool
	done     chan struct{} // closed with the listener: a re-listen gives up
	comeback *time.Timer   // the pending re-listen, if any
	refusals int           // Refuse calls so far: a re-listen of an earlier one gives up
	err      error         // why the last re-listen failed
	pending  sync.WaitGroup
}

func newRefusableListener(socket net.Listener) *refusableListener {
	return &refusableListener{
		addr:    socket.Addr(),
		socket:  socket,
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// signalLocked wakes Accept calls waiting for a change. l.mu is held.
func (l *refusableListener) signalLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Accept waits for a connection on the current socket, and while refusing
// for the socket to come back.
func (l *refusableListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		socket, changed, closed := l.socket, l.changed, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if socket == nil {
			<-changed
			continue
		}
		conn, err := socket.Accept()
		l.mu.Lock()
		current := l.socket == socket && !l.closed
		l.mu.Unlock()
		if current {
			return conn, err
		}
		// The socket was closed under us (Refuse or Close); a connection
		// accepted as it closed is refused too.
		if conn != nil {
			_ = conn.Close()
		}
	}
}

// Close closes the socket for good and stops a pending re-listen.
func (l *refusableListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.done)
	l.stopComebackLocked()
	var err error
	if l.socket != nil {
		err = l.socket.Close()
		l.socket = nil
	}
	l.signalLocked()
	return err
}

// Addr is the target's address, the same before and after a refusal.
func (l *refusableListener) Addr() net.Addr { return l.addr }

// stopComebackLocked cancels a re-listen that has not started. l.mu is held.
func (l *refusableListener) stopComebackLocked() {
	if l.comeback != nil && l.comeback.Stop() {
		l.pending.Done() // it will never run
	}
	l.comeback = nil
}

// refuse closes the socket and, when d > 0, schedules listening again on
// the same address after d. It reports false when the listener is closed.
func (l *refusableListener) refuse(d time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.refusals++
	l.stopComebackLocked()
	if l.socket != nil {
		_ = l.socket.Close()
		l.socket = nil
		l.signalLocked()
	}
	if d > 0 {
		refusal := l.refusals
		l.pending.Add(1)
		l.comeback = time.AfterFunc(d, func() {
			defer l.pending.Done()
			l.listenAgain(refusal)
		})
	}
	return true
}

// listenAgain listens on the target's address again, retrying briefly
// while the port is busy, unless the listener was closed or refused anew.
func (l *refusableListener) listenAgain(refusal int) {
	give := time.Now().Add(relistenFor)
	for {
		socket, err := net.Listen("tcp", l.addr.String())
		l.mu.Lock()
		if l.closed || l.refusals != refusal {
			l.mu.Unlock()
			if socket != nil {
				_ = socket.Close()
			}
			return
		}
		if err == nil {
			l.socket, l.err = socket, nil
			l.signalLocked()
			l.mu.Unlock()
			return
		}
		if time.Now().After(give) {
			l.err = fmt.Errorf("faulttest: listen again on %s after Refuse: %w", l.addr, err)
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		select {
		case <-l.done:
			return
		case <-time.After(relistenEvery):
		}
	}
}

// wait waits for a re-listen that is running.
func (l *refusableListener) wait() { l.pending.Wait() }
