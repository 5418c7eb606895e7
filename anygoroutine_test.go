package corio_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/corio-go/corio"
)

// These tests call what the docs say is safe from any goroutine while the
// hub works on the same objects; under -race (as CI runs them) a shared
// field that is neither immutable nor atomic is reported.

// Kill from another goroutine while the task switches.
func TestKillFromAnotherGoroutineWhileSwitching(t *testing.T) {
	for range 20 {
		err := corio.Run(context.Background(), func(ctx context.Context) error {
			spinner := func(ctx context.Context) error {
				for {
					if err := corio.Sleep(ctx, 0); err != nil {
						return err
					}
				}
			}
			victim := corio.Spawn(ctx, spinner)
			other := corio.Spawn(ctx, spinner)
			var killed corio.Future[struct{}]
			go func() {
				runtime.Gosched()
				victim.Kill()
				victim.Kill() // twice: the second does nothing
				killed.Set(struct{}{})
			}()
			if err := killed.Wait(ctx); err != nil {
				return err
			}
			if err := victim.Join(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("victim ended with %v", err)
			}
			other.Kill()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Kill from another goroutine of a task that is ending by itself: either
// order is fine, and nothing races.
func TestKillFromAnotherGoroutineWhileEnding(t *testing.T) {
	for range 50 {
		err := corio.Run(context.Background(), func(ctx context.Context) error {
			task := corio.Spawn(ctx, func(ctx context.Context) error { return corio.Sleep(ctx, 0) })
			var killed corio.Future[struct{}]
			go func() { task.Kill(); killed.Set(struct{}{}) }()
			if err := task.Join(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("task ended with %v", err)
			}
			return killed.Wait(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Err, Done, Deadline and Value of a hub context read from another
// goroutine while the hub cancels one of its ancestors.
func TestContextReadFromAnotherGoroutineWhileCancelled(t *testing.T) {
	type key struct{}
	for range 20 {
		err := corio.Run(context.Background(), func(ctx context.Context) error {
			parent, cancel := corio.WithCancel(context.WithValue(ctx, key{}, "v"))
			child, cancelChild := corio.WithTimeout(parent, time.Hour)
			defer cancelChild()
			grandchild, cancelGrand := corio.WithCancel(child)
			defer cancelGrand()
			var seen corio.Future[error]
			go func() {
				for grandchild.Err() == nil {
					grandchild.Deadline()
					_ = grandchild.Value(key{})
				}
				<-grandchild.Done()
				seen.Set(grandchild.Err())
			}()
			for range 10 {
				corio.Sleep(ctx, 0)
			}
			cancel()
			err, _ := seen.Get(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the other goroutine saw %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A context of the standard library made under a hub context is
// cancelled with it at once (through the hub context's AfterFunc), also
// when the cancellation comes from another goroutine.
func TestStandardChildCancelledWithItsHubParent(t *testing.T) {
	err := corio.Run(context.Background(), func(ctx context.Context) error {
		parent, cancel := corio.WithCancel(ctx)
		std, cancelStd := context.WithCancel(parent)
		defer cancelStd()
		stdTimeout, cancelTimeout := context.WithTimeout(parent, time.Hour)
		defer cancelTimeout()
		cancel()
		if std.Err() == nil || stdTimeout.Err() == nil {
			t.Errorf("after cancel: std %v, with timeout %v; want both cancelled at once", std.Err(), stdTimeout.Err())
		}
		// Made after the cancellation: cancelled when made.
		late, cancelLate := context.WithCancel(parent)
		defer cancelLate()
		if late.Err() == nil {
			t.Error("a child made after the cancellation is not cancelled")
		}

		other, cancelOther := corio.WithCancel(ctx)
		stdOther, cancelStdOther := context.WithCancel(other)
		defer cancelStdOther()
		var done corio.Future[struct{}]
		go func() { cancelOther(); done.Set(struct{}{}) }()
		if err := done.Wait(ctx); err != nil {
			return err
		}
		if stdOther.Err() == nil {
			t.Error("std child of a context cancelled from another goroutine is not cancelled")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
