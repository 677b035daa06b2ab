// Tests for nv::tls::write_ca and write_self_signed: files, chain, names and a foreign CA.
#include "nv/tls/self_signed.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>

namespace {

X509* load_cert(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(cert != nullptr);
  return cert;
}

// Returns whether `leaf` verifies against `ca` alone, as a TLS client would check it.
bool verifies(const std::filesystem::path& leaf, const std::filesystem::path& ca) {
  X509* cert = load_cert(leaf);
  X509* root = load_cert(ca);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(root);
  X509_free(cert);
  return ok;
}

}  // namespace

TEST_CASE("write_self_signed writes a CA and a server certificate it signs") {
  auto dir = nv::test::make_temp_dir("tls");
  auto files = nv::tls::write_self_signed(dir / "certs");
  CHECK(files.ca.cert == dir / "certs" / "ca.pem");
  CHECK(files.cert == dir / "certs" / "server.pem");
  for (const auto& p : {files.ca.cert, files.ca.key, files.cert, files.key})
    CHECK(std::filesystem::file_size(p) > 100);
  auto perms = std::filesystem::status(files.key).permissions();
  CHECK((perms & std::filesystem::perms::group_read) == std::filesystem::perms::none);
  CHECK(verifies(files.cert, files.ca.cert));
}

TEST_CASE("the server certificate names 127.0.0.1 and localhost only") {
  auto files = nv::tls::write_self_signed(nv::test::make_temp_dir("tls"));
  X509* cert = load_cert(files.cert);
  CHECK(X509_check_ip_asc(cert, "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(cert, "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert, "127.0.0.2", 0) == 0);
  CHECK(X509_check_host(cert, "example.com", 0, 0, nullptr) == 0);
  CHECK(X509_check_ca(cert) == 0);
  X509_free(cert);
}

TEST_CASE("write_ca makes a CA that does not verify another CA's server certificate") {
  auto dir = nv::test::make_temp_dir("tls");
  auto files = nv::tls::write_self_signed(dir / "server");
  auto other = nv::tls::write_ca(dir / "other", "other CA");
  X509* ca = load_cert(other.cert);
  CHECK(X509_check_ca(ca) == 1);
  X509_free(ca);
  CHECK_FALSE(verifies(files.cert, other.cert));
  CHECK(verifies(files.cert, files.ca.cert));
}
