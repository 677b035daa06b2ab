// The spool's segments: appends on the io thread, group-committed fdatasync on its own thread.
#include "nv/spool/spool_store.hpp"

#include "nv/checkpoint/durable_file.hpp"
#include "nv/spool/segment_files.hpp"

#include <fmt/format.h>
#include <fmt/std.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace nv::spool {

namespace asio = boost::asio;
namespace fs = std::filesystem;

void throw_exception_from_error(const spool_error& error, const boost::source_location&) {
  throw std::system_error(error.code, error.message);
}

namespace {

std::error_code write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {errno, std::generic_category()};
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

// A caller parked in the store; lives in the caller's coroutine frame.
struct spool_store::parked {
  asio::steady_timer timer;
  std::uint64_t ticket = 0;  // durable(): the position it waits for
  bool woken = false;        // set by whoever cancels the timer to say "look again", not "give up"
};

// What one round on the sync thread does: sync the open segment, sync and seal the segments
// closed for appends, and sync the directory when an entry in it changed.
struct spool_store::sync_job {
  std::uint64_t target = 0;  // the stream position every append before the job ends at
  int open_fd = -1;
  fs::path open_path;
  struct to_seal {
    open_segment segment;
    fs::path from;
    fs::path to;
  };
  std::vector<to_seal> sealing;
  std::optional<fs::path> dir;
};

struct spool_store::sync_outcome {
  std::uint64_t target = 0;
  std::vector<spool_segment> sealed;
  std::optional<spool_error> error;
};

namespace {

// Whether the caller was cancelled (rather than woken) while parked.
bool parking_cancelled(const boost::system::error_code& ec, bool woken,
                       asio::cancellation_type cancelled) {
  return cancelled != asio::cancellation_type::none || (ec && !woken);
}

// Keeps a parked caller in a waiter list while it exists: left on every exit, cancellation
// and coroutine frame destruction included.
template <typename T>
class listed {
 public:
  listed(std::list<T*>& list, T* item) : list_(list), position_(list.insert(list.end(), item)) {}
  ~listed() { list_.erase(position_); }
  listed(const listed&) = delete;
  listed& operator=(const listed&) = delete;

