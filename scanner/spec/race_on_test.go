//go:build race

package spec

// raceEnabled reports a build with the race detector.
const raceEnabled = true
