// Package parallel runs loops across the machine's cores on a shared pool of
// goroutines, without allocating per call.
//
// The pool is started on first use with runtime.GOMAXPROCS(0) goroutines and
// lives for the life of the process. A chunk is handed to a pool goroutine only
// if one is idle at that moment; otherwise the calling goroutine runs it
// itself. Nested use (a chunk that itself calls For) therefore cannot
// deadlock: no caller ever waits for work that nobody is free to run.
package parallel

import (
	"runtime"
	"sync"
)

type task struct {
	fn            func(chunk, lo, hi int)
	chunk, lo, hi int
	wg            *sync.WaitGroup
}

var (
	startOnce sync.Once
	tasks     chan task
)

func start() {
	tasks = make(chan task)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for t := range tasks {
				t.fn(t.chunk, t.lo, t.hi)
				t.wg.Done()
			}
		}()
	}
}

// Workers returns the number of chunks a loop is split into by default:
// runtime.GOMAXPROCS(0).
func Workers() int { return runtime.GOMAXPROCS(0) }

// Bounds returns the half-open range [lo, hi) of chunk c when [0, n) is split
// into k contiguous chunks of sizes differing by at most one.
func Bounds(n, k, c int) (lo, hi int) { return c * n / k, (c + 1) * n / k }

// Group runs the chunks of one loop at a time. The zero value is ready to use.
// A Group must not be used by two goroutines at once; embed one in each plan.
type Group struct {
	wg sync.WaitGroup
}

// For splits [0, n) into k = min(n, maxChunks) contiguous chunks (see Bounds),
// calls fn(c, lo, hi) for each chunk c in 0..k-1, possibly concurrently, and
// returns when all calls have returned. The partition depends only on n and
// maxChunks, so a caller that keeps per-chunk scratch space indexed by c
// needs maxChunks of them. For does not allocate when fn is not a freshly
// made closure (store method values once, in the plan).
//
// For panics if maxChunks < 1.
func (g *Group) For(n, maxChunks int, fn func(chunk, lo, hi int)) {
	if maxChunks < 1 {
		panic("parallel: maxChunks < 1")
	}
	k := min(n, maxChunks)
	if k <= 0 {
		return
	}
	if k == 1 {
		fn(0, 0, n)
		return
	}
	startOnce.Do(start)
	for c := 1; c < k; c++ {
		lo, hi := Bounds(n, k, c)
		g.wg.Add(1)
		select {
		case tasks <- task{fn: fn, chunk: c, lo: lo, hi: hi, wg: &g.wg}:
		default:
			fn(c, lo, hi)
			g.wg.Done()
		}
	}
	lo, hi := Bounds(n, k, 0)
	fn(0, lo, hi)
	g.wg.Wait()
}

// For is a convenience wrapper that runs fn over [0, n) in at most Workers()
// chunks with a fresh Group. It allocates; hot paths keep a Group instead.
func For(n int, fn func(chunk, lo, hi int)) {
	var g Group
	g.For(n, Workers(), fn)
}
