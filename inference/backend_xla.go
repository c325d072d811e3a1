//go:build xla

package inference

// The XLA backend (PJRT plugins, e.g. CUDA) needs cgo, so it is only linked into
// binaries built with -tags xla. It is imported without go-xla's autoinstall package:
// manualbot loads the plugin from the absolute path in model.backend and never
// downloads one.
import _ "github.com/gomlx/go-xla/compute/xla"
