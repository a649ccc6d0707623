package machine

import (
	"context"
	"fmt"

	"github.com/machina-dev/machina/store"
)

// Remove deletes a machine: the host through its driver, then its store
// directory. A machine whose config cannot be loaded, or whose driver fails
// with force set, still loses its directory, so `rm` can always clean up.
func Remove(ctx context.Context, s *store.Store, name string, force bool) error {
	if !s.Exists(name) {
		return fmt.Errorf("rm %q: %w", name, store.ErrNotFound)
	}
	unlock, err := s.Lock(name)
	if err != nil {
		return err
	}
	defer unlock()

	m, err := Load(s, name)
	switch {
	case err != nil && !force && CreateError(s, name) == "":
		return fmt.Errorf("rm %q: %w; pass -f to remove its directory anyway", name, err)
	case err == nil:
		if err := m.Driver.Remove(ctx); err != nil && !force {
			return fmt.Errorf("rm %q: %w; pass -f to remove the local machine anyway", name, err)
		}
	}
	return s.Remove(name)
}
