// One import run: reading thread → bounded channel → delivery workers → summary.
#include "nv/deliver/import_job.hpp"

#include "nv/pipeline/record_pump.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

namespace nv::deliver {

namespace asio = boost::asio;
using batch_ptr = std::shared_ptr<const batch::batch>;

/// The bounded hand-over between the reading thread and the workers; a null batch tells one
/// worker that the input has ended.
struct import_job::channel_box {
  asio::experimental::concurrent_channel<void(boost::system::error_code, batch_ptr)> channel;
};

std::uint64_t rejected_total(const pipeline::stage_counters& local,
                             const delivery_counters& remote) noexcept {
  return local.rejected_total() + remote.rejected_by_server + remote.failed;
}

std::array<std::uint64_t, record::reject_code_count> rejects_by_code(
    const pipeline::stage_counters& local, const delivery_counters& remote) noexcept {
  auto by_code = local.rejected;
  by_code[static_cast<std::size_t>(record::reject_code::server_rejected)] +=
      remote.rejected_by_server;
  by_code[static_cast<std::size_t>(record::reject_code::delivery_failed)] += remote.failed;
  return by_code;
}

import_job::import_job(api::client& client,
                       std::vector<std::unique_ptr<source::byte_source>> sources,
                       pipeline::normalise_function normalise, reject_writer* rejects,
                       import_options options)
    : client_(client),
      sources_(std::move(sources)),
      stage_(std::move(normalise), options.stage),
      rejects_(rejects),
      options_(options),
      deliverer_(client, options.delivery, counters_,
                 [this](const batch::batch& b, std::size_t i, const record::reject& reason) {
                   const auto& user = b.user(i);
                   write_reject(source_names_.at(b.source_id()), user.line, user.offset, reason,
                                b.original_line(i));
                 }) {
  for (const auto& source : sources_) source_names_.emplace_back(source->name());
  deliverer_.on_settled([this](const batch::batch& b, bool complete) {
    if (watermark_ && complete) watermark_->settled(b.first_offset());
  });
}

void import_job::track(checkpoint::delivery_watermark& watermark, checkpoint::position start) {
  watermark_ = &watermark;
  start_ = start;
}

std::error_code import_job::sync_rejects() {
  if (!rejects_) return {};
  std::lock_guard lock(rejects_mutex_);
  return rejects_->sync();
}

void import_job::mark_read() {
  if (!watermark_) return;
  auto at = stage_.resume_point();
  watermark_->read_through({at.offset, at.line});
}

import_job::~import_job() = default;

void import_job::write_reject(std::string_view source, std::uint64_t line, std::uint64_t offset,
                              const record::reject& reason, std::string_view text) {
  if (!rejects_) return;
  std::lock_guard lock(rejects_mutex_);
  auto error = rejects_->write(
      {.source = source, .line = line, .offset = offset, .reason = reason, .record = text});
  if (error && reject_error_.empty()) {
    reject_error_ =
        fmt::format("cannot write reject file \"{}\": {}", rejects_->path(), error.message());
  }
}

void import_job::read_all(channel_box& box) {
  std::vector<source::stream_position> starts;
  if (watermark_) starts.push_back({start_.offset, start_.line});
  pipeline::record_pump pump(stage_, std::move(sources_), std::move(starts));
  // Blocks this thread while the channel is full: the back-pressure of the whole pipeline.
  // A closed channel (the workers are gone) ends the reading.
  auto send = [&](batch_ptr b) {
    // Announced before it can settle, so the watermark never passes its first line.
    if (watermark_ && b)
      watermark_->pending(b->first_offset(), {b->first_offset(), b->user(0).line});
    // Most batches find room: handed over here, without a round trip through the I/O
    // thread that a future costs (a post, a wake-up of each thread).
    if (box.channel.try_send(boost::system::error_code{}, b)) return true;
    try {
      box.channel.async_send(boost::system::error_code{}, std::move(b), asio::use_future).get();
      return true;
    } catch (const boost::system::system_error&) {
      return false;
    }
  };
  bool reading = true;
  bool channel_open = true;  // false once the workers are gone
  std::uint32_t current_source = 0;
  std::uint64_t finished_bytes = 0;
  std::uint64_t last_end = 0;
  while (reading && !stop_reading_) {
    auto event = pump.next();
    const auto& counters = stage_.counters();
    progress_.read.store(counters.read, std::memory_order_relaxed);
    progress_.rejected.store(counters.rejected_total(), std::memory_order_relaxed);
    switch (event) {
      case pipeline::pump_event::batch: {
        batch_ptr b(stage_.take_batch());
        if (b->source_id() != current_source) {
          finished_bytes += last_end;  // sources are read one after another
          current_source = b->source_id();
        }
        last_end = b->end_offset();
        progress_.bytes.store(finished_bytes + last_end, std::memory_order_relaxed);
        reading = channel_open = send(std::move(b));
        mark_read();
        break;
      }
      case pipeline::pump_event::reject: {
        const auto& r = stage_.rejected();
        write_reject(r.source, r.line, r.offset, r.reason, r.record);
        progress_.rejected_by_code[static_cast<std::size_t>(r.reason.code)].fetch_add(
            1, std::memory_order_relaxed);
        mark_read();
        break;
      }
      case pipeline::pump_event::read_error:
        read_error_ = pump.error();
        reading = false;
        break;
      case pipeline::pump_event::end:
        mark_read();
        reading = false;
        break;
    }
  }
  // A drain, or a source that broke, sends the partly filled batch too: what was read is
  // delivered, not lost or read again.
  if (channel_open && (stop_reading_ || !read_error_.empty())) {
    if (auto partial = stage_.take_partial(); partial && send(batch_ptr(std::move(partial))))
      mark_read();
  }
  for (std::size_t i = 0; i < options_.workers && send(nullptr); ++i) {
  }
}

asio::awaitable<void> import_job::worker(channel_box& box) {
  for (;;) {
    auto [error, b] = co_await box.channel.async_receive(asio::as_tuple(asio::use_awaitable));
    if (error || !b) co_return;
    co_await deliverer_.deliver(std::move(b));
    // Refused credentials or TLS: stop reading; batches already read drain as not_sent.
    if (deliverer_.stopping()) stop_reading_ = true;
  }
}

asio::awaitable<import_result> import_job::run() {
  auto executor = co_await asio::this_coro::executor;
  channel_box box{{executor, options_.queue_batches}};
  std::thread reader([this, &box] { read_all(box); });

  std::size_t running = options_.workers;
  asio::steady_timer all_done(executor, asio::steady_timer::clock_type::time_point::max());
  for (std::size_t i = 0; i < options_.workers; ++i) {
    asio::co_spawn(executor, worker(box), [&](std::exception_ptr) {
      if (--running == 0) all_done.cancel();
    });
  }
  boost::system::error_code ignored;
  while (running > 0)
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_await deliverer_.drain();
  // Normally every worker took its end marker and the reading thread has returned; if a worker
  // died early, closing the channel releases a reader blocked on a full channel.
  box.channel.close();
  reader.join();

  import_result result;
  result.local = stage_.counters();
  result.remote = counters_;
  result.read_error = read_error_;
  result.reject_error = reject_error_;
  result.last_failure = deliverer_.last_failure();
  result.auth_failed = deliverer_.auth_failed();
  result.fatal_message = deliverer_.fatal_message();
  co_return result;
}

}  // namespace nv::deliver
