package apps

import (
	"bufio"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// SystemNamer names socket owners from what an ordinary user may read:
// the cgroup v2 tree (a socket's cgroup id is its folder's inode number),
// /proc/PID/fd of the user's own processes (a socket's inode to its
// process), and the user database. Each kind of search runs at most once
// per look; what a search could not find is not searched for again
// (cgroup ids and socket inodes are not reused while the meter runs).
type SystemNamer struct {
	root      string // where cgroup2 is mounted
	cgroups   map[uint64]string
	cgMissing map[uint64]bool
	walked    bool           // the cgroup tree was walked in this look
	inodes    map[uint32]int // socket inode -> pid, own processes
	missing   map[uint32]bool
	scanned   map[string]bool // cgroups whose processes were read in this look ("" for all of /proc)
	users     map[uint32]string
	self      uint32
	procRoot  string
}

// namerMemory bounds the namer's caches; past it they start over.
const namerMemory = 1 << 16

// NewSystemNamer finds the cgroup v2 mount.
func NewSystemNamer() *SystemNamer {
	return &SystemNamer{
		root:      cgroup2Mount("/proc/self/mountinfo"),
		cgroups:   map[uint64]string{},
		cgMissing: map[uint64]bool{},
		inodes:    map[uint32]int{},
		missing:   map[uint32]bool{},
		scanned:   map[string]bool{},
		users:     map[uint32]string{},
		self:      uint32(os.Getuid()),
		procRoot:  "/proc",
	}
}

// Look lets the next names search again.
func (n *SystemNamer) Look() {
	n.walked = false
	clear(n.scanned)
	for _, m := range []int{len(n.cgMissing), len(n.inodes), len(n.missing)} {
		if m > namerMemory {
			clear(n.cgMissing)
			clear(n.inodes)
			clear(n.missing)
			break
		}
	}
}

// cgroup2Mount is where the unified (v2) hierarchy is mounted:
// /sys/fs/cgroup on most systems, /sys/fs/cgroup/unified on hybrid ones.
func cgroup2Mount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE OPTS
		l := sc.Text()
		pre, post, ok := strings.Cut(l, " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if f := strings.Fields(pre); len(f) >= 5 {
			return f[4]
		}
	}
	return ""
}

// Name names a socket's owner.
func (n *SystemNamer) Name(uid uint32, cgroup uint64, inode uint32) Owner {
	var o Owner
	generic := true
	cg := n.cgroupPath(cgroup)
	if cg != "" {
		o.App, o.Unit, generic = FromCgroup(cg)
	}
	if uid == n.self && inode != 0 {
		if pid, ok := n.pidOf(inode, cg); ok {
			o.Exe = exeName(n.procRoot, pid)
		}
	}
	if generic {
		o.App = o.Exe
	}
	if o.App == "" {
		o.App = n.userName(uid)
	}
	return o
}

func (n *SystemNamer) cgroupPath(id uint64) string {
	if n.root == "" || id == 0 {
		return ""
	}
	if p, ok := n.cgroups[id]; ok {
		return p
	}
	if n.cgMissing[id] || n.walked {
		return ""
	}
	n.walked = true
	clear(n.cgroups)
	filepath.WalkDir(n.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				rel, _ := filepath.Rel(n.root, p)
				n.cgroups[st.Ino] = "/" + strings.TrimPrefix(rel, ".")
			}
		}
		return nil
	})
	p, ok := n.cgroups[id]
	if !ok {
		n.cgMissing[id] = true
	}
	return p
}

// pidOf finds the process holding the socket inode among the user's own
// processes (others' fd folders cannot be read): those of the socket's
// cgroup where it is known (a few), else all of them.
func (n *SystemNamer) pidOf(inode uint32, cgroup string) (int, bool) {
	if pid, ok := n.inodes[inode]; ok {
		return pid, true
	}
	if n.missing[inode] {
		return 0, false
	}
	searched := false
	if cgroup != "" && !n.scanned[cgroup] {
		n.scanned[cgroup] = true
		searched = true
		b, _ := os.ReadFile(filepath.Join(n.root, cgroup, "cgroup.procs"))
		for _, f := range strings.Fields(string(b)) {
			n.readFds(f)
		}
	}
	if _, ok := n.inodes[inode]; !ok && !n.scanned[""] {
		n.scanned[""] = true
		searched = true
		procs, _ := os.ReadDir(n.procRoot)
		for _, p := range procs {
			n.readFds(p.Name())
		}
	}
	pid, ok := n.inodes[inode]
	if !ok && searched {
		n.missing[inode] = true // gone, or not the user's
	}
	return pid, ok
}

// readFds notes the socket inodes process pid holds.
func (n *SystemNamer) readFds(pid string) {
	id, err := strconv.Atoi(pid)
	if err != nil {
		return
	}
	dir := filepath.Join(n.procRoot, pid, "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if ino, ok := strings.CutPrefix(link, "socket:["); ok && err == nil {
			if v, err := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 32); err == nil {
				n.inodes[uint32(v)] = id
			}
		}
	}
}

// exeName is the process's executable's name (comm, which anyone may
// read, is cut at 15 characters; the executable's path is the user's).
func exeName(procRoot string, pid int) string {
	if exe, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "exe")); err == nil {
		return filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	}
	b, _ := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}

func (n *SystemNamer) userName(uid uint32) string {
	if name, ok := n.users[uid]; ok {
		return name
	}
	name := "uid " + strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		name = u.Username
	}
	n.users[uid] = name
	return name
}
