#include "promtls/core/metrics.hpp"

#include <catch2/catch.hpp>

using namespace promtls::core;

TEST_CASE("values print the way Go's client_golang prints them") {
  CHECK(format_value(1781524800, ValueFormat::go) == "1.7815248e+09");
  CHECK(format_value(1781524800, ValueFormat::plain) == "1781524800");
  CHECK(format_value(1, ValueFormat::go) == "1");
  CHECK(format_value(0, ValueFormat::go) == "0");
  CHECK(format_value(-1, ValueFormat::go) == "-1");
  CHECK(format_value(123456, ValueFormat::go) == "123456");
  CHECK(format_value(1234567, ValueFormat::go) == "1.234567e+06");
  CHECK(format_value(0.5, ValueFormat::go) == "0.5");
  CHECK(format_value(0.0001, ValueFormat::go) == "0.0001");
  CHECK(format_value(0.00001, ValueFormat::go) == "1e-05");
  CHECK(format_value(1e21, ValueFormat::go) == "1e+21");
  CHECK(format_value(2.5e-300, ValueFormat::go) == "2.5e-300");
  CHECK(format_value(std::nan(""), ValueFormat::go) == "NaN");
  CHECK(format_value(-INFINITY, ValueFormat::plain) == "-Inf");
  CHECK(format_value(0.25, ValueFormat::plain) == "0.25");
}

TEST_CASE("hex serials become decimal, as x509-certificate-exporter labels them") {
  CHECK(hex_serial_to_decimal("0") == "0");
  CHECK(hex_serial_to_decimal("ff") == "255");
  CHECK(hex_serial_to_decimal("10000000000000000") == "18446744073709551616");
  CHECK(hex_serial_to_decimal("7a3c2f0e9b1d4c5a6e8f0123456789abcdef0123") ==
        "697839017999994653553106782955850225735462486307");
  CHECK(hex_serial_to_decimal("-a") == "-10");
}

TEST_CASE("certificate families carry the exporter's labels and the expired flag") {
  LocatedCert c;
  c.cert.serial = "1f";
  c.cert.subject_attributes = {{"O", "Example"}, {"CN", "api"}};
  c.cert.issuer_attributes = {{"CN", "ca"}};
  c.cert.not_before_unix = 100;
  c.cert.not_after_unix = 200;
  c.location.filepath = "/etc/tls/tls.crt";
  const auto text = render_exposition(certificate_families({c}, 300));
  const std::string labels =
      "{serial_number=\"31\",subject_O=\"Example\",subject_CN=\"api\",issuer_CN=\"ca\","
      "filename=\"tls.crt\",filepath=\"/etc/tls/tls.crt\"}";
  CHECK(text.find("# TYPE x509_cert_not_after gauge\nx509_cert_not_after" + labels + " 200\n") !=
        std::string::npos);
  CHECK(text.find("x509_cert_not_before" + labels + " 100\n") != std::string::npos);
  CHECK(text.find("x509_cert_expired" + labels + " 1\n") != std::string::npos);
}

TEST_CASE("label values and help text are escaped") {
  MetricFamily f{"m", "a \\ b\nc", "gauge", {{{{"l", "x\"y\\z\nw"}}, 1}}};
  CHECK(render_exposition({f}) ==
        "# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{l=\"x\\\"y\\\\z\\nw\"} 1\n");
}
