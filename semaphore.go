package corio

import (
	"context"
	"errors"
	"fmt"
)

// ErrOverRelease reports a Release of a bounded semaphore that would take
// it above its initial count (gevent's BoundedSemaphore ValueError).
var ErrOverRelease = errors.New("corio: semaphore released too many times")

// A Semaphore holds a count of permits (gevent's Semaphore). Acquire takes
// one, waiting while there is none; Release gives one back. Waiters are
// served in the order they came: a released permit is handed to the first
// waiter directly, so a task that arrives later cannot take it first. A
// Semaphore belongs to the hub whose tasks use it.
type Semaphore struct {
	count   int
	limit   int // bounded: the most count may be; 0 if unbounded
	waiters taskList
}

// NewSemaphore returns a semaphore with n permits; Release may raise the
// count above n.
func NewSemaphore(n int) *Semaphore {
	if n < 0 {
		panic(fmt.Sprintf("corio: NewSemaphore(%d): negative count", n))
	}
	return &Semaphore{count: n}
}

// NewBoundedSemaphore returns a semaphore with n permits whose Release
// fails with ErrOverRelease when all n are already free.
func NewBoundedSemaphore(n int) *Semaphore {
	if n <= 0 {
		panic(fmt.Sprintf("corio: NewBoundedSemaphore(%d): the bound must be positive", n))
	}
	return &Semaphore{count: n, limit: n}
}

// Available is the number of free permits.
func (s *Semaphore) Available() int { return s.count }

// TryAcquire takes a permit if one is free, without waiting.
func (s *Semaphore) TryAcquire() bool {
	if s.count > 0 && s.waiters.empty() {
		s.count--
		return true
	}
	return false
}

// Acquire takes a permit, waiting for one if none is free, or returns
// ctx's error (holding nothing) if ctx ends first.
func (s *Semaphore) Acquire(ctx context.Context) error {
	if s.TryAcquire() {
		return nil
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	// A nil error means Release handed this task a permit.
	return t.waitIn(ctx, &s.waiters, "semaphore")
}

// Release gives a permit back: to the first waiter if there is one.
// Releasing a bounded semaphore whose permits are all free returns
// ErrOverRelease and changes nothing.
func (s *Semaphore) Release() error {
	if s.waiters.wakeFirst() != nil {
		return nil // the permit passes to the waiter woken
	}
	if s.limit > 0 && s.count >= s.limit {
		return fmt.Errorf("%w (bound %d)", ErrOverRelease, s.limit)
	}
	s.count++
	return nil
}

// A Mutex is a lock for tasks of one hub: a semaphore of one permit. Tasks
// of a hub need no lock to share memory; a Mutex is for keeping others out
// of a section that waits in the middle. The zero Mutex is unlocked.
type Mutex struct {
	locked  bool
	waiters taskList
}

// Lock takes the lock, waiting while another task holds it, or returns
// ctx's error (without the lock) if ctx ends first.
func (m *Mutex) Lock(ctx context.Context) error {
	if m.TryLock() {
		return nil
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	return t.waitIn(ctx, &m.waiters, "mutex")
}

// TryLock takes the lock if it is free and nobody waits for it.
func (m *Mutex) TryLock() bool {
	if !m.locked && m.waiters.empty() {
		m.locked = true
		return true
	}
	return false
}

// Unlock releases the lock, handing it to the first waiter if there is
// one. Unlocking a mutex that is not locked is a programming error: it
// panics, as sync.Mutex does.
func (m *Mutex) Unlock() {
	if !m.locked {
		panic("corio: Unlock of an unlocked Mutex")
	}
	if m.waiters.wakeFirst() != nil {
		return // the lock passes to the waiter woken: it stays locked
	}
	m.locked = false
}

// Locked reports whether the mutex is held.
func (m *Mutex) Locked() bool { return m.locked }
