//go:build linux

package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// helperEnv makes the test binary act as a traffic helper instead of
// running tests, so it can be started inside a network namespace with
// `ip netns exec NS <test binary>`.
const helperEnv = "BWTRAY_E2E_HELPER"

// runHelper: "sink ADDR N M" accepts one connection on ADDR, reads N bytes
// and writes M back; "source ADDR N M" connects, writes N bytes and reads
// M. Exactly those payload bytes cross the link, plus TCP/IP framing.
func runHelper() int {
	args := os.Args[len(os.Args)-4:]
	mode, addr := args[0], args[1]
	n, _ := strconv.ParseInt(args[2], 10, 64)
	m, _ := strconv.ParseInt(args[3], 10, 64)
	var conn net.Conn
	var err error
	switch mode {
	case "sink":
		var ln net.Listener
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			break
		}
		fmt.Println("listening")
		conn, err = ln.Accept()
		ln.Close()
	case "source":
		for range 100 { // the sink may still be starting
			if conn, err = net.Dial("tcp", addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	defer conn.Close()
	if mode == "sink" {
		if _, err = io.CopyN(io.Discard, conn, n); err == nil {
			_, err = io.CopyN(conn, zeros{}, m)
		}
	} else {
		if _, err = io.CopyN(conn, zeros{}, n); err == nil {
			_, err = io.CopyN(io.Discard, conn, m)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
