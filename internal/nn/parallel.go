package nn

import (
	"runtime"
	"sync"
)

// task is work split into independent items; run processes items [lo, hi)
// as worker number worker (0 ≤ worker < the number of chunks), which indexes
// per-worker scratch. Items must be independent and run must not itself call
// parallel (the pool's workers never wait on each other).
type task interface {
	run(lo, hi, worker int)
}

// job is one chunk of a task sent to the pool.
type job struct {
	t      task
	lo, hi int
	worker int
	wg     *sync.WaitGroup
}

// pool is a fixed set of goroutines, started on first use, that run chunks
// of tasks. Handing work to it allocates nothing, unlike starting goroutines.
var pool struct {
	once sync.Once
	jobs chan job
	n    int // number of pool goroutines (GOMAXPROCS at first use, minus 1)
}

func startPool() {
	pool.n = runtime.GOMAXPROCS(0) - 1
	pool.jobs = make(chan job, 64)
	for i := 0; i < pool.n; i++ {
		go func() {
			for j := range pool.jobs {
				j.t.run(j.lo, j.hi, j.worker)
				j.wg.Done()
			}
		}()
	}
}

// workerLimit, if positive, caps the number of chunks (tests use it to check
// that results do not depend on the number of goroutines).
var workerLimit int

// workers returns the number of chunks to split n independent items into:
// GOMAXPROCS (as at the pool's start), at most n, at least 1.
func workers(n int) int {
	pool.once.Do(startPool)
	w := pool.n + 1
	if workerLimit > 0 && w > workerLimit {
		w = workerLimit
	}
	if w > n {
		w = n
	}
	if w < 1 {
		w = 1
	}
	return w
}

// parallel runs t on w contiguous chunks covering [0, n), the last in the
// calling goroutine and the others on the pool, and waits for all of them.
// wg must not be in use by another call. The chunking depends only on n and
// w, and items are independent, so results do not depend on scheduling.
func parallel(n, w int, t task, wg *sync.WaitGroup) {
	if w <= 1 || n <= 1 {
		t.run(0, n, 0)
		return
	}
	pool.once.Do(startPool)
	chunk := (n + w - 1) / w
	k := 0
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		if hi == n {
			t.run(lo, hi, k)
			break
		}
		wg.Add(1)
		pool.jobs <- job{t: t, lo: lo, hi: hi, worker: k, wg: wg}
		k++
	}
	wg.Wait()
}
