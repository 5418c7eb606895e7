package corio

// A timer is an entry of the hub's timer heap. When it is due, the hub
// wakes its task, or cancels its context with DeadlineExceeded, or calls
// fn. Timers due at the same time fire in the order they were set.
type timer struct {
	when  int64
	seq   uint64
	index int // position in the heap; -1 when not scheduled
	task  *task
	ctx   *hctx
	fn    func()
}

// timerHeap is a 4-ary min-heap on (when, seq): shallower than a binary
// heap, so a million timers take 10 levels instead of 20.
type timerHeap struct {
	items []*timer
	seq   uint64
}

func (h *timerHeap) less(a, b *timer) bool {
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

func (h *timerHeap) len() int { return len(h.items) }

// push schedules t at when.
func (h *timerHeap) push(t *timer, when int64) {
	h.seq++
	t.when, t.seq = when, h.seq
	t.index = len(h.items)
	h.items = append(h.items, t)
	h.up(t.index)
}

// remove unschedules t if it is scheduled.
func (h *timerHeap) remove(t *timer) {
	i := t.index
	if i < 0 {
		return
	}
	last := len(h.items) - 1
	if i != last {
		h.swap(i, last)
	}
	h.items[last] = nil
	h.items = h.items[:last]
	t.index = -1
	if i != last {
		h.down(i)
		h.up(i)
	}
}

// peek is the earliest timer, or nil.
func (h *timerHeap) peek() *timer {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *timerHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index = i
	h.items[j].index = j
}

func (h *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 4
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *timerHeap) down(i int) {
	n := len(h.items)
	for {
		first := 4*i + 1
		if first >= n {
			return
		}
		min := first
		for c := first + 1; c < first+4 && c < n; c++ {
			if h.less(h.items[c], h.items[min]) {
				min = c
			}
		}
		if !h.less(h.items[min], h.items[i]) {
			return
		}
		h.swap(i, min)
		i = min
	}
}
