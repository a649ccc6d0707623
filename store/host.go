package store

import "encoding/json"

// ConfigVersion is the config.json format version that Docker Machine 0.16 writes.
const ConfigVersion = 3

// Host is a machine's config.json in Docker Machine 0.16's format. Field names and
// JSON keys follow Docker Machine so that each tool loads the other's machines.
type Host struct {
	ConfigVersion int
	Driver        json.RawMessage // the driver's own JSON, decoded by its package
	DriverName    string
	HostOptions   *HostOptions
	Name          string
}

// HostOptions groups the engine, swarm and TLS settings of a machine.
type HostOptions struct {
	Driver        string
	Memory        int
	Disk          int
	EngineOptions *EngineOptions
	SwarmOptions  *SwarmOptions
	AuthOptions   *AuthOptions
}

// EngineOptions are the Docker Engine settings applied at provisioning.
type EngineOptions struct {
	ArbitraryFlags   []string
	DNS              []string `json:"Dns"`
	GraphDir         string
	Env              []string
	Ipv6             bool
	InsecureRegistry []string
	Labels           []string
	LogLevel         string
	StorageDriver    string
	SelinuxEnabled   bool
	TLSVerify        bool `json:"TlsVerify"`
	RegistryMirror   []string
	InstallURL       string
}

// SwarmOptions is kept so that Docker Machine can load machina's machines;
// machina never enables legacy Swarm.
type SwarmOptions struct {
	IsSwarm            bool
	Address            string
	Discovery          string
	Agent              bool
	Master             bool
	Host               string
	Image              string
	Strategy           string
	Heartbeat          int
	Overcommit         int
	ArbitraryFlags     []string
	ArbitraryJoinFlags []string
	Env                []string
	IsExperimental     bool
}

// AuthOptions holds absolute paths of the certificates a machine uses.
type AuthOptions struct {
	CertDir              string
	CaCertPath           string
	CaPrivateKeyPath     string
	CaCertRemotePath     string
	ServerCertPath       string
	ServerKeyPath        string
	ClientKeyPath        string
	ServerCertRemotePath string
	ServerKeyRemotePath  string
	ClientCertPath       string
	ServerCertSANs       []string
	StorePath            string
}
