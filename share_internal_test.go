package corio

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A hub kept busy by its tasks lets the Go scheduler run every
// shareEvery, instead of waiting to be preempted by it (see shareThread).
func TestBusyHubSharesItsThread(t *testing.T) {
	err := Run(context.Background(), func(ctx context.Context) error {
		task, err := running(ctx)
		if err != nil {
			return err
		}
		h := task.hub
		start, deadline := h.shares, time.Now().Add(10*time.Second)
		for h.shares-start < 3 { // about 3 ms of steps
			if time.Now().After(deadline) {
				return fmt.Errorf("the hub shared its thread %d times in 10 s of steps", h.shares-start)
			}
			if err := Sleep(ctx, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
