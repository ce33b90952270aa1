//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwtray/bwtray/session"
)

// bin is the bwtray binary built once for all tests.
var bin string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper())
	}
	dir, err := os.MkdirTemp("", "bwtray-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // some tests run bwtray as an ordinary user
	bin = filepath.Join(dir, "bwtray")
	if old := os.Getenv("BWTRAY_E2E_BIN"); old != "" {
		// Run the suite against another build, such as an older release,
		// to see which tests it fails.
		bin = old
		os.Exit(m.Run())
	}
	args := []string{"build", "-o", bin}
	if os.Getenv("BWTRAY_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "..")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building bwtray:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a finished bwtray run left.
type result struct {
	stdout, stderr string
	code           int
}

// env returns an environment with a private HOME and XDG folders, so no
// test ever touches the real user's sessions or config.
func env(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	e := []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(home, "run"),
		"PATH=" + os.Getenv("PATH"),
		"TZ=" + os.Getenv("TZ"),
	}
	os.MkdirAll(filepath.Join(home, "run"), 0o700)
	return e
}

func homeOf(e []string) string {
	for _, kv := range e {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

// run runs bwtray to completion.
func run(t *testing.T, e []string, args ...string) result {
	t.Helper()
	r, _ := runState(t, e, args...)
	return r
}

// runState runs bwtray to completion and also returns how its process
// ended (its resource use, for one).
func runState(t *testing.T, e []string, args ...string) (result, *os.ProcessState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = e
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running bwtray %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}, cmd.ProcessState
}

// started is a bwtray process still running, with its output streamed.
type started struct {
	cmd    *exec.Cmd
	lines  chan string // stdout and stderr lines, as they come
	stdout *bytes.Buffer
	done   chan result
}

func start(t *testing.T, e []string, args ...string) *started {
	t.Helper()
	return startCmd(t, e, bin, args...)
}

func startCmd(t *testing.T, e []string, name string, args ...string) *started {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = e
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, lines: make(chan string, 1000), stdout: &bytes.Buffer{}, done: make(chan result, 1)}
	var stderr bytes.Buffer
	copyLines := func(r io.Reader, keep *bytes.Buffer, fin chan struct{}) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			keep.WriteString(sc.Text() + "\n")
			select {
			case s.lines <- sc.Text():
			default:
			}
		}
		close(fin)
	}
	f1, f2 := make(chan struct{}), make(chan struct{})
	go copyLines(outR, s.stdout, f1)
	go copyLines(errR, &stderr, f2)
	go func() {
		<-f1
		<-f2
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = -int(ws.Signal())
			}
		}
		s.done <- result{s.stdout.String(), stderr.String(), code}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return s
}

// waitLine waits for an output line containing want.
func (s *started) waitLine(t *testing.T, want string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l := <-s.lines:
			if strings.Contains(l, want) {
				return l
			}
		case r := <-s.done:
			s.done <- r
			t.Fatalf("process ended (exit %d) before printing %q:\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
		case <-timeout:
			t.Fatalf("no output line containing %q within 30 s", want)
		}
	}
}

func (s *started) wait(t *testing.T) result {
	t.Helper()
	select {
	case r := <-s.done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("process did not end within 60 s")
	}
	return result{}
}

// waitFor polls cond every 20 ms until it holds or 30 s pass: a wait on a
// condition, not a fixed sleep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sessionInfo is what session.json and the JSON output hold.
type sessionInfo = session.Info

// decodeInfo reads the one JSON object 'record --json' prints, strictly:
// a key the program prints but session.Info lacks is an error.
func decodeInfo(t *testing.T, s string) sessionInfo {
	t.Helper()
	var info sessionInfo
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("stdout is not one session JSON object: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("stdout has more than one JSON value:\n%s", s)
	}
	checkAppsSum(t, info)
	return info
}

func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s needs root, and CI must run it: run CI as root", t.Name())
		}
		t.Skipf("SKIP (not root): %s needs root to %s; CI runs it as root", t.Name(), why)
	}
}

func requireTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s needs %s, and CI must run it: install it in .ci/run", t.Name(), tool)
		}
		t.Skipf("SKIP: %s needs %s (see .ci/run for what to install)", t.Name(), tool)
	}
}
