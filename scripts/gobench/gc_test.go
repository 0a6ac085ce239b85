// gc_test.go - Go's side of experiments/gcbench.c: the same collector
// workloads measured by Go 1.19 on the same machine, at GOGC=100 unless
// the environment says otherwise.
//
//	cd scripts/gobench && go test -run XXX -bench 'GC' -count 3
//
// One op is the same as in gcbench.c:
//
//	BenchmarkGCChurn         binary-trees: a long-lived tree of
//	                         MECHLAB_TREE_BYTES (default 64 MiB, 16-byte
//	                         nodes) stays live while short-lived 2 MiB trees
//	                         (depth 16) are built, walked and dropped; one
//	                         op is one short-lived tree
//	BenchmarkGCForcedNoscan  one runtime.GC() of a live heap of
//	                         MECHLAB_HEAP_BYTES (default 256 MiB) in 64 KiB
//	                         objects of pointer-free bytes
//	BenchmarkGCForcedPtr     the same bytes as objects whose every word
//	                         points to a random object of the heap
//
// Metrics, as gcbench.c names them:
//
//	max_pause_us    longest stop-the-world pause of the window: Go's
//	                MemStats.PauseNs, which is per cycle (its two pauses
//	                summed), so at most the sum of a cycle's two pauses
//	gc_cpu_pct      GC CPU over wall x GOMAXPROCS, from the change in
//	                MemStats.GCCPUFraction (stop-the-world and marking:
//	                assists, dedicated and fractional workers)
//	cycles_per_100  collections per 100 ops
//	peak_heap_mib   most bytes in heap objects (live or not yet swept,
//	                /memory/classes/heap/objects:bytes) after an op
//	peak_rss_mib    peak resident set growth over the start (VmHWM reset
//	                through /proc/self/clear_refs, minus VmRSS then)
package gobench

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

const shortDepth = 16 // 2^17-1 nodes of 16 bytes: 2 MiB

var procStart = time.Now()

func envBytes(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 {
			return v
		}
	}
	return def
}

type node struct{ left, right *node }

func bottomUp(depth int) *node {
	if depth <= 0 {
		return &node{}
	}
	l := bottomUp(depth - 1)
	r := bottomUp(depth - 1)
	return &node{l, r}
}

func (n *node) check() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

// depthFor is the depth of the largest complete tree of 16-byte nodes
// within bytes (gcbench.c's gb_depth).
func depthFor(bytes int64) int {
	d := 0
	for (int64(2)<<(d+1))-1 <= bytes/16 {
		d++
	}
	return d
}

// statusBytes reads VmRSS or VmHWM from /proc/self/status; -1 if absent.
func statusBytes(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, key+":") {
			fields := strings.Fields(line[len(key)+1:])
			if len(fields) > 0 {
				v, err := strconv.ParseInt(fields[0], 10, 64)
				if err == nil {
					return v * 1024
				}
			}
		}
	}
	return -1
}

func resetHWM() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// window measures what gcbench.c reports over a timed loop.
type window struct {
	ms0      runtime.MemStats
	t0       time.Time
	rss0     int64
	hwm      bool
	sample   []metrics.Sample
	peakHeap uint64
}

// begin: after the workload's setup, which began with startRSS.
func (w *window) begin(rss0 int64, hwm bool) {
	w.rss0, w.hwm = rss0, hwm
	w.sample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.ReadMemStats(&w.ms0)
	w.t0 = time.Now()
}

func (w *window) observeHeap() {
	metrics.Read(w.sample)
	if v := w.sample[0].Value.Uint64(); v > w.peakHeap {
		w.peakHeap = v
	}
}

func (w *window) end(b *testing.B) {
	wall := time.Since(w.t0).Seconds()
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	n0, n1 := w.ms0.NumGC, ms1.NumGC
	maxPause := maxPauseNs(&w.ms0, &ms1)
	el := func(ms *runtime.MemStats) float64 {
		if ms.LastGC == 0 {
			return 0
		}
		return float64(int64(ms.LastGC)-procStart.UnixNano()) / 1e9
	}
	gcShare := (ms1.GCCPUFraction*el(&ms1) - w.ms0.GCCPUFraction*el(&w.ms0)) / wall
	b.ReportMetric(float64(maxPause)/1e3, "max_pause_us")
	b.ReportMetric(100*gcShare, "gc_cpu_pct")
	b.ReportMetric(100*float64(n1-n0)/float64(b.N), "cycles_per_100")
	if w.peakHeap == 0 {
		w.observeHeap()
	}
	b.ReportMetric(float64(w.peakHeap)/(1<<20), "peak_heap_mib")
	if w.hwm {
		if h := statusBytes("VmHWM"); h >= 0 {
			b.ReportMetric(float64(h-w.rss0)/(1<<20), "peak_rss_mib")
		}
	}
}

// maxPauseNs is the longest pause of the cycles between two MemStats
// readings. PauseNs is a ring of the last 256 cycles' pauses, cycle i
// (counting from 1) at PauseNs[(i+255)%256]: with more than 256 cycles in
// between, only the last 256 are still there, so the scan starts at
// n1-255 (starting at n0+1 with a loop condition "i+256 > n1" would stop
// at once and read 0, which is what happened for a 315-cycle window).
func maxPauseNs(ms0, ms1 *runtime.MemStats) uint64 {
	n0, n1 := ms0.NumGC, ms1.NumGC
	lo := n0 + 1
	if n1 >= 256 && lo < n1-255 {
		lo = n1 - 255
	}
	var max uint64
	for i := lo; i <= n1; i++ {
		if p := ms1.PauseNs[(i+255)%256]; p > max {
			max = p
		}
	}
	return max
}

// startRSS drops earlier benchmarks' garbage and returns the resident set
// the workload starts from, with the high-water mark reset to it.
func startRSS() (int64, bool) {
	runtime.GC()
	debug.FreeOSMemory()
	hwm := resetHWM()
	return statusBytes("VmRSS"), hwm
}

var sink int

func BenchmarkGCChurn(b *testing.B) {
	rss0, hwm := startRSS()
	long := bottomUp(depthFor(envBytes("MECHLAB_TREE_BYTES", 64<<20)))
	want := (2 << shortDepth) - 1
	var w window
	w.begin(rss0, hwm)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := bottomUp(shortDepth)
		w.observeHeap()
		if t.check() != want {
			b.Fatal("short-lived tree miscounted")
		}
	}
	b.StopTimer()
	w.end(b)
	sink += long.check()
	runtime.KeepAlive(long)
}

// forcedHeap builds MECHLAB_HEAP_BYTES of 64 KiB objects: pointer-free, or
// each word pointing to a random object (liveHeap, gogc_test.go).
func forcedHeap(ptrs bool) (noscan [][]byte, rich [][]unsafe.Pointer) {
	return liveHeap(envBytes("MECHLAB_HEAP_BYTES", 256<<20), ptrs)
}

func benchForced(b *testing.B, ptrs bool) {
	rss0, hwm := startRSS()
	noscan, rich := forcedHeap(ptrs)
	runtime.GC()
	var w window
	w.begin(rss0, hwm)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
	}
	b.StopTimer()
	w.end(b)
	runtime.KeepAlive(noscan)
	runtime.KeepAlive(rich)
}

func BenchmarkGCForcedNoscan(b *testing.B) { benchForced(b, false) }
func BenchmarkGCForcedPtr(b *testing.B)    { benchForced(b, true) }
