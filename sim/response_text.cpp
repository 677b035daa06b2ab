// Serialises answers as HTTP/1.x responses without a Beast serializer in between.
#include "sim/response_text.hpp"

#include <fmt/format.h>
#include <boost/beast/http/status.hpp>

#include <iterator>

namespace nv::sim {

void write_response(std::string& out, const answer& a, unsigned version, bool keep_alive) {
  namespace http = boost::beast::http;
  out.clear();
  auto to = std::back_inserter(out);
  auto reason = http::obsolete_reason(static_cast<http::status>(a.status));
  fmt::format_to(to, "HTTP/{}.{} {} {}\r\nServer: nvsim\r\nContent-Type: {}\r\n", version / 10,
                 version % 10, a.status, std::string_view(reason.data(), reason.size()),
                 a.content_type);
  fmt::format_to(to, "Content-Length: {}\r\n", a.body.size());
  if (a.retry_after) fmt::format_to(to, "Retry-After: {}\r\n", a.retry_after->count());
  // HTTP/1.1 keeps a connection open unless told, HTTP/1.0 closes it unless told.
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  out += a.body;
}

}  // namespace nv::sim
