// valueptr_test.go - Go's side of experiments/valueptr.c: the same calls
// (pass a struct by value or by pointer, return it by value or as a
// pointer to a fresh heap object), measured by Go 1.19 in the same run.
// MECHLAB_BYTES is the struct size (8..4096).
//
//	MECHLAB_BYTES=64 go test -run XXX -bench ValuePtr -count 3
//	go test -c -gcflags=-m 2>&1 | grep valueptr_test.go
//
// The second line is Go's escape analysis of this file: takeVal's and
// takePtr's arguments "do not escape", makeVal's result stays in the
// caller's frame, makePtr's local is "moved to heap: v" (the escape of
// the lesson). Generic shape functions do not print "does not escape" for
// their parameters: no line means nothing escaped. The harness builds the
// twins with -gcflags=-m (build/gobench.log) and valueptr's summary prints
// those lines beside the measured cost.
//
//	BenchmarkValuePtrPassVal   takeVal(v): the struct copied per call
//	BenchmarkValuePtrPassPtr   takePtr(&v)
//	BenchmarkValuePtrRetVal    v := makeVal(i)
//	BenchmarkValuePtrRetPtr    p := makePtr(i): a heap object per call,
//	                           garbage for the collector (ours: ret_gc)
package gobench

import (
	"testing"
	"unsafe"
)

func vpBytes() int64 { return envBytes("MECHLAB_BYTES", 64) }

// The struct sizes of valueptr.c: N bytes of uint64 words.
type (
	s8    [1]uint64
	s16   [2]uint64
	s32   [4]uint64
	s64   [8]uint64
	s128  [16]uint64
	s256  [32]uint64
	s512  [64]uint64
	s1024 [128]uint64
	s2048 [256]uint64
	s4096 [512]uint64
)

type words interface {
	s8 | s16 | s32 | s64 | s128 | s256 | s512 | s1024 | s2048 | s4096
}

//go:noinline
func takeVal[T words](v T) uint64 {
	p := unsafe.Pointer(&v)
	return *(*uint64)(p) + *(*uint64)(unsafe.Add(p, unsafe.Sizeof(v)-8))
}

//go:noinline
func takePtr[T words](v *T) uint64 {
	p := unsafe.Pointer(v)
	return *(*uint64)(p) + *(*uint64)(unsafe.Add(p, unsafe.Sizeof(*v)-8))
}

//go:noinline
func makeVal[T words](seed uint64) T {
	var v T
	w := unsafe.Slice((*uint64)(unsafe.Pointer(&v)), unsafe.Sizeof(v)/8)
	for i := range w {
		w[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func makePtr[T words](seed uint64) *T {
	var v T
	w := unsafe.Slice((*uint64)(unsafe.Pointer(&v)), unsafe.Sizeof(v)/8)
	for i := range w {
		w[i] = seed + uint64(i)
	}
	return &v
}

var vpSink uint64

func first[T words](v *T) uint64 {
	p := unsafe.Pointer(v)
	return *(*uint64)(p) + *(*uint64)(unsafe.Add(p, unsafe.Sizeof(*v)-8))
}

func calls[T words](b *testing.B, kind int) {
	var v T
	w := unsafe.Slice((*uint64)(unsafe.Pointer(&v)), unsafe.Sizeof(v)/8)
	for i := range w {
		w[i] = uint64(i)
	}
	var acc uint64
	b.ResetTimer()
	switch kind {
	case 0:
		for i := 0; i < b.N; i++ {
			acc += takeVal(v)
		}
	case 1:
		for i := 0; i < b.N; i++ {
			acc += takePtr(&v)
		}
	case 2:
		for i := 0; i < b.N; i++ {
			r := makeVal[T](uint64(i))
			acc += first(&r)
		}
	case 3:
		for i := 0; i < b.N; i++ {
			acc += first(makePtr[T](uint64(i)))
		}
	}
	vpSink += acc
}

func benchCalls(b *testing.B, kind int) {
	switch vpBytes() {
	case 8:
		calls[s8](b, kind)
	case 16:
		calls[s16](b, kind)
	case 32:
		calls[s32](b, kind)
	case 64:
		calls[s64](b, kind)
	case 128:
		calls[s128](b, kind)
	case 256:
		calls[s256](b, kind)
	case 512:
		calls[s512](b, kind)
	case 1024:
		calls[s1024](b, kind)
	case 2048:
		calls[s2048](b, kind)
	case 4096:
		calls[s4096](b, kind)
	default:
		b.Skipf("calls take structs of 8..4096 bytes (powers of two), not %d",
			vpBytes())
	}
}

func BenchmarkValuePtrPassVal(b *testing.B) { benchCalls(b, 0) }
func BenchmarkValuePtrPassPtr(b *testing.B) { benchCalls(b, 1) }
func BenchmarkValuePtrRetVal(b *testing.B)  { benchCalls(b, 2) }
func BenchmarkValuePtrRetPtr(b *testing.B)  { benchCalls(b, 3) }
