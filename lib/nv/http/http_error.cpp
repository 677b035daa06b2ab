// Names of transport failure kinds.
#include "nv/http/http_error.hpp"

#include <stdexcept>

namespace nv::http {

std::string_view kind_name(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::connect:
      return "connect";
    case error_kind::tls:
      return "tls";
    case error_kind::timeout:
      return "timeout";
    case error_kind::closed:
      return "closed";
    case error_kind::protocol:
      return "protocol";
    case error_kind::pool_exhausted:
      return "pool_exhausted";
    case error_kind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

void throw_exception_from_error(const http_error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

}  // namespace nv::http
