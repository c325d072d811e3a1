package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// errToolFailed says a tool ran and exited with an error: what the file held was not
// readable to it. runTool's caller reads the tool's stderr to say why.
var errToolFailed = errors.New("tool failed")

// runTool runs one of the outside tools the readers stand on (poppler's pdftotext and
// pdfinfo, groff) with stdin as its input and at most timeout, and turns the ways it can
// fail into what the pipeline needs: a missing tool or a run over timeout is a skip (the
// file is passed over with the reason), a cancelled ingest is an error, and a failed
// run is errToolFailed with the tool's stderr for the caller to word. env, when set, is
// added to the environment.
func runTool(ctx context.Context, stdin io.Reader, timeout time.Duration, pkg string, env []string, tool string, args ...string) (stdout []byte, stderr string, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	if len(env) > 0 {
		cmd.Env = append(cmd.Environ(), env...)
	}
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	switch {
	case err == nil:
		return out.Bytes(), "", nil
	case errors.Is(err, exec.ErrNotFound):
		return nil, "", skipf("%s not installed (apt-get install %s)", tool, pkg)
	case ctx.Err() != nil:
		if parent := context.Cause(ctx); errors.Is(parent, context.Canceled) {
			return nil, "", fmt.Errorf("%s: %w", tool, parent)
		}
		return nil, "", skipf("%s took over %s", tool, timeout)
	}
	return nil, firstLine(errOut.String(), err.Error()), errToolFailed
}
