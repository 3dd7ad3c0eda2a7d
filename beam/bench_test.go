package noisebeam

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

// benchPhotos is the shared folder of 256 96×96 photographs, used when
// present (the repository's ../shared); otherwise the benchmarks generate
// 256 96×96 PNGs of cloud noise.
const benchPhotos = "../../shared/data/photos96"

// benchFolder returns the paths of 256·copies 96×96 PNG files in a
// temporary folder: the shared photos (or generated images), each copied
// `copies` times under different names, so that larger sets can be timed.
func benchFolder(b *testing.B, copies int) []string {
	b.Helper()
	var src []string
	if entries, err := os.ReadDir(benchPhotos); err == nil {
		for _, e := range entries {
			if imageio.IsImageFile(e.Name()) {
				src = append(src, filepath.Join(benchPhotos, e.Name()))
			}
		}
	}
	if len(src) == 0 {
		src = pipelineTestFolder(b, 256, 96, 96, 11)
	}
	dir := b.TempDir()
	var paths []string
	for c := range copies {
		for k, p := range src {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			dst := filepath.Join(dir, filepath.Base(p)+"."+string(rune('a'+c))+string(rune('a'+k%26))+".png")
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				b.Fatal(err)
			}
			paths = append(paths, dst)
		}
	}
	return paths
}

func benchImagesPerSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkPipeline runs SpectrumOfFiles and WriteResult on prism, in
// process, end to end (pipeline construction, job submission, file
// matching, decoding, combining, fit and output) over 256 and 1024 files
// of 96×96, in one branch and in two shards (Config.Shards).
func BenchmarkPipeline(b *testing.B) {
	for _, copies := range []int{1, 4} {
		paths := benchFolder(b, copies)
		out := b.TempDir()
		for _, shards := range []int{1, 2} {
			b.Run(fmt.Sprintf("images=%d/shards=%d", len(paths), shards), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p, s := beam.NewPipelineWithRoot()
					o := SpectrumOfFiles(s, beam.CreateList(s, paths), Config{Rows: 96, Cols: 96, Shards: shards})
					WriteResult(s, o, filepath.Join(out, "r.json"), filepath.Join(out, "p.npy"))
					if err := ptest.Run(p); err != nil {
						b.Fatal(err)
					}
				}
				benchImagesPerSecond(b, len(paths))
			})
		}
	}
}

// BenchmarkSingleMachine is the same work without Beam: imageio.LoadPaths
// (decoding on all cores) then Spectrum.AddBatch (transforms on all
// cores), Power and FitPowerLaw; and its two halves separately.
func BenchmarkSingleMachine(b *testing.B) {
	paths := benchFolder(b, 1)
	b.Run("LoadAndAddBatch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			imgs, _, err := imageio.LoadPaths(paths, nil)
			if err != nil {
				b.Fatal(err)
			}
			s := noise.NewSpectrum(96, 96)
			if err := s.AddBatch(imgs); err != nil {
				b.Fatal(err)
			}
			power, err := s.Power()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := noise.FitPowerLaw(power, nil); err != nil {
				b.Fatal(err)
			}
		}
		benchImagesPerSecond(b, len(paths))
	})
	b.Run("Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := imageio.LoadPaths(paths, nil); err != nil {
				b.Fatal(err)
			}
		}
		benchImagesPerSecond(b, len(paths))
	})
	imgs, _, err := imageio.LoadPaths(paths, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AddBatch", func(b *testing.B) {
		b.ReportAllocs()
		s := noise.NewSpectrum(96, 96)
		for b.Loop() {
			if err := s.AddBatch(imgs); err != nil {
				b.Fatal(err)
			}
		}
		benchImagesPerSecond(b, len(paths))
	})
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		s := noise.NewSpectrum(96, 96)
		for b.Loop() {
			for _, m := range imgs {
				if err := s.Add(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		benchImagesPerSecond(b, len(paths))
	})
	b.Run("Combiner", func(b *testing.B) {
		// The pipeline's per-element work without Beam: NewImage copy and
		// SpectrumFn.AddInput, one core.
		b.ReportAllocs()
		fn := &SpectrumFn{Rows: 96, Cols: 96}
		for b.Loop() {
			a, _ := fn.CreateAccumulator()
			for _, m := range imgs {
				var err error
				if a, err = fn.AddInput(a, NewImage("", m)); err != nil {
					b.Fatal(err)
				}
			}
		}
		benchImagesPerSecond(b, len(paths))
	})
}
