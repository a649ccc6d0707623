package provision

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/machina-dev/machina/sshclient"
)

// validHostname is the form Docker Machine accepts for machine names. It
// keeps the name free of shell and sed metacharacters.
var validHostname = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*$`)

// setHostname sets the running hostname and /etc/hostname to name. Unless
// /etc/hosts already lists name, its 127.0.1.1 line is pointed at name (or
// one is added), so the machine resolves its own name as Debian does.
func setHostname(ctx context.Context, r Runner, name string) error {
	if name == "" {
		return nil
	}
	if _, err := r.Run(ctx, r.Sudo(hostnameScript(name)), nil); err != nil {
		return fmt.Errorf("set hostname to %q: %w", name, err)
	}
	return nil
}

// hostnameScript rewrites /etc/hosts through a temporary file and `cat >`,
// because `sed -i` replaces the file and fails where /etc/hosts is a bind
// mount, as it is in containers. name must match validHostname.
func hostnameScript(name string) string {
	pattern := strings.ReplaceAll(name, ".", `\.`)
	listed := fmt.Sprintf(`[[:space:]]%s([[:space:]]|$)`, pattern)
	replace := fmt.Sprintf(`s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 %s/`, name)
	quoted := sshclient.Quote(name)

	lines := []string{
		"hostname " + quoted + " &&",
		"printf '%s\\n' " + quoted + " > /etc/hostname &&",
		"if grep -qE " + sshclient.Quote(listed) + " /etc/hosts; then",
		"  :",
		`elif grep -q '^127\.0\.1\.1[[:space:]]' /etc/hosts; then`,
		`  tmp=$(mktemp) && sed ` + sshclient.Quote(replace) + ` /etc/hosts > "$tmp" && cat "$tmp" > /etc/hosts; status=$?; rm -f "$tmp"; exit $status`,
		"else",
		"  printf '127.0.1.1 %s\\n' " + quoted + " >> /etc/hosts",
		"fi",
	}
	return strings.Join(lines, "\n")
}
