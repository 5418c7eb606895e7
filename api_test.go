package corio_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/corio-go/corio"
)

// What go doc lists of Task is what users call: the hub's plumbing (the
// fiber's Body and Exit, once promoted from an embedded type, which let a
// user run a task's body a second time) is not among its methods.
func TestTaskMethodsAreTheUsersOnly(t *testing.T) {
	want := []string{"Context", "Done", "Err", "Get", "ID", "Join", "Kill", "Name", "OnDone", "OnError", "OnValue", "State", "String", "Successful", "Value"}
	typ := reflect.TypeFor[*corio.Task[int]]()
	var got []string
	for i := range typ.NumMethod() {
		got = append(got, typ.Method(i).Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("*Task's exported methods are %v; want %v (a new one meant for users goes in this list)", got, want)
	}
}
