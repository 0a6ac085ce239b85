// alloc_test.go - Go's side of the heap variants of experiments/primitives.c:
// allocation and sync.Pool, measured by Go 1.19 on the same machine.
//
//	cd scripts/gobench && go test -run XXX -bench 'Alloc|Pool' -count 5
//
// One op is the same as in primitives.c:
//
//	BenchmarkAlloc64        one new() of a 64-byte struct of 8 pointers
//	                        that escapes, at GOGC=100 (the collections it
//	                        causes are paid in the loop)
//	BenchmarkAlloc64Noscan  the same with a pointer-free 64-byte struct
//	BenchmarkPoolGetPut64   one Get+Put on a sync.Pool of 64-byte objects
//	BenchmarkPoolGetPut64k  the same with 64 KiB objects
package gobench

import (
	"runtime/debug"
	"sync"
	"testing"
)

type obj64 struct{ w [8]*obj64 }
type obj64Noscan struct{ w [8]uintptr }

var (
	sink64       *obj64
	sink64Noscan *obj64Noscan
	sinkAny      any
)

func BenchmarkAlloc64(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for i := 0; i < b.N; i++ {
		sink64 = new(obj64)
	}
}

func BenchmarkAlloc64Noscan(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for i := 0; i < b.N; i++ {
		sink64Noscan = new(obj64Noscan)
	}
}

func benchPool(b *testing.B, p *sync.Pool) {
	for i := 0; i < b.N; i++ {
		x := p.Get()
		p.Put(x)
	}
	sinkAny = p.Get()
}

func BenchmarkPoolGetPut64(b *testing.B) {
	benchPool(b, &sync.Pool{New: func() any { return new(obj64) }})
}

func BenchmarkPoolGetPut64k(b *testing.B) {
	benchPool(b, &sync.Pool{New: func() any { return new([65536]byte) }})
}
