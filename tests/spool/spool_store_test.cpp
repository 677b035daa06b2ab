// Tests for the spool store: segment files, sealing by size and age, group commit, a full
// store, crash recovery and removal, on real files.
#include "nv/spool/spool_store.hpp"

#include "spool/spool_test_io.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace nv::spool;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace asio::experimental::awaitable_operators;
using nv::test::file_text;
using nv::test::io_thread;
using nv::test::write_text;

namespace {

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

// A store in a fresh directory, driven on its own io thread; destroyed on that thread.
struct store_on_io {
  explicit store_on_io(const std::string& name, spool_options options = {})
      : dir(nv::test::make_temp_dir(name)) {
    options.dir = dir;
    store = io.call([&] { return std::make_unique<spool_store>(io.executor(), options); });
  }
  ~store_on_io() {
    io.call([&] { store.reset(); });
  }

  // Appends `lines` and waits until they are durable; returns the ticket.
  spool_ticket append_durably(const std::string& lines) {
    return io.await([&]() -> asio::awaitable<spool_ticket> {
      const auto ticket = (co_await store->append(lines)).value();
      (co_await store->durable(ticket)).value();
      co_return ticket;
    });
  }
  void seal() {
    io.await([&]() -> asio::awaitable<void> { (co_await store->seal()).value(); });
  }
  std::vector<spool_segment> sealed() {
    return io.call([&] { return store->sealed_segments(); });
  }
  spool_counters counters() {
    return io.call([&] { return store->counters(); });
  }

  io_thread io;
  fs::path dir;
  std::unique_ptr<spool_store> store;
};

}  // namespace

TEST_CASE("spool_store: appended lines are durable, then sealed into a .ndjson segment") {
  store_on_io s("spool-basic");
  const auto ticket = s.append_durably("{\"a\":1}\n{\"b\":2}\n");
  CHECK(ticket.end == 16);
  // Durable but not sealed: the importer must not see a segment that may still grow.
  CHECK(s.sealed().empty());
  CHECK(names_in(s.dir) == std::set<std::string>{"segment-00000000000000000001.open"});
  s.seal();
  const auto sealed = s.sealed();
  REQUIRE(sealed.size() == 1);
  CHECK(sealed[0].sequence == 1);
  CHECK(sealed[0].path == s.dir / "segment-00000000000000000001.ndjson");
  CHECK(sealed[0].bytes == 16);
  CHECK(file_text(sealed[0].path) == "{\"a\":1}\n{\"b\":2}\n");
  CHECK(names_in(s.dir) == std::set<std::string>{"segment-00000000000000000001.ndjson"});
  const auto counters = s.counters();
  CHECK(counters.appends == 1);
  CHECK(counters.appended_bytes == 16);
  CHECK(counters.sealed == 1);
  CHECK(counters.disk_bytes == 16);
}

TEST_CASE("spool_store: a segment is sealed once it reaches segment_bytes") {
  store_on_io s("spool-size", {.segment_bytes = 100});
  const std::string line(59, 'x');  // 60 bytes with its newline
  s.append_durably(line + "\n");
  CHECK(s.sealed().empty());
  s.append_durably(line + "\n");  // 120 >= 100: sealed after this append
  s.append_durably(line + "\n");  // into segment 2
  // durable() covered the sealing sync or the one after it; seal() leaves segment 2 open.
  REQUIRE(s.io.wait_until([&] { return s.store->sealed_segments().size() == 1; }));
  auto sealed = s.sealed();
  CHECK(sealed[0].bytes == 120);
  CHECK(file_text(sealed[0].path) == line + "\n" + line + "\n");
  CHECK(names_in(s.dir).contains("segment-00000000000000000002.open"));
  s.seal();
  sealed = s.sealed();
  REQUIRE(sealed.size() == 2);
  CHECK(sealed[1].sequence == 2);
  CHECK(sealed[1].bytes == 60);
}

