// Builds test CAs and server certificates with the OpenSSL 3 EVP and X509 APIs.
#include "nv/tls/self_signed.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace nv::tls {
namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
struct ext_free {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, ext_free>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  throw std::runtime_error("tls: " + what + ": " + buf);
}

pkey_ptr make_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key) fail("EC P-256 key generation failed");
  return key;
}

void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) fail("RAND_bytes failed");
  bytes[0] &= 0x7f;  // A serial number must be positive.
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert))) fail("serial number");
  BN_free(bn);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail(std::string("extension ") + value);
}

// A certificate valid from an hour ago (clock skew) for 30 days, with subject CN only.
x509_ptr make_cert(EVP_PKEY* key, const std::string& common_name) {
  x509_ptr cert{X509_new()};
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  set_random_serial(cert.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1) fail("subject");
  return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("tls: cannot write " + path.string());
  int ok = PEM_write_X509(f, cert);
  std::fclose(f);
  if (ok != 1) fail("writing " + path.string());
}

void write_pem(const std::filesystem::path& path, EVP_PKEY* key) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("tls: cannot write " + path.string());
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  int ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  if (ok != 1) fail("writing " + path.string());
}

struct ca {
  pkey_ptr key;
  x509_ptr cert;
};

ca make_ca(const std::string& common_name) {
  ca out{make_key(), nullptr};
  out.cert = make_cert(out.key.get(), common_name);
  X509* c = out.cert.get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(c, c, NID_subject_key_identifier, "hash");
  if (X509_sign(c, out.key.get(), EVP_sha256()) == 0) fail("signing the CA");
  return out;
}

ca_files write_ca_files(const std::filesystem::path& dir, const ca& authority) {
  std::filesystem::create_directories(dir);
  ca_files files{dir / "ca.pem", dir / "ca-key.pem"};
  write_pem(files.cert, authority.cert.get());
  write_pem(files.key, authority.key.get());
  return files;
}

}  // namespace

ca_files write_ca(const std::filesystem::path& dir, const std::string& common_name) {
  return write_ca_files(dir, make_ca(common_name));
}

server_files write_self_signed(const std::filesystem::path& dir) {
  ca authority = make_ca("nvsim test CA");
  server_files files{write_ca_files(dir, authority), dir / "server.pem", dir / "server-key.pem"};
  pkey_ptr key = make_key();
  x509_ptr cert = make_cert(key.get(), "localhost");
  X509* c = cert.get();
  X509_set_issuer_name(c, X509_get_subject_name(authority.cert.get()));
  add_extension(c, authority.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(c, authority.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(c, authority.cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(c, authority.cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  add_extension(c, authority.cert.get(), NID_authority_key_identifier, "keyid");
  if (X509_sign(c, authority.key.get(), EVP_sha256()) == 0) fail("signing the server certificate");
  write_pem(files.cert, c);
  write_pem(files.key, key.get());
  return files;
}

}  // namespace nv::tls
