//go:build race

package stackprobe

// Race reports whether the race detector is on: its instrumentation makes
// every frame larger, so stacks are not measured under it.
const Race = true
