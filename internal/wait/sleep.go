package wait

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends. It returns ctx.Err() when the context
// ended first (also when d <= 0 and ctx has already ended), else nil.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
