// gogc_test.go - Go's side of experiments/gogc.c: the churn of 2 MiB
// trees beside a long-lived structure, at the GOGC and memory limit the
// harness passes (MECHLAB_GOGC, -1 = off; the limit variant's
// GOMEMLIMIT is 3 x MECHLAB_TREE_BYTES, as in gogc.c), measured by Go 1.19 in the same run as ours.
//
//	MECHLAB_GOGC=200 go test -run XXX -bench GOGC -count 3
//
//	BenchmarkGOGCChurn       long-lived tree of MECHLAB_TREE_BYTES
//	BenchmarkGOGCChurnLimit  the same with debug.SetMemoryLimit
//	BenchmarkGOGCLivePtr     long-lived MECHLAB_LIVE_BYTES of 64 KiB
//	                         objects whose every word is a pointer
//	BenchmarkGOGCLiveNoscan  the same bytes as []byte
//
// One op: one short-lived tree (gc_test.go's bottomUp) built, walked and
// dropped. The GC figures cover whole cycles of the steady state: ops run
// untimed to the end of the first cycle before the timed loop, and after
// it to the end of the next cycle (window_ops counts the window's).
// Metrics, as gogc.c names them: cycles_per_100, gc_cpu_pct
// (MemStats.GCCPUFraction's change), gc_cpu_ms_cycle, max_pause_us
// (MemStats.PauseNs, a cycle's two pauses summed), pause_us_per_100
// (PauseTotalNs), peak_heap_mib (/memory/classes/heap/objects:bytes after
// each op), live_mib (the same after runtime.GC() at the start),
// overhead_mib (peak - live), heap_goal_mib (MemStats.NextGC at the end:
// gctrace's "MB goal"), peak_rss_mib (VmHWM growth).
package gobench

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// tailMax bounds the untimed run to the end of a cycle (gogc.c's
// GG_TAIL_MAX_S).
const tailMax = 20 * time.Second

// gogcValue is MECHLAB_GOGC (negative: off), 100 when unset or bad.
func gogcValue() int {
	if v, err := strconv.Atoi(os.Getenv("MECHLAB_GOGC")); err == nil {
		return v
	}
	return 100
}

