package nn

import "github.com/cloud-diffusion/noise/internal/parallel"

// Layers that split work across cores implement parallel.Task: Run(chunk,
// lo, hi) processes the independent items [lo, hi) (images of the batch, or
// rows of a product) with the scratch space of chunk number chunk. They run
// on the library's shared pool (internal/parallel), which allocates nothing
// per loop and never deadlocks on nested use.

// workerLimit, if positive, caps the number of chunks (tests use it to check
// that results do not depend on the number of goroutines).
var workerLimit int

// workers returns the number of chunks to split n independent items into:
// GOMAXPROCS, at most n, at least 1.
func workers(n int) int {
	w := parallel.Workers()
	if workerLimit > 0 && w > workerLimit {
		w = workerLimit
	}
	return max(1, min(w, n))
}

// runParallel runs t on w contiguous chunks covering [0, n) with g. The
// chunking depends only on n and w, and items are independent, so results do
// not depend on scheduling.
func runParallel(n, w int, t parallel.Task, g *parallel.Group) {
	g.ForTask(n, max(1, w), t)
}
