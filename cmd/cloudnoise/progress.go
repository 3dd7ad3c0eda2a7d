package main

import (
	"fmt"
	"io"
	"time"
)

// progressLines returns a function that reports progress of a long task
// on w as plain lines, "what: done/total unit, elapsed E, about R left",
// about twenty times per task and at the end: progress goes to stderr so
// that stdout keeps the results.
func progressLines(w io.Writer, what, unit string, total int) func(done int) {
	start := time.Now()
	every := max(total/20, 1)
	next := every
	return func(done int) {
		if done < next && done != total {
			return
		}
		next = done + every
		el := time.Since(start)
		left := time.Duration(float64(el) * float64(total-done) / float64(max(done, 1)))
		fmt.Fprintf(w, "%s: %d/%d %s, elapsed %s, about %s left\n", what, done, total, unit, el.Round(100*time.Millisecond), left.Round(time.Second))
	}
}
