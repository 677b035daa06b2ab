// nvsim's entry point: options, certificates, the server, and stats on SIGTERM.
#include "nv/tls/self_signed.hpp"
#include "sim/endpoints.hpp"
#include "sim/options.hpp"
#include "sim/server.hpp"

#include <fmt/core.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

namespace {

int run(const nv::sim::options& opts) {
  std::unique_ptr<boost::asio::ssl::context> tls;
  if (!opts.plain) {
    std::string cert = opts.tls_cert, key = opts.tls_key;
    if (!opts.self_signed_dir.empty()) {
      auto files = nv::tls::write_self_signed(opts.self_signed_dir);
      cert = files.cert.string();
      key = files.key.string();
    }
    tls = nv::sim::make_tls_context(cert, key);
  }
  boost::asio::io_context io{static_cast<int>(opts.threads)};
  nv::sim::simulated_api api(opts);
  nv::sim::server srv(io, opts, api, tls.get());
  srv.start();
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    srv.stop();
    fmt::print("{}\n", boost::json::serialize(api.stats_json()));
    std::fflush(stdout);
    io.stop();
  });
  // Tests read this line through a pipe to learn the port: flush it at once.
  fmt::print("listening on {}:{}\n", opts.host, srv.port());
  std::fflush(stdout);
  std::vector<std::thread> more;
  for (unsigned i = 1; i < opts.threads; ++i) more.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : more) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  int status = 0;
  auto opts = nv::sim::parse_options(argc, argv, status);
  if (!opts) return status;
  try {
    return run(*opts);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nvsim: {}\n", e.what());
    return 2;
  }
}
