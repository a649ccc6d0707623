// Command machina creates Docker hosts, provisions the Docker engine on them
// with TLS, and makes one of them the active machine in your shell.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/alecthomas/kong"

	_ "github.com/machina-dev/machina/drivers/generic"
	_ "github.com/machina-dev/machina/drivers/none"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// CLI is machina's command line. Global flags and their environment
// variables are Docker Machine's.
type CLI struct {
	Globals

	Create  CreateCmd  `cmd:"" help:"Create a machine."`
	Ls      LsCmd      `cmd:"" help:"List machines."`
	Env     EnvCmd     `cmd:"" help:"Print the commands that set up the environment for the docker CLI."`
	Active  ActiveCmd  `cmd:"" help:"Print which machine is active."`
	Config  ConfigCmd  `cmd:"" help:"Print the docker CLI flags for a machine."`
	Inspect InspectCmd `cmd:"" help:"Print a machine's configuration as JSON."`
	IP      IPCmd      `cmd:"" name:"ip" help:"Print the IP address of machines."`
	URL     URLCmd     `cmd:"" name:"url" help:"Print the engine URL of a machine."`
	Status  StatusCmd  `cmd:"" help:"Print the state of a machine."`
	SSH     SSHCmd     `cmd:"" name:"ssh" help:"Log in to a machine, or run a command on it, over SSH."`
	Scp     ScpCmd     `cmd:"" name:"scp" help:"Copy files and directories between machines and the local host over SSH."`
	Mount   MountCmd   `cmd:"" help:"Mount a machine's directory with sshfs, or unmount it with -u."`
	Rm      RmCmd      `cmd:"" help:"Remove machines."`

	Start           StartCmd           `cmd:"" help:"Start machines."`
	Stop            StopCmd            `cmd:"" help:"Stop machines."`
	Restart         RestartCmd         `cmd:"" help:"Restart machines and wait until their engines respond."`
	Kill            KillCmd            `cmd:"" help:"Kill machines."`
	Provision       ProvisionCmd       `cmd:"" help:"Provision existing machines again."`
	Upgrade         UpgradeCmd         `cmd:"" help:"Upgrade the engine of machines."`
	RegenerateCerts RegenerateCertsCmd `cmd:"" name:"regenerate-certs" help:"Make new TLS certificates for machines and restart their engines."`

	Version VersionCmd `cmd:"" help:"Print machina's version, or a machine's engine version."`

	shellCmds `embed:""`

	Completion    CompletionCmd `cmd:"" help:"Print the completion script for bash, zsh or fish."`
	CompleteWords completeCmd   `cmd:"" name:"__complete" hidden:"" passthrough:"" help:"Print the completions of the last word, one per line."`
}

// Globals are the flags every command accepts, and the streams commands
// write to.
type Globals struct {
	StoragePath   string `short:"s" env:"MACHINE_STORAGE_PATH" placeholder:"DIR" help:"Machine store directory (default: ~/.docker/machine)."`
	Debug         bool   `short:"D" help:"Print debug output, including the SSH commands run."`
	TLSCACert     string `name:"tls-ca-cert" env:"MACHINE_TLS_CA_CERT" type:"path" placeholder:"FILE" help:"CA certificate for new machines (default: STORE/certs/ca.pem)."`
	TLSCAKey      string `name:"tls-ca-key" env:"MACHINE_TLS_CA_KEY" type:"path" placeholder:"FILE" help:"CA private key (default: STORE/certs/ca-key.pem)."`
	TLSClientCert string `name:"tls-client-cert" env:"MACHINE_TLS_CLIENT_CERT" type:"path" placeholder:"FILE" help:"Client certificate (default: STORE/certs/cert.pem)."`
	TLSClientKey  string `name:"tls-client-key" env:"MACHINE_TLS_CLIENT_KEY" type:"path" placeholder:"FILE" help:"Client private key (default: STORE/certs/key.pem)."`

	Stdin  io.Reader           `kong:"-"`
	Stdout io.Writer           `kong:"-"`
	Stderr io.Writer           `kong:"-"`
	Getenv func(string) string `kong:"-"`
	Args   []string            `kong:"-"` // the command line, for commands that re-run it
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// exitError carries a command's exit status without a message, for `ssh`.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run parses args and runs the command, returning the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cli := CLI{Globals: Globals{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Args: args}}
	if len(args) == 2 && args[0] == hookEvalName {
		// The hook's slow path runs on a prompt: building the kong parser
		// would add about 2.7 ms to it (hyperfine, see BENCHMARKS.md).
		return finish(stderr, (&hookEvalCmd{Shell: args[1]}).Run(ctx, &cli.Globals))
	}
	exitCode := -1
	parser, err := kong.New(&cli,
		kong.Name("machina"),
		kong.Description("Create Docker hosts, provision the engine on them with TLS, and make one of them the active machine in your shell."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.ValueFormatter(helpWithDefault),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Vars{"version": version},
	)
	if err != nil {
		fmt.Fprintf(stderr, "machina: %v\n", err)
		return 2
	}

	kctx, err := parser.Parse(helpArgs(args))
	if exitCode >= 0 {
		return exitCode // --help
	}
	if err != nil {
		fmt.Fprintf(stderr, "machina: %v\n", err)
		return 2
	}

	return finish(stderr, kctx.Run(&cli.Globals))
}

// finish prints a command's error and returns the process exit status.
func finish(stderr io.Writer, err error) int {
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	default:
		fmt.Fprintf(stderr, "machina: %v\n", err)
		return 1
	}
}

// helpWithDefault adds the environment variable and the default value to a
// flag's help text. kong already shows the default in place of a missing
// placeholder (--ssh-timeout=30s), so only flags with a placeholder need it.
func helpWithDefault(value *kong.Value) string {
	help := kong.DefaultHelpValueFormatter(value)
	if value.Default == "" || value.Tag.PlaceHolder == "" || strings.Contains(value.Help, "default") || value.IsBool() {
		return help
	}
	suffix := "(default: " + value.Default + ")"
	if strings.HasSuffix(help, ".") {
		return help[:len(help)-1] + " " + suffix + "."
	}
	return help + " " + suffix
}

// helpArgs turns Docker Machine's ways of asking for help, no arguments and
// `help [COMMAND...]`, into kong's --help.
func helpArgs(args []string) []string {
	switch {
	case len(args) == 0:
		return []string{"--help"}
	case args[0] == "help":
		return append(append([]string{}, args[1:]...), "--help")
	}
	return args
}
