package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand of cloudnoise.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commandsFn is commands; tests replace it to add a failing command.
var commandsFn = commands

// commands lists the subcommands in the order of the usage text.
func commands() []command {
	return []command{
		{"demo", "run the paper's pipeline on built-in dead-leaves images and draw its figures", runDemo},
		{"sample", "draw cloud noise fields (PNG, 16-bit PNG or .npy)", runSample},
		{"fit", "fit the power law Γ(k) = A²/|k|^(2Δ) to the spectrum of images", runFit},
		{"distance", "the paper's table of Mahalanobis distances (white, cloud, images)", runDistance},
		{"snr", "per-frequency signal-to-noise ratio of the forward process, white vs cloud", runSNR},
		{"theory", "exact DDIM/DDPM output with the optimal denoiser: LSD, KL, band settling against K", runTheory},
		{"train", "train a small diffusion model with white or cloud noise", runTrain},
		{"generate", "sample images from a trained checkpoint", runGenerate},
		{"diagnose", "sanity checks of a trained model: sample variance, border frames, x̂0 error against the Gaussian bound", runDiagnose},
		{"experiment", "train white and cloud models and measure their samples against K", runExperiment},
		{"version", "print the version of cloudnoise, its commit and the Go version", runVersion},
	}
}

const mainUsage = `cloudnoise: scale-invariant (cloud) noise, spectra, distances and diffusion.

Usage:
  cloudnoise COMMAND [flags] [arguments]

Commands:
%s
Start here:
  cloudnoise demo                      # writes ./cloudnoise-demo/ in under a minute
  cloudnoise sample -n 128 -o cloud.png
  cloudnoise fit -plot spectrum.png photos/
  cloudnoise COMMAND -h                # flags and examples of one command
`

func writeMainUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainUsage, b.String())
}

// run is the whole command: it parses args (without the program name),
// runs one subcommand, and returns its error. Output goes to stdout,
// usage text and progress to stderr. It never panics: a panic is turned
// into an internal error.
func run(args []string, stdout, stderr io.Writer) error {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run with a context; cancelling it stops a long command
// (train) cleanly, as Ctrl-C does.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (please report it): %v\n%s", r, firstFrames(debug.Stack()))
		}
	}()
	if len(args) == 0 {
		writeMainUsage(stderr)
		return usageErrorf("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		writeMainUsage(stdout)
		return nil
	}
	for _, c := range commandsFn() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	names := make([]string, 0, 8)
	for _, c := range commands() {
		names = append(names, c.name)
	}
	sort.Strings(names)
	return &usageError{msg: fmt.Sprintf("unknown command %q (commands: %s)", name, strings.Join(names, ", "))}
}

// firstFrames keeps the panic location from a stack trace, so that an
// internal error is one short report, not a trace.
func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") && i+3 < len(lines) {
			return "at " + strings.TrimSpace(lines[i+3])
		}
	}
	return ""
}

// usageError is misuse of the command: exit status 2. cmd names the
// subcommand whose usage the hint points to ("" for the main usage).
type usageError struct{ msg, cmd string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// usageHint returns the line printed after the error line of a misuse,
// pointing to the usage text (as go and git do), or "" for other errors.
// The full usage is printed only with -h.
func usageHint(err error) string {
	var ue *usageError
	if !errors.As(err, &ue) {
		return ""
	}
	if ue.cmd == "" {
		return "Run 'cloudnoise -h' for the commands."
	}
	return fmt.Sprintf("Run 'cloudnoise %s -h' for its flags and examples.", ue.cmd)
}

// exitCode maps the error of run to the exit status: 0, 1 for failure, 2
// for misuse.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// libraryPrefixes are the error prefixes of the library's packages, which
// errorLine removes: the command's "cloudnoise: " says where the error is
// reported, the message says what went wrong.
var libraryPrefixes = []string{"noise: ", "imageio: ", "eval: ", "diffusion: "}

// errorLine is the single line printed for err: "cloudnoise: " and the
// message, with the library's package prefixes removed.
func errorLine(err error) string {
	msg := err.Error()
	for _, p := range libraryPrefixes {
		msg = strings.TrimPrefix(msg, p)
		msg = strings.ReplaceAll(msg, ": "+p, ": ")
	}
	msg = strings.ReplaceAll(msg, "\n", " ")
	return "cloudnoise: " + msg
}

// cmdFlags is the flag set of a subcommand with its usage text: the
// synopsis and examples followed by the flag defaults.
type cmdFlags struct {
	*flag.FlagSet
	name, synopsis, examples string
}

func newFlags(name, synopsis, examples string) *cmdFlags {
	fs := flag.NewFlagSet("cloudnoise "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, synopsis: synopsis, examples: examples}
}

// writeUsage writes the usage text to w.
func (f *cmdFlags) writeUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: cloudnoise %s %s\n\n", f.name, f.synopsis)
	if f.examples != "" {
		fmt.Fprintf(w, "Examples:\n%s\n", f.examples)
	}
	fmt.Fprintln(w, "Flags:")
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}

// parse parses args. It returns false when the command must stop: after
// -h, which prints the usage to stdout (err nil, exit 0), or on a bad
// flag, which returns a usage error naming the flag (see usageHint).
//
// Flags may follow the positional arguments ("fit photos/ -plot a.png"),
// unlike the standard flag package; "--" ends the flags.
func (f *cmdFlags) parse(args []string, stdout, stderr io.Writer) (bool, error) {
	var pos []string
	var err error
	for {
		if err = f.Parse(args); err != nil {
			break
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...) // after "--": all positional
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if err == nil {
		// Leave the positional arguments in f.Args().
		err = f.Parse(append([]string{"--"}, pos...))
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, flag.ErrHelp):
		f.writeUsage(stdout)
		return false, nil
	}
	return false, &usageError{msg: fmt.Sprintf("%s: %v", f.name, err), cmd: f.name}
}

// misuse returns a usage error (exit 2) with the message prefixed by the
// command name; the caller prints it with a pointer to -h (usageHint), not
// the whole usage. stderr is unused (kept to leave the many call sites
// unchanged).
func (f *cmdFlags) misuse(_ io.Writer, format string, a ...any) error {
	return &usageError{msg: f.name + ": " + fmt.Sprintf(format, a...), cmd: f.name}
}
