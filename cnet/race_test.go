//go:build race

package cnet_test

// raceEnabled: the race detector allows at most 8128 live goroutines, and
// every task is one.
const raceEnabled = true