 private:
  std::list<T*>& list_;
  typename std::list<T*>::iterator position_;
};

spool_error cancelled_error() {
  return {make_error_code(std::errc::operation_canceled),
          "spool: the waiting caller was cancelled"};
}

}  // namespace

spool_store::spool_store(asio::any_io_executor executor, spool_options options)
    : executor_(std::move(executor)), options_(std::move(options)), age_timer_(executor_) {
  if (options_.segment_bytes == 0 || options_.max_bytes == 0)
    throw std::invalid_argument("spool: segment_bytes and max_bytes must be above zero");
  recover();
}

spool_store::~spool_store() {
  alive_.reset();       // a sync finishing now finds the store gone
  sync_thread_.join();  // the running sync, if any, still uses descriptors closed below
  if (open_) ::close(open_->fd);
  for (const auto& segment : sealing_) ::close(segment.fd);
}

fs::path spool_store::segment_path(std::uint64_t sequence, bool sealed) const {
  return options_.dir / segment_file_name({sequence, sealed});
}

spool_error spool_store::error_at(const fs::path& path, std::string_view what, int error) const {
  return {{error, std::generic_category()},
          fmt::format("spool segment {}: {}: {}", path, what, std::strerror(error))};
}

void spool_store::recover() {
  fs::create_directories(options_.dir);
  std::vector<std::uint64_t> left_open;
  for (const auto& entry : fs::directory_iterator(options_.dir)) {
    const auto parsed = parse_segment_name(entry.path().filename().native());
    if (!parsed) continue;
    next_sequence_ = std::max(next_sequence_, parsed->sequence + 1);
    if (parsed->sealed)
      sealed_.push_back({parsed->sequence, entry.path(), entry.file_size()});
    else
      left_open.push_back(parsed->sequence);
  }
  for (const auto sequence : left_open) {
    const auto from = segment_path(sequence, false);
    const auto size = fs::file_size(from);
    const auto kept = cut_after_last_newline(from);
    counters_.cut_bytes += size - kept;
    ++counters_.recovered;
    if (kept == 0) {
      fs::remove(from);
      continue;
    }
    const auto to = segment_path(sequence, true);
    fs::rename(from, to);
    sealed_.push_back({sequence, to, kept});
  }
  std::sort(sealed_.begin(), sealed_.end(),
            [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
  for (const auto& segment : sealed_) counters_.disk_bytes += segment.bytes;
  if (!left_open.empty()) {
    if (const auto error = checkpoint::sync_directory(options_.dir.string()))
      throw std::system_error(error, fmt::format("spool directory {}: cannot sync", options_.dir));
  }
}

asio::awaitable<bool> spool_store::park(parked& self) {
  self.woken = false;
  self.timer.expires_at(asio::steady_timer::time_point::max());
  const auto [ec] = co_await self.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
  co_return !parking_cancelled(ec, self.woken, cancelled);
}

namespace {

// Wakes a parked caller so it looks at the store again.
template <typename Parked>
void wake(Parked* waiter) {
  waiter->woken = true;
  waiter->timer.cancel();
}

}  // namespace

void spool_store::wake_room_head() {
  if (!room_waiters_.empty()) wake(room_waiters_.front());
}

asio::awaitable<boost::system::result<spool_ticket, spool_error>> spool_store::append(
    std::string_view lines) {
  if (failed_) co_return *failed_;
  if (lines.empty()) co_return spool_ticket{written_};
  if (lines.size() > options_.max_bytes)
    co_return spool_error{
        make_error_code(std::errc::file_too_large),
        fmt::format("spool {}: an append of {} bytes can never fit in max_bytes {}", options_.dir,
                    lines.size(), options_.max_bytes)};
  const auto fits = [&] { return counters_.disk_bytes + lines.size() <= options_.max_bytes; };
  if (!room_waiters_.empty() || !fits()) {
    ++counters_.full_waits;
    parked self{asio::steady_timer(executor_)};
    room_waiters_.push_back(&self);
    // Leaves the queue on every exit and hands the turn on: the next may fit as well.
    struct leave_queue {
      spool_store& store;
      std::list<parked*>::iterator position;
      ~leave_queue() {
        const bool was_head = position == store.room_waiters_.begin();
        store.room_waiters_.erase(position);
        if (was_head) store.wake_room_head();
      }
    } guard{*this, std::prev(room_waiters_.end())};
    // The importer can free only what is sealed: give it the open segment now, not after
    // seal_after, or a spool full of one open segment would wait for nothing.
    seal_open();
    while (room_waiters_.front() != &self || !fits()) {
      if (!co_await park(self)) co_return cancelled_error();
      if (failed_) co_return *failed_;
    }
  }
  if (!open_) {
    if (auto error = open_new_segment()) co_return *error;
  }
  auto& segment = *open_;
  if (const auto error = write_all(segment.fd, lines)) {
    auto failure = error_at(segment_path(segment.sequence, false),
                            fmt::format("cannot write {} bytes", lines.size()), error.value());
    // A partial line left in the segment would reach the importer: cut it off again.
    if (::ftruncate(segment.fd, static_cast<off_t>(segment.bytes)) != 0) fail(failure);
    co_return failure;
  }
  segment.bytes += lines.size();
  written_ += lines.size();
  counters_.disk_bytes += lines.size();
  ++counters_.appends;
  counters_.appended_bytes += lines.size();
  const spool_ticket ticket{written_};
  if (segment.bytes >= options_.segment_bytes) seal_open();
  co_return ticket;
}

std::optional<spool_error> spool_store::open_new_segment() {
  const auto sequence = next_sequence_;
  const auto path = segment_path(sequence, false);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return error_at(path, "cannot create", errno);
  ++next_sequence_;
  open_ = open_segment{sequence, fd, 0};
  dir_dirty_ = true;  // the new entry must be durable before anything in it is acknowledged
  arm_age_timer(sequence);
  return std::nullopt;
}

void spool_store::arm_age_timer(std::uint64_t sequence) {
  age_timer_.expires_after(options_.seal_after);
  age_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_), sequence](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        if (open_ && open_->sequence == sequence) seal_open();
      });
}

asio::awaitable<boost::system::result<void, spool_error>> spool_store::seal() {
  seal_open();
  parked self{asio::steady_timer(executor_), 0};
  const listed in_list(durable_waiters_, &self);
  while (sealed_through_ < last_sealing_) {
    if (failed_) co_return *failed_;
    if (!co_await park(self)) co_return cancelled_error();
  }
  co_return boost::system::result<void, spool_error>{};
}

void spool_store::seal_open() {
  if (!open_ || open_->bytes == 0) return;
  sealing_.push_back(*open_);
  last_sealing_ = open_->sequence;
  open_.reset();
  age_timer_.cancel();
  start_sync();
}

