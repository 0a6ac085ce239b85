// chanmutex_test.go - Go's side of experiments/chanmutex.c: the same job
// (P = GOMAXPROCS producers, b.N items between them, every item added to
// one sum), through a sync.Mutex or over a channel to one consumer. One op
// is one item. The harness runs these as the go:mutex and go:chan series,
// passing the point's parameters in the environment:
//
//	MECHLAB_BATCH  items per message / per lock hold (a power of two, 1..1024)
//	MECHLAB_CAP    channel capacity in messages (0: unbuffered)
//
// By hand: MECHLAB_BATCH=1 MECHLAB_CAP=0 go test -run '^$' -bench ChanMutex
//
// A message is a [batch]int64 array, copied by value as chanmutex.c copies
// its batch; Go needs the length in the type, so each supported batch has
// its instantiation of chanJob. The channel's buffer is touched (filled
// and drained) before the timer starts, as chanmutex.c does in its setup.
package gobench

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"unsafe"
)

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s=%q: not an integer", name, s)
	}
	return v
}

func share(n, p, w int) int {
	s := n / p
	if w < n%p {
		s++
	}
	return s
}

func BenchmarkChanMutexMutex(b *testing.B) {
	batch := envInt(b, "MECHLAB_BATCH", 1)
	p := runtime.GOMAXPROCS(0)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var sum int64
	b.ResetTimer()
	first := 0
	wg.Add(p)
	for w := 0; w < p; w++ {
		items := share(b.N, p, w)
		go func(first, items int) {
			defer wg.Done()
			for i := 0; i < items; i += batch {
				k := items - i
				if k > batch {
					k = batch
				}
				v := int64(first + i)
				mu.Lock()
				acc := int64(0)
				for q := 0; q < k; q++ {
					acc += v + int64(q)
				}
				sum += acc
				mu.Unlock()
			}
		}(first, items)
		first += items
	}
	wg.Wait()
	b.StopTimer()
	if n := int64(b.N); sum != n*(n-1)/2 {
		b.Fatalf("sum %d, want %d", sum, n*(n-1)/2)
	}
}

func chanJob[T any](b *testing.B, capacity int) {
	var zero T
	batch := int(unsafe.Sizeof(zero) / 8)
	c := make(chan T, capacity)
	for i := 0; i < capacity; i++ { // touch the buffer's pages
		c <- zero
	}
	for i := 0; i < capacity; i++ {
		<-c
	}
	p := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	first, msgs := 0, 0
	for w := 0; w < p; w++ {
		items := share(b.N, p, w)
		msgs += (items + batch - 1) / batch
		go func(first, items int) {
			var m T
			s := unsafe.Slice((*int64)(unsafe.Pointer(&m)), batch)
			for i := 0; i < items; i += batch {
				for q := 0; q < batch; q++ {
					if i+q < items {
						s[q] = int64(first + i + q)
					} else {
						s[q] = 0
					}
				}
				c <- m
			}
		}(first, items)
		first += items
	}
	var sum int64
	for i := 0; i < msgs; i++ {
		m := <-c
		s := unsafe.Slice((*int64)(unsafe.Pointer(&m)), batch)
		for q := 0; q < batch; q++ {
			sum += s[q]
		}
	}
	b.StopTimer()
	if n := int64(b.N); sum != n*(n-1)/2 {
		b.Fatalf("sum %d, want %d", sum, n*(n-1)/2)
	}
}

func BenchmarkChanMutexChan(b *testing.B) {
	capacity := envInt(b, "MECHLAB_CAP", 0)
	switch batch := envInt(b, "MECHLAB_BATCH", 1); batch {
	case 1:
		chanJob[[1]int64](b, capacity)
	case 2:
		chanJob[[2]int64](b, capacity)
	case 4:
		chanJob[[4]int64](b, capacity)
	case 8:
		chanJob[[8]int64](b, capacity)
	case 16:
		chanJob[[16]int64](b, capacity)
	case 32:
		chanJob[[32]int64](b, capacity)
	case 64:
		chanJob[[64]int64](b, capacity)
	case 128:
		chanJob[[128]int64](b, capacity)
	case 256:
		chanJob[[256]int64](b, capacity)
	case 512:
		chanJob[[512]int64](b, capacity)
	case 1024:
		chanJob[[1024]int64](b, capacity)
	default:
		b.Fatalf("MECHLAB_BATCH=%d: the Go twin takes powers of two 1..1024", batch)
	}
}
