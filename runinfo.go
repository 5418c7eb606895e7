package corio

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/corio-go/corio/internal/coro"
)

// TaskInfo describes a task at a moment: gevent's run info, as data.
type TaskInfo struct {
	ID       uint64
	Name     string
	State    TaskState
	ParentID uint64        // 0 for the main task and tasks spawned outside any task
	WaitsOn  string        // what a waiting task waits on
	Where    coro.Location // where it is paused: its stack, innermost first
}

func (t *task) info() TaskInfo {
	i := TaskInfo{ID: t.id, Name: t.displayName(), State: t.state}
	if t.parent != nil {
		i.ParentID = t.parent.id
	}
	if t.state == TaskWaiting {
		i.WaitsOn = t.waitsOn
		if fd := t.waitedFD(); fd >= 0 {
			i.WaitsOn += " " + strconv.Itoa(fd)
		}
		if j := t.joined(); j != nil {
			i.WaitsOn += " " + j.String()
		}
	}
	switch {
	case t.state == TaskRunning || t.state == TaskDone:
	case t.fiber == nil:
		i.Where = coro.EntryAt(t.origin)
	default:
		i.Where = t.hub.sched.Running().Where(t.fiber)
	}
	return i
}

// waitedFD is the descriptor t waits on, or -1: found by looking, as only
// run info needs it (a field would make every task larger).
func (t *task) waitedFD() int {
	if t.waitList == nil {
		return -1
	}
	for _, f := range t.hub.fds {
		if f != nil && (t.waitList == &f.rd.waiters || t.waitList == &f.wr.waiters) {
			return f.fd
		}
	}
	return -1
}

// joined is the task t waits to join, if it does: found by looking, as
// only run info needs it.
func (t *task) joined() *task {
	if t.waitList == nil {
		return nil
	}
	for o := t.hub.live.head; o != nil; o = o.next(liveLinks) {
		if o.extras != nil && &o.extras.joiners == t.waitList {
			return o
		}
	}
	return nil
}

// Tasks describes every task of the hub of ctx that has not ended, in the
// order they were spawned. It must be called from a task of that hub.
func Tasks(ctx context.Context) ([]TaskInfo, error) {
	cur, err := running(ctx)
	if err != nil {
		return nil, err
	}
	var infos []TaskInfo
	for t := cur.hub.live.head; t != nil; t = t.next(liveLinks) {
		infos = append(infos, t.info())
	}
	return infos, nil
}

// FormatRunInfo is Tasks as text, one task a paragraph with its stack, as
// gevent's format_run_info.
func FormatRunInfo(ctx context.Context) (string, error) {
	infos, err := Tasks(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, i := range infos {
		fmt.Fprintf(&b, "task %d %q: %s", i.ID, i.Name, i.State)
		if i.ParentID != 0 {
			fmt.Fprintf(&b, ", spawned by task %d", i.ParentID)
		}
		if i.WaitsOn != "" {
			fmt.Fprintf(&b, ", waits on %s", i.WaitsOn)
		}
		b.WriteString("\n")
		for _, f := range i.Where.Frames {
			fmt.Fprintf(&b, "    %s\n        %s:%d\n", f.Function, f.File, f.Line)
		}
	}
	return b.String(), nil
}
