package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/imageio"
)

// TestEndToEnd builds the binary and runs the README's main command,
// "cloudnoise demo" with no arguments, in a fresh folder, then checks the
// exit status of a failure and of misuse. Building and the full-size demo
// take several seconds, so it is skipped under -short.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs the full demo: skipped under -short")
	}
	bin := filepath.Join(t.TempDir(), "cloudnoise")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	exe := func(args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatalf("running %v: %v", args, err)
		}
		return o.String(), e.String(), code
	}

	stdout, stderr, code := exe("demo")
	require.Equal(t, 0, code, "demo failed: %s", stderr)
	assert.Contains(t, stdout, "256 dead-leaves images of 96×96")
	assert.Contains(t, stdout, "Mahalanobis distances, 96×96")
	for _, name := range []string{demoGallery, demoSpectrum, demoBars, demoSNR, demoSummary} {
		fi, err := os.Stat(filepath.Join(work, "cloudnoise-demo", name))
		require.NoError(t, err, name)
		assert.Greater(t, fi.Size(), int64(100), name)
	}
	cliDecodePNG(t, filepath.Join(work, "cloudnoise-demo", demoGallery))

	// Failure: exit 1, one "cloudnoise: " line naming the path, no trace.
	_, stderr, code = exe("fit", "missing-folder")
	assert.Equal(t, 1, code)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	assert.True(t, strings.HasPrefix(stderr, "cloudnoise: "), stderr)
	assert.Contains(t, stderr, "missing-folder")
	assert.NotContains(t, stderr, "goroutine")

	// Misuse: exit 2, the error line then a pointer to -h (no usage).
	_, stderr, code = exe("sample", "-bits", "3")
	assert.Equal(t, 2, code)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	require.Len(t, lines, 2, stderr)
	assert.True(t, strings.HasPrefix(lines[0], "cloudnoise: sample: -bits 3"), stderr)
	assert.Equal(t, "Run 'cloudnoise sample -h' for its flags and examples.", lines[1])

	// Ctrl-C during train: the checkpoint is written and the exit status
	// is 0.
	data := filepath.Join(work, "data.npy")
	require.NoError(t, imageio.SaveNPY(data, cliDeadLeaves(t, 8, 16, 1)))
	cmd := exec.Command(bin, "train", "-data", data, "-size", "16", "-base", "8", "-batch", "2", "-steps", "1000000", "-ckpt", "run.ckpt")
	cmd.Dir = work
	var out bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	require.NoError(t, cmd.Start())
	started, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "training a") {
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("train did not start within a minute")
	}
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	pw.Close()
	<-done
	require.NoError(t, err, "exit status after Ctrl-C")
	assert.Contains(t, out.String(), "interrupted at step")
	ck, err := diffusion.ReadCheckpoint(filepath.Join(work, "run.ckpt"))
	require.NoError(t, err)
	assert.Less(t, ck.Step, 1000000)

	// Help: exit 0.
	stdout, _, code = exe("fit", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "Usage: cloudnoise fit")
}
