package redisfrontier

// Batches is how many batches of pages Done has sent.
func (f *Frontier) Batches() int { return f.batches }
