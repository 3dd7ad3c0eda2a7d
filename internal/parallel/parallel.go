// Package parallel runs loops across the machine's cores on a shared pool of
// goroutines, without allocating per call.
//
// The pool is started on first use with runtime.GOMAXPROCS(0) goroutines and
// lives for the life of the process. The chunks of a loop go into a shared
// buffered queue (or run on the caller when it is full); the caller runs its
// first chunk and then, until its loop is done, runs queued chunks itself,
// blocking only when the queue is empty. At that moment every chunk of its
// loop is held by a running goroutine that obeys the same rule, so nested use
// (a chunk that itself calls For) cannot deadlock, and no chunk waits for a
// pool goroutine to become free.
package parallel

import (
	"runtime"
	"sync"
)

type task struct {
	fn            func(chunk, lo, hi int) // or t
	t             Task
	chunk, lo, hi int
	wg            *sync.WaitGroup
}

func (t task) run() {
	if t.t != nil {
		t.t.Run(t.chunk, t.lo, t.hi)
	} else {
		t.fn(t.chunk, t.lo, t.hi)
	}
}

// Task is a loop body run by Group.ForTask: Run(chunk, lo, hi) processes the
// items [lo, hi) as chunk number chunk. Plans whose state lives in a struct
// implement it to hand themselves to the pool without making a closure.
type Task interface {
	Run(chunk, lo, hi int)
}

// queueLen is the capacity of the shared queue of chunks.
const queueLen = 1024

var (
	startOnce sync.Once
	tasks     chan task
)

func start() {
	tasks = make(chan task, queueLen)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for t := range tasks {
				t.run()
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
	g.run(n, maxChunks, task{fn: fn})
}

// ForTask is For with the loop body given as a Task.
func (g *Group) ForTask(n, maxChunks int, t Task) {
	g.run(n, maxChunks, task{t: t})
}

func (g *Group) run(n, maxChunks int, body task) {
	if maxChunks < 1 {
		panic("parallel: maxChunks < 1")
	}
	k := min(n, maxChunks)
	if k <= 0 {
		return
	}
	if k == 1 {
		body.lo, body.hi = 0, n
		body.run()
		return
	}
	startOnce.Do(start)
	body.wg = &g.wg
	for c := 1; c < k; c++ {
		t := body
		t.chunk = c
		t.lo, t.hi = Bounds(n, k, c)
		g.wg.Add(1)
		select {
		case tasks <- t:
		default: // queue full: run it here
			t.run()
			g.wg.Done()
		}
	}
	body.lo, body.hi = Bounds(n, k, 0)
	body.run()
	// Help: run queued chunks (of this loop or any other) until the queue
	// is empty, then wait for the chunks held by other goroutines.
	for {
		select {
		case t := <-tasks:
			t.run()
			t.wg.Done()
			continue
		default:
		}
		break
	}
	g.wg.Wait()
}

// For is a convenience wrapper that runs fn over [0, n) in at most Workers()
// chunks with a fresh Group. It allocates; hot paths keep a Group instead.
func For(n int, fn func(chunk, lo, hi int)) {
	var g Group
	g.For(n, Workers(), fn)
}
