//go:build !race

package cnet_test

const raceEnabled = false
