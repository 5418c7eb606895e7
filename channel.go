package corio

import (
	"context"
	"errors"
)

// ErrChannelClosed reports a Send on a closed Channel, or a Recv from one
// with no sender left.
var ErrChannelClosed = errors.New("corio: channel is closed")

// A Channel is an unbuffered hand-off between tasks of one hub (gevent's
// Channel): Send waits until a receiver has the value and has run, Recv
// waits until a sender gives one. Senders and receivers are served in the
// order they came. The zero Channel is open and ready to use.
type Channel[T any] struct {
	closed bool

	senders taskList
	offers  deque[offer[T]] // the values of waiting senders, in order

	receivers taskList
	handed    deque[T] // values given to woken receivers, not yet taken
}

// offer is a waiting sender's value.
type offer[T any] struct {
	t *task
	v T
}

// Send gives v to a receiver, waiting until one takes it. It returns
// ErrChannelClosed if the channel is closed (also while it waits), or
// ctx's error if ctx ends first; v then went to nobody.
//
// As in gevent, Send is a rendezvous: given to a receiver that was
// already waiting, v is handed over and the sender yields, so the
// receiver runs (and, say, prints what it got) before Send returns. That
// yield cannot fail: v has been handed over, and Send returns nil even if
// the sender is killed meanwhile (its next wait fails).
func (c *Channel[T]) Send(ctx context.Context, v T) error {
	if c.closed {
		return ErrChannelClosed
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	if c.receivers.wakeFirst() != nil {
		c.handed.pushBack(v)
		t.yield()
		return nil
	}
	c.offers.pushBack(offer[T]{t, v})
	if err = t.waitIn(ctx, &c.senders, "channel send"); err != nil {
		c.withdraw(t)
	}
	return err
}

// withdraw removes the offer of a sender whose wait failed.
func (c *Channel[T]) withdraw(t *task) {
	for i := range c.offers.len() {
		if c.offers.at(i).t == t {
			c.offers.removeAt(i)
			return
		}
	}
}

// Recv waits for a sender and returns its value. It returns
// ErrChannelClosed once the channel is closed, or ctx's error if ctx ends
// first.
func (c *Channel[T]) Recv(ctx context.Context) (T, error) {
	if v, ok := c.takeOffer(); ok {
		return v, nil
	}
	var zero T
	if c.closed {
		return zero, ErrChannelClosed
	}
	t, err := running(ctx)
	if err != nil {
		return zero, err
	}
	if err := t.waitIn(ctx, &c.receivers, "channel receive"); err != nil {
		return zero, err
	}
	return c.handed.popFront(), nil
}

// takeOffer takes the value of the first waiting sender and lets it go.
func (c *Channel[T]) takeOffer() (T, bool) {
	s := c.senders.wakeFirst()
	if s == nil {
		var zero T
		return zero, false
	}
	// Offers of senders whose wait was cancelled (they are no longer in
	// the senders list) may come first: they withdraw when they run.
	i := 0
	for c.offers.at(i).t != s {
		i++
	}
	v := c.offers.at(i).v
	c.offers.removeAt(i)
	return v, true
}

// Close closes the channel: waiting senders and receivers are woken with
// ErrChannelClosed, and so are later Sends and Recvs. Closing twice does
// nothing.
func (c *Channel[T]) Close() {
	if c.closed {
		return
	}
	c.closed = true
	c.senders.wakeAll(ErrChannelClosed)
	c.receivers.wakeAll(ErrChannelClosed)
}
