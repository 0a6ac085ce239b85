// pool_test.go - Go's side of experiments/pool.c: a fresh object per use
// vs a global locked free list vs sync.Pool, for objects of
// MECHLAB_OBJ_BYTES, on one goroutine or handed to another over a channel
// of 64, measured by Go 1.19 in the same run as ours.
//
//	MECHLAB_OBJ_BYTES=65536 go test -run XXX -bench Pool -count 3
//
// One op, as in pool.c: get an object, write its first and last word,
// release it (cross: one object through the pipeline). Each benchmark
// reports its b.N as the metric ops_per_rep, beside pool.c's own count.
//
//	BenchmarkPoolAlloc          make([]byte, n), dropped
//	BenchmarkPoolFreelist       pop/push on a sync.Mutex-guarded slice
//	BenchmarkPoolGetPut         sync.Pool Get + Put
//	BenchmarkPool*Cross         the same, released on another goroutine
//	BenchmarkPoolGC1, GC2       Get+Put, runtime.GC() once or twice,
//	                            Get+Put (victim cache hit, or made anew)
package gobench

import (
	"runtime"
	"sync"
	"testing"
)

func objBytes() int {
	return int(envBytes("MECHLAB_OBJ_BYTES", 64))
}

// A source hands out *[]byte, as sync.Pool users do (a []byte put in an
// interface would allocate its header on every Put).
type source interface {
	get() *[]byte
	put(*[]byte)
}

// allocSrc: a fresh slice per use (the header and the bytes: what
// make([]byte, n) behind an interface costs).
type allocSrc struct{ n int }

func (a *allocSrc) get() *[]byte { b := make([]byte, a.n); return &b }
func (a *allocSrc) put(*[]byte)  {}

type listSrc struct {
	mu   sync.Mutex
	free []*[]byte
	n    int
}

func (l *listSrc) get() *[]byte {
	l.mu.Lock()
	if k := len(l.free); k > 0 {
		x := l.free[k-1]
		l.free = l.free[:k-1]
		l.mu.Unlock()
		return x
	}
	l.mu.Unlock()
	b := make([]byte, l.n)
	return &b
}
func (l *listSrc) put(x *[]byte) {
	l.mu.Lock()
	l.free = append(l.free, x)
	l.mu.Unlock()
}

type poolSrc struct{ p sync.Pool }

func newPoolSrc(n int) *poolSrc {
	s := &poolSrc{}
	s.p.New = func() any { b := make([]byte, n); return &b }
	return s
}
func (s *poolSrc) get() *[]byte  { return s.p.Get().(*[]byte) }
func (s *poolSrc) put(x *[]byte) { s.p.Put(x) }

var poolSink byte

func use(p *[]byte) {
	x := *p
	x[0] = poolSink
	x[len(x)-1] = poolSink
	poolSink += x[1]
}

func benchSame(b *testing.B, s source, gcs int) {
	defer b.ReportMetric(float64(b.N), "ops_per_rep")
	for i := 0; i < b.N; i++ {
		x := s.get()
		use(x)
		s.put(x)
		if gcs > 0 {
			for g := 0; g < gcs; g++ {
				runtime.GC()
			}
			y := s.get()
			use(y)
			s.put(y)
		}
	}
}

func benchCross(b *testing.B, s source) {
	defer b.ReportMetric(float64(b.N), "ops_per_rep")
	ch := make(chan *[]byte, 64)
	done := make(chan struct{})
	n := b.N
	go func() {
		for i := 0; i < n; i++ {
			x := <-ch
			use(x)
			s.put(x)
		}
		close(done)
	}()
	for i := 0; i < n; i++ {
		x := s.get()
		use(x)
		ch <- x
	}
	<-done
}

func BenchmarkPoolAlloc(b *testing.B)    { benchSame(b, &allocSrc{objBytes()}, 0) }
func BenchmarkPoolFreelist(b *testing.B) { benchSame(b, &listSrc{n: objBytes()}, 0) }
func BenchmarkPoolGetPut(b *testing.B)   { benchSame(b, newPoolSrc(objBytes()), 0) }
func BenchmarkPoolAllocCross(b *testing.B) {
	benchCross(b, &allocSrc{objBytes()})
}
func BenchmarkPoolFreelistCross(b *testing.B) {
	benchCross(b, &listSrc{n: objBytes()})
}
func BenchmarkPoolGetPutCross(b *testing.B) { benchCross(b, newPoolSrc(objBytes())) }
func BenchmarkPoolGC1(b *testing.B)         { benchSame(b, newPoolSrc(objBytes()), 1) }
func BenchmarkPoolGC2(b *testing.B)         { benchSame(b, newPoolSrc(objBytes()), 2) }
