package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeCommands keeps the README's two set-up commands working and in
// step with CI: the main job is this command's demo, and the test command
// is the one .ci/run runs.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "go run ./cmd/cloudnoise demo")
	assert.Contains(t, string(readme), "\ngo test ./...")
	assert.Regexp(t, regexp.MustCompile(`(?m)^go test \./\.\.\.$`), string(ci), ".ci/run runs the README's test command unchanged")

	// Every subcommand is in the README's tour, and every flag the README
	// shows for it exists.
	flagRe := regexp.MustCompile(`(?:^|\s)-([a-z](?:[a-z-]*[a-z])?)\b`)
	for _, c := range commands() {
		assert.Contains(t, string(readme), "`"+c.name, "README tour mentions %s", c.name)
		for _, line := range strings.Split(string(readme), "\n") {
			if !strings.HasPrefix(line, "cloudnoise "+c.name+" ") {
				continue
			}
			stdout, _, err, _ := cliRun(t, c.name, "-h")
			require.NoError(t, err)
			cmdPart, _, _ := strings.Cut(line, "#")
			for _, m := range flagRe.FindAllStringSubmatch(cmdPart, -1) {
				assert.Regexp(t, `(?m)^  -`+m[1]+`( |$)`, stdout, "README line %q uses -%s, unknown to %s", line, m[1], c.name)
			}
		}
	}
}
