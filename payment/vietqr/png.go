package vietqr

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// PNG size limits in pixels. Below the minimum a dense VietQR code would
// have modules thinner than a pixel; above the maximum an API caller could
// make the server allocate an arbitrarily large image.
const (
	MinPNGSize = 128
	MaxPNGSize = 2048
)

// PNG renders a valid payload as a size×size PNG image with medium (15 %)
// error correction, the level bank apps scan reliably from screens and paper.
// The payload is parsed first so that no broken code is ever printed.
func PNG(payload string, size int) ([]byte, error) {
	if size < MinPNGSize || size > MaxPNGSize {
		return nil, fieldErr("size", ErrInvalid, "%d pixels, must be %d..%d", size, MinPNGSize, MaxPNGSize)
	}
	if _, err := Parse(payload); err != nil {
		return nil, fmt.Errorf("vietqr png: %w", err)
	}
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("vietqr png: encode: %w", err)
	}
	b, err := q.PNG(size)
	if err != nil {
		return nil, fmt.Errorf("vietqr png: %w", err)
	}
	return b, nil
}
