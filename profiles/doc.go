// Package profiles finds and parses a project's .machine.toml, records which
// of those files the user trusts, stores the global default machine and
// loads the user's machine profiles.
//
// # Project file
//
// A .machine.toml names the machine that the shell hook activates in its
// directory and below. The nearest file in the working directory or a parent
// wins.
//
//	machine = "dev"        # required, a machine name
//	profile = "generic"    # optional, the profile to create the machine from
//
//	[env]                  # optional, extra variables exported with the machine
//	COMPOSE_PROJECT_NAME = "shop"
//
// Keys are case-sensitive and unknown keys are rejected. [env] names must be
// valid environment variable names; DOCKER_HOST, DOCKER_TLS_VERIFY,
// DOCKER_CERT_PATH, DOCKER_MACHINE_NAME and names starting with __MACHINA_
// are reserved for machina.
//
// # Trust
//
// The hook applies a .machine.toml only after `machina allow`, and again
// after each edit. The trust store is one file per .machine.toml in
// $XDG_STATE_HOME/machina/trust. The file name is the absolute path of the
// .machine.toml with "%" replaced by "%25" and then "/" by "%2F". The
// content is the lowercase hex SHA-256 of the trusted bytes and a newline.
// The shell hook reads these files with shell builtins, so this layout is a
// contract.
//
// The global default machine is stored as its name and a newline in
// $XDG_STATE_HOME/machina/global-machine, another file the hook reads.
//
// # Profiles
//
// A profile is a named set of create flags, stored as
// $XDG_CONFIG_HOME/machina/profiles/NAME.toml:
//
//	driver = "generic"                  # required
//
//	[flags]                             # driver and create flags without "--"
//	generic-ip-address = "10.0.0.5"
//	generic-ssh-user = "ubuntu"
//	generic-ssh-port = 22               # integers and booleans are allowed
//	swarm-opt = ["a=1", "b=2"]          # an array repeats the flag
//
//	[engine]                            # the --engine-* create flags
//	opt = ["log-level=warn"]
//	label = ["env=dev"]
//	env = ["HTTP_PROXY=http://proxy:3128"]
//	insecure-registry = ["registry.local:5000"]
//	registry-mirror = ["https://mirror.local"]
//	storage-driver = "overlay2"
//	install-url = "https://get.docker.com"
//
// Unknown keys are rejected. Set engine options in [engine], not as
// engine-* entries in [flags].
package profiles
