// falseshare_test.go - Go's side of experiments/falseshare.c: MECHLAB_THREADS
// goroutines, each incrementing its own counter b.N times, the counters
// MECHLAB_STRIDE bytes apart in one array (one line when 8 apart), measured
// by Go 1.19 in the same run. ns/op is the wall time per increment of one
// goroutine, as in falseshare.c.
//
//	MECHLAB_THREADS=2 MECHLAB_STRIDE=8 go test -run XXX -bench FalseShare
//
//	BenchmarkFalseShareStrided      c[i*stride/8]++ through a pointer: a
//	                                load, an add and a store per increment
//	                                (Go keeps memory in memory in loops)
//	BenchmarkFalseShareLocal        a local counter, written once at the end
//	BenchmarkFalseShareXaddPacked   atomic.AddUint64 (lock xadd), 8 apart
//	BenchmarkFalseShareXaddPadded   the same, 128 apart
package gobench

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// fsCounters: a 4 KiB-aligned array with room for threads counters.
func fsCounters(threads, stride int) (buf []uint64, base int) {
	buf = make([]uint64, (threads*stride+8192)/8)
	addr := uintptr(unsafe.Pointer(&buf[0]))
	base = int((4096 - addr%4096) % 4096 / 8)
	return buf, base
}

var fsSink uint64

func benchFalseShare(b *testing.B, kind int, stride int) {
	threads := int(envBytes("MECHLAB_THREADS", 1))
	buf, base := fsCounters(threads, stride)
	var start, done sync.WaitGroup
	start.Add(1)
	n := b.N
	for t := 0; t < threads; t++ {
		done.Add(1)
		c := &buf[base+t*stride/8]
		go func() {
			defer done.Done()
			start.Wait()
			switch kind {
			case 0:
				for i := 0; i < n; i++ {
					*c++
				}
			case 1:
				var local uint64
				for i := 0; i < n; i++ {
					local++
				}
				*c = local
			case 2:
				for i := 0; i < n; i++ {
					atomic.AddUint64(c, 1)
				}
			}
		}()
	}
	b.ResetTimer()
	start.Done()
	done.Wait()
	b.StopTimer()
	for t := 0; t < threads; t++ {
		fsSink += buf[base+t*stride/8]
	}
}

func BenchmarkFalseShareStrided(b *testing.B) {
	benchFalseShare(b, 0, int(envBytes("MECHLAB_STRIDE", 8)))
}
func BenchmarkFalseShareLocal(b *testing.B)      { benchFalseShare(b, 1, 8) }
func BenchmarkFalseShareXaddPacked(b *testing.B) { benchFalseShare(b, 2, 8) }
func BenchmarkFalseShareXaddPadded(b *testing.B) { benchFalseShare(b, 2, 128) }
