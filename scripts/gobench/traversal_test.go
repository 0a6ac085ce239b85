// traversal_test.go - Go's side of experiments/traversal.c: a matrix walked
// along its rows or down its columns, and a linked list walked in
// allocation order or shuffled, measured by Go 1.19 in the same run as
// ours. MECHLAB_BYTES is the working set, MECHLAB_PAD the bytes per
// element (list node); one op is one element visited, as in traversal.c.
//
//	MECHLAB_BYTES=67108864 MECHLAB_PAD=64 go test -run XXX -bench Traversal
//
//	BenchmarkTraversalRows      m[r*pitch+c*pad] over a row-major matrix in
//	                            one []uint64 (each element pad bytes, its
//	                            first word read), row by row
//	BenchmarkTraversalColumns   the same matrix, column by column
//	BenchmarkTraversalList      p = p.next over nodes linked in address
//	                            order (the list "secretly an array")
//	BenchmarkTraversalShuffled  the same nodes, linked in a random single
//	                            cycle (Sattolo): what a long-lived list on
//	                            a garbage-collected heap tends to become
//
// Shapes as in traversal.c: n = bytes/pad elements (at least 4); the matrix
// is floor(sqrt(n)) columns wide with one spare 64-byte line after every
// row (a power-of-two row pitch would measure cache associativity instead
// of the walk order); a list node is a struct of exactly pad bytes (the
// next pointer and pad-8 bytes; pads 8, 16, 32, 64, 128, 256), and the n
// nodes are one []lnode, as ours are one mapping. Rejected: a new() per
// node. Go's allocator hands consecutive slots of a size class out in
// address order, so that list is laid out much the same (2.65 ns per node
// at 256 MiB, pad 8, here, as the slice's 2.65), but the collector then
// marks n separate objects, and for the shuffled list it chases them one
// dependent miss at a time: about 10 s per collection at 256 MiB, three
// collections per process (ours, and the framework's before each of its
// calls), so about 40 s per repetition outside the timing. With one slice the
// collector scans it in address order.
//
// What is outside the timing. The framework calls a benchmark twice per
// process (a b.N = 1 probe, then b.N), each call after a runtime.GC of
// its own. The first call builds the structure (with the collector off:
// no cycle marks a half-built list), and it is kept for the second, so
// the collection before the second call is the one that leaves the heap
// quiet: the timed loop allocates nothing, so no collection can start
// inside it. Before b.ResetTimer a call with b.N > 1 walks one warm-up
// pass or 50 ms, whichever ends first (the probe's one element is no
// measurement, so it skips this: at 256 MiB every process would
// otherwise pay it twice). A cursor carries the walk on from where the
// last one stopped, so a short run keeps sweeping the whole working set
// rather than re-reading a cached first part. Every walk's result goes to a package
// variable (a matrix walk's sum) or to the list's cursor, so the compiler
// cannot drop the loads.
//
// Differences from ours that a reader should know: the matrix lives on
// Go's heap (8 KiB-aligned spans, transparent huge pages only as the
// kernel's THP mode gives them) where ours asks for 2 MiB pages; and
// walks of the matrix carry Go's bounds checks where the compiler cannot
// prove them away (the column walk).
package gobench

import (
	"math/rand"
	"runtime/debug"
	"testing"
	"time"
)

const trLine = 64 // bytes of spare line per matrix row, as traversal.c

var trSink uint64

// trMatrix: nrows x ncols elements of pad bytes, row pitch `pitch` words.
type trMatrix struct {
	m            []uint64
	nrows, ncols int
	padW, pitchW int
	k            int // elements done, in walk order (the cursor)
}

// lnode is one list node of exactly 8+sizeof(P) bytes.
type lnode[P any] struct {
	next *lnode[P]
	_    P
}

// trWalker walks n elements of a list from its cursor (one per pad).
type trWalker interface {
	walk(n int)
}

type trList[P any] struct {
	cur   *lnode[P]
	nodes []lnode[P] // every node, in address order (see newList)
}

func (l *trList[P]) walk(n int) {
	p := l.cur
	for i := 0; i < n; i++ {
		p = p.next
	}
	l.cur = p
}

// trBuilt: the structure of the last call, reused by the next one in
// this process (the framework's b.N = 1 probe, then b.N).
type trBuilt struct {
	variant     string
	bytes, pad  int
	mat         *trMatrix // rows, columns
	list        trWalker  // list, shuffled
	listPassOps int       // nodes in the list (one pass)
}

var trCache trBuilt

func trElements(bytes, pad int) int {
	if n := bytes / pad; n >= 4 {
		return n
	}
	return 4
}

func newMatrix(bytes, pad int) *trMatrix {
	n := trElements(bytes, pad)
	t := &trMatrix{padW: pad / 8}
	t.ncols = 1
	for (t.ncols+1)*(t.ncols+1) <= n {
		t.ncols++
	}
	t.nrows = n / t.ncols
	t.pitchW = (t.ncols*pad + trLine) / 8
	t.m = make([]uint64, t.nrows*t.pitchW)
	for r := 0; r < t.nrows; r++ {
		for c := 0; c < t.ncols; c++ {
			t.m[r*t.pitchW+c*t.padW] = uint64(r*t.ncols + c)
		}
	}
	return t
}

