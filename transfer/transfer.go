// Package transfer copies files and directories between the local file
// system and machines, for `machina scp`.
//
// Every copy is a tar stream: the source side archives one file or
// directory, this package renames its top entry to the destination name and
// checks every entry name, and the destination side extracts the stream into
// a directory. On a machine both ends run tar over the SSH connection; the
// local side reads and writes tar in Go.
//
// A source named on the command line is followed when it is a symbolic
// link. Symbolic links inside a copied directory are copied as links, as
// GNU cp -r and tar do.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Kind is the type of file a path names.
type Kind int

const (
	Missing Kind = iota
	File
	Dir
)

// Info describes a source or destination path.
type Info struct {
	Kind Kind
	// Name is the name a source gets inside a destination directory: the
	// base name of the path, or of the directory it resolves to.
	Name string
	// Path is the side's own form of the path: the directory with symbolic
	// links resolved, or the path as given.
	Path string
}

// Side is one end of a copy: the local file system, or a machine.
type Side interface {
	// Stat describes path, following symbolic links.
	Stat(ctx context.Context, path string) (Info, error)
	// Archive writes a tar stream of the file or directory info describes to
	// w. A directory's entries are named relative to it, "." being the
	// directory itself. A file is one entry, of any name.
	Archive(ctx context.Context, info Info, w io.Writer) error
	// Extract reads a tar stream from r into the existing directory dir,
	// until the end of r.
	Extract(ctx context.Context, dir string, r io.Reader) error
	// Split splits path into its directory and base name.
	Split(path string) (dir, name string)
	// Join joins a directory and a slash-separated name.
	Join(dir, name string) string
	// Describe names path in messages: as given locally, NAME:PATH on a
	// machine.
	Describe(path string) string
}

// Endpoint is a path on one side.
type Endpoint struct {
	Side Side
	Path string
}

func (e Endpoint) String() string { return e.Side.Describe(e.Path) }

// Options change how Copy works.
type Options struct {
	Recursive bool      // copy directories; without it a directory source is an error
	Progress  io.Writer // one line per file copied, or nil
}

// target is the destination of one source: the name Extract creates in dir.
type target struct {
	dir  string
	name string
}

// Copy copies every source to dst. With one source, dst is the new name
// unless it is an existing directory; with several, dst must be an existing
// directory. Every source is checked before anything is copied. A source
// that fails to copy does not stop the others, and Copy returns every
// failure.
func Copy(ctx context.Context, sources []Endpoint, dst Endpoint, opts Options) error {
	infos := make([]Info, len(sources))
	for i, src := range sources {
		info, err := checkSource(ctx, src, opts)
		if err != nil {
			return err
		}
		infos[i] = info
	}

	targets, err := resolveTargets(ctx, infos, dst)
	if err != nil {
		return err
	}

	var errs []error
	for i, src := range sources {
		if err := copyOne(ctx, src, infos[i], dst.Side, targets[i], opts.Progress); err != nil {
			errs = append(errs, fmt.Errorf("copy %s to %s: %w", src, dst.Side.Describe(dst.Side.Join(targets[i].dir, targets[i].name)), err))
		}
	}
	return errors.Join(errs...)
}

func checkSource(ctx context.Context, src Endpoint, opts Options) (Info, error) {
	info, err := src.Side.Stat(ctx, src.Path)
	switch {
	case err != nil:
		return Info{}, fmt.Errorf("%s: %w", src, err)
	case info.Kind == Missing:
		return Info{}, fmt.Errorf("%s: no such file or directory", src)
	case info.Kind == Dir && !opts.Recursive:
		return Info{}, fmt.Errorf("%s is a directory: pass -r to copy directories", src)
	}
	return info, nil
}

// resolveTargets decides the directory and name each source is extracted as.
func resolveTargets(ctx context.Context, sources []Info, dst Endpoint) ([]target, error) {
	info, err := dst.Side.Stat(ctx, dst.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dst, err)
	}

	targets := make([]target, len(sources))
	if info.Kind == Dir {
		for i, src := range sources {
			if !isEntryName(src.Name) {
				return nil, fmt.Errorf("cannot copy %q into the directory %s: name the destination instead", src.Name, dst)
			}
			targets[i] = target{dir: dst.Path, name: src.Name}
		}
		return targets, nil
	}

	if len(sources) > 1 {
		return nil, fmt.Errorf("%s is not a directory: copying several sources needs an existing destination directory", dst)
	}
	if info.Kind == File && sources[0].Kind == Dir {
		return nil, fmt.Errorf("cannot overwrite the file %s with a directory", dst)
	}

	dir, name := dst.Side.Split(dst.Path)
	parent, err := dst.Side.Stat(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dst.Side.Describe(dir), err)
	}
	if parent.Kind != Dir || !isEntryName(name) {
		return nil, fmt.Errorf("%s: no such directory to copy into", dst.Side.Describe(dir))
	}
	targets[0] = target{dir: dir, name: name}
	return targets, nil
}

// copyOne streams one source through the renaming filter into the
// destination. The first error stops all three stages and is the one
// returned, because the others follow from it.
func copyOne(ctx context.Context, src Endpoint, info Info, dst Side, t target, progress io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		once     sync.Once
		firstErr error
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err })
		cancel()
	}

	archiveR, archiveW := io.Pipe()
	renamedR, renamedW := io.Pipe()
	var wg sync.WaitGroup

	wg.Go(func() {
		err := src.Side.Archive(ctx, info, archiveW)
		if err != nil {
			fail(err)
		}
		archiveW.CloseWithError(err)
	})

	wg.Go(func() {
		r := renamer{kind: info.Kind, dst: dst, target: t, progress: progress}
		err := r.copy(archiveR, renamedW)
		if err != nil {
			fail(err)
		}
		archiveR.CloseWithError(err)
		renamedW.CloseWithError(err)
	})

	wg.Go(func() {
		err := dst.Extract(ctx, t.dir, renamedR)
		if err != nil {
			fail(err)
		}
		renamedR.CloseWithError(err)
	})

	wg.Wait()
	return firstErr
}
