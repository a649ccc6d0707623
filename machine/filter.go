package machine

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/store"
)

// FilterKeys are the keys of `ls --filter KEY=VALUE`, Docker Machine's.
var FilterKeys = []string{"driver", "label", "name", "state", "swarm"}

// Filter selects machines for `ls`. Values given for one key are
// alternatives, and every key given must match. The zero Filter matches
// every machine.
type Filter struct {
	Drivers []string         // driver names, compared without case
	States  []drivers.State  // states after the machine was queried
	Names   []*regexp.Regexp // matched anywhere in the name, as Docker Machine does
	Labels  []string         // engine labels, KEY=VALUE or KEY alone
	Swarm   []string         // legacy Swarm masters: machina has none, so these match nothing
}

// ParseFilter parses the values of --filter, each KEY=VALUE. Keys are
// compared without case, as Docker Machine does.
func ParseFilter(args []string) (Filter, error) {
	var f Filter
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok {
			return Filter{}, fmt.Errorf("invalid filter %q: use KEY=VALUE, with KEY one of %s", arg, strings.Join(FilterKeys, ", "))
		}

		switch strings.ToLower(key) {
		case "driver":
			f.Drivers = append(f.Drivers, value)
		case "state":
			state, err := parseState(value)
			if err != nil {
				return Filter{}, fmt.Errorf("invalid filter %q: %w", arg, err)
			}
			f.States = append(f.States, state)
		case "name":
			re, err := regexp.Compile(value)
			if err != nil {
				return Filter{}, fmt.Errorf("invalid filter %q: invalid name regexp %q: %w", arg, value, err)
			}
			f.Names = append(f.Names, re)
		case "label":
			if value == "" {
				return Filter{}, fmt.Errorf("invalid filter %q: use label=KEY=VALUE or label=KEY", arg)
			}
			f.Labels = append(f.Labels, value)
		case "swarm":
			f.Swarm = append(f.Swarm, value)
		default:
			return Filter{}, fmt.Errorf("unknown filter key %q in %q: use one of %s", key, arg, strings.Join(FilterKeys, ", "))
		}
	}
	return f, nil
}

// parseState returns the state named s, compared without case.
func parseState(s string) (drivers.State, error) {
	var names []string
	for state := drivers.Running; state <= drivers.Timeout; state++ {
		if strings.EqualFold(s, state.String()) {
			return state, nil
		}
		names = append(names, state.String())
	}
	return drivers.None, fmt.Errorf("unknown state %q: use one of %s", s, strings.Join(names, ", "))
}

// matchesName applies the name filter, which needs only the machine's name.
func (f Filter) matchesName(name string) bool {
	if len(f.Names) == 0 {
		return true
	}
	for _, re := range f.Names {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// matchesHost applies the filters that config.json decides: driver, label
// and swarm. A machine whose config.json cannot be read (h is nil) matches
// only when none of them is given.
func (f Filter) matchesHost(h *store.Host) bool {
	if len(f.Drivers) == 0 && len(f.Labels) == 0 && len(f.Swarm) == 0 {
		return true
	}
	if h == nil || len(f.Swarm) > 0 {
		return false
	}
	return f.matchesDriver(h.DriverName) && f.matchesLabels(h)
}

func (f Filter) matchesDriver(name string) bool {
	if len(f.Drivers) == 0 {
		return true
	}
	for _, d := range f.Drivers {
		if strings.EqualFold(d, name) {
			return true
		}
	}
	return false
}

// matchesLabels compares label keys exactly and values without case, as
// Docker Machine does. A filter without "=" matches any value of its key.
func (f Filter) matchesLabels(h *store.Host) bool {
	if len(f.Labels) == 0 {
		return true
	}
	var labels []string
	if h.HostOptions != nil && h.HostOptions.EngineOptions != nil {
		labels = h.HostOptions.EngineOptions.Labels
	}

	for _, want := range f.Labels {
		wantKey, wantValue, hasValue := strings.Cut(want, "=")
		for _, label := range labels {
			key, value, _ := strings.Cut(label, "=")
			if key == wantKey && (!hasValue || strings.EqualFold(value, wantValue)) {
				return true
			}
		}
	}
	return false
}

// MatchesState applies the state filter to a queried machine.
func (f Filter) MatchesState(s drivers.State) bool {
	if len(f.States) == 0 {
		return true
	}
	for _, want := range f.States {
		if want == s {
			return true
		}
	}
	return false
}

// mayReachState reports whether a machine the driver reports in state s can
// still match the state filter. A Running machine becomes Timeout when its
// engine does not respond before the listing ends.
func (f Filter) mayReachState(s drivers.State) bool {
	return f.MatchesState(s) || (s == drivers.Running && f.MatchesState(drivers.Timeout))
}
