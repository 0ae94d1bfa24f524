package detect

import "testing"

func TestClassOf(t *testing.T) {
	cases := []struct {
		status int
		want   Class
	}{
		{200, Class2xx}, {204, Class2xx}, {299, Class2xx},
		{301, Class3xx}, {304, Class3xx},
		{401, Class401}, {403, Class403}, {404, Class404}, {429, Class429},
		{400, Class4xx}, {405, Class4xx}, {499, Class4xx},
		{500, Class5xx}, {503, Class5xx}, {599, Class5xx},
		{100, Class1xx}, {101, Class1xx},
		// Not a status a server sends: counted, as 1xx, never dropped.
		{0, Class1xx}, {-1, Class1xx}, {600, Class1xx}, {999, Class1xx},
	}
	for _, c := range cases {
		if got := ClassOf(c.status); got != c.want {
			t.Errorf("ClassOf(%d) = %v, want %v", c.status, got, c.want)
		}
	}
}

func TestClassString(t *testing.T) {
	want := []string{"2xx", "3xx", "401", "403", "404", "429", "4xx", "5xx", "1xx"}
	if len(want) != int(NumClasses) {
		t.Fatalf("%d names for %d classes", len(want), NumClasses)
	}
	for c := Class(0); c < NumClasses; c++ {
		if got := c.String(); got != want[c] {
			t.Errorf("Class(%d).String() = %q, want %q", c, got, want[c])
		}
	}
	if got := NumClasses.String(); got != "class(9)" {
		t.Errorf("NumClasses.String() = %q", got)
	}
}
