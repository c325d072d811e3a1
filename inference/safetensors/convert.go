package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ToFloat32 decodes little-endian src of dtype dt into dst, which must hold exactly the
// number of elements src encodes. It is exported for callers holding raw bytes of their own
// (e.g. a tensor read over the network).
func ToFloat32(dst []float32, dt DType, src []byte) error {
	size := dt.Size()
	switch dt {
	case F32, F16, BF16, F64:
	default:
		return fmt.Errorf("convert %s to float32: %w", dt, ErrDType)
	}
	if len(src) != len(dst)*size {
		return fmt.Errorf("convert %s to float32: %d bytes for %d values", dt, len(src), len(dst))
	}
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case BF16:
		bf16ToFloat32(dst, src)
	case F16:
		f16ToFloat32(dst, src)
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	}
	return nil
}

// bf16ToFloat32 widens bfloat16, which is the top half of a float32: a 16-bit shift, exact.
// Four values per 64-bit load; this runs over every weight of a bf16 checkpoint.
func bf16ToFloat32(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		w := binary.LittleEndian.Uint64(src[2*i:])
		d := dst[i : i+4 : i+4]
		d[0] = math.Float32frombits(uint32(w) << 16)
		d[1] = math.Float32frombits(uint32(w) & 0xffff0000)
		d[2] = math.Float32frombits(uint32(w>>32) << 16)
		d[3] = math.Float32frombits(uint32(w>>32) & 0xffff0000)
	}
	for ; i < len(dst); i++ {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// f16ToFloat32 widens IEEE halves with the common case, a normal number, inline: rebias
// the exponent by adding (127-15)<<23 to the shifted exponent and mantissa.
func f16ToFloat32(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	for i := range dst {
		h := uint32(src[2*i]) | uint32(src[2*i+1])<<8
		if e := h & 0x7c00; e != 0 && e != 0x7c00 {
			dst[i] = math.Float32frombits((h&0x8000)<<16 | ((h&0x7fff)<<13 + (127-15)<<23))
			continue
		}
		dst[i] = F16ToFloat32(uint16(h))
	}
}

// BF16ToFloat32 widens one bfloat16 bit pattern; exact.
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBF16 rounds to the nearest bfloat16, ties to even (as PyTorch does); NaN stays a
// quiet NaN rather than rounding into infinity.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// F16ToFloat32 widens one IEEE half-precision bit pattern, exactly, including subnormals,
// infinities and NaN payloads.
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf or NaN; the payload (and so the quiet bit) carries over.
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127.
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	default: // zero or subnormal: mant * 2^-24, exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// Float32ToF16 rounds to the nearest IEEE half, ties to even; values beyond 65504 (after
// rounding) become infinity, tiny values become subnormals or a signed zero.
func Float32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 { // NaN: keep the top payload bits and force quiet.
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 { // below half the smallest subnormal: rounds to zero.
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - e)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		halfway := uint32(1) << (shift - 1)
		if rem > halfway || (rem == halfway && half&1 == 1) {
			half++ // may carry into the smallest normal, which is right.
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, up to infinity, which is right.
	}
	return sign | uint16(half)
}

// HasNonFinite finds the first NaN or ±Inf in v: ok reports whether there is one and index
// is where. Loaders and trainers use it to name the tensor that went bad.
func HasNonFinite(v []float32) (index int, ok bool) {
	for i, x := range v {
		if math.Float32bits(x)&0x7f800000 == 0x7f800000 {
			return i, true
		}
	}
	return -1, false
}
