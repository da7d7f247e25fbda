package upf

import "sync/atomic"

// urrCounter measures the volume of one URR (TS 29.244 §5.2.2.2). The
// uplink counters are written by the N3 reader, the downlink ones by the
// TUN reader: each pair has a cache line of its own so the two readers do
// not contend. The counter is 128 bytes, a size class of the Go
// allocator whose objects are 128-byte aligned: the uplink pair and the
// fields read with it fill the first 64-byte line, the downlink pair
// begins the second, so neither shares a line with the other or with a
// neighbouring counter, without the 208 bytes explicit padding around
// both took (TestURRCounterLayout).
type urrCounter struct {
	ulBytes, ulPkts atomic.Uint64
	threshold       atomic.Uint64 // octets, both directions; 0: none
	reported        atomic.Bool   // the threshold was crossed and reported
	queued          atomic.Bool   // in the report queue
	next            atomic.Pointer[urrCounter]
	seid            uint64
	id              uint32
	_               [urrLine - 52]byte

	dlBytes, dlPkts atomic.Uint64
	_               [urrLine - 16]byte
}

// urrLine is the cache line the two halves of a urrCounter are apart.
const urrLine = 64

func (u *urrCounter) addUL(n int, q *reportQueue) {
	u.ulPkts.Add(1)
	b := u.ulBytes.Add(uint64(n))
	u.check(b+u.dlBytes.Load(), q)
}

func (u *urrCounter) addDL(n int, q *reportQueue) {
	u.dlPkts.Add(1)
	b := u.dlBytes.Add(uint64(n))
	u.check(b+u.ulBytes.Load(), q)
}

// check queues the report of the threshold once, when total crosses it.
func (u *urrCounter) check(total uint64, q *reportQueue) {
	if th := u.threshold.Load(); th != 0 && total >= th && !u.reported.Load() && u.reported.CompareAndSwap(false, true) {
		q.push(u)
	}
}

// setThreshold sets the volume threshold; a new value re-arms the report.
func (u *urrCounter) setThreshold(th uint64) {
	if u.threshold.Swap(th) != th {
		u.reported.Store(false)
	}
}

func (u *urrCounter) usage() Usage {
	return Usage{
		URRID:            u.id,
		Uplink:           u.ulBytes.Load(),
		Downlink:         u.dlBytes.Load(),
		UplinkPkts:       u.ulPkts.Load(),
		DownPkts:         u.dlPkts.Load(),
		ThresholdReached: u.reported.Load(),
	}
}

// reportQueue hands URRs that crossed their threshold from the packet
// path to the goroutine that calls the reporter, without blocking and
// without allocating: the URRs are linked through their own next field
// (a Treiber stack; the consumer takes the whole stack at once, so there
// is no ABA), and wake, of capacity one, tells the consumer there is
// work.
type reportQueue struct {
	head atomic.Pointer[urrCounter]
	wake chan struct{}
}

func (q *reportQueue) init() { q.wake = make(chan struct{}, 1) }

func (q *reportQueue) push(u *urrCounter) {
	if !u.queued.CompareAndSwap(false, true) {
		return
	}
	for {
		h := q.head.Load()
		u.next.Store(h)
		if q.head.CompareAndSwap(h, u) {
			break
		}
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// drain calls f for every queued URR, in the order they were queued.
func (q *reportQueue) drain(f func(*urrCounter)) {
	var fifo *urrCounter
	for u := q.head.Swap(nil); u != nil; {
		next := u.next.Load()
		u.next.Store(fifo)
		fifo, u = u, next
	}
	for u := fifo; u != nil; {
		next := u.next.Load()
		u.next.Store(nil)
		u.queued.Store(false)
		f(u)
		u = next
	}
}
