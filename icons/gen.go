//go:build ignore

// gen draws bwtray's tray icons: a coloured disc with a white down arrow
// and up arrow. The disc reads on light and dark panels alike; the arrows
// are thick enough to survive 16 px. Each size is drawn at 256 px and
// scaled down, so every size is anti-aliased and crisp.
//
//	go generate ./icons
package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"

	ico "github.com/sergeymakinen/go-ico"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/vector"
)

const big = 256

var variants = map[string]color.NRGBA{
	"idle":      {0x2b, 0x6c, 0xb0, 0xff}, // blue
	"recording": {0xd0, 0x3b, 0x34, 0xff}, // red
	"warning":   {0xe0, 0x8e, 0x0b, 0xff}, // amber
}

func main() {
	for name, c := range variants {
		src := draw(c)
		writePNG(name+".png", scale(src, 64))
		var sizes []image.Image
		for _, s := range []int{16, 20, 24, 32, 48, 64, 256} {
			sizes = append(sizes, scale(src, s))
		}
		var buf bytes.Buffer
		if err := ico.EncodeAll(&buf, sizes); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(name+".ico", buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	// Application icon sizes for the hicolor theme (bwtray install).
	for _, s := range []int{16, 22, 24, 32, 48, 64, 128, 256} {
		os.MkdirAll("hicolor", 0o755)
		writePNG("hicolor/"+itoa(s)+".png", scale(draw(variants["idle"]), s))
	}
}

func itoa(n int) string {
	return string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func draw(c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, big, big))
	fill(img, c, circle(128, 128, 124))
	// A thin darker rim keeps the disc's edge visible on a panel of a
	// similar colour.
	rim := color.NRGBA{c.R / 2, c.G / 2, c.B / 2, 0xff}
	ring := circle(128, 128, 124)
	fillEvenOdd(img, rim, ring, circle(128, 128, 114))
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	// Down arrow on the left, up arrow on the right.
	fill(img, white, arrow(88, 52, 204, true))
	fill(img, white, arrow(168, 52, 204, false))
	return img
}

type path func(r *vector.Rasterizer)

func circle(cx, cy, r float32) path {
	return func(z *vector.Rasterizer) {
		const k = 0.5522847 // cubic Bézier quarter circle
		z.MoveTo(cx+r, cy)
		z.CubeTo(cx+r, cy+k*r, cx+k*r, cy+r, cx, cy+r)
		z.CubeTo(cx-k*r, cy+r, cx-r, cy+k*r, cx-r, cy)
		z.CubeTo(cx-r, cy-k*r, cx-k*r, cy-r, cx, cy-r)
		z.CubeTo(cx+k*r, cy-r, cx+r, cy-k*r, cx+r, cy)
		z.ClosePath()
	}
}

// arrow is a vertical arrow centred on x from top to bottom.
func arrow(x, top, bottom float32, down bool) path {
	const shaft, head, headLen = 17, 44, 62
	return func(z *vector.Rasterizer) {
		if down {
			z.MoveTo(x-shaft, top)
			z.LineTo(x+shaft, top)
			z.LineTo(x+shaft, bottom-headLen)
			z.LineTo(x+head, bottom-headLen)
			z.LineTo(x, bottom)
			z.LineTo(x-head, bottom-headLen)
			z.LineTo(x-shaft, bottom-headLen)
		} else {
			z.MoveTo(x-shaft, bottom)
			z.LineTo(x+shaft, bottom)
			z.LineTo(x+shaft, top+headLen)
			z.LineTo(x+head, top+headLen)
			z.LineTo(x, top)
			z.LineTo(x-head, top+headLen)
			z.LineTo(x-shaft, top+headLen)
		}
		z.ClosePath()
	}
}

func fill(img *image.NRGBA, c color.NRGBA, p path) {
	z := vector.NewRasterizer(big, big)
	p(z)
	z.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{})
}

// fillEvenOdd paints the area inside outer but outside inner.
func fillEvenOdd(img *image.NRGBA, c color.NRGBA, outer, inner path) {
	mask := image.NewAlpha(img.Bounds())
	z := vector.NewRasterizer(big, big)
	outer(z)
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	hole := image.NewAlpha(img.Bounds())
	z = vector.NewRasterizer(big, big)
	inner(z)
	z.Draw(hole, hole.Bounds(), image.Opaque, image.Point{})
	for i := range mask.Pix {
		mask.Pix[i] = uint8(int(mask.Pix[i]) * (255 - int(hole.Pix[i])) / 255)
	}
	xdraw.DrawMask(img, img.Bounds(), image.NewUniform(c), image.Point{}, mask, image.Point{}, xdraw.Over)
}

func scale(src image.Image, size int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}

func writePNG(name string, img image.Image) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}
