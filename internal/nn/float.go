package nn

import "github.com/cloud-diffusion/noise/internal/gemm"

// Float is the element type of tensors: float64, the reference precision,
// or float32.
type Float = gemm.Float
