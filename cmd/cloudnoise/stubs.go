package main

import (
	"context"
	"errors"
	"io"
)

// Placeholders until the diffusion trainer lands.
func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("train: not implemented yet")
}
func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("generate: not implemented yet")
}
