// sched_exp_test.go - Go's side of experiments/sched.c: b.N tasks in a
// shared pool, W = wpc x GOMAXPROCS workers (rounded, at least 1) taking
// them one at a time. One op is one task. The harness runs these as the
// go:cpu, go:sleep and go:pipe series with MECHLAB_WPC set (workers per
// core, a decimal such as 0.25); by hand:
//
//	MECHLAB_WPC=8 go test -run '^$' -bench 'Sched(CPU|Sleep|Pipe)'
//
//	BenchmarkSchedCPU    a cache-resident compute task: the same
//	                     multiply-xorshift chain as sched.c (1500 steps)
//	BenchmarkSchedSleep  time.Sleep(1 ms)
//	BenchmarkSchedPipe   a request/response over a socketpair with an echo
//	                     goroutine per worker that waits 1 ms before
//	                     answering; both ends are pollable *os.File, so the
//	                     waits park in Go's netpoller
//
// Each reports tasks_per_ms, the throughput, as sched.c does.
package gobench

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const schedBlock = time.Millisecond

func schedWorkers(b *testing.B) int {
	wpc := 1.0
	if s := os.Getenv("MECHLAB_WPC"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			b.Fatalf("MECHLAB_WPC=%q: want a positive number", s)
		}
		wpc = v
	}
	w := int(math.Round(wpc * float64(runtime.GOMAXPROCS(0))))
	if w < 1 {
		w = 1
	}
	return w
}

func schedCompute(x uint64) uint64 {
	for i := 0; i < 1500; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

var schedSink uint64

func schedRun(b *testing.B, task func(w int, t uint64) uint64, setup func(w int), teardown func(w int)) {
	w := schedWorkers(b)
	if setup != nil {
		setup(w)
	}
	var next, done, sink uint64
	var wg sync.WaitGroup
	n := uint64(b.N)
	b.ResetTimer()
	t0 := time.Now()
	wg.Add(w)
	for i := 0; i < w; i++ {
		go func(i int) {
			defer wg.Done()
			acc, mine := uint64(i), uint64(0)
			for t := atomic.AddUint64(&next, 1) - 1; t < n; t = atomic.AddUint64(&next, 1) - 1 {
				acc = task(i, acc+t)
				mine++
			}
			atomic.AddUint64(&sink, acc)
			atomic.AddUint64(&done, mine)
		}(i)
	}
	wg.Wait()
	el := time.Since(t0)
	b.StopTimer()
	if teardown != nil {
		teardown(w)
	}
	if done != n {
		b.Fatalf("tasks done %d, want %d", done, n)
	}
	schedSink += sink
	b.ReportMetric(float64(n)/(float64(el.Nanoseconds())/1e6), "tasks_per_ms")
	b.ReportMetric(float64(w), "workers")
}

func BenchmarkSchedCPU(b *testing.B) {
	schedRun(b, func(_ int, x uint64) uint64 { return schedCompute(x) }, nil, nil)
}

func BenchmarkSchedSleep(b *testing.B) {
	schedRun(b, func(_ int, x uint64) uint64 { time.Sleep(schedBlock); return x }, nil, nil)
}

func BenchmarkSchedPipe(b *testing.B) {
	var worker, echo []*os.File
	var ewg sync.WaitGroup
	pollable := func(fd int) *os.File {
		if err := syscall.SetNonblock(fd, true); err != nil {
			b.Fatal(err)
		}
		return os.NewFile(uintptr(fd), "socketpair")
	}
	setup := func(w int) {
		worker = make([]*os.File, w)
		echo = make([]*os.File, w)
		for i := 0; i < w; i++ {
			fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
			if err != nil {
				b.Fatal(err)
			}
			worker[i], echo[i] = pollable(fds[0]), pollable(fds[1])
			ewg.Add(1)
			go func(f *os.File) {
				defer ewg.Done()
				buf := []byte{0}
				for {
					if _, err := f.Read(buf); err != nil {
						return
					}
					time.Sleep(schedBlock)
					if _, err := f.Write(buf); err != nil {
						return
					}
				}
			}(echo[i])
		}
	}
	teardown := func(w int) {
		for i := 0; i < w; i++ {
			worker[i].Close()
		}
		ewg.Wait()
		for i := 0; i < w; i++ {
			echo[i].Close()
		}
	}
	task := func(i int, x uint64) uint64 {
		buf := []byte{'q'}
		if _, err := worker[i].Write(buf); err != nil {
			b.Error(err)
		}
		if _, err := worker[i].Read(buf); err != nil {
			b.Error(err)
		}
		return x
	}
	schedRun(b, task, setup, teardown)
}
