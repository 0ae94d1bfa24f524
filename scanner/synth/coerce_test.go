package synth

import (
	"math"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestCoerce(t *testing.T) {
	t.Parallel()
	intS, numS, strS, boolS := openapi3.NewIntegerSchema(), openapi3.NewFloat64Schema(), openapi3.NewStringSchema(), openapi3.NewBoolSchema()
	tests := []struct {
		name   string
		v      any
		schema *openapi3.Schema
		want   any
	}{
		{"integer from string", "101", intS, int64(101)},
		{"integer from negative string", "-7", intS, int64(-7)},
		{"integer from exponent string", "1e3", intS, int64(1000)},
		{"integer from int", 101, intS, int64(101)},
		{"integer from uint64", uint64(101), intS, int64(101)},
		{"integer from huge uint64 stays", uint64(math.MaxUint64), intS, uint64(math.MaxUint64)},
		{"integer from whole float64", 101.0, intS, int64(101)},
		{"integer from fractional float64 stays", 1.5, intS, 1.5},
		{"integer from non-numeric string stays", "abc", intS, "abc"},
		{"integer from bool stays", true, intS, true},
		{"number from string", "1.5", numS, 1.5},
		{"number from integral string", "2", numS, int64(2)},
		{"number from int", 3, numS, int64(3)},
		{"number from float64", 2.25, numS, 2.25},
		{"number from NaN string stays", "NaN", numS, "NaN"},
		{"number from word stays", "many", numS, "many"},
		{"string from int", 101, strS, "101"},
		{"string from int64", int64(-4), strS, "-4"},
		{"string from uint64", uint64(18446744073709551615), strS, "18446744073709551615"},
		{"string from float64 without exponent", 1e20, strS, "100000000000000000000"},
		{"string from fractional float64", 1.5, strS, "1.5"},
		{"string from bool", true, strS, "true"},
		{"string stays", "x", strS, "x"},
		{"string from list stays", []any{1}, strS, []any{1}},
		{"boolean from string", "true", boolS, true},
		{"boolean from FALSE", "FALSE", boolS, false},
		{"boolean from word stays", "yes", boolS, "yes"},
		{"boolean from bool", false, boolS, false},
		{"array from scalar", "7", arrayOf(intS), []any{int64(7)}},
		{"array from list", []any{"1", 2, "x"}, arrayOf(intS), []any{int64(1), int64(2), "x"}},
		{"array from typed list", []string{"1", "2"}, arrayOf(intS), []any{int64(1), int64(2)}},
		{"array of strings from ints", []int{1, 2}, arrayOf(strS), []any{"1", "2"}},
		{"array without items", 5, openapi3.NewArraySchema(), []any{5}},
		{"object stays", 5, openapi3.NewObjectSchema(), 5},
		{"nil schema stays", "101", nil, "101"},
		{"untyped stays", "101", &openapi3.Schema{}, "101"},
		{"nil value stays", nil, intS, nil},
		{"3.1 type array, null first", "101", typed("null", "integer"), int64(101)},
		{"allOf gives the type", "101", &openapi3.Schema{AllOf: openapi3.SchemaRefs{ref(intS)}}, int64(101)},
		{"oneOf first alternative gives the type", 101, &openapi3.Schema{OneOf: openapi3.SchemaRefs{ref(strS), ref(intS)}}, "101"},
		{"inferred from format", "5", &openapi3.Schema{Format: "int64"}, int64(5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Coerce(tc.v, tc.schema)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Coerce(%#v) = %#v, want %#v", tc.v, got, tc.want)
			}
		})
	}
}

func TestCoerceCircular(t *testing.T) {
	t.Parallel()
	s := openapi3.NewArraySchema()
	s.Items = ref(s)
	loop := &openapi3.Schema{}
	loop.AllOf = openapi3.SchemaRefs{ref(loop)}
	if got := Coerce("1", s); !reflect.DeepEqual(got, []any{"1"}) {
		t.Errorf("Coerce on a self-referencing array = %#v", got)
	}
	if got := Coerce("1", loop); got != "1" {
		t.Errorf("Coerce on a self-referencing allOf = %#v", got)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want string
	}{
		{int64(101), "101"},
		{101, "101"},
		{uint64(7), "7"},
		{1.5, "1.5"},
		{1e21, "1000000000000000000000"},
		{float32(0.25), "0.25"},
		{true, "true"},
		{nil, ""},
		{"a b", "a b"},
		{map[string]any{"b": 1, "a": "<x>"}, `{"a":"<x>","b":1}`},
	}
	for _, tc := range tests {
		if got := render(tc.v); got != tc.want {
			t.Errorf("render(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
