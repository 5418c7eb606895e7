// Package redisfrontier keeps a crawl in Redis, so that any number of
// processes, on any machines, are workers of one crawl: each URL is
// fetched once across all of them, Max, Depth and PerHost hold for the
// whole crawl, a worker that dies loses nothing, and a stopped crawl
// resumes where it was when workers start again with the same name.
//
// # The crawl in Redis
//
// A crawl named N is a handful of keys under "corio:crawl:{N}:" (one hash
// tag, so that a Redis Cluster keeps them on one node):
//
//	settings   the Settings every worker must agree on (JSON)
//	hosts      the starting URLs' hosts, for the same-host rule
//	seen       every URL admitted (a set): each is admitted once
//	admitted   how many were, for Max
//	queue      the entries to fetch, "DEPTH URL", oldest first (a list)
//	leases     the entries being fetched, by the time their lease ends (a sorted set)
//	owners     which worker holds each lease (a hash)
//	stats      fetched, failed and skipped, in all and per worker
//	workers    each worker's last take or renewal
//	host:H     the fetches of host H running now, for PerHost, with their own expiry
//
// Every step is one Lua script, atomic in Redis: opening (settings
// compared before anything is written), taking (leases that expired go
// back to the front of the queue first), ending leases with the pages'
// outcomes and admitting the links found on them, giving back, renewing.
// Times are Redis's own clock, so workers' clocks need not agree.
//
// # Nothing lost
//
// A URL taken is leased, not removed. A worker renews its leases three
// times per Options.Lease while it fetches; one that dies (SIGKILL, a
// lost machine) stops renewing, and its URLs are taken again when their
// leases end. A worker stopped by its context gives its unfinished URLs
// back at once. The crawl is over when nothing is queued and nothing is
// leased, by any worker. Pages fetched twice are only those in flight
// when their worker died (or whose worker stalled past its lease).
//
// # How the hub talks to Redis
//
// Through go-redis, with each call off the hub's goroutine
// (corio.Blocking), so no Redis round trip ever blocks the hub's other
// tasks. Batching makes that cheap. Pages' outcomes (each with the links
// found on it) go in group commits: while one call is on its way, the
// pages that end meanwhile wait and go together in the next, so a busy
// worker sends one call for many pages and a page alone waits for no
// timer. A take asks for at least 16 URLs and keeps those the crawler did
// not ask for, leased, for its next takes. Renewals are one call per
// worker every third of a lease, whatever it holds. Measured on 10 KB
// pages at -c 100 (BENCHMARKS.md): 0.04 to 0.14 calls per page, and about
// 13 commands run by the scripts per page. PerHost adds two calls per
// page (a slot taken, a slot given back).
//
// The alternative, go-redis on cnet connections, was not taken: go-redis's
// pool waits on Go channels and mutexes and checks connections from
// goroutines of its own, which a hub's sockets do not allow. An offloaded
// call costs a goroutine start and two hand-offs between threads, a few
// microseconds next to a round trip, and batching leaves few of them.
package redisfrontier
