// A test peer, built by tests/integration/selftest_go_peer_test.cpp with the Debian 13 lane's Go
// (GOTOOLCHAIN=local GOPROXY=off). `go 1.24`: the GODEBUG defaults follow this line (knative/pkg
// says go 1.25, whose tlsmlkem default is the same), and Debian 13's toolchain is 1.24.
module promtls.test/knative_like_server

go 1.24
