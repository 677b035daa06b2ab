// posix_spawn with pipes, poll() with deadlines, and pidfd to wait for exit without sleeping.
#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace nv::test {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const auto& x : extra) {
      auto name = x.substr(0, x.find('=') + 1);
      replaced = replaced || entry.starts_with(name);
    }
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

}  // namespace

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const child_options& options) {
  int out[2], err[2], in[2] = {-1, -1};
  make_pipe(out);
  make_pipe(err);
  if (options.pipe_stdin) make_pipe(in);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.pipe_stdin)
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = merged_environment(options.env);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);
  int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (options.pipe_stdin) ::close(in[0]);
  stdout_ = out[0];
  stderr_ = err[0];
  stdin_ = in[1];
  if (rc != 0) {
    close_fd(stdout_);
    close_fd(stderr_);
    close_fd(stdin_);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

child_process::~child_process() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(pidfd_);
  close_fd(stdin_);
  close_fd(stdout_);
  close_fd(stderr_);
}

bool child_process::try_reap() {
  if (status_) return true;
  int raw = 0;
  pid_t r = ::waitpid(pid_, &raw, WNOHANG);
  if (r == pid_) status_ = decode_status(raw);
  return status_.has_value();
}

void child_process::pump(clock::time_point deadline, bool watch_exit) {
  pollfd fds[3];
  nfds_t n = 0;
  if (stdout_ >= 0) fds[n++] = {stdout_, POLLIN, 0};
  if (stderr_ >= 0) fds[n++] = {stderr_, POLLIN, 0};
  // Without a pidfd, wake every 10 ms to look for the exit.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  int timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
  if (watch_exit && pidfd_ >= 0 && !status_)
    fds[n++] = {pidfd_, POLLIN, 0};
  else if (watch_exit && !status_)
    timeout = std::min(timeout, 10);
  if (n == 0) return;
  if (::poll(fds, n, timeout) <= 0) return;
  char buf[65536];
  for (nfds_t i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)) || fds[i].fd == pidfd_) continue;
    int& fd = fds[i].fd == stdout_ ? stdout_ : stderr_;
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0)
      (fd == stdout_ ? out_ : err_).append(buf, static_cast<std::size_t>(got));
    else if (got == 0 || errno != EINTR)
      close_fd(fd);
  }
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto nl = out_.find('\n');
    if (nl != std::string::npos) {
      std::string line = out_.substr(0, nl);
      out_.erase(0, nl + 1);
      return line;
    }
    if (stdout_ < 0 || clock::now() >= deadline) return std::nullopt;
    pump(deadline, false);
  }
}

std::string child_process::read_stdout_to_end(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (stdout_ >= 0 && clock::now() < deadline) pump(deadline, false);
  return std::exchange(out_, {});
}

bool child_process::write_stdin(std::string_view data) {
  while (stdin_ >= 0 && !data.empty()) {
    ssize_t n = ::write(stdin_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return stdin_ >= 0;
}

void child_process::close_stdin() {
  close_fd(stdin_);
}

void child_process::send_signal(int signal) {
  if (!status_) ::kill(pid_, signal);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!try_reap()) {
    if (clock::now() >= deadline) return std::nullopt;
    pump(deadline, true);
  }
  // What the child wrote just before it exited is still in the pipes: read it to their end
  // (bounded, in case a grandchild inherited them and keeps them open).
  auto drained = std::min(deadline, clock::now() + std::chrono::seconds(2));
  while ((stdout_ >= 0 || stderr_ >= 0) && clock::now() < drained) pump(drained, false);
  return status_;
}

}  // namespace nv::test
