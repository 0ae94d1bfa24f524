package main

import (
	"runtime/debug"
	"testing"
)

func TestFloorPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 800},              // before the first collection: 4 MB × 8
		{4 << 20, 700},        // 4 MB live: the next at 32 MB
		{8 << 20, 300},        // 8 MB: at 32 MB
		{16 << 20, 100},       // half the floor: the default
		{(16 << 20) - 1, 100}, // just under half: 100 too (32 MB ≈ twice)
		{32 << 20, 100},       // the floor: twice, the default
		{48 << 20, 66},        // past it: a 32 MB headroom
		{64 << 20, 50},        // twice the floor: half the live heap
		{300 << 20, 50},       // a large heap: half of it
	} {
		if got := floorPercent(tc.live); got != tc.want {
			t.Errorf("floorPercent(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// TestGCFloorLeavesUserSettings checks that GOGC or GOMEMLIMIT in the
// environment turns the floor off.
func TestGCFloorLeavesUserSettings(t *testing.T) {
	before := debug.SetGCPercent(123)
	defer debug.SetGCPercent(before)
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		startGCFloor(func(k string) string {
			if k == name {
				return "100"
			}
			return ""
		})
		if p := debug.SetGCPercent(123); p != 123 {
			t.Errorf("with %s set, the percentage became %d", name, p)
		}
	}
}
