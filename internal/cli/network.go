package cli

import (
	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/internal/connect"
)

// addNetworkFlags adds the trust and dialling flags every command that
// talks to the service takes, into the connect.Network that applies them.
func addNetworkFlags(f *pflag.FlagSet, nw *connect.Network) {
	f.StringVar(&nw.CAFile, "ca-file", "", "also trust the CA certificates in this PEM `file` (e.g. a separately started `exoplay emulator`); env "+connect.CAFileEnv)
	f.StringArrayVar(&nw.ConnectTo, "connect-to", nil, "connect to HOST2:PORT2 when a URL names HOST1:PORT1, as curl's --connect-to (`HOST1:PORT1:HOST2:PORT2`; an empty HOST1 or PORT1 matches any; TLS still checks HOST1's name); repeatable; env "+connect.ConnectToEnv+" (comma-separated)")
}
