package apps

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestCgroup2Mount(t *testing.T) {
	for name, c := range map[string]struct{ mountinfo, want string }{
		"unified": {"30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n", "/sys/fs/cgroup"},
		"hybrid": {"25 23 0:22 / /sys/fs/cgroup ro shared:8 - tmpfs tmpfs ro,mode=755\n" +
			"26 25 0:23 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw,nsdelegate\n" +
			"27 25 0:24 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,name=systemd\n", "/sys/fs/cgroup/unified"},
		"none":    {"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", ""},
		"garbage": {"cgroup2 - cgroup2\n - cgroup2 x\n", ""},
	} {
		f := filepath.Join(t.TempDir(), "mountinfo")
		os.WriteFile(f, []byte(c.mountinfo), 0o600)
		if got := cgroup2Mount(f); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}

// A namer over a made-up /proc and cgroup tree: the socket's process is
// found among its cgroup's processes, or all of them, once per look.
func TestSystemNamer(t *testing.T) {
	proc, cg := t.TempDir(), t.TempDir()
	scope := filepath.Join(cg, "user.slice", "app-gnome-fetcher-42.scope")
	session := filepath.Join(cg, "user.slice", "session-2.scope")
	for _, d := range []string{scope, session} {
		os.MkdirAll(d, 0o755)
	}
	process := func(pid int, exe string, inodes ...int) {
		dir := filepath.Join(proc, strconv.Itoa(pid))
		os.MkdirAll(filepath.Join(dir, "fd"), 0o755)
		os.Symlink("/usr/bin/"+exe, filepath.Join(dir, "exe"))
		for i, ino := range inodes {
			os.Symlink("socket:["+strconv.Itoa(ino)+"]", filepath.Join(dir, "fd", strconv.Itoa(i+3)))
		}
	}
	process(100, "fetcher", 5001)
	process(200, "curl", 5002)
	os.WriteFile(filepath.Join(scope, "cgroup.procs"), []byte("100\n"), 0o644)
	os.WriteFile(filepath.Join(session, "cgroup.procs"), []byte("200\n"), 0o644)
	id := func(p string) uint64 {
		var st syscall.Stat_t
		syscall.Stat(p, &st)
		return st.Ino
	}
	n := NewSystemNamer()
	n.root, n.procRoot, n.self = cg, proc, 1000
	n.users[1000], n.users[0] = "alice", "root"
	n.Look()
	for _, c := range []struct {
		uid    uint32
		cgroup uint64
		inode  uint32
		want   Owner
	}{
		{1000, id(scope), 5001, Owner{App: "fetcher", Unit: "app-gnome-fetcher-42.scope", Exe: "fetcher"}},
		// A login session names no app: the executable does.
		{1000, id(session), 5002, Owner{App: "curl", Unit: "session-2.scope", Exe: "curl"}},
		// Another user's socket: its scope, never its process.
		{0, id(scope), 5002, Owner{App: "fetcher", Unit: "app-gnome-fetcher-42.scope"}},
		{0, 0, 0, Owner{App: "root"}},
		{1000, 999999, 7777, Owner{App: "alice"}},
	} {
		if got := n.Name(c.uid, c.cgroup, c.inode); got != c.want {
			t.Errorf("Name(%d, %d, %d) = %+v, want %+v", c.uid, c.cgroup, c.inode, got, c.want)
		}
	}
	// A process started after this look's search is found at the next.
	process(300, "wget", 5003)
	if got := n.Name(1000, 0, 5003); got.Exe != "" {
		t.Errorf("searched twice in one look: %+v", got)
	}
	n.Look()
	if got := n.Name(1000, 0, 5003); got.Exe != "wget" {
		t.Errorf("new socket at the next look: %+v", got)
	}
	// An inode a search did not find (another user's, or gone) is not
	// searched for again.
	process(500, "late", 7777)
	n.Look()
	if got := n.Name(1000, 0, 7777); got.Exe != "" {
		t.Errorf("a missing inode was searched for again: %+v", got)
	}
}
