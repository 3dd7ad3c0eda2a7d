package nn

import (
	"runtime"
	"sync"
)

// workers returns the number of goroutines to split n independent items
// across, at most limit (limit ≤ 0 means no limit beyond GOMAXPROCS).
func workers(n, limit int) int {
	w := runtime.GOMAXPROCS(0)
	if limit > 0 && w > limit {
		w = limit
	}
	if w > n {
		w = n
	}
	if w < 1 {
		w = 1
	}
	return w
}

// parallelFor calls f(lo, hi, worker) on w contiguous chunks covering [0, n),
// each in its own goroutine (the last one in the caller's), and waits.
// Items must be independent: the results of f may not depend on the chunking.
func parallelFor(n, w int, f func(lo, hi, worker int)) {
	if w <= 1 || n <= 1 {
		f(0, n, 0)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for k := 0; k < w; k++ {
		lo := k * chunk
		hi := min(lo+chunk, n)
		if lo >= hi {
			break
		}
		if hi == n {
			f(lo, hi, k)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi, k)
		}()
	}
	wg.Wait()
}
