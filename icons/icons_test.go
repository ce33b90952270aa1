package icons

import (
	"bytes"
	"image/png"
	"testing"

	ico "github.com/sergeymakinen/go-ico"
)

func TestEmbeddedIcons(t *testing.T) {
	for _, name := range []string{"idle", "recording", "warning"} {
		b, err := files.ReadFile(name + ".png")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
			t.Errorf("%s.png: %v, %v", name, err, img.Bounds())
		}
		b, err = files.ReadFile(name + ".ico")
		if err != nil {
			t.Fatal(err)
		}
		imgs, err := ico.DecodeAll(bytes.NewReader(b))
		if err != nil || len(imgs) < 4 || imgs[0].Bounds().Dx() != 16 {
			t.Errorf("%s.ico: %d images, %v", name, len(imgs), err)
		}
	}
	for _, s := range AppIconSizes {
		b, err := AppIcon(s)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != s {
			t.Errorf("app icon %d: %v %d", s, err, cfg.Width)
		}
	}
	if len(Idle()) == 0 || len(Recording()) == 0 || len(Warning()) == 0 {
		t.Error("empty icon")
	}
}
