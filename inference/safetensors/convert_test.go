package safetensors

import (
	"errors"
	"math"
	"testing"
)

func TestF16ToFloat32(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc100, -2.5},
		{0x7bff, 65504},
		{0x0001, float32(math.Ldexp(1, -24))},           // smallest subnormal
		{0x03ff, float32(math.Ldexp(1023, -24))},        // largest subnormal
		{0x0400, float32(math.Ldexp(1, -14))},           // smallest normal
		{0x8001, -float32(math.Ldexp(1, -24))},          // negative subnormal
		{0x3555, float32(math.Ldexp(0x555|0x400, -12))}, // ~1/3
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, tc := range tests {
		if got := F16ToFloat32(tc.bits); got != tc.want {
			t.Errorf("F16ToFloat32(%#04x) = %g, want %g", tc.bits, got, tc.want)
		}
	}
	if got := F16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("-0 became %g", got)
	}
	for _, nan := range []uint16{0x7e00, 0x7c01, 0xfe00} {
		if got := F16ToFloat32(nan); !math.IsNaN(float64(got)) {
			t.Errorf("F16ToFloat32(%#04x) = %g, want NaN", nan, got)
		}
	}
}

func TestFloat32ToF16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{-2.5, 0xc100},
		{65504, 0x7bff},
		{65519, 0x7bff}, // below the halfway point to 65536: stays
		{65520, 0x7c00}, // halfway, 0x7bff is odd: ties to even = infinity
		{1e6, 0x7c00},   // overflow
		{float32(math.Inf(-1)), 0xfc00},
		{1 + 1.0/2048, 0x3c00},                  // exactly halfway between 1 and next: to even (1)
		{1 + 3.0/2048, 0x3c02},                  // halfway between 0x3c01 and 0x3c02: to even
		{1 + 1.0/2048 + 1.0/65536, 0x3c01},      // just above halfway: up
		{float32(math.Ldexp(1, -24)), 0x0001},   // smallest subnormal
		{float32(math.Ldexp(1, -25)), 0x0000},   // half of it: ties to even = 0
		{float32(math.Ldexp(1.5, -25)), 0x0001}, // above half: up
		{float32(math.Ldexp(3, -25)), 0x0002},   // 1.5 subnormal units: ties to even = 2
		{float32(math.Ldexp(1, -26)), 0x0000},
		{float32(math.Ldexp(1023.5, -24)), 0x0400}, // rounds up out of the subnormals
		{-float32(math.Ldexp(1, -30)), 0x8000},     // underflow keeps the sign
		{1e-30, 0},
	}
	for _, tc := range tests {
		if got := Float32ToF16(tc.in); got != tc.want {
			t.Errorf("Float32ToF16(%g) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	if got := Float32ToF16(float32(math.NaN())); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
		t.Errorf("NaN became %#04x", got)
	}
	// Every finite half survives the round trip through float32.
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			continue // NaN
		}
		if got := Float32ToF16(F16ToFloat32(uint16(h))); got != uint16(h) {
			t.Fatalf("round trip of %#04x gave %#04x", h, got)
		}
	}
}

func TestBF16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80},
		{-2.5, 0xc020},
		{65504, 0x4780}, // 65536 after rounding
		{float32(math.Inf(1)), 0x7f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // halfway, even stays
		{math.Float32frombits(0x3f818000), 0x3f82}, // halfway, odd rounds up
		{math.Float32frombits(0x3f808001), 0x3f81}, // above halfway
		{math.Float32frombits(0x7f7fffff), 0x7f80}, // max float32 rounds to infinity
		{math.Float32frombits(0x00000001), 0x0000}, // smallest subnormal float32
		{math.Float32frombits(0x00010000), 0x0001}, // smallest bf16 subnormal
	}
	for _, tc := range tests {
		if got := Float32ToBF16(tc.in); got != tc.want {
			t.Errorf("Float32ToBF16(%g) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	for _, h := range []uint16{0x3f80, 0xc020, 0x0001, 0x7f80, 0xff80} {
		if got := Float32ToBF16(BF16ToFloat32(h)); got != h {
			t.Errorf("round trip of %#04x gave %#04x", h, got)
		}
	}
	if got := BF16ToFloat32(0x0001); got != float32(math.Ldexp(1, -133)) {
		t.Errorf("bf16 subnormal = %g", got)
	}
	for _, nan := range []uint32{0x7fc00000, 0x7f800001, 0xffffffff} {
		h := Float32ToBF16(math.Float32frombits(nan))
		if !math.IsNaN(float64(BF16ToFloat32(h))) {
			t.Errorf("NaN %#08x became %#04x", nan, h)
		}
	}
	dst := make([]float32, 3)
	if err := ToFloat32(dst, BF16, []byte{0x80, 0x3f, 0x20, 0xc0, 0x80, 0x7f}); err != nil || dst[0] != 1 || dst[1] != -2.5 || !math.IsInf(float64(dst[2]), 1) {
		t.Errorf("ToFloat32 BF16 = %v %v", dst, err)
	}
}

func TestToFloat32Errors(t *testing.T) {
	if err := ToFloat32(make([]float32, 1), I32, make([]byte, 4)); !errors.Is(err, ErrDType) {
		t.Errorf("I32: %v", err)
	}
	if err := ToFloat32(make([]float32, 2), F32, make([]byte, 4)); err == nil {
		t.Errorf("short source accepted")
	}
}

func TestHasNonFinite(t *testing.T) {
	tests := []struct {
		v    []float32
		want int
		ok   bool
	}{
		{nil, -1, false},
		{[]float32{0, -1, math.MaxFloat32, math.SmallestNonzeroFloat32}, -1, false},
		{[]float32{0, float32(math.NaN()), float32(math.Inf(1))}, 1, true},
		{[]float32{0, 1, float32(math.Inf(-1))}, 2, true},
	}
	for _, tc := range tests {
		if i, ok := HasNonFinite(tc.v); i != tc.want || ok != tc.ok {
			t.Errorf("HasNonFinite(%v) = %d, %v; want %d, %v", tc.v, i, ok, tc.want, tc.ok)
		}
	}
}

// TestF16SliceMatchesScalar checks the inlined fast path against F16ToFloat32 on every
// bit pattern.
func TestF16SliceMatchesScalar(t *testing.T) {
	src := make([]byte, 2<<16)
	for h := range 1 << 16 {
		src[2*h], src[2*h+1] = byte(h), byte(h>>8)
	}
	dst := make([]float32, 1<<16)
	if err := ToFloat32(dst, F16, src); err != nil {
		t.Fatal(err)
	}
	for h := range 1 << 16 {
		if want := F16ToFloat32(uint16(h)); math.Float32bits(dst[h]) != math.Float32bits(want) {
			t.Fatalf("%#04x: %g, want %g", h, dst[h], want)
		}
	}
}
