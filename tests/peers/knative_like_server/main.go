// knative_like_server: an HTTPS server configured the way knative.dev/pkg's Prometheus metrics
// server configures crypto/tls (spec/knative-env.md §4-§6): TLS 1.3 minimum, client
// certificates required and verified against a CA, and CurvePreferences from a variable in
// knative's spelling, or Go's defaults when it is unset. GODEBUG is the Go runtime's own.
// Standard library only; a test peer, not part of promtls.
//
// Variables: PEER_CERT, PEER_KEY, PEER_CA (PEM files), PEER_CURVES (comma-separated knative
// names; unset or empty: Go's default set), PEER_MAX_VERSION ("1.2", "1.3" or unset).
// It listens on 127.0.0.1 on an OS-chosen port and prints "listening on 127.0.0.1:PORT".
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// knative's static curve map (spec R-V5).
var curves = map[string]tls.CurveID{
	"CurveP256": tls.CurveP256, "CurveP384": tls.CurveP384, "CurveP521": tls.CurveP521,
	"P-256": tls.CurveP256, "P-384": tls.CurveP384, "P-521": tls.CurveP521,
	"X25519": tls.X25519, "X25519MLKEM768": tls.X25519MLKEM768,
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "knative_like_server: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	config := &tls.Config{MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert}
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(os.Getenv("PEER_CA"))
	if err != nil || !pool.AppendCertsFromPEM(ca) {
		fail("PEER_CA: no CA certificates (%v)", err)
	}
	config.ClientCAs = pool
	for _, name := range strings.Split(os.Getenv("PEER_CURVES"), ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		id, ok := curves[name]
		if !ok {
			fail("PEER_CURVES: unknown curve %q", name)
		}
		config.CurvePreferences = append(config.CurvePreferences, id)
	}
	switch os.Getenv("PEER_MAX_VERSION") {
	case "1.2":
		config.MinVersion = tls.VersionTLS12
		config.MaxVersion = tls.VersionTLS12
	case "1.3", "":
	default:
		fail("PEER_MAX_VERSION: 1.2 or 1.3")
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprint(w, "# TYPE peer_up gauge\npeer_up 1\n")
	})
	server := &http.Server{Handler: mux, TLSConfig: config, ReadHeaderTimeout: 5 * time.Second}
	if err := server.ServeTLS(listener, os.Getenv("PEER_CERT"), os.Getenv("PEER_KEY")); err != nil {
		fail("serve: %v", err)
	}
}
