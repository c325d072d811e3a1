package eval

import "testing"

func TestBootstrapCI(t *testing.T) {
	if got := BootstrapCI([]float64{0.5, 0.5, 0.5}, 200, 1); got != (Interval{0.5, 0.5}) {
		t.Errorf("constant data: %v", got)
	}
	if got := BootstrapCI(nil, 200, 1); got != (Interval{}) {
		t.Errorf("no data: %v", got)
	}
	xs := make([]float64, 100)
	for i := range 50 {
		xs[i] = 1
	}
	a := BootstrapCI(xs, 1000, 7)
	if a != BootstrapCI(xs, 1000, 7) {
		t.Error("same seed gave a different interval")
	}
	// Mean 0.5 with n=100: the standard error is 0.05, so the 95% interval is about
	// 0.5 ± 0.098; allow for resampling noise.
	if !(a.Lo > 0.37 && a.Lo < 0.45 && a.Hi > 0.55 && a.Hi < 0.63) {
		t.Errorf("interval %v is not about [0.40, 0.60]", a)
	}
	if b := BootstrapCI(xs, 1000, 8); b == a {
		t.Log("different seeds gave the same interval (possible, but unlikely)")
	}
}

func TestQuantileAndMean(t *testing.T) {
	s := []float64{0, 1, 2, 3, 4}
	tests := []struct{ p, want float64 }{{0, 0}, {0.5, 2}, {1, 4}, {0.125, 0.5}}
	for _, tc := range tests {
		if got := quantile(s, tc.p); !near(got, tc.want) {
			t.Errorf("quantile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if Mean(nil) != 0 || Mean(s) != 2 {
		t.Error("Mean")
	}
}
