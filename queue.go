package corio

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrQueueClosed reports a Put to a closed queue, or a Get from a
	// closed queue that has been drained.
	ErrQueueClosed = errors.New("corio: queue is closed")
	// ErrQueueEmpty reports a TryGet from an empty queue.
	ErrQueueEmpty = errors.New("corio: queue is empty")
	// ErrQueueFull reports a TryPut to a full bounded queue.
	ErrQueueFull = errors.New("corio: queue is full")
	// ErrTaskDone reports a TaskDone without an item left to account for.
	ErrTaskDone = errors.New("corio: TaskDone called more times than items were put")
)

// A Queue passes values between tasks of one hub (gevent's Queue,
// LifoQueue, PriorityQueue and JoinableQueue in one type). Get waits while
// it is empty; Put waits while a bounded queue is full. Waiters are served
// in the order they came, and a value is never lost: an item put while
// tasks wait is set aside for the first of them, and if that task's wait
// is cancelled first, the item goes to the next.
//
// Every queue is joinable: each Put adds an unfinished item, TaskDone
// finishes one, and Join waits until none is left.
type Queue[T any] struct {
	kind     queueKind
	capacity int // 0: unbounded
	items    deque[T]
	heap     prioHeap[T]
	closed   bool

	getters, putters taskList
	// Items and room set aside for tasks woken by Put and Get, which take
	// them when they run: a task arriving in between must not.
	itemsReserved, roomReserved int

	unfinished int
	joiners    taskList
}

type queueKind uint8

const (
	fifoQueue queueKind = iota
	lifoQueue
	priorityQueue
)

// NewQueue returns a first-in first-out queue holding at most capacity
// items; 0 means no bound. A negative capacity is a programming error and
// panics, as make does.
func NewQueue[T any](capacity int) *Queue[T] {
	return newQueue[T](fifoQueue, capacity, "NewQueue")
}

// NewLIFOQueue returns a last-in first-out queue (a stack).
func NewLIFOQueue[T any](capacity int) *Queue[T] {
	return newQueue[T](lifoQueue, capacity, "NewLIFOQueue")
}

// NewPriorityQueue returns a queue that gives out the least item first,
// as ordered by less. Items that compare equal come out in no set order.
func NewPriorityQueue[T any](capacity int, less func(a, b T) bool) *Queue[T] {
	if less == nil {
		panic("corio: NewPriorityQueue with a nil less function")
	}
	q := newQueue[T](priorityQueue, capacity, "NewPriorityQueue")
	q.heap.less = less
	return q
}

func newQueue[T any](kind queueKind, capacity int, name string) *Queue[T] {
	if capacity < 0 {
		panic(fmt.Sprintf("corio: %s(%d): negative capacity", name, capacity))
	}
	return &Queue[T]{kind: kind, capacity: capacity}
}

// Len is the number of items in the queue.
func (q *Queue[T]) Len() int {
	if q.kind == priorityQueue {
		return len(q.heap.items)
	}
	return q.items.len()
}

// Cap is the queue's bound, 0 if it has none.
func (q *Queue[T]) Cap() int { return q.capacity }

// Closed reports whether Close has been called.
func (q *Queue[T]) Closed() bool { return q.closed }

// Unfinished is the number of items put and not yet marked done.
func (q *Queue[T]) Unfinished() int { return q.unfinished }

// hasRoom reports whether a Put arriving now may add an item.
func (q *Queue[T]) hasRoom() bool {
	return q.capacity == 0 || q.Len()+q.roomReserved < q.capacity
}

// Put adds v, waiting while a bounded queue is full. It returns
// ErrQueueClosed if the queue is closed (also while it waits), or ctx's
// error if ctx ends first; v is then not in the queue.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	if err := q.TryPut(v); err != ErrQueueFull {
		return err
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	if err := t.waitIn(ctx, &q.putters, "queue put"); err != nil {
		return err
	}
	q.roomReserved-- // Get set this room aside for t
	q.add(v)
	return nil
}

