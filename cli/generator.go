package cli

import (
	"context"
	"errors"

	"manualbot/qa"
)

// generator loads the configured model as the pipeline's Generator.
func (a *App) generator(ctx context.Context) (qa.Generator, func(), error) {
	return nil, nil, errors.New("generation is not wired into ask yet")
}
