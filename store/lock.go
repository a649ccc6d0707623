package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// locksDir is outside machines/ so that Docker Machine never lists lock files.
func (s *Store) locksDir() string { return filepath.Join(s.Path, ".machina", "locks") }

// Lock takes the per-machine lock that serialises commands on one machine,
// waiting for another holder to finish. Call the returned function to release it.
func (s *Store) Lock(name string) (unlock func(), err error) {
	return s.lockFile(filepath.Join(s.locksDir(), "machine-"+name+".lock"), "machine "+name)
}

// LockStore takes the store-wide lock, which guards the first creation of the CA.
func (s *Store) LockStore() (unlock func(), err error) {
	return s.lockFile(filepath.Join(s.locksDir(), "store.lock"), "the store")
}

func (s *Store) lockFile(path, what string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		if s.Waiting != nil {
			fmt.Fprintf(s.Waiting, "Waiting for another machina command to finish with %s\n", what)
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}