TEST_CASE("spool_store: a segment holding data is sealed after seal_after") {
  store_on_io s("spool-age", {.seal_after = std::chrono::milliseconds(50)});
  const auto started = std::chrono::steady_clock::now();
  s.append_durably("{\"trickle\":1}\n");
  s.io.await([&]() -> asio::awaitable<void> { (co_await s.store->wait_for_segment()).value(); });
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));
  const auto sealed = s.sealed();
  REQUIRE(sealed.size() == 1);
  CHECK(file_text(sealed[0].path) == "{\"trickle\":1}\n");
  CHECK(s.counters().sealed == 1);
}

TEST_CASE("spool_store: one fdatasync covers every append made before it (group commit)") {
  store_on_io s("spool-group");
  // Ten appends, then ten callers waiting for durability at once: one sync serves them all.
  s.io.await([&]() -> asio::awaitable<void> {
    std::vector<spool_ticket> tickets;
    for (int i = 0; i < 10; ++i)
      tickets.push_back((co_await s.store->append("{\"n\":" + std::to_string(i) + "}\n")).value());
    auto all = s.store->durable(tickets[0]) && s.store->durable(tickets[1]) &&
               s.store->durable(tickets[2]) && s.store->durable(tickets[3]) &&
               s.store->durable(tickets[4]) && s.store->durable(tickets[5]) &&
               s.store->durable(tickets[6]) && s.store->durable(tickets[7]) &&
               s.store->durable(tickets[8]) && s.store->durable(tickets[9]);
    co_await std::move(all);
  });
  auto counters = s.counters();
  CHECK(counters.appends == 10);
  CHECK(counters.syncs == 1);

  // Appends made while a sync runs are covered together by the next one.
  s.io.await([&]() -> asio::awaitable<void> {
    const auto first = (co_await s.store->append("{\"first\":1}\n")).value();
    auto later = [&]() -> asio::awaitable<void> {
      spool_ticket last;
      for (int i = 0; i < 5; ++i) last = (co_await s.store->append("{\"later\":1}\n")).value();
      (co_await s.store->durable(last)).value();
    };
    auto both = s.store->durable(first) && later();
    co_await std::move(both);
  });
  counters = s.counters();
  CHECK(counters.appends == 16);
  CHECK(counters.syncs == 3);
}

TEST_CASE("spool_store: a full store makes appends wait until a segment is removed") {
  store_on_io s("spool-full", {.segment_bytes = 1000, .max_bytes = 300});
  const std::string line(99, 'x');
  for (int i = 0; i < 3; ++i) s.append_durably(line + "\n");
  CHECK(s.counters().disk_bytes == 300);

  std::promise<boost::system::result<spool_ticket, spool_error>> fourth;
  s.io.call([&] {
    asio::co_spawn(s.io.executor(), s.store->append("y\n"),
                   [&](std::exception_ptr, auto result) { fourth.set_value(std::move(result)); });
  });
  auto appended = fourth.get_future();
  // The waiting append sealed the open segment so the importer can free room.
  s.io.await([&]() -> asio::awaitable<void> { (co_await s.store->wait_for_segment()).value(); });
  auto counters = s.counters();
  CHECK(counters.waiting_appends == 1);
  CHECK(counters.full_waits == 1);
  CHECK(counters.disk_bytes == 300);
  CHECK(appended.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);

  const auto sealed = s.sealed();
  REQUIRE(sealed.size() == 1);
  CHECK(sealed[0].bytes == 300);
  s.io.call([&] { s.store->remove(sealed[0]).value(); });
  const auto result = appended.get();
  REQUIRE(result.has_value());
  CHECK(result->end == 302);
  counters = s.counters();
  CHECK(counters.waiting_appends == 0);
  CHECK(counters.disk_bytes == 2);
  CHECK(counters.removed == 1);
  CHECK_FALSE(fs::exists(sealed[0].path));
}

