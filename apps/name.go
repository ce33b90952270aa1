package apps

import (
	"path"
	"regexp"
	"strconv"
	"strings"
)

// FromCgroup names the app a cgroup belongs to, as systemd and desktops
// name them (see systemd's "Desktop Environment Integration"):
//
//	app-gnome-firefox-1234.scope          firefox
//	app-org.kde.konsole@12ab.service      org.kde.konsole
//	app-flatpak-org.mozilla.firefox-9.scope org.mozilla.firefox
//	snap.firefox.firefox-3f2a.scope       firefox
//	dbus-:1.2-org.gnome.Nautilus@0.service org.gnome.Nautilus
//	apt-daily.service                     apt-daily
//
// It returns the unit (the scope or service) too. generic says the cgroup
// names no app (a login session, the user's manager, the root): the
// process's executable, or its user, names it better.
func FromCgroup(p string) (app, unit string, generic bool) {
	unit = path.Base(p)
	switch {
	case p == "" || p == "/" || unit == "." || unit == "/":
		return "", "", true
	case strings.HasPrefix(unit, "session-") && strings.HasSuffix(unit, ".scope"),
		strings.HasPrefix(unit, "user@") && strings.HasSuffix(unit, ".service"),
		unit == "init.scope", strings.HasSuffix(unit, ".slice"):
		return "", unit, true
	}
	name := unescape(unit)
	switch {
	case strings.HasPrefix(name, "app-"):
		id := strings.TrimPrefix(name, "app-")
		id = strings.TrimSuffix(strings.TrimSuffix(id, ".scope"), ".service")
		// app-<id>@<random>.service, app-[<launcher>-]<id>-<random>.scope
		if i := strings.LastIndexByte(id, '@'); i > 0 {
			id = id[:i]
		} else if m := randomSuffix.FindStringIndex(id); m != nil && m[0] > 0 {
			id = id[:m[0]]
		}
		for _, launcher := range launchers {
			if rest, ok := strings.CutPrefix(id, launcher+"-"); ok && rest != "" {
				id = rest
				break
			}
		}
		return id, unit, id == ""
	case strings.HasPrefix(name, "dbus-:"):
		// dbus-:1.2-org.gnome.Nautilus@0.service: started by D-Bus activation.
		_, id, _ := strings.Cut(strings.TrimPrefix(name, "dbus-:"), "-")
		id, _, _ = strings.Cut(strings.TrimSuffix(id, ".service"), "@")
		return id, unit, id == ""
	case strings.HasPrefix(name, "snap."):
		parts := strings.SplitN(strings.TrimPrefix(name, "snap."), ".", 2)
		return parts[0], unit, parts[0] == ""
	case strings.HasPrefix(name, "docker-") && strings.HasSuffix(name, ".scope"):
		id := strings.TrimSuffix(strings.TrimPrefix(name, "docker-"), ".scope")
		return "docker " + id[:min(12, len(id))], unit, false
	case strings.HasSuffix(name, ".service"):
		return strings.TrimSuffix(name, ".service"), unit, false
	case strings.HasSuffix(name, ".scope"):
		return strings.TrimSuffix(name, ".scope"), unit, false
	}
	return name, unit, false
}

// launchers are the prefixes desktops put before an application's id in
// its scope's name.
var launchers = []string{"flatpak", "gnome", "kde", "xfce", "mate", "cinnamon", "lxqt", "budgie", "sway", "hyprland"}

// randomSuffix is the "-1234" or "-3f2ab" systemd scopes end with.
var randomSuffix = regexp.MustCompile(`-[0-9a-f]+$`)

// unescape undoes systemd's \xNN escapes in unit names.
func unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
