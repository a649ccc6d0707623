package machine

import (
	"context"
	"errors"
	"fmt"

	"github.com/machina-dev/machina/store"
)

// ErrNoActive is returned when no machine's URL matches DOCKER_HOST.
var ErrNoActive = errors.New("no active machine: DOCKER_HOST does not point at any machine (run `eval \"$(machina env NAME)\"`)")

// Active returns the machine whose engine URL is dockerHost, preferring
// machineName (DOCKER_MACHINE_NAME) when several share it. It reads only the
// store and contacts nothing.
func Active(ctx context.Context, s *store.Store, dockerHost, machineName string) (string, error) {
	if dockerHost == "" {
		return "", ErrNoActive
	}
	if machineName != "" {
		if m, err := Load(s, machineName); err == nil {
			if url, err := m.Driver.URL(ctx); err == nil && url == dockerHost {
				return machineName, nil
			}
		}
	}

	names, err := s.List()
	if err != nil {
		return "", err
	}
	for _, name := range names {
		m, err := Load(s, name)
		if err != nil {
			continue // a corrupt machine cannot be the active one
		}
		if url, err := m.Driver.URL(ctx); err == nil && url == dockerHost {
			return name, nil
		}
	}
	return "", fmt.Errorf("%w; DOCKER_HOST is %s", ErrNoActive, dockerHost)
}