void spool_store::start_sync() {
  if (sync_running_ || failed_) return;
  const bool waited_for = std::any_of(durable_waiters_.begin(), durable_waiters_.end(),
                                      [&](const parked* w) { return w->ticket > synced_; });
  if (!waited_for && sealing_.empty()) return;
  sync_running_ = true;
  sync_job job;
  job.target = written_;
  if (open_) {
    job.open_fd = open_->fd;
    job.open_path = segment_path(open_->sequence, false);
  }
  for (const auto& segment : sealing_) {
    job.sealing.push_back(
        {segment, segment_path(segment.sequence, false), segment_path(segment.sequence, true)});
  }
  sealing_.clear();
  if (dir_dirty_ || !job.sealing.empty()) job.dir = options_.dir;
  dir_dirty_ = false;
  asio::post(sync_thread_, [this, job = std::move(job), alive = std::weak_ptr<int>(alive_)] {
    sync_outcome outcome{job.target, {}, {}};
    if (job.open_fd >= 0 && ::fdatasync(job.open_fd) != 0)
      outcome.error = error_at(job.open_path, "cannot sync", errno);
    for (const auto& s : job.sealing) {
      if (!outcome.error && ::fdatasync(s.segment.fd) != 0)
        outcome.error = error_at(s.from, "cannot sync", errno);
      ::close(s.segment.fd);
      if (!outcome.error && ::rename(s.from.c_str(), s.to.c_str()) != 0)
        outcome.error = error_at(s.from, "cannot seal (rename)", errno);
      if (!outcome.error) outcome.sealed.push_back({s.segment.sequence, s.to, s.segment.bytes});
    }
    if (!outcome.error && job.dir) {
      if (const auto ec = checkpoint::sync_directory(job.dir->string()))
        outcome.error = error_at(*job.dir, "cannot sync the directory", ec.value());
    }
    asio::post(executor_, [this, alive, outcome = std::move(outcome)]() mutable {
      if (!alive.expired()) finish_sync(std::move(outcome));
    });
  });
}

void spool_store::finish_sync(sync_outcome outcome) {
  sync_running_ = false;
  for (auto& segment : outcome.sealed) {
    sealed_through_ = segment.sequence;
    sealed_.push_back(std::move(segment));
    ++counters_.sealed;
  }
  if (!sealed_.empty()) {
    for (auto* waiter : segment_waiters_) wake(waiter);
  }
  if (outcome.error) {
    fail(std::move(*outcome.error));
    return;
  }
  ++counters_.syncs;
  synced_ = outcome.target;
  for (auto* waiter : durable_waiters_) {
    if (waiter->ticket <= synced_) wake(waiter);
  }
  start_sync();  // appends made while this sync ran, and segments sealed meanwhile
}

void spool_store::fail(spool_error error) {
  if (!failed_) failed_ = std::move(error);
  for (auto* waiter : durable_waiters_) wake(waiter);
  for (auto* waiter : room_waiters_) wake(waiter);
}

asio::awaitable<boost::system::result<void, spool_error>> spool_store::durable(
    spool_ticket ticket) {
  if (ticket.end <= synced_) co_return boost::system::result<void, spool_error>{};
  parked self{asio::steady_timer(executor_), ticket.end};
  const listed in_list(durable_waiters_, &self);
  start_sync();
  while (synced_ < ticket.end) {
    if (failed_) co_return *failed_;
    if (!co_await park(self)) co_return cancelled_error();
  }
  co_return boost::system::result<void, spool_error>{};
}

asio::awaitable<boost::system::result<void, spool_error>> spool_store::wait_for_segment() {
  if (!sealed_.empty()) co_return boost::system::result<void, spool_error>{};
  parked self{asio::steady_timer(executor_)};
  const listed in_list(segment_waiters_, &self);
  while (sealed_.empty()) {
    if (!co_await park(self)) co_return cancelled_error();
  }
  co_return boost::system::result<void, spool_error>{};
}

std::vector<spool_segment> spool_store::sealed_segments() const {
  return {sealed_.begin(), sealed_.end()};
}

boost::system::result<void, spool_error> spool_store::remove(const spool_segment& segment) {
  const auto found = std::find_if(sealed_.begin(), sealed_.end(),
                                  [&](const auto& s) { return s.sequence == segment.sequence; });
  if (found == sealed_.end())
    return spool_error{
        make_error_code(std::errc::invalid_argument),
        fmt::format("spool segment {}: not a sealed segment of this spool", segment.path)};
  if (::unlink(found->path.c_str()) != 0 && errno != ENOENT)
    return error_at(found->path, "cannot remove", errno);
  counters_.disk_bytes -= found->bytes;
  ++counters_.removed;
  sealed_.erase(found);
  dir_dirty_ = true;  // the next sync makes the removal durable too; nobody waits for it
  wake_room_head();
  return {};
}

spool_counters spool_store::counters() const {
  auto copy = counters_;
  copy.waiting_appends = room_waiters_.size();
  return copy;
}

}  // namespace nv::spool
