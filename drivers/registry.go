package drivers

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

var registry = map[string]func() Driver{}

// Register makes a driver known by name. newDriver returns a zero driver that
// config.json is decoded into.
func Register(name string, newDriver func() Driver) {
	if _, dup := registry[name]; dup {
		panic("drivers: Register called twice for " + name)
	}
	registry[name] = newDriver
}

// Names lists the registered drivers, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup checks that a driver name is registered.
func Lookup(name string) error {
	if _, ok := registry[name]; !ok {
		return fmt.Errorf("unknown driver %q: use one of %s", name, strings.Join(Names(), ", "))
	}
	return nil
}

// Decode returns the driver named name with its config.json JSON in raw.
func Decode(name string, raw json.RawMessage) (Driver, error) {
	if err := Lookup(name); err != nil {
		return nil, err
	}
	d := registry[name]()
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("decode %s driver configuration: %w", name, err)
		}
	}
	return d, nil
}
