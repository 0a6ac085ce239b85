// sched_test.go - Go's side of experiments/primitives.c: the same runtime
// primitives measured by Go 1.19 on the same machine, so that our
// runtime's figures are read beside Go's.
//
//	cd scripts/gobench && go test -run XXX -bench 'Gosched|GoExit|Mutex|Sleep' -count 5
//
// One op is the same as in primitives.c:
//
//	BenchmarkGoschedPingPong   one switch: two goroutines alternating with
//	                           runtime.Gosched, GOMAXPROCS=1 for the run
//	BenchmarkGoExit            one go statement of an empty goroutine,
//	                           counted down on a WaitGroup, in waves of 16
//	BenchmarkMutexUncontended  one Lock+Unlock, one goroutine
//	BenchmarkMutexContended    one Lock+Unlock, GOMAXPROCS goroutines on
//	                           one Mutex
//	BenchmarkSleep20us         one time.Sleep(20 * time.Microsecond); the
//	                           late_ns metric is the mean time past it
package gobench

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func BenchmarkGoschedPingPong(b *testing.B) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	var wg sync.WaitGroup
	n := b.N
	wg.Add(1)
	b.ResetTimer()
	go func() {
		defer wg.Done()
		for i := 0; i < n/2; i++ {
			runtime.Gosched()
		}
	}()
	for i := 0; i < n-n/2; i++ {
		runtime.Gosched()
	}
	wg.Wait()
}

func BenchmarkGoExit(b *testing.B) {
	var wg sync.WaitGroup
	for done := 0; done < b.N; {
		k := b.N - done
		if k > 16 {
			k = 16
		}
		wg.Add(k)
		for i := 0; i < k; i++ {
			go wg.Done()
		}
		wg.Wait()
		done += k
	}
}

func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	c := 0
	for i := 0; i < b.N; i++ {
		mu.Lock()
		c++
		mu.Unlock()
	}
	_ = c
}

func BenchmarkMutexContended(b *testing.B) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	g := runtime.GOMAXPROCS(0)
	counter := uint64(0)
	for w := 0; w < g; w++ {
		n := b.N / g
		if w == 0 {
			n += b.N % g
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				mu.Lock()
				counter = counter*3 + 1
				mu.Unlock()
			}
		}(n)
	}
	wg.Wait()
}

func BenchmarkSleep20us(b *testing.B) {
	const d = 20 * time.Microsecond
	var late time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		time.Sleep(d)
		late += time.Since(t0) - d
	}
	b.ReportMetric(float64(late.Nanoseconds())/float64(b.N), "late_ns")
}
