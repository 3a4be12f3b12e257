package emulator_test

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
)

// A client connection that never sent a request (a transport's spare dial)
// does not hold Close up: Close returns no error and the connection is shut.
// Before, Shutdown waited the 5 s net/http grants such a connection and then
// failed with "context deadline exceeded".
func TestCloseDropsASpareConnection(t *testing.T) {
	e, err := emulator.Start(emulator.Options{Tenants: []emulator.TenantSpec{{Domain: "contoso"}}})
	if err != nil {
		t.Fatal(err)
	}
	conn := spareConn(t, e)
	defer conn.Close()
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("the spare connection is still open after Close")
	}
}

// spareConn opens a TLS connection to e and sends nothing on it.
func spareConn(tb testing.TB, e *emulator.Emulator) *tls.Conn {
	tb.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(e.CACertPEM)
	conn, err := tls.Dial("tcp", e.Addr, &tls.Config{ServerName: "outlook.office365.com", RootCAs: roots})
	if err != nil {
		tb.Fatal(err)
	}
	return conn
}
