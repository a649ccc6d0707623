package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/transfer"
)

// MountCmd is `machina mount`.
type MountCmd struct {
	Source  string        `arg:"" name:"NAME:PATH" help:"Machine and directory to mount; an empty PATH is the login user's home directory."`
	Dir     string        `arg:"" name:"dir" help:"Local directory to mount it on."`
	Unmount bool          `short:"u" help:"Unmount DIR with fusermount -u instead."`
	Timeout time.Duration `default:"30s" help:"Bound on connecting over SSH to pin the host key, when no key is pinned yet."`
}

func (c *MountCmd) Run(ctx context.Context, g *Globals) error {
	loc := transfer.ParseLocation(c.Source)
	if loc.Machine == "" {
		return fmt.Errorf("mount %q: use NAME:PATH, such as default:/home/docker", c.Source)
	}
	m, err := g.load(loc.Machine)
	if err != nil {
		return err
	}

	if c.Unmount {
		fusermount, err := lookTool("fusermount", "fuse")
		if err != nil {
			return fmt.Errorf("unmount %s: %w", c.Dir, err)
		}
		return runTool(ctx, g, fusermount, "-u", c.Dir)
	}

	sshfs, err := lookTool("sshfs", "sshfs")
	if err != nil {
		return fmt.Errorf("mount %s: %w", loc, err)
	}
	args, err := c.sshfsArgs(ctx, g, m, loc.Path)
	if err != nil {
		return err
	}
	return runTool(ctx, g, sshfs, args...)
}

// sshfsArgs returns the sshfs arguments that log in with the machine's key
// and accept only its pinned host key. With no key pinned yet, it connects
// once to pin it.
func (c *MountCmd) sshfsArgs(ctx context.Context, g *Globals, m *machine.Machine, remotePath string) ([]string, error) {
	d, ok := m.Driver.(drivers.SSH)
	if !ok {
		return nil, fmt.Errorf("mount: machine %q: the %s driver has no SSH access", m.Name(), m.Host.DriverName)
	}
	target, err := d.SSHTarget(ctx)
	if err != nil {
		return nil, err
	}

	if _, err := os.Stat(m.KnownHostsPath()); errors.Is(err, fs.ErrNotExist) {
		conn, err := dialMachine(ctx, g, m, c.Timeout)
		if err != nil {
			return nil, fmt.Errorf("mount: %w", err)
		}
		conn.Close()
	}

	port := target.Port
	if port == 0 {
		port = 22
	}
	var options []string
	if target.KeyPath != "" {
		options = append(options, "IdentityFile="+escapeFuseOption(target.KeyPath))
	}
	options = append(options,
		"UserKnownHostsFile="+escapeFuseOption(m.KnownHostsPath()),
		"StrictHostKeyChecking=yes",
		"port="+strconv.Itoa(port),
	)

	host := target.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 address
	}
	return []string{"-o", strings.Join(options, ","), target.User + "@" + host + ":" + remotePath, c.Dir}, nil
}

// escapeFuseOption escapes the backslashes and commas in an -o value, which
// FUSE splits at unescaped commas.
func escapeFuseOption(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

// lookTool finds a program in PATH. pkg is the Debian package that
// installs it.
func lookTool(name, pkg string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed or not in PATH: install it (on Debian and Ubuntu: apt-get install %s)", name, pkg)
	}
	return path, nil
}

// runTool runs the program at path with the command's streams.
func runTool(ctx context.Context, g *Globals, path string, args ...string) error {
	if g.Debug {
		fmt.Fprintf(g.Stderr, "run: %s %s\n", path, strings.Join(args, " "))
	}

	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = g.Stdin, g.Stdout, g.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(path), strings.Join(args, " "), err)
	}
	return nil
}