// TryPut adds v if there is room now: it returns ErrQueueFull if not, and
// ErrQueueClosed if the queue is closed.
func (q *Queue[T]) TryPut(v T) error {
	switch {
	case q.closed:
		return ErrQueueClosed
	case !q.hasRoom() || !q.putters.empty():
		return ErrQueueFull
	}
	q.add(v)
	return nil
}

func (q *Queue[T]) add(v T) {
	if q.kind == priorityQueue {
		q.heap.push(v)
	} else {
		q.items.pushBack(v)
	}
	q.unfinished++
	if q.getters.wakeFirst() != nil {
		q.itemsReserved++ // set aside for the getter woken
	}
}

// Get removes and returns the next item, waiting while the queue is
// empty. Once the queue is closed, Get returns the items left and then
// ErrQueueClosed. It returns ctx's error if ctx ends first.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	if v, err := q.TryGet(); err != ErrQueueEmpty {
		return v, err
	}
	var zero T
	t, err := running(ctx)
	if err != nil {
		return zero, err
	}
	if err := t.waitIn(ctx, &q.getters, "queue get"); err != nil {
		return zero, err
	}
	q.itemsReserved-- // Put set this item aside for t
	return q.take(), nil
}

// TryGet removes and returns the next item if there is one: it returns
// ErrQueueEmpty if not, and ErrQueueClosed if the queue is closed and
// drained.
func (q *Queue[T]) TryGet() (T, error) {
	if q.Len() > q.itemsReserved {
		return q.take(), nil
	}
	var zero T
	if q.closed { // what is left is set aside for woken getters
		return zero, ErrQueueClosed
	}
	return zero, ErrQueueEmpty
}

func (q *Queue[T]) take() T {
	var v T
	switch q.kind {
	case fifoQueue:
		v = q.items.popFront()
	case lifoQueue:
		v = q.items.popBack()
	default:
		v = q.heap.pop()
	}
	if q.hasRoom() && q.putters.wakeFirst() != nil {
		q.roomReserved++ // set aside for the putter woken
	}
	return v
}

// Close closes the queue: Puts fail with ErrQueueClosed from now on, tasks
// waiting to put are woken with it, and Gets return the items left, then
// ErrQueueClosed. Closing twice does nothing.
func (q *Queue[T]) Close() {
	if q.closed {
		return
	}
	q.closed = true
	q.putters.wakeAll(ErrQueueClosed)
	// Waiting getters mean every item is set aside: none is left for them.
	q.getters.wakeAll(ErrQueueClosed)
}

// TaskDone marks one item got from the queue as processed. When no
// unfinished item is left, the tasks in Join wake. It returns ErrTaskDone
// if every item put is already done.
func (q *Queue[T]) TaskDone() error {
	if q.unfinished == 0 {
		return ErrTaskDone
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.joiners.wakeAll(nil)
	}
	return nil
}

// Join waits until every item put has been marked done with TaskDone, or
// returns ctx's error if ctx ends first.
func (q *Queue[T]) Join(ctx context.Context) error {
	if q.unfinished == 0 {
		return nil
	}
	t, err := running(ctx)
	if err != nil {
		return err
	}
	return t.waitIn(ctx, &q.joiners, "queue join")
}

// prioHeap is a binary min-heap ordered by less. (container/heap would box
// every item in an interface value.)
type prioHeap[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *prioHeap[T]) push(v T) {
	h.items = append(h.items, v)
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *prioHeap[T]) pop() T {
	var zero T
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items[last] = zero
	h.items = h.items[:last]
	for i := 0; ; {
		least := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < last && h.less(h.items[c], h.items[least]) {
				least = c
			}
		}
		if least == i {
			return top
		}
		h.items[i], h.items[least] = h.items[least], h.items[i]
		i = least
	}
}
