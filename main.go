// Command manualbot answers questions about a company's own manuals, in Slack and on the
// terminal, from a Bleve index of the manuals and a local LLM with CAT-merged LoRAs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"manualbot/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
