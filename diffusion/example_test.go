package diffusion_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
)

// exampleImages returns n smooth 8×8 test images.
func exampleImages(n int) []*mat.Dense {
	imgs := make([]*mat.Dense, n)
	for k := range imgs {
		imgs[k] = mat.NewDense(8, 8, nil)
		for y := 0; y < 8; y++ {
			for x := 0; x < 8; x++ {
				imgs[k].Set(y, x, math.Sin(float64(x*(k+1))/4+float64(y)/3))
			}
		}
	}
	return imgs
}

// Train a tiny cloud-diffusion model and sample from it: the network, the
// trainer and the sampler compose in a few lines.
func Example() {
	images := exampleImages(4) // any []*mat.Dense, such as imageio.LoadDir(dir, &imageio.Options{Size: 8})

	net, _ := diffusion.NewUNet(diffusion.UNetConfig{Channels: 1, Size: 8, Base: 8, Mults: []int{1, 2}, ResBlocks: 1, Groups: 4}, rand.NewPCG(1, 2))
	cfg := diffusion.DefaultTrainConfig()
	cfg.Steps, cfg.Batch, cfg.Warmup, cfg.LR, cfg.TimeSteps = 30, 4, 5, 3e-3, 100
	cfg.Noise = noise.Spec{Delta: 1.5} // cloud noise; diffusion.ResolveNoise fits Δ to the images instead
	tr, err := diffusion.NewTrainer(net, images, cfg)
	if err != nil {
		panic(err)
	}
	var losses []float64
	if err := tr.Train(context.Background(), func(p diffusion.Progress) { losses = append(losses, p.Loss) }); err != nil {
		panic(err)
	}
	out, err := tr.Sampler().Sample(context.Background(), 2, &diffusion.SampleOptions{Steps: 10}, rand.NewPCG(3, 4))
	if err != nil {
		panic(err)
	}

	mean := func(s []float64) float64 {
		var m float64
		for _, v := range s {
			m += v
		}
		return m / float64(len(s))
	}
	r, c := out.Images[0].Dims()
	fmt.Println("steps:", tr.StepCount(), "noise:", diffusion.NoiseName(tr.Noise()))
	fmt.Println("loss decreased:", mean(losses[len(losses)-10:]) < 0.75*mean(losses[:5]))
	fmt.Printf("%d samples of %d×%d after %d sampling steps\n", len(out.Images), r, c, len(out.Times))
	// Output:
	// steps: 30 noise: cloud (Δ = 1.5000)
	// loss decreased: true
	// 2 samples of 8×8 after 10 sampling steps
}
