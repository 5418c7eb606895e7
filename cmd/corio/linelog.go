package main

import (
	"io"
	"sync/atomic"
	"time"
)

// A lineLog prints lines on a writer from a goroutine of its own, so that
// whoever logs (a hub, which must never block) only queues a line: when
// the writer is slower than the lines come (a pipe nobody reads), lines
// past the queue's room are dropped and counted, not waited for.
type lineLog struct {
	w       io.Writer
	lines   chan string
	dropped atomic.Int64
	done    chan struct{} // closed when the writing goroutine has ended
}

func newLineLog(w io.Writer, room int) *lineLog {
	l := &lineLog{w: w, lines: make(chan string, room), done: make(chan struct{})}
	go l.write()
	return l
}

// batchBytes bounds what one write of the log gathers.
const batchBytes = 64 << 10

// write writes the lines as they come: a line, with the lines queued
// behind it (up to batchBytes), in one write, so that a busy server's log
// costs a system call per batch, not per line.
func (l *lineLog) write() {
	defer close(l.done)
	var batch []byte
	for line := range l.lines {
		batch = append(batch[:0], line...)
	gather:
		for len(batch) < batchBytes {
			select {
			case more, ok := <-l.lines:
				if !ok {
					break gather
				}
				batch = append(batch, more...)
			default:
				break gather
			}
		}
		l.w.Write(batch)
	}
}

// print queues line, or drops it if the queue is full. It never blocks.
func (l *lineLog) print(line string) {
	select {
	case l.lines <- line:
	default:
		l.dropped.Add(1)
	}
}

// close stops taking lines and waits at most wait for those queued to be
// written. It reports how many lines were dropped (those still queued
// after wait among them) and whether all the rest were written.
func (l *lineLog) close(wait time.Duration) (dropped int64, flushed bool) {
	close(l.lines)
	select {
	case <-l.done:
		return l.dropped.Load(), true
	case <-time.After(wait):
		return l.dropped.Load() + int64(len(l.lines)), false
	}
}
