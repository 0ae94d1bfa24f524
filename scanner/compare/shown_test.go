package compare

import (
	"slices"
	"strings"
	"testing"
)

func TestShown(t *testing.T) {
	t.Parallel()
	user := Parse("application/json", []byte(`{"username":"alice","email":"alice@example.test","profile":{"display_name":"Alice"}}`))
	unchanged := Write{Effect: Unchanged, Reason: "every field compared is equal"}
	tests := []struct {
		name  string
		w     Write
		shape WriteShape
		want  Effect
		why   string // a part of the reason when Unverified
	}{
		{"email change read back with its email", unchanged, WriteShape{ByPath: true, Fields: []string{"email"}}, Unchanged, ""},
		{"names fold", unchanged, WriteShape{ByPath: true, Fields: []string{"displayName"}}, Unchanged, ""},
		{"one of several fields is enough", unchanged, WriteShape{ByPath: true, Fields: []string{"password", "email"}}, Unchanged, ""},
		{"a delete that left the object", unchanged, WriteShape{Delete: true}, Unchanged, ""},
		{"a password the read never shows", unchanged, WriteShape{ByPath: true, Fields: []string{"password", "confirm"}}, Unverified,
			"shows none of the fields the write sets (confirm, password)"},
		{"many missing fields are capped", unchanged, WriteShape{ByPath: true, Fields: []string{"a", "b", "c", "d", "e"}}, Unverified, "(a, b, c, …)"},
		{"a create naming the object in its body", unchanged, WriteShape{Fields: []string{"username", "email"}}, Unverified, "only in its body or query"},
		{"a bodiless action", unchanged, WriteShape{ByPath: true}, Unverified, "sends no fields"},
		{"fields without a name", unchanged, WriteShape{ByPath: true, Fields: []string{"", "$"}}, Unverified, "sends no fields"},
		{"a change is left alone", Write{Effect: Changed, Reason: "x"}, WriteShape{}, Changed, ""},
		{"gone is left alone", Write{Effect: Gone, Reason: "x"}, WriteShape{}, Gone, ""},
		{"unverified is left alone", Write{Effect: Unverified, Reason: "x"}, WriteShape{ByPath: true, Fields: []string{"email"}}, Unverified, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Shown(tt.w, tt.shape, user)
			if got.Effect != tt.want || !strings.Contains(got.Reason, tt.why) || len(got.Reason) > MaxReason {
				t.Fatalf("Shown = %s (%q), want %s with %q", got.Effect, got.Reason, tt.want, tt.why)
			}
		})
	}
	if got := Shown(unchanged, WriteShape{ByPath: true, Fields: []string{"email"}}, Parse("text/plain", []byte("alice"))); got.Effect != Unverified {
		t.Errorf("a text read shows no field: got %s", got.Effect)
	}
}

func TestSentFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct, body string
		want     []string
	}{
		{"application/json", `{"email":"a@b.c","profile":{"name":"x","tags":["a","b"]}}`, []string{"email", "name", "tags"}},
		{"application/x-www-form-urlencoded; charset=utf-8", "password=s3cret&confirm=s3cret", []string{"confirm", "password"}},
		{"application/json", `[1,2]`, []string{""}},
		{"text/plain", "hello", nil},
		{"", "", nil},
	}
	for _, tt := range tests {
		if got := SentFields(tt.ct, []byte(tt.body)); !slices.Equal(got, tt.want) {
			t.Errorf("SentFields(%q, %q) = %q, want %q", tt.ct, tt.body, got, tt.want)
		}
	}
}
