// Starts nvsim, learns its port from "listening on", and talks to its control endpoints.
#include "support/nvsim_process.hpp"

#include <fmt/core.h>
#include <boost/json/parse.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <stdexcept>

namespace nv::test {

std::filesystem::path make_temp_dir(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path base = NV_TEST_TMP_DIR;
  std::filesystem::create_directories(base);
  for (;;) {
    auto dir = base / fmt::format("{}-{}-{}", prefix, ::getpid(), counter++);
    if (std::filesystem::create_directory(dir)) return dir;
  }
}

nvsim_process::nvsim_process(const std::string& nvsim_path, std::vector<std::string> flags)
    : dir_(make_temp_dir("nvsim")) {
  plain_ = std::find(flags.begin(), flags.end(), "--plain") != flags.end();
  flags.insert(flags.begin(), {"--listen", "127.0.0.1:0"});
  if (!plain_) {
    flags.insert(flags.end(), {"--self-signed", dir_.string()});
    ca_file_ = dir_ / "ca.pem";
  }
  process_ = std::make_unique<child_process>(nvsim_path, flags);
  auto line = process_->read_line(std::chrono::seconds(10));
  constexpr std::string_view prefix = "listening on 127.0.0.1:";
  if (!line || !line->starts_with(prefix)) {
    process_->wait(std::chrono::seconds(1));
    throw std::runtime_error("nvsim did not start: " + line.value_or("(no output)") + " " +
                             process_->stderr_text());
  }
  port_ = static_cast<std::uint16_t>(std::stoul(line->substr(prefix.size())));
}

std::string nvsim_process::base_url() const {
  return fmt::format("{}://127.0.0.1:{}", plain_ ? "http" : "https", port_);
}

std::unique_ptr<https_test_client> nvsim_process::client() const {
  return std::make_unique<https_test_client>("127.0.0.1", port_, ca_file_);
}

https_test_client& nvsim_process::control() {
  if (!control_) control_ = client();
  return *control_;
}

boost::json::value nvsim_process::stats() {
  auto answer = control().get("/_sim/stats");
  if (answer.status != 200) throw std::runtime_error("GET /_sim/stats failed: " + answer.body);
  return boost::json::parse(answer.body);
}

std::vector<boost::json::value> nvsim_process::users() {
  auto answer = control().get("/_sim/users");
  if (answer.status != 200) throw std::runtime_error("GET /_sim/users failed: " + answer.body);
  std::vector<boost::json::value> out;
  std::string_view rest = answer.body;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    if (!line.empty()) out.push_back(boost::json::parse(line));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  return out;
}

void nvsim_process::reset() {
  auto answer = control().post("/_sim/reset", "");
  if (answer.status != 200) throw std::runtime_error("POST /_sim/reset failed: " + answer.body);
}

nvsim_exit nvsim_process::stop(std::chrono::milliseconds timeout) {
  control_.reset();
  nvsim_exit out;
  process_->send_signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto status = process_->wait(timeout);
  out.status = status.value_or(-1);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  std::string text = process_->read_stdout_to_end(std::max(left, std::chrono::milliseconds(0)));
  boost::system::error_code ec;
  auto first_line = text.substr(0, text.find('\n'));
  if (!first_line.empty()) out.stats = boost::json::parse(first_line, ec);
  if (ec) out.stats = nullptr;
  return out;
}

}  // namespace nv::test
