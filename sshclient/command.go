package sshclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strings"
)

// Quote returns s as one POSIX shell word in single quotes, so the shell
// expands nothing in it.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Sudo wraps cmd to run as root: unchanged when the login user is root,
// else as `sudo -n sh -c 'CMD'`. The -n makes sudo fail instead of asking
// for a password, and Run reports that failure as a missing sudoers rule.
func (c *Client) Sudo(cmd string) string {
	if c.user == "root" {
		return cmd
	}
	return "sudo -n sh -c " + Quote(cmd)
}

// WriteFile writes data to path on the machine as root, creating the parent
// directory. The data goes to a temporary file next to path, which is then
// renamed, so a reader sees either the old or the new content. Data travels
// on stdin and never appears in a command line or in Config.Debug output.
func (c *Client) WriteFile(ctx context.Context, filePath string, data []byte, mode os.FileMode) error {
	if !path.IsAbs(filePath) {
		return fmt.Errorf("write %s: remote path must be absolute", filePath)
	}

	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return fmt.Errorf("write %s: %w", filePath, err)
	}
	tmp := filePath + ".machina-" + hex.EncodeToString(suffix)

	// umask 077 keeps a key unreadable to others between cat and chmod.
	script := fmt.Sprintf("mkdir -p %s && umask 077 && cat > %s && chmod %04o %s && mv -f %s %s || { rm -f %s; exit 1; }",
		Quote(path.Dir(filePath)), Quote(tmp), mode.Perm(), Quote(tmp), Quote(tmp), Quote(filePath), Quote(tmp))

	if _, err := c.Run(ctx, c.Sudo(script), bytes.NewReader(data)); err != nil {
		return fmt.Errorf("write %s on %s: %w", filePath, c.addr, err)
	}
	return nil
}
