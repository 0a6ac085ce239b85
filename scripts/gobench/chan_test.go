// chan_test.go - Go's side of experiments/chanprims.c: the same channel
// workloads, measured by Go 1.19's runtime on the same machine, so that
// our figures are read beside Go's.
//
//	cd scripts/gobench && go test -run XXX -bench 'Chan|Select' -benchtime 2000000x -count 5
//
// One op is the same as in chanprims.c:
//
//	BenchmarkChanUnbufPingPong     one handoff between two goroutines
//	                               (two unbuffered channels, back and forth)
//	BenchmarkChanBuffered          one send + one receive on a channel of
//	                               capacity 1, one goroutine
//	BenchmarkSelect2               select { case c <- i: case v = <-c: } on
//	                               capacity 1 (exactly one case ready)
//	BenchmarkSelect2Refill         select over <-c1 and <-c2, the chosen
//	                               branch refilling the other (Go's own
//	                               BenchmarkSelectUncontended, one goroutine)
package gobench

import "testing"

func BenchmarkChanUnbufPingPong(b *testing.B) {
	ping := make(chan int)
	pong := make(chan int)
	rounds := (b.N + 1) / 2
	go func() {
		for i := 0; i < rounds; i++ {
			pong <- <-ping
		}
	}()
	b.ResetTimer()
	sum := 0
	for i := 0; i < rounds; i++ {
		ping <- i
		sum += <-pong
	}
	sinkInt = sum
}

func BenchmarkChanBuffered(b *testing.B) {
	c := make(chan int, 1)
	sum := 0
	for i := 0; i < b.N; i++ {
		c <- i
		sum += <-c
	}
	sinkInt = sum
}

func BenchmarkSelect2(b *testing.B) {
	c := make(chan int, 1)
	sum, v := 0, 0
	for i := 0; i < b.N; i++ {
		select {
		case c <- i:
			sum++
		case v = <-c:
		}
	}
	sinkInt = sum + v
}

func BenchmarkSelect2Refill(b *testing.B) {
	c1 := make(chan int, 1)
	c2 := make(chan int, 1)
	c1 <- 0
	sum := 0
	for i := 0; i < b.N; i++ {
		select {
		case v := <-c1:
			c2 <- v
		case v := <-c2:
			c1 <- v
			sum++
		}
	}
	sinkInt = sum
}

var sinkInt int
