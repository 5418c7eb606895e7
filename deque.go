package corio

// deque is a growable ring buffer: the storage of queues and of the values
// waiting senders hold. It reuses its array, so that steady traffic does
// not allocate.
type deque[T any] struct {
	buf        []T
	head, size int
}

func (d *deque[T]) len() int { return d.size }

func (d *deque[T]) pushBack(v T) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.size)&(len(d.buf)-1)] = v
	d.size++
}

func (d *deque[T]) popFront() T {
	var zero T
	v := d.buf[d.head]
	d.buf[d.head] = zero
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.size--
	return v
}

func (d *deque[T]) popBack() T {
	var zero T
	i := (d.head + d.size - 1) & (len(d.buf) - 1)
	v := d.buf[i]
	d.buf[i] = zero
	d.size--
	return v
}

// at is the i-th value from the front.
func (d *deque[T]) at(i int) *T { return &d.buf[(d.head+i)&(len(d.buf)-1)] }

// removeAt removes the i-th value from the front, keeping the order of the
// rest.
func (d *deque[T]) removeAt(i int) {
	for ; i < d.size-1; i++ {
		*d.at(i) = *d.at(i + 1)
	}
	d.popBack()
}

func (d *deque[T]) grow() {
	n := max(2*len(d.buf), 8)
	buf := make([]T, n)
	for i := range d.size {
		buf[i] = *d.at(i)
	}
	d.buf, d.head = buf, 0
}