// rows walks n elements row by row from the cursor.
func (t *trMatrix) rows(n int) uint64 {
	total := t.nrows * t.ncols
	r, c := t.k/t.ncols%t.nrows, t.k%t.ncols
	t.k = (t.k + n) % total
	var sum uint64
	for n > 0 {
		take := t.ncols - c
		if take > n {
			take = n
		}
		base := r*t.pitchW + c*t.padW
		row := t.m[base : base+take*t.padW]
		for i := 0; i < len(row); i += t.padW {
			sum += row[i]
		}
		n -= take
		if c += take; c == t.ncols {
			c = 0
			if r++; r == t.nrows {
				r = 0
			}
		}
	}
	return sum
}

// columns walks n elements column by column from the cursor.
func (t *trMatrix) columns(n int) uint64 {
	total := t.nrows * t.ncols
	c, r := t.k/t.nrows%t.ncols, t.k%t.nrows
	t.k = (t.k + n) % total
	var sum uint64
	for n > 0 {
		take := t.nrows - r
		if take > n {
			take = n
		}
		m, at, pitch := t.m, r*t.pitchW+c*t.padW, t.pitchW
		for i := 0; i < take; i++ {
			sum += m[at]
			at += pitch
		}
		n -= take
		if r += take; r == t.nrows {
			r = 0
			if c++; c == t.ncols {
				c = 0
			}
		}
	}
	return sum
}

// newList makes n nodes in one slice (in address order, as traversal.c's
// nodes are in one mapping), then links them in that order or in a random
// single cycle.
func newList[P any](n int, shuffled bool) *trList[P] {
	nodes := make([]lnode[P], n)
	if shuffled {
		// Sattolo's shuffle of the identity gives a permutation that is
		// one cycle (i -> next[i]), so the walk visits every node before
		// it repeats; node i is written in order, its target is random.
		next := make([]int32, n)
		for i := range next {
			next[i] = int32(i)
		}
		rng := rand.New(rand.NewSource(0x7a1c0ffe))
		for i := n - 1; i > 0; i-- {
			j := rng.Intn(i)
			next[i], next[j] = next[j], next[i]
		}
		for i := range nodes {
			nodes[i].next = &nodes[next[i]]
		}
	} else {
		for i := range nodes {
			nodes[i].next = &nodes[(i+1)%n]
		}
	}
	return &trList[P]{cur: &nodes[0], nodes: nodes}
}

func makeList(pad, n int, shuffled bool) trWalker {
	switch pad {
	case 8:
		return newList[[0]byte](n, shuffled)
	case 16:
		return newList[[8]byte](n, shuffled)
	case 32:
		return newList[[24]byte](n, shuffled)
	case 64:
		return newList[[56]byte](n, shuffled)
	case 128:
		return newList[[120]byte](n, shuffled)
	case 256:
		return newList[[248]byte](n, shuffled)
	}
	return nil
}

// trPrepare builds (or reuses) the structure of this point.
func trPrepare(b *testing.B, variant string) {
	bytes := int(envBytes("MECHLAB_BYTES", 1<<20))
	pad := int(envBytes("MECHLAB_PAD", 8))
	c := &trCache
	if c.variant == variant && c.bytes == bytes && c.pad == pad {
		return
	}
	*c = trBuilt{variant: variant, bytes: bytes, pad: pad}
	old := debug.SetGCPercent(-1) // no cycles while building
	switch variant {
	case "rows", "columns":
		if pad%8 != 0 || pad < 8 {
			b.Skipf("pad=%d: the matrix takes multiples of 8 bytes", pad)
		}
		c.mat = newMatrix(bytes, pad)
	default:
		n := trElements(bytes, pad)
		c.list = makeList(pad, n, variant == "shuffled")
		if c.list == nil {
			debug.SetGCPercent(old)
			b.Skipf("pad=%d: list nodes are 8, 16, 32, 64, 128 or 256 "+
				"bytes", pad)
		}
		c.listPassOps = n
	}
	debug.SetGCPercent(old)
}

// trWarm walks one pass of the working set or for 50 ms, whichever ends
// first (a shuffled pass past the LLC takes seconds), in chunks; nothing
// for the framework's b.N = 1 probe.
func trWarm(b *testing.B, pass int, step func(n int)) {
	if b.N <= 1 {
		return
	}
	const chunk = 1 << 14
	t0 := time.Now()
	for done := 0; done < pass; done += chunk {
		n := pass - done
		if n > chunk {
			n = chunk
		}
		step(n)
		if time.Since(t0) > 50*time.Millisecond {
			return
		}
	}
}

func benchTraversal(b *testing.B, variant string) {
	trPrepare(b, variant)
	c := &trCache
	switch variant {
	case "rows":
		t := c.mat
		trWarm(b, t.nrows*t.ncols, func(n int) { trSink += t.rows(n) })
		b.ResetTimer()
		trSink += t.rows(b.N)
	case "columns":
		t := c.mat
		trWarm(b, t.nrows*t.ncols, func(n int) { trSink += t.columns(n) })
		b.ResetTimer()
		trSink += t.columns(b.N)
	default:
		l := c.list
		trWarm(b, c.listPassOps, l.walk)
		b.ResetTimer()
		l.walk(b.N)
	}
	b.StopTimer()
}

func BenchmarkTraversalRows(b *testing.B)     { benchTraversal(b, "rows") }
func BenchmarkTraversalColumns(b *testing.B)  { benchTraversal(b, "columns") }
func BenchmarkTraversalList(b *testing.B)     { benchTraversal(b, "list") }
func BenchmarkTraversalShuffled(b *testing.B) { benchTraversal(b, "shuffled") }
