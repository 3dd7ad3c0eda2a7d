// Command cloudnoise-beam estimates the spectrum and scaling parameter Δ of
// an image set on Apache Beam (see the module README).
package main

func main() {}
