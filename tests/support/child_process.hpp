// A child program for integration tests: pipes for its output, deadlines on every wait, and
// always killed and reaped by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nv::test {

/// How to start a child process.
struct child_options {
  std::vector<std::string> env;  ///< "NAME=VALUE" entries added to (or replacing in) ours.
  bool pipe_stdin = false;       ///< Give the child a pipe for stdin (else /dev/null).
};

/// A started program whose stdout and stderr are captured through pipes. Both pipes are drained
/// whenever the test waits on the child, so a chatty child never blocks on a full pipe.
/// Not thread-safe.
class child_process {
 public:
  /// Starts `program` with `args` (without argv[0]). Throws std::runtime_error when it cannot.
  child_process(const std::string& program, const std::vector<std::string>& args,
                const child_options& options = {});
  /// Kills (SIGKILL) and reaps the child unless it was already reaped.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Returns the child's process id.
  pid_t pid() const { return pid_; }

  /// Returns the next line of stdout without its newline, or nothing when none arrived in time
  /// or stdout ended.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  /// Reads stdout until it ends or the timeout passes; returns what has not been read as lines.
  std::string read_stdout_to_end(std::chrono::milliseconds timeout);

  /// Returns everything the child wrote to stderr so far (drained while waiting).
  const std::string& stderr_text() const { return err_; }

  /// Writes to the child's stdin; returns false when it is closed or not piped.
  bool write_stdin(std::string_view data);

  /// Closes the child's stdin so it sees end of input.
  void close_stdin();

  /// Sends a signal to the child (ignored once it has been reaped).
  void send_signal(int signal);

  /// Waits for the child to exit; returns its status (exit code, or 128 + signal number), or
  /// nothing when it is still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  using clock = std::chrono::steady_clock;
  // Polls the pipes (and the child, when `watch_exit`) until something happens or `deadline`.
  void pump(clock::time_point deadline, bool watch_exit);
  bool try_reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
};

}  // namespace nv::test
