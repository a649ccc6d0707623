// Command lsfleet creates a benchmark fleet of none-driver machines in a
// temporary store, runs a command with MACHINE_STORAGE_PATH pointing at it
// while the fleet's listeners run, and removes the store. It exists so that
// hyperfine can time the machina binary:
//
//	go run ./bench/cmd/lsfleet -- hyperfine 'machina ls --timeout 2s'
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/machina-dev/machina/bench"
)

func main() {
	silent := flag.Int("silent", 50, "machines whose engine accepts TCP connections and never answers")
	answering := flag.Int("answering", 150, "machines whose engine answers at once")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: lsfleet [-silent N] [-answering N] -- COMMAND [ARG...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*silent, *answering, flag.Args()))
}

func run(silent, answering int, args []string) int {
	dir, err := os.MkdirTemp("", "machina-lsfleet-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "lsfleet:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	fleet, err := bench.NewFleet(dir, silent, answering)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lsfleet: create fleet:", err)
		return 1
	}
	defer fleet.Close()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "MACHINE_STORAGE_PATH="+fleet.Store.Path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "lsfleet:", err)
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		return 1
	}
	return 0
}
