package imageio

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkResize resizes one square plane by each method: the photos96
// case (96 → 32) and a photograph-sized one (1024 → 96).
func BenchmarkResize(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{96, 32}, {1024, 96}} {
		x := randomMatrix(rnd, sz[0], sz[0])
		for _, m := range []ResizeMethod{ResizeFourier, ResizeBicubic, ResizeBox} {
			b.Run(fmt.Sprintf("%d-%d/%v", sz[0], sz[1], m), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Resize(x, sz[1], sz[1], m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
