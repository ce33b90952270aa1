package cli

import (
	"fmt"
	"io"

	"github.com/bwtray/bwtray/desktop"
	"github.com/bwtray/bwtray/internal/sanitize"
)

func installCommand(name string, stdout io.Writer) *command {
	c := newCommand(name, "Usage: bwtray install | bwtray uninstall",
		`install puts bwtray in your application menus: a desktop entry that runs
this bwtray and its icon in every size, under your data folder
($XDG_DATA_HOME, usually ~/.local/share). uninstall removes them. Both say
what they did. Run the bwtray you installed (go install puts it in
~/go/bin), not 'go run'.
`, stdout)
	c.fs.BoolP("help", "h", false, "show this help")
	return c
}

func cmdInstall(args []string, stdout io.Writer, remove bool) error {
	name := "install"
	if remove {
		name = "uninstall"
	}
	c := installCommand(name, stdout)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("%s: unexpected argument %q", name, pos[0])
	}
	var did []string
	if remove {
		did, err = desktop.Uninstall()
	} else {
		var exe string
		if exe, err = desktop.Executable(); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		if desktop.Packaged(exe) {
			_, err = fmt.Fprintf(stdout, "nothing to do: the package that installed bwtray already put it in your application menus (%s)\n", desktop.PackagedEntry)
			return err
		}
		did, err = desktop.Install(exe)
	}
	for _, d := range did {
		fmt.Fprintln(stdout, sanitize.Terminal(d))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case remove && len(did) == 0:
		fmt.Fprintln(stdout, "nothing to remove: bwtray was not installed in the menus")
	case !remove:
		fmt.Fprintln(stdout, "bwtray is in your application menus; remove it with 'bwtray uninstall'")
	}
	return nil
}
