package chttp

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

type baseKey struct{}

// A request's context under BaseContext's values starts no goroutine
// (its cancellation hooks into the task's context), carries the values,
// and ends with the task.
func TestRequestContextUnderBaseValues(t *testing.T) {
	base := context.WithValue(context.Background(), baseKey{}, "base")
	var waited error
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		handler := corio.Spawn(ctx, func(ctx context.Context) error { // a request's task
			before := runtime.NumGoroutine()
			rctx, cancel := corio.WithCancel(&requestParent{Context: ctx, sc: &serverConn{ctx: base}})
			defer cancel()
			if n := runtime.NumGoroutine(); n != before {
				t.Errorf("%d goroutines after making the request's context, %d before", n, before)
			}
			if v := rctx.Value(baseKey{}); v != "base" {
				t.Errorf("BaseContext's value = %v", v)
			}
			waited = corio.Sleep(rctx, time.Hour)
			return waited
		})
		corio.Sleep(ctx, time.Second)
		handler.Kill()
		handler.Join(ctx) // its error is the kill's
		return nil
	}, corio.VirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	if waited != context.Canceled {
		t.Errorf("the request's wait when its task was killed: %v, want context.Canceled", waited)
	}
}
