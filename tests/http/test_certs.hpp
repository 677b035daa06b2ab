// Test certificates made once per test run with the openssl command: two CAs, one server cert.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace nv::test {

/// Paths of PEM files under NV_TEST_TMP_DIR.
struct test_certs {
  std::string ca;           ///< the CA that signed the server certificate
  std::string other_ca;     ///< an unrelated CA
  std::string server_cert;  ///< SAN DNS:localhost only, so 127.0.0.1 is a host-name mismatch
  std::string server_key;
};

/// Returns the certificates, generating them on first use (fails the test if openssl fails).
inline const test_certs& certs() {
  static const test_certs made = [] {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(NV_TEST_TMP_DIR) / fmt::format("certs-{}", ::getpid());
    fs::create_directories(dir);
    const auto at = [&](const char* name) { return (dir / name).string(); };
    std::ofstream(at("server.ext")) << "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n";
    const auto run = [](const std::string& command) {
      REQUIRE_MESSAGE(std::system((command + " >/dev/null 2>&1").c_str()) == 0, command);
    };
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for (const char* ca : {"ca", "other-ca"})
      run(
          fmt::format("openssl req -x509 {} -keyout {} -out {} -days 2 -subj '/CN=nv test {}' "
                      "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign",
                      key, at(ca) + ".key", at(ca) + ".pem", ca));
    run(fmt::format("openssl req {} -keyout {} -out {} -subj /CN=localhost", key, at("server.key"),
                    at("server.csr")));
    run(fmt::format(
        "openssl x509 -req -in {} -CA {} -CAkey {} -CAcreateserial -out {} -days 2 "
        "-extfile {}",
        at("server.csr"), at("ca.pem"), at("ca.key"), at("server.pem"), at("server.ext")));
    return test_certs{at("ca.pem"), at("other-ca.pem"), at("server.pem"), at("server.key")};
  }();
  return made;
}

}  // namespace nv::test
