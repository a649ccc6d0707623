package provision

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/machina-dev/machina/sshclient"
)

// reply is a canned response of fakeRunner to a command containing match.
type reply struct {
	match  string
	stdout string
	status int // non-zero returns an *sshclient.ExitError
	times  int // how many commands it responds to, or 0 for every one
}

// fakeRunner records commands and written files and responds from replies.
// The first reply whose match is in the command wins. A command that matches
// no reply succeeds with no output.
type fakeRunner struct {
	user    string // "root" leaves commands unchanged in Sudo
	replies []reply

	commands []string
	files    map[string]fakeFile
	used     map[int]int // responses given, by index in replies
}

type fakeFile struct {
	data []byte
	mode os.FileMode
}

const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
`

// newFakeRunner returns a runner for a Debian host with systemd where docker
// is installed at /usr/bin.
func newFakeRunner(replies ...reply) *fakeRunner {
	defaults := []reply{
		{match: "cat /etc/os-release", stdout: debianOSRelease},
		{match: "command -v dockerd", stdout: "/usr/bin/dockerd\n"},
	}
	return &fakeRunner{user: "root", replies: append(replies, defaults...), files: map[string]fakeFile{}, used: map[int]int{}}
}

func (f *fakeRunner) Run(_ context.Context, cmd string, _ io.Reader) ([]byte, error) {
	f.commands = append(f.commands, cmd)
	for i, r := range f.replies {
		if !strings.Contains(cmd, r.match) || (r.times > 0 && f.used[i] >= r.times) {
			continue
		}
		f.used[i]++
		if r.status != 0 {
			return []byte(r.stdout), &sshclient.ExitError{Cmd: cmd, Status: r.status}
		}
		return []byte(r.stdout), nil
	}
	return nil, nil
}

func (f *fakeRunner) Sudo(cmd string) string {
	if f.user == "root" {
		return cmd
	}
	return "sudo -n sh -c " + sshclient.Quote(cmd)
}

func (f *fakeRunner) WriteFile(_ context.Context, path string, data []byte, mode os.FileMode) error {
	f.files[path] = fakeFile{data: data, mode: mode}
	return nil
}

// ran returns the commands that contain s.
func (f *fakeRunner) ran(s string) []string {
	var matches []string
	for _, cmd := range f.commands {
		if strings.Contains(cmd, s) {
			matches = append(matches, cmd)
		}
	}
	return matches
}
