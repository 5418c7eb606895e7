// Package crawl is a concurrent web crawler on corio's hub: the seed's
// spawn-a-get_page-per-URL program grown into a library, and the engine
// of `corio crawl`.
//
// # The model
//
// Crawl runs inside a task of a hub (corio.Run). Every page is fetched by
// a task of its own, at most Config.Concurrency at once, through an
// http.Client whose transport is chttp's cooperative one unless the
// Config gives another. Links are followed breadth first to Config.Depth,
// on the starting URLs' hosts unless AnyHost, each URL once, within Max
// pages; robots.txt is read once per host and respected; network errors
// and 5xx answers are retried with a doubling backoff.
//
// A page's callback and the OnHTML rules run in the page's task. They are
// ordinary blocking-style code: they may sleep, call other services, wait
// on a queue or spawn, and the other fetches go on meanwhile. Since every
// task of a hub runs on one goroutine, they share the caller's variables
// without locks. A panic in one fails its page (a *CallbackPanic is the
// page's error), not the crawl; Crawl reports the first once the crawl has
// ended. An OnHTML rule gets the element as an *html.Node: Text and Attr
// read it safely, as colly's e.Text and e.Attr.
//
// # Keeping what is fetched
//
// Config.WARC archives every round trip as WARC records (the bytes as they
// crossed the connection, recorded by chttp.Recorder); Config.Mirror saves
// each page as a file, laid out as wget --mirror lays them out. Both write
// off the hub, before the page's callback runs and before the frontier
// counts it done: a crawl killed at any point has kept every page it
// reported. CheckWARC reads an archive back.
//
// # Frontiers
//
// What to fetch next, what is being fetched and what was ever seen is a
// Frontier's. The default, NewMemoryFrontier, lives and ends with one
// Crawl. Package crawl/redisfrontier keeps a crawl in Redis: any number of
// processes on any machines are then workers of one crawl; a URL taken is
// leased, not removed, so that a worker that dies loses nothing, and a
// stopped crawl resumes where it was.
//
// # Compared with colly
//
// The options a colly user looks for are here under Config: AllowedDomains
// (the starting hosts, or AnyHost), URLFilters and DisallowedURLFilters
// (Allow, Deny), MaxDepth (Depth), UserAgent and request headers, a
// LimitRule's Parallelism and Delay (PerHost, Delay), OnHTML (OnHTML with
// CSS selectors), OnResponse and OnError (the page callback, with Status,
// Header, Body, Links and Err). What differs: a crawl's concurrency costs
// a task per page, not a goroutine, and the crawl state needs no lock.
package crawl
