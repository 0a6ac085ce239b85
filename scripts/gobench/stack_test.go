// stack_test.go - Go's side of experiments/stackgrowth.c: one deep call
// recurses through MECHLAB_DEPTH bytes of stack in frames of about 256
// bytes, makes 64 leaf calls at the bottom and returns. One op is one deep
// call. The harness runs these as go:grown and go:lazy:
//
//	BenchmarkStackGrown  every deep call in one goroutine that has already
//	                     grown its stack (Go shrinks stacks only at GC)
//	BenchmarkStackFresh  every deep call in a fresh goroutine, whose stack
//	                     starts at 2 KiB and is grown by copying
//
// By hand: MECHLAB_DEPTH=1048576 go test -run '^$' -bench Stack
package gobench

import (
	"os"
	"strconv"
	"testing"
)

const stackFrame = 256

//go:noinline
func stackLeaf(x int) byte {
	var f [stackFrame - 32]byte
	f[0] = byte(x)
	return f[0] + 1
}

//go:noinline
func stackRecurse(d int) byte {
	var f [stackFrame - 32]byte
	f[0] = byte(d)
	f[len(f)-1] = 1
	if d == 0 {
		s := byte(0)
		for i := 0; i < 64; i++ {
			s += stackLeaf(i)
		}
		return s
	}
	return stackRecurse(d-1) + f[0] + f[len(f)-1]
}

func stackFrames(b *testing.B) int {
	d := 65536
	if s := os.Getenv("MECHLAB_DEPTH"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < stackFrame {
			b.Fatalf("MECHLAB_DEPTH=%q: want bytes >= %d", s, stackFrame)
		}
		d = v
	}
	return d / stackFrame
}

var stackSink byte

func BenchmarkStackGrown(b *testing.B) {
	frames := stackFrames(b)
	done := make(chan byte)
	go func() {
		s := stackRecurse(frames) // grow once, untimed
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s += stackRecurse(frames)
		}
		done <- s
	}()
	stackSink = <-done
}

func BenchmarkStackFresh(b *testing.B) {
	frames := stackFrames(b)
	done := make(chan byte)
	var s byte
	for i := 0; i < b.N; i++ {
		go func() { done <- stackRecurse(frames) }()
		s += <-done
	}
	stackSink = s
}
