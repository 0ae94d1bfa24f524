//go:build race

package synth

// raceEnabled reports a build with the race detector.
const raceEnabled = true
