package apps

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Benchmarks of attribution's cost on the real kernel; bench/run.sh
// prints them against the targets (a 1-second interval: ns/op ÷ 10⁷ is
// the share of a core).

// established opens n/2 TCP connections to this machine (n sockets) on
// an address of a real interface, so they count as an app's traffic would,
// and keeps them open until the benchmark ends.
func established(b *testing.B, n int) {
	host := hostAddr(b)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		b.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	for range n / 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Skipf("SKIP: cannot open %d connections: %v", n, err)
		}
		conns = append(conns, c)
	}
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			// No TIME_WAIT left behind: it would slow the next dumps.
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	})
}

// hostAddr is an IPv4 address of one of this machine's real interfaces.
func hostAddr(b *testing.B) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() {
			return p.Addr().String()
		}
	}
	b.Skip("SKIP: no interface with an IPv4 address but loopback")
	return ""
}

func recorder(b *testing.B, ctx context.Context) *Recorder {
	src, err := OpenKernel(ctx)
	if err != nil {
		b.Skipf("SKIP: no sock_diag here: %v", err)
	}
	everything := func(string) bool { return true }
	r, err := NewRecorder(ctx, src, NewSystemNamer(), NewInterfaces(everything).Counts, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkStep is one look (close events, a dump of every TCP socket,
// the UDP sockets, the accounting) with 500 and 5,000 established TCP
// sockets open.
func BenchmarkStep(b *testing.B) {
	for _, n := range []struct {
		name  string
		socks int
	}{{"500", 500}, {"5000", 5000}} {
		b.Run(n.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			established(b, n.socks)
			r := recorder(b, ctx)
			now := time.Now()
			r.Step(ctx, now) // names every socket once
			b.ResetTimer()
			for i := range b.N {
				if err := r.Step(ctx, now.Add(time.Duration(i+1)*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "%core@1s")
		})
	}
}

// BenchmarkCloseBurst opens and closes 5,000 connections a second for
// three seconds while looking once a second, and reports how many close
// events were heard and lost (two sockets close per connection).
func BenchmarkCloseBurst(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	const perSecond, seconds = 5000, 3
	for range b.N {
		r := recorder(b, ctx)
		start := time.Now()
		var wg sync.WaitGroup
		for s := range seconds {
			wg.Add(1)
			go func() { // a second's connections, from 4 workers
				defer wg.Done()
				var w sync.WaitGroup
				for range 4 {
					w.Go(func() {
						for range perSecond / 4 {
							if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
								c.Close()
							}
						}
					})
				}
				w.Wait()
			}()
			wg.Wait()
			time.Sleep(time.Until(start.Add(time.Duration(s+1) * time.Second)))
			r.Step(ctx, time.Now())
		}
		r.Finish(ctx, time.Now(), Bytes{})
		heard, lost := r.Heard()
		b.ReportMetric(float64(heard), "closes-heard")
		b.ReportMetric(float64(lost), "lost-bursts")
		b.ReportMetric(float64(2*perSecond*seconds), "closes-made")
		r.Close()
	}
}

// countedNamer names every socket's owner after its uid: the tracker's
// memory depends on how many sockets and apps there are, not on names.
type countedNamer struct{}

func (countedNamer) Look() {}

func (countedNamer) Name(uid uint32, _ uint64, _ uint32) Owner {
	return Owner{App: "app" + string(rune('a'+uid%26))}
}

// BenchmarkTrackerHour tracks an hour of churn (50 connections opening
// and 50 closing every second, to 2,000 remote endpoints) and reports the
// heap that remains after it beyond the first ten minutes': what grows
// with session length.
func BenchmarkTrackerHour(b *testing.B) {
	for range b.N {
		tr := NewTracker(countedNamer{}, func(netip.Addr) bool { return true })
		t0 := time.Now()
		local := netip.MustParseAddr("192.0.2.1")
		var live []Socket
		cookie := uint64(1)
		var heap10 uint64
		for sec := range 3600 {
			now := t0.Add(time.Duration(sec) * time.Second)
			for k := range 50 {
				live = append(live, Socket{
					Cookie: cookie, Local: netip.AddrPortFrom(local, uint16(cookie)),
					Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, byte(cookie % 2000 / 256), byte(cookie % 256)}), 443),
					UID:    uint32(k), Recv: 1000, SegsIn: 2,
				})
				cookie++
			}
			for i := range live {
				live[i].Recv += 1448
				live[i].SegsIn++
			}
			tr.Dump(live, now)
			closing := live[:50]
			for i := range closing {
				closing[i].Closed = true
			}
			tr.Closed(closing, now.Add(500*time.Millisecond))
			live = append(live[:0], live[50:]...)
			tr.Window()
			if sec == 600 {
				heap10 = heapNow()
			}
		}
		b.ReportMetric(float64(int64(heapNow())-int64(heap10))*6/5, "heap-B/hour")
		runtime.KeepAlive(tr)
	}
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