func benchGOGC(b *testing.B, long func() any, limit bool) {
	rss0, hwm := startRSS()
	keep := long()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	live := s[0].Value.Uint64()
	oldPct := debug.SetGCPercent(gogcValue())
	oldLim := debug.SetMemoryLimit(math.MaxInt64)
	if limit {
		debug.SetMemoryLimit(3 * envBytes("MECHLAB_TREE_BYTES", 64<<20))
	}
	defer debug.SetGCPercent(oldPct)
	defer debug.SetMemoryLimit(oldLim)
	want := (2 << shortDepth) - 1
	cycles := func() uint64 { return 0 }
	if gogcValue() >= 0 || limit {
		cyc := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		cycles = func() uint64 {
			metrics.Read(cyc)
			return cyc[0].Value.Uint64()
		}
		// Warm-up, untimed, as gogc.c: to the end of the first cycle,
		// which starts from the live heap alone.
		end := cycles()
		for w0 := time.Now(); cycles() <= end && time.Since(w0) < tailMax; {
			if bottomUp(shortDepth).check() != want {
				b.Fatal("short-lived tree miscounted")
			}
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var peak uint64
	t0 := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := bottomUp(shortDepth)
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak {
			peak = v
		}
		if t.check() != want {
			b.Fatal("short-lived tree miscounted")
		}
	}
	b.StopTimer()
	// Whole cycles, as gogc.c: run on, untimed, to the end of the first
	// cycle that ends after the timed loop (GCCPUFraction moves only when
	// a cycle ends), unless no cycle can come (GOGC=off, no limit).
	ops := b.N
	if gogcValue() >= 0 || limit {
		end := cycles()
		tail0 := time.Now()
		for {
			t := bottomUp(shortDepth)
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak {
				peak = v
			}
			if t.check() != want {
				b.Fatal("short-lived tree miscounted")
			}
			ops++
			if cycles() > end || time.Since(tail0) > tailMax {
				break
			}
		}
	}
	wall := time.Since(t0).Seconds()
	runtime.ReadMemStats(&ms1)
	n0, n1 := ms0.NumGC, ms1.NumGC
	maxPause := maxPauseNs(&ms0, &ms1)
	el := func(ms *runtime.MemStats) float64 {
		if ms.LastGC == 0 {
			return 0
		}
		return float64(int64(ms.LastGC)-procStart.UnixNano()) / 1e9
	}
	// GCCPUFraction is over the process's life up to the last cycle.
	cpu := ms1.GCCPUFraction*el(&ms1) - ms0.GCCPUFraction*el(&ms0)
	procs := float64(runtime.GOMAXPROCS(0))
	mib := func(v uint64) float64 { return float64(v) / (1 << 20) }
	b.ReportMetric(100*float64(n1-n0)/float64(ops), "cycles_per_100")
	if n1 > n0 { // no cycle: n/a, never 0
		b.ReportMetric(100*cpu/wall, "gc_cpu_pct")
		b.ReportMetric(cpu*procs*1e3/float64(n1-n0), "gc_cpu_ms_cycle")
		b.ReportMetric(float64(maxPause)/1e3, "max_pause_us")
	}
	b.ReportMetric(100*float64(ms1.PauseTotalNs-ms0.PauseTotalNs)/1e3/
		float64(ops), "pause_us_per_100")
	b.ReportMetric(float64(ops), "window_ops")
	b.ReportMetric(mib(peak), "peak_heap_mib")
	b.ReportMetric(mib(live), "live_mib")
	b.ReportMetric(mib(peak)-mib(live), "overhead_mib")
	if gogcValue() >= 0 || limit {
		b.ReportMetric(mib(ms1.NextGC), "heap_goal_mib")
	}
	if hwm {
		if h := statusBytes("VmHWM"); h >= 0 {
			b.ReportMetric(float64(h-rss0)/(1<<20), "peak_rss_mib")
		}
	}
	runtime.KeepAlive(keep)
}

func longTree() any {
	return bottomUp(depthFor(envBytes("MECHLAB_TREE_BYTES", 64<<20)))
}

func longObjects(ptrs bool) func() any {
	return func() any {
		n, r := liveHeap(envBytes("MECHLAB_LIVE_BYTES", 64<<20), ptrs)
		if ptrs {
			return r
		}
		return n
	}
}

// liveHeap builds heap bytes of 64 KiB objects: pointer-free, or each word
// pointing to a random object (gc_test.go's forcedHeap uses it too).
func liveHeap(heap int64, ptrs bool) ([][]byte, [][]unsafe.Pointer) {
	const objb = 64 << 10
	n := int(heap / objb)
	if !ptrs {
		noscan := make([][]byte, n)
		for i := range noscan {
			o := make([]byte, objb)
			for j := range o {
				o[j] = 0x5a
			}
			noscan[i] = o
		}
		return noscan, nil
	}
	rich := make([][]unsafe.Pointer, n)
	for i := range rich {
		rich[i] = make([]unsafe.Pointer, objb/8)
	}
	s := uint64(0x9e3779b97f4a7c15)
	for i := range rich {
		for j := range rich[i] {
			s ^= s << 13
			s ^= s >> 7
			s ^= s << 17
			rich[i][j] = unsafe.Pointer(&rich[s%uint64(n)][0])
		}
	}
	return nil, rich
}

func BenchmarkGOGCChurn(b *testing.B)      { benchGOGC(b, longTree, false) }
func BenchmarkGOGCChurnLimit(b *testing.B) { benchGOGC(b, longTree, true) }
func BenchmarkGOGCLivePtr(b *testing.B)    { benchGOGC(b, longObjects(true), false) }
func BenchmarkGOGCLiveNoscan(b *testing.B) { benchGOGC(b, longObjects(false), false) }
