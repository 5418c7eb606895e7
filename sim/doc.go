// Package sim runs corio programs deterministically: one seed decides
// every interleaving of tasks, every tie between timers and every latency
// and fault of a simulated network, so that a run that fails replays
// exactly, and many seeds explore many orders.
//
// A corio program already owns the three sources of nondeterminism of a
// concurrent, networked program: which task runs next (the hub), time
// (the virtual clock) and the sockets (package cnet, and through it
// chttp's server and client and the crawler). Under corio.Seed the hub
// makes its choices with a generator seeded by the seed (see corio.Seed
// for the strategy, PCT); with a Network in the run, cnet's Dial, Listen,
// ListenPacket and name resolution use an in-memory network owned by the
// hub instead of the kernel. The code under test is the code that runs in
// production: the same chttp.Server, the same http.Client over
// chttp.Transport, the same cnet calls, with no mock and no rewrite.
//
// # A test
//
// Check runs a function under many seeds and fails the test at the first
// seed under which it returns an error, with the line that replays that
// run alone:
//
//	func TestLease(t *testing.T) {
//		sim.Check(t, func(ctx context.Context, n *sim.Network) error {
//			server, _ := n.AddHost("locks")
//			server.Spawn(ctx, serveLocks) // a chttp.Server: srv.ServeIn(ctx)
//			... clients on other hosts, over http.Client{Transport: &chttp.Transport{}}
//			return checkAtMostOneHolder()
//		}, sim.WithConfig(sim.Config{MinLatency: time.Millisecond, MaxLatency: 20 * time.Millisecond}))
//	}
//
//	--- FAIL: TestLease
//	    seed 37 failed (seed 37 of the 200 tried, 5121 steps): two holders of lock "a"
//	    replay: CORIO_SEED=37 CORIO_SEED_STEPS=4980 go test -run '^TestLease$' ./locks
//
// CORIO_SEEDS sets how many seeds to try (a nightly job may try many
// more); CORIO_SEED runs one; CORIO_SKIP_FAULTS leaves out scheduled
// faults by their index. A failing seed is run twice more: if the two
// runs differ, the program reaches outside the simulation, and Check says
// where their traces part.
//
// # The network
//
// A Network has hosts with names and addresses (10.0.0.1 on): a task runs
// on the host it was spawned on with Host.Spawn, or on "main"; its
// sockets are that host's, and a host's name resolves to its address.
// Streams behave as TCP's (ordered bytes, a bounded buffer each way with
// backpressure, FIN and half-close, a reset for data left unread at Close,
// refused connects, a listener's backlog, deadlines); datagrams as UDP's.
// Each message takes a latency drawn from the seed within the Config's
// bounds; a stream's bytes still arrive in order. The test makes faults:
//   - Partition and Heal: datagrams between two hosts are lost, stream
//     segments wait (as TCP retransmits them) until the partition heals;
//   - Hold and Release: everything between two hosts waits, then goes;
//   - Reset: a connection is reset, as a middlebox would;
//   - Host.Crash and Host.Restart: a host's tasks are killed, its
//     connections reset, its sockets gone; it starts its main function
//     (Host.SetMain) again on restart.
//
// The seed schedules faults too, with Config.Faults: a partition, a hold
// or a crash every so often, on hosts and for lengths it draws, from a
// generator of its own (Result.Faults lists them). A test may draw its
// own from Network.Rand, seeded by the run's seed.
//
// # Shrinking
//
// A run that fails under scheduled faults rarely needs them all. Check
// (and Shrink, which it calls) leaves them out one at a time while the
// seed still fails, and prints the ones the failure needs with the line
// that replays the run without the others:
//
//	the failure needs 1 of the 9 faults the seed scheduled:
//	  #6 at 744.046ms: crash db for 33.142ms
//	it fails without the others (...): CORIO_SKIP_FAULTS=0,1,2,3,4,5,7,8 CORIO_SEED=1 go test -run '^TestStore$' ./store
//
// # What the simulation cannot reach
//
// A seeded run fails, with an error wrapping corio.ErrNondeterministic
// that names the call, where it would otherwise silently lose its
// determinism: corio.Blocking (another goroutine), a kernel descriptor
// (corio.NewFD, a socket opened outside the network), a wait on a context
// with a deadline of package context (the real clock; use
// corio.WithTimeout), a Run whose context has a deadline. What the hub
// cannot see stays the program's to avoid: goroutines of its own
// (Hub.Submit, Hub.Spawn from them), time.Now (use corio.Now, which starts
// at the same instant in every seeded run), the file system, iterating a
// map in Go's random order, an http.Client's Timeout (a goroutine's timer:
// use a request context from corio.WithTimeout). Unix sockets are not
// simulated.
package sim
