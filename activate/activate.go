// Package activate decides which machine is active in a shell, by the
// hook's precedence: `machina use` in this shell, then the nearest trusted
// .machine.toml, then the global default, then none.
package activate

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/machina-dev/machina/profiles"
)

// UseVar is the exported shell variable that `machina use` sets: a machine
// name, or UseNone. Unset means the file and global rules apply.
const UseVar = "__MACHINA_USE"

// UseNone in UseVar means no machine in this shell, whatever the directory
// names.
const UseNone = ":none"

// Source is the rule that chose the machine.
type Source int

const (
	FromNothing Source = iota
	FromShell          // `machina use NAME` in this shell
	FromFile           // a trusted .machine.toml
	FromGlobal         // `machina use --global NAME`
)

// Decision is the outcome of the precedence rules for one shell and directory.
type Decision struct {
	Machine string // "" for none
	Source  Source
	Env     []profiles.Var // the [env] extras of a trusted .machine.toml

	// ProjectPath and ProjectContent are the nearest .machine.toml and its
	// bytes, even when it does not parse; ProjectPath is "" when there is none.
	ProjectPath    string
	ProjectContent []byte
	// Project is that file parsed, trusted or not, or nil.
	Project *profiles.Project
	// ProjectErr is the reason that file was not used: a parse error, or
	// the file is not trusted or changed since `machina allow`.
	ProjectErr error
	// Trust is the project's trust state when Project is set.
	Trust profiles.TrustState
	// GlobalErr is an unreadable global default.
	GlobalErr error
}

// ErrUntrusted is wrapped by ProjectErr for a file the user has not allowed.
var ErrUntrusted = errors.New("not trusted")

// Decide applies the precedence rules for a shell whose UseVar value is use
// and whose working directory is dir.
func Decide(dirs profiles.Dirs, use, dir string) Decision {
	switch use {
	case UseNone:
		return Decision{Source: FromShell}
	case "":
	default:
		return Decision{Machine: use, Source: FromShell}
	}

	var d Decision
	if path, err := profiles.Find(dir); err != nil {
		d.ProjectErr = err
	} else if path != "" {
		d.fromFile(dirs.Trust(), path)
		if d.Machine != "" {
			return d
		}
	}

	name, err := profiles.ReadGlobal(dirs)
	if err != nil {
		d.GlobalErr = err
		return d
	}
	if name != "" {
		d.Machine, d.Source = name, FromGlobal
	}
	return d
}

func (d *Decision) fromFile(trust profiles.Trust, path string) {
	d.ProjectPath = path
	content, err := os.ReadFile(path)
	if err != nil {
		d.ProjectErr = err
		return
	}
	d.ProjectContent = content

	p, err := profiles.Parse(path, content)
	if err != nil {
		d.ProjectErr = err
		return
	}
	d.Project = p

	d.Trust, err = trust.Status(p)
	if err != nil {
		d.ProjectErr = err
		return
	}
	switch d.Trust {
	case profiles.Trusted:
		d.Machine, d.Source, d.Env = p.Machine, FromFile, p.Env
	case profiles.Changed:
		d.ProjectErr = fmt.Errorf("%s changed since you allowed it: %w; review it, then run: machina allow %s", p.Path, ErrUntrusted, shellQuote(p.Dir))
	default:
		d.ProjectErr = fmt.Errorf("%s is %w; review it, then run this to use machine %q here: machina allow %s", p.Path, ErrUntrusted, p.Machine, shellQuote(p.Dir))
	}
}

// Why returns the rule that chose the machine, for `machina active --why`.
func (d Decision) Why() string {
	switch d.Source {
	case FromShell:
		if d.Machine == "" {
			return "machina use --none in this shell"
		}
		return "machina use " + d.Machine + " in this shell"
	case FromFile:
		return d.Project.Path
	case FromGlobal:
		return "the global default, set with machina use --global " + d.Machine
	}
	return "nothing"
}

// shellQuote returns path as one word for a POSIX shell, so that a hint can
// be pasted as it is printed whatever characters the path holds.
func shellQuote(path string) string {
	safe := path != ""
	for _, r := range path {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./-+,:@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