TEST_CASE("spool_store: an append larger than max_bytes is an error, not a wait") {
  store_on_io s("spool-too-big", {.max_bytes = 10});
  const auto result =
      s.io.await([&]() -> asio::awaitable<boost::system::result<spool_ticket, spool_error>> {
        co_return co_await s.store->append(std::string(11, 'x'));
      });
  REQUIRE(result.has_error());
  CHECK(result.error().code == std::errc::file_too_large);
  CHECK(result.error().message.find("can never fit in max_bytes 10") != std::string::npos);
  CHECK(s.counters().appends == 0);
}

TEST_CASE("spool_store: a waiting append that is cancelled writes nothing and leaves the queue") {
  store_on_io s("spool-cancel", {.max_bytes = 10});
  s.append_durably("123456789\n");
  asio::cancellation_signal cancel;
  std::promise<boost::system::result<spool_ticket, spool_error>> waiting;
  s.io.call([&] {
    asio::co_spawn(
        s.io.executor(), s.store->append("z\n"),
        asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr, auto result) {
          waiting.set_value(std::move(result));
        }));
  });
  REQUIRE(s.io.wait_until([&] { return s.store->counters().waiting_appends == 1; }));
  s.io.call([&] { cancel.emit(asio::cancellation_type::terminal); });
  const auto result = waiting.get_future().get();
  REQUIRE(result.has_error());
  CHECK(result.error().code == std::errc::operation_canceled);
  const auto counters = s.counters();
  CHECK(counters.waiting_appends == 0);
  CHECK(counters.appends == 1);
  CHECK(counters.disk_bytes == 10);
}

TEST_CASE("spool_store: a segment a crash left open is cut after its last newline and sealed") {
  const auto dir = nv::test::make_temp_dir("spool-recover");
  write_text(dir / "segment-00000000000000000001.ndjson", "{\"old\":1}\n");
  write_text(dir / "segment-00000000000000000002.open", "{\"a\":1}\n{\"b\":2}\n{\"part");
  write_text(dir / "segment-00000000000000000003.open", "{\"only-part");
  write_text(dir / "unrelated.txt", "left alone");
  io_thread io;
  auto store = io.call(
      [&] { return std::make_unique<spool_store>(io.executor(), spool_options{.dir = dir}); });
  const auto sealed = io.call([&] { return store->sealed_segments(); });
  REQUIRE(sealed.size() == 2);
  CHECK(sealed[0].sequence == 1);
  CHECK(sealed[1].sequence == 2);
  CHECK(sealed[1].bytes == 16);
  CHECK(file_text(sealed[1].path) == "{\"a\":1}\n{\"b\":2}\n");
  auto counters = io.call([&] { return store->counters(); });
  CHECK(counters.recovered == 2);
  CHECK(counters.cut_bytes == 6 + 11);  // "{\"part" and "{\"only-part"
  CHECK(counters.disk_bytes == 10 + 16);
  CHECK(names_in(dir) == std::set<std::string>{"segment-00000000000000000001.ndjson",
                                               "segment-00000000000000000002.ndjson",
                                               "unrelated.txt"});
  // New data goes to a sequence after every one seen, so import order stays append order.
  io.await([&]() -> asio::awaitable<void> {
    (co_await store->append("{\"new\":1}\n")).value();
    (co_await store->seal()).value();
  });
  const auto after = io.call([&] { return store->sealed_segments(); });
  REQUIRE(after.size() == 3);
  CHECK(after[2].sequence == 4);
  io.call([&] { store.reset(); });
}

TEST_CASE("spool_store: remove() takes only sealed segments of the store") {
  store_on_io s("spool-remove");
  s.append_durably("{\"a\":1}\n");
  s.seal();
  const auto sealed = s.sealed();
  REQUIRE(sealed.size() == 1);
  auto stranger = sealed[0];
  stranger.sequence = 99;
  const auto refused = s.io.call([&] { return s.store->remove(stranger); });
  REQUIRE(refused.has_error());
  CHECK(refused.error().code == std::errc::invalid_argument);
  CHECK(s.io.call([&] { return s.store->remove(sealed[0]); }).has_value());
  CHECK(s.sealed().empty());
  CHECK(s.counters().disk_bytes == 0);
  CHECK(names_in(s.dir).empty());
}
