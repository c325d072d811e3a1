package fakeengine

import "context"

type cutKey struct{}

func withCut(ctx context.Context, n int) context.Context { return context.WithValue(ctx, cutKey{}, n) }

func cutAfter(ctx context.Context) int {
	n, _ := ctx.Value(cutKey{}).(int)
	return n
}
