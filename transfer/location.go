package transfer

import "strings"

// Location is one path argument of scp: a local path, or NAME:PATH on a
// machine.
type Location struct {
	Machine string // "" for a local path
	Path    string
}

func (l Location) String() string {
	if l.Machine == "" {
		return l.Path
	}
	return l.Machine + ":" + l.Path
}

// ParseLocation splits NAME:PATH as Docker Machine's scp does. An argument is
// local when it has no colon, when the colon comes first or after a slash or
// backslash (./a:b), or when it starts with a Windows drive letter followed by
// a slash or backslash (C:\x, C:/x). NAME: alone is the machine's home
// directory.
func ParseLocation(arg string) Location {
	name, path, ok := strings.Cut(arg, ":")
	if !ok || name == "" || strings.ContainsAny(name, `/\`) || isDrivePath(arg) {
		return Location{Path: arg}
	}
	return Location{Machine: name, Path: path}
}

// isDrivePath reports whether arg starts with a drive letter and a path
// separator, as C:\x or C:/x.
func isDrivePath(arg string) bool {
	if len(arg) < 3 || arg[1] != ':' || (arg[2] != '\\' && arg[2] != '/') {
		return false
	}
	c := arg[0]
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
