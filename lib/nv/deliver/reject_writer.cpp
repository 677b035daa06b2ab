// Reject lines as JSON with invalid UTF-8 escaped byte by byte, written through a buffer.
#include "nv/deliver/reject_writer.hpp"

#include "nv/record/utf8.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>

namespace nv::deliver {
namespace {

// Lines are collected up to this size before one write(2).
constexpr std::size_t flush_threshold = 64 * 1024;

void append_escaped_byte(std::string& out, unsigned char c) {
  fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
}

void append_ascii(std::string& out, char c) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        append_escaped_byte(out, static_cast<unsigned char>(c));
      } else {
        out.push_back(c);
      }
  }
}

std::error_code write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t put = ::write(fd, data.data(), data.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      return {errno, std::system_category()};
    }
    data.remove_prefix(static_cast<std::size_t>(put));
  }
  return {};
}

}  // namespace

void append_json_bytes(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      append_ascii(out, text[i]);
      ++i;
    } else if (std::size_t length = record::utf8_sequence_length(text, i)) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      append_escaped_byte(out, c);
      ++i;
    }
  }
  out.push_back('"');
}

void append_reject_line(std::string& out, const reject_entry& entry) {
  out.append("{\"source\":");
  append_json_bytes(out, entry.source);
  fmt::format_to(std::back_inserter(out),
                 ",\"line\":{},\"offset\":{},\"code\":\"{}\",\"reason\":", entry.line, entry.offset,
                 record::code_name(entry.reason.code));
  append_json_bytes(out, entry.reason.message);
  out.append(",\"record\":");
  append_json_bytes(out, entry.record);
  out.append("}\n");
}

std::unique_ptr<reject_writer> reject_writer::open(const std::string& path, open_mode mode,
                                                   std::string& error) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == open_mode::append ? O_APPEND : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    error = fmt::format("cannot open reject file \"{}\": {}", path,
                        std::system_category().message(errno));
    return nullptr;
  }
  return std::unique_ptr<reject_writer>(new reject_writer(fd, path));
}

reject_writer::reject_writer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  buffer_.reserve(flush_threshold + 4096);
}

reject_writer::~reject_writer() {
  close();
}

std::error_code reject_writer::write(const reject_entry& entry) {
  append_reject_line(buffer_, entry);
  ++lines_;
  return buffer_.size() >= flush_threshold ? flush() : std::error_code{};
}

std::error_code reject_writer::flush() {
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  auto error = write_all(fd_, buffer_);
  buffer_.clear();
  return error;
}

std::error_code reject_writer::sync() {
  if (auto error = flush()) return error;
  if (::fdatasync(fd_) != 0) return {errno, std::system_category()};
  return {};
}

std::error_code reject_writer::close() {
  if (fd_ < 0) return {};
  auto error = flush();
  if (::close(fd_) != 0 && !error) error = {errno, std::system_category()};
  fd_ = -1;
  return error;
}

}  // namespace nv::deliver
