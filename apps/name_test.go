package apps

import "testing"

func TestFromCgroup(t *testing.T) {
	for _, c := range []struct {
		path, app, unit string
		generic         bool
	}{
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-1234.scope", "firefox", "app-gnome-firefox-1234.scope", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.kde.konsole@12ab34.service", "org.kde.konsole", "app-org.kde.konsole@12ab34.service", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-98765.scope", "org.mozilla.firefox", "app-flatpak-org.mozilla.firefox-98765.scope", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-3f2a9c.scope", "firefox", "snap.firefox.firefox-3f2a9c.scope", false},
		{"/system.slice/apt-daily.service", "apt-daily", "apt-daily.service", false},
		{"/system.slice/docker-0123456789abcdef0123.scope", "docker 0123456789ab", "docker-0123456789abcdef0123.scope", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-org.gnome.Terminal-2222.scope", "org.gnome.Terminal", "app-gnome-org.gnome.Terminal-2222.scope", false},
		{`/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-steam\x2dnative-77.scope`, "steam-native", `app-gnome-steam\x2dnative-77.scope`, false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/dbus-:1.2-org.gnome.Nautilus@0.service", "org.gnome.Nautilus", "dbus-:1.2-org.gnome.Nautilus@0.service", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/dbus-:1.2-.service", "", "dbus-:1.2-.service", true},
		// Cgroups that name no app: the executable or the user will.
		{"/user.slice/user-1000.slice/session-3.scope", "", "session-3.scope", true},
		{"/user.slice/user-1000.slice/user@1000.service", "", "user@1000.service", true},
		{"/user.slice", "", "user.slice", true},
		{"/init.scope", "", "init.scope", true},
		{"/", "", "", true},
		{"", "", "", true},
		{"/app-.scope", "", "app-.scope", true},
		// Not systemd's: the folder's name.
		{"/bwtray-e2e.slice/mygroup", "mygroup", "mygroup", false},
	} {
		app, unit, generic := FromCgroup(c.path)
		if app != c.app || unit != c.unit || generic != c.generic {
			t.Errorf("FromCgroup(%q) = %q, %q, %v; want %q, %q, %v", c.path, app, unit, generic, c.app, c.unit, c.generic)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`a\x2db`: "a-b", `\x2`: `\x2`, `\xzz`: `\xzz`, `end\x`: `end\x`, `plain`: "plain", `\x41\x42`: "AB",
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
