package diffusion

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise"
)

// Every enumeration: String and Parse are inverse (any case), text
// marshalling writes the names, and out-of-range values are named and
// refused.
func TestEnumNames(t *testing.T) {
	type enum interface {
		String() string
		MarshalText() ([]byte, error)
	}
	check := func(name string, values []enum, parse func(string) (enum, error), bad enum) {
		for _, v := range values {
			got, err := parse(strings.ToUpper(v.String()))
			require.NoError(t, err, name)
			assert.Equal(t, v, got, name)
			b, err := v.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, v.String(), string(b))
		}
		_, err := parse("nonsense")
		assert.ErrorContains(t, err, "diffusion: unknown", name)
		_, err = bad.MarshalText()
		assert.Error(t, err, name)
		assert.Contains(t, bad.String(), "(", name)
	}
	check("method", []enum{DDIM, DDPM}, func(s string) (enum, error) { return ParseMethod(s) }, Method(2))
	check("schedule", []enum{ScheduleOffsetCosine, ScheduleCosine, ScheduleLinear}, func(s string) (enum, error) { return ParseScheduleKind(s) }, ScheduleKind(3))
	check("decay", []enum{DecayCosine, DecayLinear, DecayConstant}, func(s string) (enum, error) { return ParseDecay(s) }, Decay(-1))
	check("loss", []enum{LossMSE, LossSpectral}, func(s string) (enum, error) { return ParseLoss(s) }, Loss(2))
	check("norm", []enum{PixelNorm, GlobalNorm, NoNorm}, func(s string) (enum, error) { return ParseNormKind(s) }, NormKind(3))
	check("noise", []enum{WhiteNoise, CloudNoise, MatchedNoise}, func(s string) (enum, error) { return ParseNoiseKind(s) }, NoiseKind(3))
	check("precision", []enum{PrecisionFloat64, PrecisionFloat32}, func(s string) (enum, error) { return ParsePrecision(s) }, Precision(2))
	check("padding", []enum{PaddingZero, PaddingReplicate, PaddingCircular}, func(s string) (enum, error) { return ParsePadding(s) }, Padding(3))
	assert.Equal(t, []string{"zero", "replicate", "circular"}, paddingNames)
	check("head", []enum{HeadGroupNorm, HeadMean}, func(s string) (enum, error) { return ParseHead(s) }, Head(2))
	assert.Equal(t, []string{"groupnorm", "mean"}, headNames)
	assert.Equal(t, []string{"offset-cosine", "cosine", "linear"}, scheduleNames)
	assert.Equal(t, "Method(5)", Method(5).String())
}

// TrainConfig's JSON (in checkpoints) holds the names, as the string
// fields of older versions did, and an unknown name is refused.
func TestTrainConfigJSONNames(t *testing.T) {
	tc := DefaultTrainConfig()
	tc.Schedule, tc.Decay, tc.Loss, tc.Normalize = ScheduleLinear, DecayConstant, LossSpectral, GlobalNorm
	b, err := json.Marshal(tc)
	require.NoError(t, err)
	for _, want := range []string{`"Schedule":"linear"`, `"Decay":"constant"`, `"Loss":"spectral"`, `"Normalize":"global"`} {
		assert.Contains(t, string(b), want)
	}
	var got TrainConfig
	require.NoError(t, json.Unmarshal(b, &got))
	assert.True(t, tc.Noise.Equal(got.Noise))
	tc.Noise, got.Noise = noise.Spec{}, noise.Spec{}
	assert.Equal(t, tc, got)
	bad := strings.Replace(string(b), `"Loss":"spectral"`, `"Loss":"l1"`, 1)
	assert.ErrorContains(t, json.Unmarshal([]byte(bad), &got), `unknown loss "l1"`)
}
