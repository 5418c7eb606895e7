package cnet

import (
	"context"
	"errors"
	"fmt"

	"github.com/corio-go/corio"
)

// ServeIn serves on the hub of ctx, from the calling task, until ctx ends,
// and returns ErrServerClosed then (the connections' tasks are killed and
// waited for), or the error that kept it from serving. It is Start and
// Wait on one hub, the caller's, with no goroutine of its own: for a
// server among other tasks of a hub, and for package sim's simulated
// network, whose sockets are the run's hub's. Hubs, SingleAcceptor and
// Listener do not apply. ListenAddr answers once it listens; stop it by
// ending ctx (Shutdown and Close wait on the calling goroutine, which
// would be the hub's).
func (s *StreamServer) ServeIn(ctx context.Context) error {
	if err := corio.InTask(ctx); err != nil {
		return fmt.Errorf("cnet: StreamServer.ServeIn: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.Listener != nil {
		return errors.New("cnet: StreamServer.ServeIn listens itself: Listener must be nil")
	}
	sh, network, err := s.startIn()
	if err != nil {
		return err
	}
	l, err := Listen(ctx, network, s.Addr)
	if err != nil {
		close(s.done)
		return err
	}
	hub := corio.HubOf(ctx)
	sh.hub, sh.ctx, sh.l, sh.conns = hub, ctx, l, corio.NewGroup()
	s.mu.Lock()
	s.addr = l.Addr()
	s.mu.Unlock()
	// ctx may end from anywhere, and AfterFunc may call from a goroutine
	// of its own: the listener is closed on the hub, where a virtual one
	// (package sim's) must be, and in the order a seeded run replays.
	stop := context.AfterFunc(ctx, func() { hub.Submit(func(context.Context) { l.Close() }) })
	defer stop()
	s.acceptLoop(ctx, sh, s.MaxConns, false)
	sh.conns.Kill()
	err = sh.finish(context.WithoutCancel(ctx))
	close(s.done)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cnet: server: %w", err)
	}
	return ErrServerClosed
}

// startIn checks and marks the server started for ServeIn, with one hub.
func (s *StreamServer) startIn() (*serverHub, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, err := s.config()
	if err != nil {
		return nil, "", err
	}
	s.started = true
	s.done = make(chan struct{})
	sh := &serverHub{srv: s}
	s.hubs = []*serverHub{sh}
	return sh, cfg.network, nil
}
