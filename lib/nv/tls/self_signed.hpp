// Test certificate authorities and server certificates made with OpenSSL 3 (nvsim --self-signed).
#pragma once

#include <filesystem>
#include <string>

namespace nv::tls {

/// Paths of a certificate authority written by write_ca().
struct ca_files {
  std::filesystem::path cert;  ///< ca.pem: the certificate clients verify against.
  std::filesystem::path key;   ///< ca-key.pem: its private key (mode 0600).
};

/// Paths of a CA and a server certificate signed by it, written by write_self_signed().
struct server_files {
  ca_files ca;
  std::filesystem::path cert;  ///< server.pem: leaf certificate for 127.0.0.1 and localhost.
  std::filesystem::path key;   ///< server-key.pem: its private key (mode 0600).
};

/// Writes a fresh CA (EC P-256, basicConstraints CA:TRUE) as ca.pem and ca-key.pem into `dir`,
/// creating `dir` when missing. Throws std::runtime_error on failure: it runs at start-up only.
ca_files write_ca(const std::filesystem::path& dir,
                  const std::string& common_name = "nvsim test CA");

/// Writes a fresh CA and a server certificate it signs (SAN IP:127.0.0.1, DNS:localhost) into
/// `dir` as ca.pem, ca-key.pem, server.pem and server-key.pem. Throws std::runtime_error on
/// failure.
server_files write_self_signed(const std::filesystem::path& dir);

}  // namespace nv::tls
