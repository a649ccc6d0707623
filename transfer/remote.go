package transfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/machina-dev/machina/sshclient"
)

// Remote is a machine reached over SSH. It runs sh and tar there as the
// login user; GNU tar and BusyBox tar both take the options used. Relative
// paths are relative to the login user's home directory, and a leading ~/
// means the same.
type Remote struct {
	Machine string
	Client  *sshclient.Client
}

// statScript prints "dir" and the resolved directory, "file" or "missing"
// for the path in $p.
const statScript = `if [ -d "$p" ]; then echo dir; cd -- "$p" && pwd -P; elif [ -e "$p" ]; then echo file; else echo missing; fi`

func (r Remote) Stat(ctx context.Context, p string) (Info, error) {
	p = remotePath(p)
	out, err := r.Client.Run(ctx, "p="+sshclient.Quote(p)+"; "+statScript, nil)
	if err != nil {
		return Info{}, err
	}

	kind, resolved, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	switch kind {
	case "missing":
		return Info{Kind: Missing, Path: p}, nil
	case "file":
		return Info{Kind: File, Name: path.Base(p), Path: p}, nil
	case "dir":
		if resolved == "" {
			return Info{}, fmt.Errorf("cannot resolve the directory %s", p)
		}
		return Info{Kind: Dir, Name: path.Base(resolved), Path: resolved}, nil
	}
	return Info{}, fmt.Errorf("unexpected output from the stat script: %q", out)
}

// Archive runs tar -c there. -h follows the symbolic link a file source may
// be; a directory is archived from inside it, so -h is not needed for it.
func (r Remote) Archive(ctx context.Context, info Info, w io.Writer) error {
	var cmd string
	if info.Kind == Dir {
		cmd = "tar -C " + sshclient.Quote(info.Path) + " -c -f - ."
	} else {
		dir, name := path.Split(path.Clean(info.Path))
		if dir == "" {
			dir = "."
		}
		cmd = "tar -C " + sshclient.Quote(dir) + " -c -h -f - " + sshclient.Quote("./"+name)
	}
	return r.run(ctx, cmd, nil, w)
}

// Extract runs tar -x there without restoring owners. After a successful tar,
// cat reads the rest of the stream so that the sender does not block on a
// closed pipe.
func (r Remote) Extract(ctx context.Context, dir string, in io.Reader) error {
	cmd := "tar -C " + sshclient.Quote(remotePath(dir)) + " -x -o -f - && cat >/dev/null"
	return r.run(ctx, cmd, in, io.Discard)
}

// run runs cmd with the given streams and turns a non-zero exit into an
// error that carries the command's stderr.
func (r Remote) run(ctx context.Context, cmd string, stdin io.Reader, stdout io.Writer) error {
	var stderr bytes.Buffer
	status, err := r.Client.Interactive(ctx, cmd, stdin, stdout, &stderr)
	if err != nil {
		return err
	}
	if status != 0 {
		return fmt.Errorf("%s on %s: exit status %d: %s", strings.Fields(cmd)[0], r.Machine, status, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func (r Remote) Split(p string) (dir, name string) {
	p = path.Clean(remotePath(p))
	return path.Dir(p), path.Base(p)
}

func (Remote) Join(dir, name string) string { return path.Join(dir, name) }

func (r Remote) Describe(p string) string { return r.Machine + ":" + p }

// remotePath maps "" and ~ to the home directory, which is the working
// directory of every SSH session, and strips a leading ~/.
func remotePath(p string) string {
	switch {
	case p == "" || p == "~":
		return "."
	case strings.HasPrefix(p, "~/"):
		return "./" + strings.TrimPrefix(p, "~/")
	}
	return p
}
