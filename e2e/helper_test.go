//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// helperEnv makes the test binary act as a traffic helper instead of
// running tests, so it can be started inside a network namespace with
// `ip netns exec NS <test binary>` (or a copy with another name, so that
// its process has that name).
const helperEnv = "BWTRAY_E2E_HELPER"

// runHelper runs one of these, exactly those payload bytes crossing the
// link (plus TCP/IP framing):
//
//	sink ADDR N M          accept one connection, read N bytes, write M
//	source ADDR N M        connect, write N bytes, read M
//	serve ADDR N RATE      accept one connection, write N bytes at RATE bytes/s, close
//	fetch ADDR N           connect, read N bytes, close
//	serve-many ADDR K SIZE accept K connections, write SIZE bytes to each, close it
//	fetch-many ADDR K SIZE connect K times, read SIZE bytes, close
//	udp-recv ADDR N        read UDP datagrams until N bytes came (or 3 s of silence)
//	udp-send ADDR N RATE   send N bytes in 1,400-byte datagrams at RATE bytes/s
//	loopback N             move N bytes over a TCP connection to itself on 127.0.0.1
func runHelper() int {
	args := os.Args[1:]
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(args[i], 10, 64)
		return n
	}
	var err error
	switch args[0] {
	case "sink", "source":
		err = pair(args[0], args[1], num(2), num(3))
	case "serve":
		err = serve(args[1], num(2), num(3))
	case "fetch":
		err = fetch(args[1], num(2))
	case "serve-many":
		err = serveMany(args[1], int(num(2)), num(3))
	case "fetch-many":
		err = fetchMany(args[1], int(num(2)), num(3))
	case "udp-recv":
		err = udpRecv(args[1], num(2))
	case "udp-send":
		err = udpSend(args[1], num(2), num(3))
	case "loopback":
		err = loopback(num(1))
	default:
		err = fmt.Errorf("unknown helper %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

func dial(addr string) (net.Conn, error) {
	var err error
	for range 100 { // the other end may still be starting
		var c net.Conn
		if c, err = net.Dial("tcp", addr); err == nil {
			return c, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, err
}

func pair(mode, addr string, n, m int64) error {
	var conn net.Conn
	var err error
	if mode == "sink" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		fmt.Println("listening")
		conn, err = ln.Accept()
		ln.Close()
		if err != nil {
			return err
		}
	} else if conn, err = dial(addr); err != nil {
		return err
	}
	defer conn.Close()
	if mode == "sink" {
		if _, err = io.CopyN(io.Discard, conn, n); err == nil {
			_, err = io.CopyN(conn, zeros{}, m)
		}
		return err
	}
	if _, err = io.CopyN(conn, zeros{}, n); err == nil {
		_, err = io.CopyN(io.Discard, conn, m)
	}
	return err
}

// paced writes n bytes at rate bytes/s, as a real download arrives.
func paced(w io.Writer, n, rate int64) error {
	const chunk = 64 << 10
	start := time.Now()
	for sent := int64(0); sent < n; {
		k := min(chunk, n-sent)
		if _, err := io.CopyN(w, zeros{}, k); err != nil {
			return err
		}
		sent += k
		if due := start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second))); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
	}
	return nil
}

func serve(addr string, n, rate int64) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("listening")
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	return paced(c, n, rate)
}

func fetch(addr string, n int64) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = io.CopyN(io.Discard, c, n)
	return err
}

func serveMany(addr string, k int, size int64) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("listening")
	for range k {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		if _, err := io.CopyN(c, zeros{}, size); err != nil {
			c.Close()
			return err
		}
		c.Close()
	}
	return nil
}

func fetchMany(addr string, k int, size int64) error {
	for range k {
		c, err := dial(addr)
		if err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, c, size); err != nil {
			c.Close()
			return err
		}
		c.Close()
	}
	return nil
}

func udpRecv(addr string, n int64) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	defer pc.Close()
	fmt.Println("listening")
	buf := make([]byte, 65536)
	var got int64
	for got < n {
		pc.SetReadDeadline(time.Now().Add(3 * time.Second))
		k, _, err := pc.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil // some datagrams were dropped; enough came
			}
			return err
		}
		got += int64(k)
	}
	return nil
}

func udpSend(addr string, n, rate int64) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 1400)
	start := time.Now()
	for sent := int64(0); sent < n; sent += int64(len(buf)) {
		c.Write(buf)
		if due := start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second))); time.Until(due) > time.Millisecond {
			time.Sleep(time.Until(due))
		}
	}
	return nil
}

func loopback(n int64) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = io.CopyN(io.Discard, c, n)
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	if _, err := io.CopyN(c, zeros{}, n); err != nil {
		return err
	}
	c.Close()
	return <-done
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
